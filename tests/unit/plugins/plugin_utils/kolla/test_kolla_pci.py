"""plugins/plugin_utils/kolla/pci.py and the GPU fact's way through kolla_multiarch's plan and render.

The facts come from the real decision (gpu_passthrough_plan over pcitree's hosts through module
pci_passthrough_info); the files are written by module ini_batch; nova 34 reads them back
(nova.conf options, nova.pci.request.get_alias_from_config, nova.pci.whitelist.Whitelist), and nova's
own alias loader refuses what the plan refuses.
"""

from __future__ import annotations

import json

import pytest
from conftest import require_import, run_module
from gpu_testlib import host_pci
from kollatestlib import decided, problems_of

from ansible_collections.multiarch.kolla.plugins.modules import ini_batch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import gpu_passthrough_plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla import pci
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.render import ALIAS_FILES, render

GROUPS = {"control": ["ctl1"], "compute": ["gx", "ga", "gs", "plain"]}


def gpu_fact(tmp_path, builder, arch, host, **selection):
    selection = selection or {"all_gpus": True}
    fact = gpu_passthrough_plan(host_pci(tmp_path, builder), host=host, arch=arch, cpu_vendor="GenuineIntel", **selection)
    assert fact["errors"] == [] and fact["refused"] == [] and fact["device_spec"], fact
    return fact


def cloud(tmp_path):
    """A controller, three GPU compute hosts (two GTX 1060 split by address, an A10 on aarch64, an SR-IOV A100) and a plain one."""
    hostvars = {"ctl1": decided("ctl1", "x86_64", compute=False)}
    for host, arch in (("gx", "x86_64"), ("ga", "aarch64"), ("gs", "x86_64"), ("plain", "x86_64")):
        hostvars[host] = decided(host, arch, kvm=True)
    hostvars["gx"]["multiarch_gpu_passthrough"] = gpu_fact(tmp_path, "two_gtx1060", "x86_64", "gx", addresses=["0000:02:00.0"])
    hostvars["ga"]["multiarch_gpu_passthrough"] = gpu_fact(tmp_path, "aarch64_a10", "aarch64", "ga")
    hostvars["gs"]["multiarch_gpu_passthrough"] = gpu_fact(tmp_path, "sriov_a100", "x86_64", "gs")
    return hostvars


def write(root, the_plan, ledger=None):
    out = render(the_plan, {}, {}, ledger)
    result = run_module(ini_batch, {"base_dir": str(root), "edits": out["ini_edits"], "mode": "0640"})
    assert not result.get("failed"), result
    return out, result["changed"]


def nova_reads(*files):
    conf = require_import("nova.conf").CONF
    conf([], project="nova", default_config_files=[str(f) for f in files], default_config_dirs=[])
    return conf


def test_the_gpu_facts_reach_nova_as_the_decision_said(tmp_path, nova_request):
    hostvars = cloud(tmp_path)
    the_plan = plan(GROUPS, hostvars)
    out, changed = write(tmp_path, the_plan)
    assert changed
    _out, changed = write(tmp_path, plan(GROUPS, hostvars), out["ledger"])
    assert not changed
    nova = tmp_path / "nova"
    whitelist = require_import("nova.pci.whitelist")
    for host in ("gx", "ga", "gs"):
        conf = nova_reads(nova / "nova-compute.conf", nova / host / "nova-compute.conf")
        assert conf.pci.device_spec == hostvars[host]["multiarch_gpu_passthrough"]["device_spec"], host
        assert len(whitelist.Whitelist(conf.pci.device_spec).specs) == len(conf.pci.device_spec)
    assert json.loads(nova_reads(nova / "gx" / "nova-compute.conf").pci.device_spec[0])["address"] == "0000:02:00.0"  # split cards: by address
    assert "device_spec" not in (nova / "plain" / "nova-compute.conf").read_text()
    # One alias list, the same for nova-api and nova-compute, holding every host's aliases.
    parsed = []
    for rel in ALIAS_FILES:
        nova_reads(tmp_path / rel)
        nova_request.get_alias_from_config.cache_clear()
        parsed.append(nova_request.get_alias_from_config())
    assert parsed[0] == parsed[1]
    expected = {json.loads(a)["name"] for h in ("gx", "ga", "gs") for a in hostvars[h]["multiarch_gpu_passthrough"]["aliases"]}
    assert set(parsed[0]) == expected and len(expected) == 3
    a100 = next(a for h in ("gs",) for a in hostvars[h]["multiarch_gpu_passthrough"]["aliases"])
    assert parsed[0][json.loads(a100)["name"]][1][0]["dev_type"] == "type-PF"  # SR-IOV capable
    assert "PciPassthroughFilter" in nova_reads(nova / "nova-scheduler.conf").filter_scheduler.enabled_filters
    nova_request.get_alias_from_config.cache_clear()


def test_the_operators_values_come_first_and_each_value_once(tmp_path):
    hostvars = cloud(tmp_path)
    fact_spec = hostvars["gs"]["multiarch_gpu_passthrough"]["device_spec"]
    hostvars["gs"]["kolla_multiarch_pci_device_spec"] = [{"vendor_id": "8086", "product_id": "1572", "physical_network": "sriov"}, fact_spec[0]]
    operator_alias = {"name": "nic", "vendor_id": "8086", "product_id": "1572"}
    the_plan = plan(GROUPS, hostvars, pci_alias=[operator_alias, hostvars["gs"]["multiarch_gpu_passthrough"]["aliases"][0]])
    specs = the_plan["nova_compute"]["gs"]["pci_device_spec"]
    assert json.loads(specs[0])["physical_network"] == "sriov" and specs[1:] == fact_spec
    assert json.loads(the_plan["pci_alias"][0])["name"] == "nic"
    assert len(the_plan["pci_alias"]) == len(set(the_plan["pci_alias"])) == 4


def _nova_refuses(nova_request, aliases, in_placement=False):
    conf = require_import("nova.conf").CONF
    conf([], project="nova", default_config_files=[], default_config_dirs=[])
    conf.set_override("alias", aliases, group="pci")
    conf.set_override("pci_in_placement", in_placement, group="filter_scheduler")
    nova_request.get_alias_from_config.cache_clear()
    try:
        with pytest.raises(require_import("nova.exception").PciInvalidAlias):
            nova_request.get_alias_from_config()
    finally:
        conf.clear_override("alias", group="pci")
        conf.clear_override("pci_in_placement", group="filter_scheduler")
        nova_request.get_alias_from_config.cache_clear()


def _alias(name, device="1c03", **extra):
    return json.dumps({"name": name, "vendor_id": "10de", "product_id": device, **extra}, sort_keys=True)


@pytest.mark.parametrize(("per_host", "in_placement", "said"), [
    ({"h1": [_alias("gpu", device_type="type-PCI")], "h2": [_alias("gpu", "20f1", device_type="type-PF")]}, False,
     "[pci] alias gpu: host h1's multiarch_gpu_passthrough gives device_type=type-PCI but host h2's multiarch_gpu_passthrough gives device_type=type-PF"),
    ({"h1": [_alias("gpu", numa_policy="required", device_type="type-PCI")], "h2": [_alias("gpu", "1b80", device_type="type-PCI")]}, False,
     "gives numa_policy=required but host h2's multiarch_gpu_passthrough gives numa_policy=legacy"),
    ({"h1": [_alias("gpu")], "h2": [_alias("gpu", "1b80", device_type="type-PCI")]}, False, "nova needs device_type on every entry"),
    ({"h1": [_alias("gpu", device_type="type-PCI")], "h2": [_alias("gpu", "1b80", device_type="type-PCI")]}, True,
     "has 2 entries (host h1's multiarch_gpu_passthrough, host h2's"),
    ({"h1": [json.dumps({"name": "rc", "resource_class": "CUSTOM_GPU"})]}, False, "[pci] alias rc from host h1's multiarch_gpu_passthrough has no vendor_id"),
])
def test_what_nova_would_refuse_is_refused_naming_who_gave_it(nova_request, per_host, in_placement, said):
    problems = []
    merged = pci.merge_aliases([], per_host, in_placement, problems)
    assert len(problems) == 1 and said in problems[0], problems
    _nova_refuses(nova_request, merged, in_placement)


def test_identical_aliases_of_several_hosts_are_one_and_nova_ors_models_of_one_name(nova_config, nova_request):
    problems = []
    one, other = _alias("gpu", device_type="type-PCI"), _alias("gpu", "1b80", device_type="type-PCI")
    merged = pci.merge_aliases([one], {"h1": [one], "h2": [other]}, False, problems)
    assert problems == [] and merged == [one, other]
    nova_config.set_override("alias", merged, group="pci")
    nova_request.get_alias_from_config.cache_clear()
    assert [s["product_id"] for s in nova_request.get_alias_from_config()["gpu"][1]] == ["1c03", "1b80"]


def test_pci_in_placement_is_written_only_when_asked_and_reporting_is_never_taken_back(tmp_path):
    hostvars = cloud(tmp_path)
    assert "report_in_placement" not in json.dumps(render(plan(GROUPS, hostvars), {}, {}, None)["ini_edits"])
    the_plan = plan(GROUPS, hostvars, pci_report_in_placement=True, pci_in_placement=True)
    assert the_plan["warnings"] and "cannot be undone" in the_plan["warnings"][0]
    out, _changed = write(tmp_path, the_plan)
    nova = tmp_path / "nova"
    assert nova_reads(nova / "nova-compute.conf").pci.report_in_placement is True
    for rel in pci.PCI_IN_PLACEMENT_FILES:
        assert nova_reads(tmp_path / rel).filter_scheduler.pci_in_placement is True, rel
    # Scheduling in Placement may go; reporting may not.
    out2, _changed = write(tmp_path, plan(GROUPS, hostvars, pci_report_in_placement=True), out["ledger"])
    assert nova_reads(nova / "nova-api.conf").filter_scheduler.pci_in_placement is False
    before = {p: p.read_bytes() for p in nova.rglob("*.conf")}
    with pytest.raises(KollaMultiarchError, match="nova-compute refuses to start with reporting turned off"):
        render(plan(GROUPS, hostvars), {}, {}, out2["ledger"])
    assert {p: p.read_bytes() for p in nova.rglob("*.conf")} == before


def test_scheduling_in_placement_needs_reporting(tmp_path):
    with pytest.raises(KollaMultiarchError) as excinfo:
        plan(GROUPS, cloud(tmp_path), pci_in_placement=True)
    assert "kolla_multiarch_pci_report_in_placement is false" in problems_of(excinfo)[0]


def test_a_stale_refused_or_misplaced_gpu_fact_is_a_problem(tmp_path):
    hostvars = cloud(tmp_path)
    hostvars["gx"]["multiarch_gpu_passthrough"]["arch"] = "aarch64"
    hostvars["gs"]["multiarch_gpu_passthrough"]["refused"] = [{"name": "boot_vga", "message": "host gs: 0000:01:00.0 is the boot VGA device"}]
    hostvars["ctl1"]["multiarch_gpu_passthrough"] = hostvars["ga"]["multiarch_gpu_passthrough"]
    del hostvars["ga"]["multiarch_gpu_passthrough"]["aliases"]
    with pytest.raises(KollaMultiarchError) as excinfo:
        plan(GROUPS, hostvars)
    found = problems_of(excinfo)
    assert len(found) == 4, found
    assert any(p.startswith("host gx: multiarch_gpu_passthrough was decided for aarch64 but the host is x86_64") for p in found)
    assert any(p.startswith("host gs: multiarch_gpu_passthrough holds refusals") and "boot VGA" in p for p in found)
    assert any(p.startswith("host ctl1 has GPU passthrough decided") and "in no compute group" in p for p in found)
    assert any(p.startswith("host ga: multiarch_gpu_passthrough lacks aliases") for p in found)
