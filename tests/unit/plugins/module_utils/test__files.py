"""plugins/module_utils/_files.py: every write all-or-nothing, modes never widened, names that cannot leave their directory.

Failures are made real where the machine allows (a read-only bind mount, a file where a
directory must be) and injected where it does not (a full disk, a chown that is not
allowed): after each, every target is byte-for-byte as it was, with its mode and owner,
and no temporary file, backup or directory of the run is left.
"""

from __future__ import annotations

import errno
import os
import stat

import pytest
from kollatestlib import fingerprint, read_only_mount

from ansible_collections.multiarch.kolla.plugins.module_utils import _files


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize(
    ("name", "ok"),
    [("compute-01", True), ("cx1.example.org", True), (".multiarch-kolla.json", True), ("a b", True),
     ("", False), (".", False), ("..", False), ("a/b", False), ("../etc", False), ("x\0y", False), (None, False)],
)
def test_name_problem(name, ok):
    assert (_files.name_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("path", "ok"),
    [("nova/h1/nova-compute.conf", True), (".multiarch-kolla.json", True), ("host_vars/h.yml", True),
     ("../escape.conf", False), ("/etc/passwd", False), ("nova/../../x.conf", False), ("nova/x/../../../x", False),
     ("nova//x.conf", False), ("nova/./x.conf", False), ("nova/", False), ("", False)],
)
def test_relative_problem(path, ok):
    assert (_files.relative_problem(path) is None) is ok


@pytest.mark.parametrize("dir_mode", [0o700, 0o750, 0o2750])
def test_make_dirs_gives_every_created_directory_the_mode(tmp_path, dir_mode):
    old = os.umask(0o077)
    try:
        (tmp_path / "exists").mkdir(mode=0o755)
        os.chmod(tmp_path / "exists", 0o755)
        created = _files.make_dirs(str(tmp_path / "exists" / "a" / "b" / "c"), dir_mode)
    finally:
        os.umask(old)
    assert created == [str(tmp_path / "exists" / p) for p in ("a", "a/b", "a/b/c")]
    assert [mode_of(p) for p in created] == [dir_mode] * 3
    assert mode_of(tmp_path / "exists") == 0o755  # an existing directory is not changed


@pytest.mark.parametrize(
    ("existing", "asked", "expected"),
    [(0o600, 0o640, 0o600), (0o644, 0o640, 0o640), (0o604, 0o640, 0o600), (0o400, 0o644, 0o400), (0o600, None, 0o600), (None, 0o640, 0o640)],
)
def test_a_write_never_widens_an_existing_file(tmp_path, existing, asked, expected):
    path = tmp_path / "passwords.yml"
    if existing is not None:
        path.write_text("old\n")
        os.chmod(path, existing)
    assert _files.attrs_differ(str(path), asked) == (existing is not None and existing != expected)
    _files.atomic_write(str(path), b"new\n", asked)
    assert path.read_text() == "new\n" and mode_of(path) == expected


def test_a_new_file_without_a_mode_gets_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        _files.atomic_write(str(tmp_path / "new.conf"), b"x\n")
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "new.conf") == 0o640


def test_mode_and_owner_are_on_the_temporary_file_before_the_rename(tmp_path, monkeypatch):
    path = tmp_path / "f.conf"
    path.write_text("old\n")
    os.chmod(path, 0o644)
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        info = os.stat(src)
        seen.append((stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid, open(dst).read()))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    _files.atomic_write(str(path), b"new\n", 0o640, uid=os.getuid(), gid=os.getgid())
    assert seen == [(0o640, os.getuid(), os.getgid(), "old\n")]


def _targets(tmp_path):
    """Two existing files in two directories, and a third, new one in a directory to create."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "one.conf").write_text("one\n")
    (tmp_path / "b" / "two.conf").write_text("two\n")
    os.chmod(tmp_path / "a" / "one.conf", 0o600)
    return [
        {"path": str(tmp_path / "a" / "one.conf"), "data": b"ONE\n", "mode": 0o640, "backup": True},
        {"path": str(tmp_path / "b" / "two.conf"), "data": b"TWO\n", "mode": 0o640, "backup": True},
        {"path": str(tmp_path / "c" / "d" / "three.conf"), "data": b"THREE\n", "mode": 0o640},
    ]


def _fail_on(monkeypatch, name, target, error):
    """Make ``os.<name>`` (or ``shutil.<name>``) fail for the paths whose name contains ``target``."""
    module = _files.shutil if name == "copy2" else os
    real = getattr(module, name)

    def failing(*args, **kwargs):
        if target in str(args[0]) or (name in ("fsync", "fchmod") and target in os.readlink("/proc/self/fd/%d" % args[0])):
            raise OSError(error, os.strerror(error))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, failing)


@pytest.mark.parametrize(
    "failure",
    ["directory_is_a_file", "disk_full", "chown_refused", "chmod_refused", "backup_fails"],
)
def test_a_failure_before_the_renames_leaves_every_target_as_it_was(tmp_path, monkeypatch, failure):
    writes = _targets(tmp_path)
    if failure == "directory_is_a_file":
        (tmp_path / "c").write_text("in the way\n")
    before = fingerprint(tmp_path)
    if failure == "disk_full":
        _fail_on(monkeypatch, "fsync", ".two.conf.", errno.ENOSPC)
    elif failure == "chown_refused":
        for write in writes:
            write["uid"] = os.getuid()
        _fail_on(monkeypatch, "chown", ".three.conf.", errno.EPERM)
    elif failure == "chmod_refused":
        _fail_on(monkeypatch, "chmod", ".two.conf.", errno.EPERM)
    elif failure == "backup_fails":
        _fail_on(monkeypatch, "copy2", "two.conf", errno.EIO)
    with pytest.raises(_files.FileError) as caught:
        _files.write_files(writes, 0o750)
    assert caught.value.replaced == []
    assert fingerprint(tmp_path) == before  # contents, modes, no temporary file, backup or directory left


def test_a_failed_rename_names_the_files_replaced_before_it(tmp_path, monkeypatch):
    writes = _targets(tmp_path)
    _fail_on(monkeypatch, "replace", ".two.conf.", errno.EBUSY)
    with pytest.raises(_files.FileError) as caught:
        _files.write_files(writes, 0o750)
    assert caught.value.replaced == [writes[0]["path"]]
    assert "replaced before it: %s" % writes[0]["path"] in str(caught.value)
    assert (tmp_path / "b" / "two.conf").read_text() == "two\n"
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]  # no temporary file left


def test_write_files_writes_everything_with_backups(tmp_path):
    writes = _targets(tmp_path)
    backups = _files.write_files(writes, 0o750)
    assert [open(w["path"]).read() for w in writes] == ["ONE\n", "TWO\n", "THREE\n"]
    assert [mode_of(w["path"]) for w in writes] == [0o600, 0o640, 0o640]  # the 0600 file stays 0600
    assert mode_of(tmp_path / "c") == mode_of(tmp_path / "c" / "d") == 0o750
    assert sorted(backups) == [writes[0]["path"], writes[1]["path"]]
    assert open(backups[writes[0]["path"]]).read() == "one\n"


def test_write_problem_names_what_stops_a_write(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    assert _files.write_problem(str(tmp_path / "new" / "deeper" / "f.conf")) is None
    assert _files.write_problem(str(tmp_path / "file")) is None
    assert _files.write_problem(str(tmp_path / "dir")) == "%s is a directory, not a regular file" % (tmp_path / "dir")
    assert _files.write_problem(str(tmp_path / "file" / "sub" / "f.conf")) == (
        "%s is not a directory, so %s cannot be created" % (tmp_path / "file", tmp_path / "file" / "sub" / "f.conf")
    )


def test_a_read_only_directory_is_named_and_nothing_is_left(tmp_path):
    ro = tmp_path / "ro"
    (ro / "nova").mkdir(parents=True)
    (ro / "nova" / "x.conf").write_text("x\n")
    with read_only_mount(ro):
        before = fingerprint(ro)
        assert _files.write_problem(str(ro / "nova" / "x.conf")) == "%s cannot be written (read-only file system or permissions)" % (ro / "nova")
        assert "read-only" in _files.write_problem(str(ro / "new" / "y.conf"))
        with pytest.raises(_files.FileError, match="Read-only file system"):
            _files.atomic_write(str(ro / "nova" / "x.conf"), b"y\n", 0o640)
        assert fingerprint(ro) == before


@pytest.mark.parametrize(
    ("mode", "message"), [("u+rw", "is not an octal mode"), ("0999", "is not an octal mode"), (0o17777, "outside"), (True, "not an octal")]
)
def test_bad_modes_are_refused(mode, message):
    with pytest.raises(_files.FileError, match=message):
        _files.file_attrs(mode=mode)
    with pytest.raises(_files.FileError, match="dir_mode"):
        _files.file_attrs(dir_mode=mode)


@pytest.mark.parametrize(("owner", "group", "message"), [("no-such-user-h7", None, "no such user"), (None, "no-such-group-h7", "no such group")])
def test_unknown_owners_are_refused(owner, group, message):
    with pytest.raises(_files.FileError, match=message):
        _files.file_attrs(owner=owner, group=group)
