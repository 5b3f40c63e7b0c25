"""ini_batch: many INI edits in one run. Oracle: community.general.ini_file (exclusive=true),
applied one edit at a time to the same text, must give the same file; nova 34's own option
parsing (oslo.config) reads the files back: the multi-valued options, and never a line that
a hostile value tried to add. Every failure leaves every file as it was (a fingerprint of
the whole directory: contents, modes, owners, no temporary file)."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest
from ansible_collections.community.general.plugins.modules import ini_file
from conftest import require_import, run_module
from kollatestlib import fingerprint, read_only_mount

from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import LINE_BREAKS, split_lines, value_problem
from ansible_collections.multiarch.kolla.plugins.modules import ini_batch

OPERATOR = """[DEFAULT]
# operator: overcommit
cpu_allocation_ratio = 4.0

[libvirt]
# operator: raw disks on this host
images_type = raw
cpu_mode = host-model
cpu_models = Nehalem
cpu_models = Westmere

[pci]
device_spec = {"vendor_id": "8086"}
device_spec = {"vendor_id": "15b3"}
device_spec = {"vendor_id": "1af4"}
"""

EDITS = [
    {"section": "libvirt", "option": "virt_type", "value": "qemu"},
    {"section": "libvirt", "option": "cpu_mode", "value": "custom"},
    {"section": "libvirt", "option": "cpu_models", "value": "cortex-a72"},
    {"section": "libvirt", "option": "hw_machine_type", "value": "aarch64=virt"},
    {"section": "libvirt", "option": "num_pcie_ports", "value": 16},
    {"section": "libvirt", "option": "cpu_model_extra_flags", "state": "absent"},
    {"section": "pci", "option": "device_spec", "value_list": ['{"vendor_id": "10de", "product_id": "1eb8"}', '{"vendor_id": "10de"}']},
    {"section": "pci", "option": "alias", "value_list": ['{"name": "t4", "vendor_id": "10de", "product_id": "1eb8"}']},
    {"section": "filter_scheduler", "option": "enabled_filters", "value": "ComputeFilter,PciPassthroughFilter"},
]


def ini_file_oracle(tmp_path, text, edits):
    path = tmp_path / "oracle.conf"
    if text:
        path.write_text(text)
    for edit in edits:
        args = {"path": str(path), "section": edit["section"], "option": edit["option"], "state": edit.get("state", "present"), "exclusive": True}
        if "value_list" in edit:
            args["values"] = edit["value_list"]
        elif "value" in edit:
            args["value"] = str(edit["value"])
        if args.get("values") == []:  # ini_file wants state=absent for no value
            args = dict(args, state="absent", values=None)
        result = run_module(ini_file, args)
        assert not result.get("failed"), result
    if not path.exists():
        return ""
    # ini_file starts a new file with a blank line; ini_batch does not.
    return path.read_text()[1:] if not text else path.read_text()


def batch(tmp_path, edits, name="nova/h1/nova-compute.conf", check=False, diff=False, **extra):
    return run_module(
        ini_batch, dict({"base_dir": str(tmp_path / "config"), "edits": [dict(e, path=name) for e in edits]}, **extra), check_mode=check, diff=diff
    )


@pytest.mark.parametrize("start", ["", OPERATOR, "[libvirt]\n", "# only a comment\n", "[libvirt]\nvirt_type=kvm\n\n\n[other]\nx = 1\n"])
@pytest.mark.parametrize("edits", [EDITS, EDITS[:2], [EDITS[6]], [dict(EDITS[6], value_list=[])], [dict(EDITS[1], state="absent")]])
def test_same_file_as_ini_file(tmp_path, start, edits):
    target = tmp_path / "config" / "nova" / "h1" / "nova-compute.conf"
    if start:
        target.parent.mkdir(parents=True)
        target.write_text(start)
    result = batch(tmp_path, edits)
    assert not result.get("failed"), result
    expected = ini_file_oracle(tmp_path, start, edits)
    assert (target.read_text() if target.exists() else "") == expected
    assert result["changed"] == (expected != start)
    again = batch(tmp_path, edits)
    assert again["changed"] is False and again["changed_files"] == []


def test_nova_reads_the_multi_valued_options(tmp_path):
    nova_conf = require_import("nova.conf")
    cfg = require_import("oslo_config.cfg")

    target = tmp_path / "config" / "nova" / "h1" / "nova-compute.conf"
    target.parent.mkdir(parents=True)
    target.write_text(OPERATOR)
    assert not batch(tmp_path, EDITS).get("failed")
    conf = cfg.ConfigOpts()
    nova_conf.libvirt.register_opts(conf)
    nova_conf.pci.register_opts(conf)
    nova_conf.compute.register_opts(conf)
    conf(args=[], default_config_files=[str(target)], default_config_dirs=[])
    assert conf.pci.device_spec == ['{"vendor_id": "10de", "product_id": "1eb8"}', '{"vendor_id": "10de"}']
    assert conf.libvirt.cpu_models == ["cortex-a72"] and conf.libvirt.cpu_mode == "custom" and conf.libvirt.num_pcie_ports == 16
    assert conf.libvirt.images_type == "raw" and conf.cpu_allocation_ratio == 4.0  # the operator's lines


def test_check_mode_and_diff_tell_the_truth(tmp_path):
    target = tmp_path / "config" / "nova" / "h1" / "nova-compute.conf"
    target.parent.mkdir(parents=True)
    target.write_text(OPERATOR)
    predicted = batch(tmp_path, EDITS, check=True, diff=True)
    assert predicted["changed"] and predicted["changed_files"] == ["nova/h1/nova-compute.conf"]
    assert target.read_text() == OPERATOR  # nothing written
    real = batch(tmp_path, EDITS, diff=True)
    assert real["diff"] == predicted["diff"]
    assert predicted["diff"][0]["before"] == OPERATOR and predicted["diff"][0]["after"] == target.read_text()
    # A new file in check mode: predicted, not created.
    new = batch(tmp_path, EDITS[:1], name="nova/h2/nova-compute.conf", check=True, diff=True)
    assert new["changed_files"] == ["nova/h2/nova-compute.conf"] and new["diff"][0]["before_header"] == "/dev/null"
    assert not (tmp_path / "config" / "nova" / "h2").exists()


def test_many_files_in_one_run_with_modes(tmp_path):
    edits = [dict(e, path="nova/h%03d/nova-compute.conf" % i) for i in range(200) for e in EDITS[:5]]
    result = run_module(ini_batch, {"base_dir": str(tmp_path / "config"), "edits": edits, "mode": "0640", "dir_mode": "0750"})
    assert result["files"] == 200 and result["edits"] == 1000 and len(result["changed_files"]) == 200
    one = tmp_path / "config" / "nova" / "h007" / "nova-compute.conf"
    assert stat.S_IMODE(one.stat().st_mode) == 0o640 and stat.S_IMODE(one.parent.stat().st_mode) == 0o750
    os.chmod(one, 0o644)  # drift in the mode only
    again = run_module(ini_batch, {"base_dir": str(tmp_path / "config"), "edits": edits, "mode": "0640"})
    assert again["changed_files"] == ["nova/h007/nova-compute.conf"] and stat.S_IMODE(one.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"path": "../escape.conf", "section": "a", "option": "b", "value": "c"}, "must be relative to base_dir"),
        ({"path": "/etc/passwd", "section": "a", "option": "b", "value": "c"}, "must be relative to base_dir"),
        ({"path": "x.conf", "section": "a", "option": "b"}, "state=present needs value or value_list"),
        ({"path": "x.conf", "section": "a", "option": "b", "value": "c", "value_list": ["d"]}, "not both"),
        ({"path": "x.conf", "section": "a", "option": "b", "value": ["c"]}, "a list goes in value_list"),
        ({"path": "x.conf", "section": "a", "option": "b = c", "value": "d"}, "give an option name without"),
        ({"path": "x.conf", "section": "a]", "option": "b", "value": "d"}, "give a section name without"),
        ({"path": "x.conf", "section": "a", "option": "b", "value": "two\nlines"}, "has a line break"),
        ({"path": "nova/../../x.conf", "section": "a", "option": "b", "value": "c"}, "names a directory itself or its parent"),
        ({"path": "nova//x.conf", "section": "a", "option": "b", "value": "c"}, "is empty"),
        ({"path": "x.conf", "section": "a", "option": "b", "value": " padded"}, "whitespace, which oslo.config strips"),
        ({"path": "x.conf", "section": "a", "option": "b", "value": '"quoted"'}, "quotes, which oslo.config removes"),
        ({"path": "x.conf", "section": " a", "option": "b", "value": "c"}, "without surrounding whitespace"),
    ],
)
def test_bad_edits_fail_and_write_nothing(tmp_path, edit, message):
    good = {"path": "good.conf", "section": "s", "option": "o", "value": "v"}
    result = run_module(ini_batch, {"base_dir": str(tmp_path / "config"), "edits": [good, edit]})
    assert result["failed"] and message in result["msg"]
    assert not (tmp_path / "config").exists()  # not even the good edit's file


# ----------------------------------------------------------------- all or nothing


def _operator_dir(tmp_path):
    """A config dir with two operator files (one at 0600) and the edits of a run that changes both and adds a third."""
    config = tmp_path / "config"
    (config / "nova" / "h1").mkdir(parents=True)
    (config / "nova" / "h2").mkdir(parents=True)
    (config / "nova" / "h1" / "nova-compute.conf").write_text(OPERATOR)
    (config / "nova" / "h2" / "nova-compute.conf").write_text("[libvirt]\nvirt_type = kvm\n")
    os.chmod(config / "nova" / "h2" / "nova-compute.conf", 0o600)
    edits = [dict(EDITS[0], path="nova/%s/nova-compute.conf" % host) for host in ("h1", "h2", "h3")]
    return config, edits


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"mode": "u+rw"}, "mode='u+rw' is not an octal mode"),
        ({"mode": "0999"}, "is not an octal mode"),
        ({"mode": 0o17777}, "outside 0000..7777"),
        ({"owner": "no-such-user-h7"}, "owner='no-such-user-h7': no such user"),
        ({"group": "no-such-group-h7"}, "group='no-such-group-h7': no such group"),
        ({"dir_mode": "rwxr-x---"}, "dir_mode='rwxr-x---' is not an octal mode"),
        ({"dir_mode": "07777777"}, "dir_mode='07777777' is outside"),
    ],
)
def test_bad_attributes_fail_before_any_file_is_touched(tmp_path, args, message):
    config, edits = _operator_dir(tmp_path)
    before = fingerprint(tmp_path)
    result = run_module(ini_batch, dict({"base_dir": str(config), "edits": edits}, **args))
    assert result["failed"] and message in result["msg"] and "nothing was written" in result["msg"]
    assert fingerprint(tmp_path) == before


def test_dir_mode_goes_to_every_directory_created(tmp_path):
    old = os.umask(0o022)
    try:
        result = run_module(ini_batch, {"base_dir": str(tmp_path / "new" / "config"), "edits": [dict(EDITS[0], path="nova/h1/nova-compute.conf")],
                                        "dir_mode": "0710"})
    finally:
        os.umask(old)
    assert not result.get("failed"), result
    created = [tmp_path / "new", tmp_path / "new" / "config", tmp_path / "new" / "config" / "nova", tmp_path / "new" / "config" / "nova" / "h1"]
    assert [oct(stat.S_IMODE(p.stat().st_mode)) for p in created] == [oct(0o710)] * 4
    assert stat.S_IMODE(tmp_path.stat().st_mode) != 0o710  # the existing parent is not changed


def _break_h3(config, monkeypatch, how):
    """Make the third file of the run impossible to write, in one of several ways."""
    if how == "a file where its directory must be":
        (config / "nova" / "h3").write_text("not a directory\n")
        return "is not a directory, so"
    if how == "a directory where the file must be":
        (config / "nova" / "h3" / "nova-compute.conf").mkdir(parents=True)
        return "is a directory"
    if how == "a file that is not UTF-8":
        (config / "nova" / "h3").mkdir()
        (config / "nova" / "h3" / "nova-compute.conf").write_bytes(b"[libvirt]\nx = \xff\n")
        return "is not UTF-8 text"
    real = os.fsync if how == "a full disk" else os.chown
    error = errno.ENOSPC if how == "a full disk" else errno.EPERM

    def failing(*args):
        name = os.readlink("/proc/self/fd/%d" % args[0]) if isinstance(args[0], int) else str(args[0])
        if "/h3/" in name:
            raise OSError(error, os.strerror(error))
        return real(*args)

    monkeypatch.setattr(os, "fsync" if how == "a full disk" else "chown", failing)
    return os.strerror(error)


@pytest.mark.parametrize(
    "how", ["a file where its directory must be", "a directory where the file must be", "a file that is not UTF-8", "a full disk", "chown not allowed"]
)
@pytest.mark.parametrize("check", [False, True])
def test_a_failure_on_the_last_file_leaves_every_file_as_it_was(tmp_path, monkeypatch, how, check):
    config, edits = _operator_dir(tmp_path)
    reason = _break_h3(config, monkeypatch, how)
    before = fingerprint(tmp_path)
    args = {"base_dir": str(config), "edits": edits, "mode": "0640", "owner": str(os.getuid()), "backup": True}
    result = run_module(ini_batch, args, check_mode=check)
    if check and how in ("a full disk", "chown not allowed"):  # only a real write finds these
        assert result["changed_files"] == ["nova/h1/nova-compute.conf", "nova/h2/nova-compute.conf", "nova/h3/nova-compute.conf"]
    else:
        assert result["failed"] and reason in result["msg"] and "nothing was written" in result["msg"], result
        assert "Traceback" not in result["msg"]
    assert fingerprint(tmp_path) == before  # no backup, temporary file or directory left either


def test_a_read_only_directory_gets_a_clear_message_in_check_mode_too(tmp_path):
    config, edits = _operator_dir(tmp_path)
    with read_only_mount(config):
        before = fingerprint(tmp_path)
        for check in (True, False):
            result = run_module(ini_batch, {"base_dir": str(config), "edits": edits}, check_mode=check)
            assert result["failed"] and "Traceback" not in result["msg"]
            assert result["msg"] == "%s cannot be written: %s cannot be written (read-only file system or permissions); nothing was written" % (
                config / "nova" / "h1" / "nova-compute.conf", config / "nova" / "h1")
        assert fingerprint(tmp_path) == before


def test_a_failed_rename_lists_the_files_written_before_it(tmp_path, monkeypatch):
    config, edits = _operator_dir(tmp_path)
    real = os.replace

    def failing(src, dst):
        if "/h2/" in dst:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    result = run_module(ini_batch, {"base_dir": str(config), "edits": edits})
    assert result["failed"] and result["changed"] and result["changed_files"] == ["nova/h1/nova-compute.conf"]
    assert "nothing was written" not in result["msg"] and "replaced before it" in result["msg"]
    assert (config / "nova" / "h2" / "nova-compute.conf").read_text() == "[libvirt]\nvirt_type = kvm\n"
    assert not list(config.rglob(".nova-compute.conf.*"))


@pytest.mark.parametrize(("existing", "expected", "changed"), [(0o600, 0o600, False), (0o644, 0o640, True), (0o660, 0o640, True), (0o400, 0o400, False)])
def test_the_mode_never_widens_an_existing_file(tmp_path, existing, expected, changed):
    target = tmp_path / "config" / "nova" / "h1" / "nova-compute.conf"
    target.parent.mkdir(parents=True)
    target.write_text("[libvirt]\nvirt_type = qemu\n")
    os.chmod(target, existing)
    result = batch(tmp_path, EDITS[:1], mode="0640")
    assert result["changed"] is changed and stat.S_IMODE(target.stat().st_mode) == expected
    again = batch(tmp_path, [EDITS[1]], mode="0640")  # a content change keeps the rule
    assert again["changed"] and stat.S_IMODE(target.stat().st_mode) == expected


def test_check_mode_on_a_first_run_reports_what_it_would_create(tmp_path):
    base = tmp_path / "etc" / "kolla" / "config"  # none of it exists yet
    edits = [dict(e, path="nova/h%d/nova-compute.conf" % i) for i in (1, 2) for e in EDITS[:2]]
    result = run_module(ini_batch, {"base_dir": str(base), "edits": edits, "files": {".ledger.json": "{}\n"}, "mode": "0640"}, check_mode=True, diff=True)
    assert not result.get("failed"), result
    assert result["changed_files"] == ["nova/h1/nova-compute.conf", "nova/h2/nova-compute.conf", ".ledger.json"]
    assert [d["before_header"] for d in result["diff"]] == ["/dev/null"] * 3
    assert not (tmp_path / "etc").exists()
    real = run_module(ini_batch, {"base_dir": str(base), "edits": edits, "files": {".ledger.json": "{}\n"}, "mode": "0640"}, diff=True)
    assert real["changed_files"] == result["changed_files"] and real["diff"] == result["diff"]


# ----------------------------------------------------------------- whole files


def test_whole_files_are_written_in_the_same_run_under_the_same_rules(tmp_path):
    config = tmp_path / "inventory"
    (config / "host_vars").mkdir(parents=True)
    (config / "host_vars" / "h1.yml").write_text("secret: x\n")
    os.chmod(config / "host_vars" / "h1.yml", 0o600)
    files = {"host_vars/h1.yml": "secret: x\nnova_compute_virt_type: qemu\n", "group_vars/arch_x86_64.yml": "openstack_tag_suffix: ''\n"}
    result = run_module(ini_batch, {"base_dir": str(config), "files": files, "mode": "0640", "backup": True})
    assert result["changed_files"] == ["host_vars/h1.yml", "group_vars/arch_x86_64.yml"] and result["files"] == 2
    assert (config / "host_vars" / "h1.yml").read_text() == files["host_vars/h1.yml"]
    assert stat.S_IMODE((config / "host_vars" / "h1.yml").stat().st_mode) == 0o600
    assert stat.S_IMODE((config / "group_vars").stat().st_mode) == 0o750
    assert result["backup_files"] == {} and sorted(p.name for p in (config / "host_vars").iterdir()) == ["h1.yml"]  # the caller's own files
    assert run_module(ini_batch, {"base_dir": str(config), "files": files, "mode": "0640"})["changed"] is False


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"host_vars/../../escape.yml": "x: 1\n"}, "names a directory itself or its parent"),
        ({"/etc/escape.yml": "x: 1\n"}, "is absolute"),
        ({"host_vars/.": "x: 1\n"}, "names a directory itself"),
        ({"x.conf": "[a]\nb = c\n"}, "the edits change that file too"),
    ],
)
def test_bad_whole_files_fail_and_write_nothing(tmp_path, files, message):
    result = run_module(ini_batch, {"base_dir": str(tmp_path / "config"), "files": files,
                                    "edits": [{"path": "x.conf", "section": "a", "option": "b", "value": "c"}]})
    assert result["failed"] and message in result["msg"], result
    assert not (tmp_path / "config").exists()


# ----------------------------------------------------------------- values that cannot inject
# (module_utils/ini_batch.py's own functions are tested here too: a second test_ini_batch.py under
# tests/unit/plugins/module_utils would clash with this one in pytest's default import mode.)


def test_line_breaks_are_every_separator_python_splits_on():
    """Oracle: str.splitlines itself, over every code point."""
    splitting = {chr(c) for c in range(0x110000) if len(("a%sb" % chr(c)).splitlines()) == 2}
    assert splitting == set(LINE_BREAKS)


@pytest.mark.parametrize(
    ("text", "lines"),
    [("", []), ("a\nb\n", ["a", "b"]), ("a\r\nb", ["a", "b"]), ("a\rb\n\n", ["a", "b", ""]),
     ("a\u2028b\x0cc\x85d\n", ["a\u2028b\x0cc\x85d"])],
)
def test_split_lines_is_what_oslo_config_reads(tmp_path, text, lines):
    """Oracle: Python's universal-newline text reading, as oslo.config's ConfigParser opens a file."""
    path = tmp_path / "f.conf"
    path.write_bytes(text.encode())
    with open(path) as handle:
        assert [line.rstrip("\n") for line in handle] == lines == split_lines(text)


@pytest.mark.parametrize(
    ("value", "problem"),
    [("Nehalem", None), ("", None), ('{"vendor_id": "10de"}', None), ("a b", None), ("x = y", None),
     (" x", "whitespace"), ("x\t", "whitespace"), ('"x"', "quotes"), ("'x'", "quotes"), ("'", "quotes"),
     ("a\u2028b", "line break"), ("a\x1cb", "line break"), (5, "not a string")],
)
def test_value_problem(value, problem):
    found = value_problem(value)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("mark", LINE_BREAKS, ids=[repr(m) for m in LINE_BREAKS])
@pytest.mark.parametrize("where", ["value", "value_list", "section", "option"])
def test_no_line_break_of_any_reader_is_written(tmp_path, mark, where):
    edit = {"path": "nova/h1/nova-compute.conf", "section": "libvirt", "option": "cpu_models", "value": "Nehalem"}
    if where == "value":
        edit["value"] = "Nehalem%svirt_type = kvm" % mark
    elif where == "value_list":
        edit = dict(edit, value=None, value_list=["Nehalem", "Westmere%svirt_type = kvm" % mark])
    else:
        edit[where] = "libvirt%sx" % mark
    result = run_module(ini_batch, {"base_dir": str(tmp_path / "config"), "edits": [edit]})
    assert result["failed"] and ("line break" in result["msg"] or "line breaks" in result["msg"]), result
    assert not (tmp_path / "config").exists()


def _virt_type(path):
    """[libvirt] virt_type as nova 34 reads ``path`` (oslo.config)."""
    nova_conf = require_import("nova.conf")
    cfg = require_import("oslo_config.cfg")
    conf = cfg.ConfigOpts()
    nova_conf.libvirt.register_opts(conf)
    conf(args=[], default_config_files=[str(path)], default_config_dirs=[])
    return conf.libvirt.virt_type


HOSTILE = [m for m in LINE_BREAKS if m not in "\n\r"]  # oslo.config itself ends a line at \n and \r


@pytest.mark.parametrize("mark", HOSTILE, ids=[repr(m) for m in HOSTILE])
def test_a_hostile_value_never_becomes_a_line_nova_reads(tmp_path, mark):
    """A cpu_models item with U+2028 (or any str.splitlines separator) is refused: a file holding it is one line to
    oslo.config, but every tool that splits with str.splitlines - ini_batch itself before, on its next run - turns it
    into a second line, and nova then reads virt_type = kvm on a host that was decided for qemu."""
    target = tmp_path / "config" / "nova" / "h1" / "nova-compute.conf"
    hostile = "[libvirt]\nvirt_type = qemu\ncpu_models = Nehalem%svirt_type = kvm\n" % mark
    # The hazard: the same text, rewritten by a str.splitlines reader, is read by nova as kvm.
    target.parent.mkdir(parents=True)
    target.write_text("\n".join(hostile.splitlines()) + "\n")
    assert _virt_type(target) == "kvm"
    target.unlink()
    # Through ini_batch: the value is refused, and a later run keeps what was decided.
    first = batch(tmp_path, [{"section": "libvirt", "option": "virt_type", "value": "qemu"},
                             {"section": "libvirt", "option": "cpu_models", "value_list": ["Nehalem%svirt_type = kvm" % mark]}])
    assert first["failed"] and "line break" in first["msg"]
    batch(tmp_path, [{"section": "libvirt", "option": "virt_type", "value": "qemu"}])
    batch(tmp_path, [{"section": "libvirt", "option": "num_pcie_ports", "value": 8}])
    assert _virt_type(target) == "qemu"


@pytest.mark.parametrize("mark", HOSTILE, ids=[repr(m) for m in HOSTILE])
def test_an_operator_line_holding_a_separator_stays_one_line(tmp_path, mark):
    """A file is split as oslo.config splits it: a separator inside an operator's line is not a line end for ini_batch either."""
    target = tmp_path / "config" / "nova" / "h1" / "nova-compute.conf"
    target.parent.mkdir(parents=True)
    target.write_text("[libvirt]\nvirt_type = qemu\n# operator note%svirt_type = kvm\n" % mark)
    assert _virt_type(target) == "qemu"
    assert not batch(tmp_path, [{"section": "libvirt", "option": "num_pcie_ports", "value": 8}]).get("failed")
    assert _virt_type(target) == "qemu"
    assert "# operator note%svirt_type = kvm\n" % mark in target.read_text()


def test_the_record_of_the_arguments_shows_no_file_text(tmp_path):
    # Ansible prints a result's invocation at -vvv: an inventory copy with a become password must not show there.
    text = "[control]\ncx1 ansible_become_password=canary-Secret-42\n"
    result = run_module(ini_batch, {"base_dir": str(tmp_path / "inv"), "files": {"multinode": text}})
    assert (tmp_path / "inv" / "multinode").read_text() == text and result["changed"] is True
    assert result["invocation"]["module_args"]["files"] == {"multinode": "(%d characters, not shown)" % len(text)}
    assert "canary-Secret-42" not in json.dumps(result)
    refused = run_module(ini_batch, {"base_dir": str(tmp_path / "inv"), "files": {"../escape": text}})
    assert refused["failed"] is True and "canary-Secret-42" not in json.dumps(refused)
