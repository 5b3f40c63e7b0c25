"""plugin_utils/gpu/plan.py: the whole decision for one host, its keys (docs/gpu-passthrough.md) and its refusals."""

from __future__ import annotations

import functools
import json
import re

import pytest
from conftest import REPO
from gpu_testlib import HOSTS, host_pci

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu import kernel, refusals
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import PLAN_KEYS, gpu_passthrough_plan


def documented_keys():
    text = (REPO / "docs" / "gpu-passthrough.md").read_text()
    block = text.split("multiarch_gpu_passthrough:\n", 1)[1].split("```", 1)[0]
    return re.findall(r"^  ([a-z_]+):", block, re.MULTILINE)


def test_the_documented_fact_is_the_plan():
    assert documented_keys() == list(PLAN_KEYS)


def test_every_built_host_is_decided(tmp_path):
    for name, arch in HOSTS.items():
        plan = gpu_passthrough_plan(host_pci(tmp_path, name), host=name, arch=arch, cpu_vendor="AuthenticAMD", all_gpus=True,
                                    forced=["iommu_group_shared", "vendor_reset_missing", "no_reset_recovery"])
        assert tuple(plan) == PLAN_KEYS and plan["errors"] == [] and plan["refused"] == [], name
        assert plan["files"] and set(plan["files"]) | set(plan["files_absent"]) == set(kernel.OWNED_FILES)
        assert plan["needs_initramfs"] is True and plan["device_spec"] and plan["aliases"]
        json.dumps(plan)


def test_a_refused_host_gets_no_files(tmp_path):
    pci = host_pci(tmp_path, "amd_w5500")
    plan = gpu_passthrough_plan(pci, host="h1", arch="x86_64", cpu_vendor="AuthenticAMD", ids=["1002:7341"], forced=["vendor_reset_missing"])
    assert [r["name"] for r in plan["refused"]] == ["no_reset_recovery"] and [r["name"] for r in plan["forced"]] == ["vendor_reset_missing"]
    assert plan["files"] == {} and plan["device_spec"] == [] and plan["files_absent"] == list(kernel.OWNED_FILES)
    both = gpu_passthrough_plan(pci, host="h1", arch="x86_64", cpu_vendor="AuthenticAMD", ids=["1002:7341"],
                                forced=["vendor_reset_missing", "no_reset_recovery"])
    assert both["refused"] == [] and both["files"] and both["kernel_args"] == ["iommu=pt"]


def test_the_intel_host_with_the_arguments_in_place_needs_no_reboot(tmp_path):
    plan = gpu_passthrough_plan(host_pci(tmp_path, "two_gtx1060"), host="h1", arch="x86_64", cpu_vendor="GenuineIntel", addresses=["02:00.0"])
    assert plan["kernel_args"] == ["intel_iommu=on", "iommu=pt"] and plan["kernel_args_pending"] == []
    assert plan["selected"] == ["0000:02:00.0"] and plan["functions"] == ["0000:02:00.0", "0000:02:00.1"]


def test_the_amd_host_gets_iommu_pt_and_a_warning_for_amd_iommu_on(tmp_path):
    plan = gpu_passthrough_plan(host_pci(tmp_path, "sriov_a100"), host="h1", arch="x86_64", cpu_vendor="AuthenticAMD", all_gpus=True)
    assert plan["kernel_args"] == ["iommu=pt"] and plan["kernel_args_pending"] == []
    assert any("amd_iommu=on" in w for w in plan["warnings"])
    assert "amd_iommu=on" not in plan["files"][kernel.PATHS["grub"]]


def test_all_problems_are_listed_at_once(tmp_path):
    pci = host_pci(tmp_path, "two_gtx1060")
    plan = gpu_passthrough_plan(pci, host="h1", arch="x86_64", ids=["10de:1c03"], addresses=["0000:09:00.0"], forced=["bootvga"])
    assert len(plan["errors"]) == 2 and [r["name"] for r in plan["refused"]] == ["boot_vga"] and plan["files"] == {}


def test_bad_inputs(tmp_path):
    assert gpu_passthrough_plan(None, host="h1", arch="x86_64")["errors"][0].startswith("host h1: the pci result is missing")
    plan = gpu_passthrough_plan(host_pci(tmp_path, "sriov_a100"), host="h1", arch="sparc", all_gpus=True)
    assert plan["arch"] is None and plan["errors"][0].startswith("host h1: arch: unknown architecture 'sparc'") and plan["files"] == {}
    plan = gpu_passthrough_plan(host_pci(tmp_path, "sriov_a100"), host="h1", arch="x86_64", all_gpus=True)  # no CPU vendor
    assert plan["errors"] and "CPU vendor is unknown" in plan["errors"][0] and plan["files"] == {}


def test_nothing_selected_is_a_warning_and_no_files(tmp_path):
    plan = gpu_passthrough_plan(host_pci(tmp_path, "sriov_a100"), host="h1", arch="x86_64", cpu_vendor="AuthenticAMD")
    assert plan["errors"] == [] and plan["files"] == {} and "no GPU selected" in plan["warnings"][-1]


# (refusal, host, selection, other inputs): each host refused for that one check. The IOMMU of the A100 host is
# turned off here (a host with tools to write to; the captured P100 guest without IOMMU is in test_gpu_refusals.py).
SCENARIOS = [
    ("boot_vga", "two_gtx1060", {"addresses": ["0000:01:00.0"]}, {}),
    ("iommu_group_shared", "gpu_with_nic", {"all_gpus": True}, {}),
    ("iommu_off", "sriov_a100", {"all_gpus": True}, {"kernel_args_in_place": True}),
    ("vendor_reset_missing", "amd_w5500", {"ids": ["1002:7341"]}, {"no_reset_recovery_ids": []}),
    ("no_reset_recovery", "amd_w5500", {"ids": ["1002:7341"]}, {"vendor_reset_installed": True}),
]


@pytest.mark.parametrize(("name", "host", "selection", "inputs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_each_refusal_is_lifted_by_its_name_only(tmp_path, name, host, selection, inputs):
    pci = host_pci(tmp_path, host)
    if name == "iommu_off":
        pci["iommu"] = {"enabled": False, "groups": 0}
    decide = functools.partial(gpu_passthrough_plan, pci, host="h1", arch="x86_64", cpu_vendor="GenuineIntel", **selection, **inputs)
    others = [n for n in refusals.REFUSALS if n != name]
    refused = decide(forced=others)
    assert [r["name"] for r in refused["refused"]] == [name] and refused["files"] == {}
    assert refused["refused"][0]["message"].startswith("host h1: ") and refused["refused"][0]["message"].endswith("gpu_passthrough_force: [%s]." % name)
    lifted = decide(forced=[name])
    assert lifted["refused"] == [] and [r["name"] for r in lifted["forced"]] == [name]
    assert lifted["files"] and lifted["errors"] == []


def test_kernel_args_in_place_none_is_decided_from_the_running_command_line(tmp_path):
    # An IOMMU still off: refused only once the running kernel has every argument (the role passes None).
    off = host_pci(tmp_path / "on", "two_gtx1060")
    off["iommu"]["enabled"] = False
    off["cmdline"] = "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt"
    args = {"host": "h1", "arch": "x86_64", "cpu_vendor": "GenuineIntel", "addresses": ["0000:02:00.0"]}
    assert [r["name"] for r in gpu_passthrough_plan(off, kernel_args_in_place=None, **args)["refused"]] == ["iommu_off"]
    assert gpu_passthrough_plan(off, kernel_args_in_place=None, **args) == gpu_passthrough_plan(off, kernel_args_in_place=True, **args)
    pending = dict(off, cmdline="BOOT_IMAGE=/vmlinuz quiet")
    assert gpu_passthrough_plan(pending, kernel_args_in_place=None, **args) == gpu_passthrough_plan(pending, kernel_args_in_place=False, **args)
    assert gpu_passthrough_plan(pending, kernel_args_in_place=None, **args)["refused"] == []
