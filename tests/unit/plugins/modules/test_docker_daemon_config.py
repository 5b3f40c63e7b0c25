"""Tests for the docker_daemon_config module, run against daemon.json files in tmp_path."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import stat

import pytest
from conftest import fixture_file, run_module

from ansible_collections.multiarch.kolla.plugins.modules import docker_daemon_config

FULL_REFERENCE = ("docker", "daemon_json_linux_full_reference_dockerd_docs.json")
MINIKUBE = ("docker", "daemon_json_systemd_cgroupdriver_minikube_iso.json")
NVIDIA = ("docker", "daemon_json_nvidia_runtime_no_cgroupdriver_nvidia_docker2.json")
SYSTEMD = ["native.cgroupdriver=systemd"]


def _install(tmp_path, parts, mode=0o644):
    path = tmp_path / "etc" / "docker" / "daemon.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fixture_file(*parts).read_bytes())
    os.chmod(path, mode)
    return path


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(path, check_mode=False, diff=False, **args):
    args["path"] = str(path)
    return run_module(docker_daemon_config, args, check_mode=check_mode, diff=diff)


def _backups(path):
    return sorted(glob.glob(glob.escape(str(path)) + ".*~"))


def test_merge_keeps_every_unrelated_key(tmp_path):
    path = _install(tmp_path, FULL_REFERENCE)
    old = json.loads(path.read_text())
    result = _run(path, settings={"exec-opts": SYSTEMD, "log-opts": {"max-size": "50m"}, "new-key": True})
    assert result["changed"] is True
    new = json.loads(path.read_text())
    assert list(new) == [*list(old), "new-key"]  # order kept, new key appended
    for key, value in old.items():
        if key not in ("exec-opts", "log-opts"):
            assert new[key] == value, key
    assert new["exec-opts"] == SYSTEMD
    assert new["log-opts"] == dict(old["log-opts"], **{"max-size": "50m"})
    assert list(new["log-opts"]) == list(old["log-opts"])
    assert new["new-key"] is True
    assert result["config"] == new
    assert result["previous"] == old
    assert path.read_text() == json.dumps(new, indent=2) + "\n"


def test_exec_opts_merge_by_name(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps({"exec-opts": ["native.umask=normal", "native.cgroupdriver=cgroupfs"], "debug": True}, indent=4))
    result = _run(path, settings={"exec-opts": SYSTEMD})
    assert result["changed"] is True
    assert json.loads(path.read_text()) == {"exec-opts": ["native.umask=normal", "native.cgroupdriver=systemd"], "debug": True}


def test_exec_opts_added_to_a_file_without_them(tmp_path):
    path = _install(tmp_path, NVIDIA)
    _run(path, settings={"exec-opts": SYSTEMD})
    text = path.read_text()
    assert text == json.dumps(
        {"runtimes": {"nvidia": {"path": "nvidia-container-runtime", "runtimeArgs": []}}, "exec-opts": SYSTEMD}, indent=2
    ) + "\n"


def test_state_absent(tmp_path):
    path = _install(tmp_path, MINIKUBE)
    result = _run(path, state="absent", keys=["exec-opts", ["log-opts", "max-size"], "not-there"])
    assert result["changed"] is True
    assert result["removed"] == [["exec-opts"], ["log-opts", "max-size"]]
    assert json.loads(path.read_text()) == {"log-driver": "json-file", "log-opts": {}, "storage-driver": "overlay2"}
    again = _run(path, state="absent", keys=["exec-opts"])
    assert again["changed"] is False


def test_absent_on_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "docker" / "daemon.json"
    result = _run(path, state="absent", keys=["exec-opts"])
    assert result["changed"] is False
    assert not path.parent.exists()


def test_check_mode_predicts_the_real_run(tmp_path):
    path = _install(tmp_path, FULL_REFERENCE)
    before = _sha(path)
    settings = {"exec-opts": SYSTEMD, "log-opts": {"max-file": "9"}, "dns": ["192.0.2.53"]}
    checked = _run(path, check_mode=True, diff=True, settings=settings)
    assert checked["changed"] is True
    assert _sha(path) == before
    assert _backups(path) == []
    assert checked["backup_file"] is None
    assert checked["written"] is False
    assert checked["check_mode"] is True
    real = _run(path, diff=True, settings=settings)
    assert real["changed"] is True
    assert (real["written"], real["check_mode"]) == (True, False)
    assert _run(path, settings=settings)["written"] is False
    written = json.loads(path.read_text())
    assert checked["diff"]["after"] == json.dumps(written, indent=2, sort_keys=True) + "\n"
    assert checked["diff"] == real["diff"]
    assert checked["config"] == real["config"] == written


def test_diff_before_after(tmp_path):
    path = _install(tmp_path, MINIKUBE)
    old = json.loads(path.read_text())
    result = _run(path, diff=True, settings={"exec-opts": ["native.cgroupdriver=cgroupfs"]})
    diff = result["diff"]
    assert diff["before"] == json.dumps(old, indent=2, sort_keys=True) + "\n"
    assert diff["after"] == json.dumps(dict(old, **{"exec-opts": ["native.cgroupdriver=cgroupfs"]}), indent=2, sort_keys=True) + "\n"
    assert diff["before_header"] == diff["after_header"] == str(path)


def test_backup_holds_the_old_content(tmp_path):
    path = _install(tmp_path, MINIKUBE)
    old_bytes = path.read_bytes()
    result = _run(path, settings={"exec-opts": ["native.cgroupdriver=cgroupfs"]})
    backup = result["backup_file"]
    assert backup and backup.startswith(str(path) + ".")
    assert _backups(path) == [backup]
    with open(backup, "rb") as handle:
        assert handle.read() == old_bytes
    assert path.read_bytes() != old_bytes


def test_no_backup_when_disabled(tmp_path):
    path = _install(tmp_path, MINIKUBE)
    result = _run(path, backup=False, settings={"debug": True})
    assert result["changed"] is True
    assert result["backup_file"] is None
    assert _backups(path) == []


def test_mode_and_owner_preserved(tmp_path):
    path = _install(tmp_path, MINIKUBE, mode=0o600)
    st = path.stat()
    _run(path, settings={"debug": True})
    after = path.stat()
    assert stat.S_IMODE(after.st_mode) == 0o600
    assert (after.st_uid, after.st_gid) == (st.st_uid, st.st_gid)
    assert after.st_ino != st.st_ino  # replaced by rename, not rewritten in place


def test_new_file_and_directory(tmp_path):
    path = tmp_path / "etc" / "docker" / "daemon.json"
    old_umask = os.umask(0o077)
    try:
        result = _run(path, settings={"exec-opts": SYSTEMD})
    finally:
        os.umask(old_umask)
    assert result["changed"] is True
    assert result["previous"] is None
    assert result["backup_file"] is None
    assert result["diff"]["before"] == ""
    assert path.read_text() == '{\n  "exec-opts": [\n    "native.cgroupdriver=systemd"\n  ]\n}\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["daemon.json"]  # no temporary file left


def test_second_run_changes_nothing(tmp_path):
    path = _install(tmp_path, FULL_REFERENCE)
    settings = {"exec-opts": SYSTEMD, "features": {"containerd-snapshotter": False}}
    first = _run(path, settings=settings)
    assert first["changed"] is True
    content, mtime = path.read_bytes(), path.stat().st_mtime_ns
    second = _run(path, settings=settings)
    assert second["changed"] is False
    assert second["backup_file"] is None
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == mtime
    assert len(_backups(path)) == 1


def test_unchanged_data_keeps_the_operators_formatting(tmp_path):
    path = _install(tmp_path, NVIDIA)  # indented by 4
    before = _sha(path)
    result = _run(path, settings={"runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}})
    assert result["changed"] is False
    assert _sha(path) == before


def test_syntax_error_file_untouched(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text('{\n  "log-driver": "json-file",\n  "exec-opts" ["native.cgroupdriver=cgroupfs"]\n}\n')
    before = _sha(path)
    result = _run(path, settings={"exec-opts": SYSTEMD})
    assert result["failed"] is True
    assert str(path) in result["msg"]
    assert "line 3, column 15" in result["msg"]
    assert (result["line"], result["column"]) == (3, 15)
    assert _sha(path) == before
    assert _backups(path) == []
    gone = _run(path, state="absent", keys=["exec-opts"])
    assert gone["failed"] is True
    assert _sha(path) == before


def test_exec_opts_string_rejected_file_untouched(tmp_path):
    path = _install(tmp_path, MINIKUBE)
    before = _sha(path)
    result = _run(path, settings={"exec-opts": "native.cgroupdriver=systemd"})
    assert result["failed"] is True
    assert "exec-opts must be a list" in result["msg"]
    assert str(path) in result["msg"]
    assert _sha(path) == before


@pytest.mark.parametrize("settings", [["exec-opts"], "exec-opts=native.cgroupdriver=systemd", 42])
def test_non_dict_settings_rejected(tmp_path, settings):
    path = _install(tmp_path, MINIKUBE)
    before = _sha(path)
    result = _run(path, settings=settings)
    assert result["failed"] is True
    assert "settings must be a dictionary" in result["msg"]
    assert _sha(path) == before


def test_required_options(tmp_path):
    path = _install(tmp_path, MINIKUBE)
    assert _run(path)["failed"] is True
    assert _run(path, state="absent")["failed"] is True


def test_symlink_target_is_changed(tmp_path):
    target = _install(tmp_path, MINIKUBE)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = _run(link, settings={"debug": True})
    assert result["path"] == str(target)
    assert link.is_symlink()
    assert json.loads(target.read_text())["debug"] is True


def test_a_link_to_a_file_that_is_no_daemon_json_is_refused_naming_both(tmp_path):
    target = tmp_path / "hosts"
    target.write_text("127.0.0.1 localhost\n")
    link = tmp_path / "daemon.json"
    link.symlink_to(target)
    result = _run(link, settings={"debug": True})
    assert result["failed"] is True
    assert "%s (where the link %s points) (line 1, column 6): invalid JSON" % (target, link) in result["msg"]
    assert target.read_text() == "127.0.0.1 localhost\n" and link.is_symlink()
    target.write_bytes(b'{"labels": ["caf\xe9"]}')
    result = _run(link, settings={"debug": True})
    assert "daemon.json %s (where the link %s points) is not UTF-8 text" % (target, link) in result["msg"]
    assert target.read_bytes() == b'{"labels": ["caf\xe9"]}'


def test_empty_file_counts_as_empty_config(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text("\n")
    result = _run(path, settings={"exec-opts": SYSTEMD})
    assert result["changed"] is True
    assert result["previous"] == {}
    assert json.loads(path.read_text()) == {"exec-opts": SYSTEMD}


def test_directory_instead_of_file(tmp_path):
    result = _run(tmp_path, settings={"debug": True})
    assert result["failed"] is True
    assert "is a directory" in result["msg"]


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"debug": True, "shutdown-timeout": float("nan")}, "shutdown-timeout"),
        ({"log-opts": {"max-file": float("inf")}}, "log-opts.max-file"),
        ({"default-ulimits": {"nofile": {"Soft": float("-inf")}}}, "default-ulimits.nofile.Soft"),
    ],
    ids=["nan", "nested-inf", "nested-minus-inf"],
)
def test_nan_or_infinity_is_refused_file_untouched(tmp_path, settings, key):
    path = _install(tmp_path, MINIKUBE)
    before = _sha(path)
    result = _run(path, settings=settings)
    assert result["failed"] is True
    assert key in result["msg"]
    assert "NaN or Infinity" in result["msg"]
    assert str(path) in result["msg"]
    assert _sha(path) == before
    assert _backups(path) == []
