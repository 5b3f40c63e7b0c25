"""ini_batch: many INI edits in one run. Oracle: community.general.ini_file (exclusive=true),
applied one edit at a time to the same text, must give the same file; nova 34's own option
parsing reads the multi-valued options back."""

from __future__ import annotations

import os
import stat

import pytest
from ansible_collections.community.general.plugins.modules import ini_file
from conftest import run_module

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
    nova_conf = pytest.importorskip("nova.conf")
    from oslo_config import cfg  # noqa: PLC0415 - nova's config library, an oracle

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
        ({"path": "x.conf", "section": "a", "option": "b", "value": "two\nlines"}, "has a newline"),
    ],
)
def test_bad_edits_fail_and_write_nothing(tmp_path, edit, message):
    good = {"path": "good.conf", "section": "s", "option": "o", "value": "v"}
    result = run_module(ini_batch, {"base_dir": str(tmp_path / "config"), "edits": [good, edit]})
    assert result["failed"] and message in result["msg"]
    assert not (tmp_path / "config").exists()  # not even the good edit's file
