"""plugins/plugin_utils/kolla/render.py: the plan as the exact writes, through the real writer.

Oracles: module ini_batch (the role's writer, run in-process over files with
operator lines), nova 34's own options and alias parser reading the files the way
kolla-ansible merges them, and PyYAML (what Ansible's host_group_vars plugin loads).
"""

from __future__ import annotations

import json

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from conftest import require_import, run_module
from kollatestlib import PPC_SOURCE, decided, mixed, multinode
from tcg_testlib import expected_seconds

from ansible_collections.multiarch.kolla.plugins.modules import ini_batch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.render import GROUPS_FILE, render

ALIAS = [{"name": "a100", "vendor_id": "10de", "product_id": "20b5", "device_type": "type-PF"}]
OPERATOR_FILTERS = "AggregateInstanceExtraSpecsFilter,ComputeFilter"


def write(root, the_plan, ledger=None, existing_vars=None):
    """Render and apply the INI edits with ini_batch (one run); returns (render result, changed)."""
    layers = {rel: (root / rel).read_text() for rel in ("global.conf", "nova.conf", "nova/nova-scheduler.conf") if (root / rel).exists()}
    out = render(the_plan, layers, existing_vars or {}, ledger)
    result = run_module(ini_batch, {"base_dir": str(root), "edits": out["ini_edits"], "mode": "0640"})
    assert not result.get("failed"), result
    return out, result["changed"]


def nova_reads(*files):
    """nova's options after reading ``files`` in kolla's merge order (later wins)."""
    nova_conf = require_import("nova.conf")
    conf = nova_conf.CONF
    conf([], project="nova", default_config_files=[str(f) for f in files], default_config_dirs=[])
    return conf


def small_cloud(**ca1_args):
    hostvars = {"ctl1": decided("ctl1", "x86_64", kvm=True), "ca1": decided("ca1", "aarch64", **ca1_args)}
    hostvars["ca1"]["kolla_multiarch_pci_device_spec"] = [{"vendor_id": "10de", "product_id": "20b5"}]
    return {"control": ["ctl1"], "compute": ["ctl1", "ca1"]}, hostvars


def test_render_keeps_operator_lines_and_is_idempotent(tmp_path):
    groups, hostvars = small_cloud()
    the_plan = plan(groups, hostvars, pci_alias=ALIAS)
    nova = tmp_path / "nova"
    (nova / "ca1").mkdir(parents=True)
    # Operator files: a per-host key the collection does not own, a stale owned key, an operator filter list in nova.conf.
    (nova / "ca1" / "nova-compute.conf").write_text("[libvirt]\n# operator\nimages_type = raw\ncpu_model_extra_flags = +pcid\n")
    (tmp_path / "nova.conf").write_text(f"[DEFAULT]\ncpu_allocation_ratio = 4.0\n[filter_scheduler]\nenabled_filters = {OPERATOR_FILTERS}\n")
    out, changed = write(tmp_path, the_plan)
    assert changed
    # 6 [libvirt], 1 [pci] device_spec, 2 [DEFAULT] timeouts (ca1 has no KVM: its guests run under TCG).
    assert [e["path"] for e in out["ini_edits"]].count("nova/ca1/nova-compute.conf") == 9
    out2, changed = write(tmp_path, the_plan, out["ledger"])
    assert not changed  # the role's idempotence
    assert out2["ledger"] == out["ledger"]

    ca1 = (nova / "ca1" / "nova-compute.conf").read_text()
    assert "# operator\nimages_type = raw" in ca1
    assert "cpu_model_extra_flags" not in ca1  # stale owned key removed
    conf = nova_reads(tmp_path / "nova.conf", nova / "nova-compute.conf", nova / "ca1" / "nova-compute.conf")
    assert conf.libvirt.virt_type == "qemu"
    assert conf.libvirt.cpu_mode == "custom"
    assert conf.libvirt.cpu_models == ["cortex-a72"]
    assert conf.libvirt.hw_machine_type == ["aarch64=virt"]
    assert conf.libvirt.num_pcie_ports == 16
    assert conf.libvirt.images_type == "raw"
    assert (conf.shutdown_timeout, conf.instance_build_timeout) == (expected_seconds("shutdown_timeout", "aarch64"), 0)
    assert "rpc_response_timeout = %d" % expected_seconds("rpc_response_timeout", "aarch64") in ca1
    assert conf.pci.device_spec == ['{"product_id": "20b5", "vendor_id": "10de"}']
    nova_request = require_import("nova.pci.request")
    nova_request.get_alias_from_config.cache_clear()
    assert nova_request.get_alias_from_config() == {"a100": ("legacy", [{"vendor_id": "10de", "product_id": "20b5", "dev_type": "type-PF"}])}
    # nova-scheduler: the operator's list from nova.conf, with the PCI filter, as kolla merges the layers.
    conf = nova_reads(tmp_path / "nova.conf", nova / "nova-scheduler.conf")
    assert conf.filter_scheduler.enabled_filters == ["AggregateInstanceExtraSpecsFilter", "ComputeFilter", "PciPassthroughFilter"]
    assert conf.cpu_allocation_ratio == 4.0
    assert (nova / "nova-api.conf").read_text().count("alias = ") == 1
    # Never a per-host nova.conf (kolla merges it into every nova service of the host).
    assert not list(nova.glob("*/nova.conf"))


def test_what_is_no_longer_decided_is_removed_and_the_operators_value_comes_back(tmp_path):
    groups, hostvars = small_cloud()
    nova = tmp_path / "nova"
    nova.mkdir()
    (nova / "nova-scheduler.conf").write_text("[filter_scheduler]\nenabled_filters = ComputeFilter,ImagePropertiesFilter\n")
    out, _changed = write(tmp_path, plan(groups, hostvars, pci_alias=ALIAS))
    assert "PciPassthroughFilter" in (nova / "nova-scheduler.conf").read_text()
    # No alias and no device spec any more: both go, the scheduler gets the operator's list back.
    del hostvars["ca1"]["kolla_multiarch_pci_device_spec"]
    out, changed = write(tmp_path, plan(groups, hostvars), out["ledger"])
    assert changed
    assert "alias" not in (nova / "nova-api.conf").read_text() and "alias" not in (nova / "nova-compute.conf").read_text()
    assert "device_spec" not in (nova / "ca1" / "nova-compute.conf").read_text()
    assert nova_reads(nova / "nova-scheduler.conf").filter_scheduler.enabled_filters == ["ComputeFilter", "ImagePropertiesFilter"]
    assert out["ledger"]["enabled_filters"] is None


def test_a_filter_list_written_only_by_the_collection_is_removed_again(tmp_path):
    groups, hostvars = small_cloud()
    out, _changed = write(tmp_path, plan(groups, hostvars, pci_alias=ALIAS))
    write(tmp_path, plan(groups, hostvars), out["ledger"])
    assert "enabled_filters" not in (tmp_path / "nova" / "nova-scheduler.conf").read_text()


def test_an_operator_edit_after_ours_is_left_alone(tmp_path):
    groups, hostvars = small_cloud()
    out, _changed = write(tmp_path, plan(groups, hostvars, pci_alias=ALIAS))
    scheduler = tmp_path / "nova" / "nova-scheduler.conf"
    scheduler.write_text("[filter_scheduler]\nenabled_filters = ComputeFilter,PciPassthroughFilter,BlazarFilter\n")
    write(tmp_path, plan(groups, hostvars), out["ledger"])
    assert scheduler.read_text() == "[filter_scheduler]\nenabled_filters = ComputeFilter,PciPassthroughFilter,BlazarFilter\n"


def test_a_host_that_left_the_inventory_loses_only_what_the_collection_wrote(tmp_path):
    groups, hostvars = small_cloud()
    conf = tmp_path / "nova" / "ca1" / "nova-compute.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[libvirt]\nimages_type = raw\n")
    vars_before = {"host_vars/ca1.yml": {"my_key": 1}}
    out, _changed = write(tmp_path, plan(groups, hostvars), existing_vars=vars_before)
    ca1_vars = yaml.safe_load(out["files"]["host_vars/ca1.yml"])
    assert ca1_vars == {"my_key": 1, "nova_compute_virt_type": "qemu", "nova_libvirt_cpu_mode": "custom"}
    smaller = {"control": ["ctl1"], "compute": ["ctl1"]}
    out, changed = write(tmp_path, plan(smaller, hostvars), out["ledger"], existing_vars={"host_vars/ca1.yml": ca1_vars})
    assert changed
    # Only the operator's line is left (ini_batch, like community.general.ini_file, keeps a section it emptied).
    assert [line for line in conf.read_text().splitlines() if "=" in line] == ["images_type = raw"]
    assert yaml.safe_load(out["files"]["host_vars/ca1.yml"]) == {"my_key": 1}
    assert "nova/ca1/nova-compute.conf" not in out["ledger"]["ini"]


def test_a_host_that_stops_emulating_loses_the_trait_and_cpu_mode_none(tmp_path):
    guests = {"x86_64": {}, "aarch64": {"accel": "tcg", "machines": ["virt"], "cpu_models": [], "uefi": True}}
    hostvars = {"c1": decided("c1", "x86_64", guests=guests, emulated_arches=["aarch64"])}
    groups = {"control": ["c1"], "compute": ["c1"]}
    out, _changed = write(tmp_path, plan(groups, hostvars))
    assert "cpu_mode = none" in (tmp_path / "nova" / "c1" / "nova-compute.conf").read_text()
    assert "CUSTOM_EMULATES_AARCH64" in out["files"]["host_vars/c1.yml"]
    hostvars = {"c1": decided("c1", "x86_64", guests=guests)}
    out, _changed = write(tmp_path, plan(groups, hostvars), out["ledger"], {"host_vars/c1.yml": yaml.safe_load(out["files"]["host_vars/c1.yml"])})
    assert "cpu_mode = custom" in (tmp_path / "nova" / "c1" / "nova-compute.conf").read_text()
    assert yaml.safe_load(out["files"]["host_vars/c1.yml"]) == {"nova_compute_virt_type": "qemu", "nova_libvirt_cpu_mode": "custom"}


def test_vars_files_keep_the_operators_keys_and_load_as_ansible_loads_them():
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    existing = {"group_vars/arch_aarch64.yml": {"openstack_tag_suffix": "-old", "neutron_mtu": 9000}, "host_vars/cx1.yml": None}
    out = render(the_plan, {}, existing, None)
    assert yaml.safe_load(out["files"]["group_vars/arch_aarch64.yml"]) == {"openstack_tag_suffix": "-aarch64", "neutron_mtu": 9000}
    assert yaml.safe_load(out["files"][GROUPS_FILE]) == the_plan["inventory"]
    for group, values in the_plan["group_vars"].items():
        assert yaml.safe_load(out["files"]["group_vars/%s.yml" % group]) == values or group == "arch_aarch64"
    assert out["files"]["host_vars/ca1.yml"].startswith("# Per-host values written by multiarch.kolla.kolla_multiarch")
    assert out["ledger"]["vars"]["group_vars/arch_x86_64.yml"] == ["openstack_tag_suffix"]
    assert json.loads(out["ledger_text"]) == out["ledger"]


def test_docker_custom_config_stays_when_container_runtime_did_not_run():
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    existing = {"host_vars/cx1.yml": {"docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"]}, "nova_compute_virt_type": "kvm"}}
    out = render(the_plan, {}, existing, None)
    assert yaml.safe_load(out["files"]["host_vars/cx1.yml"]) == {
        "docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"]},
        "nova_compute_virt_type": "qemu",
        "nova_libvirt_cpu_mode": "custom",
    }


@pytest.mark.parametrize("ledger", [{"version": 99}, ["not", "a", "dict"], "text"])
def test_a_ledger_this_version_did_not_write_is_refused(ledger):
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    with pytest.raises(AnsibleFilterError, match=r"the ledger \.multiarch-kolla\.json is not one this version wrote"):
        render(the_plan, {}, {}, ledger)


def test_a_vars_file_that_is_not_a_mapping_is_refused():
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    with pytest.raises(AnsibleFilterError, match=r"host_vars/cx1\.yml holds list, not a mapping"):
        render(the_plan, {}, {"host_vars/cx1.yml": ["a"]}, None)


def test_a_key_kept_as_it_is_stays_in_the_ledger():
    """A run without container_runtime keeps docker_custom_config in the file, and the ledger still knows it wrote it."""
    hostvars = mixed()
    hostvars["cx1"]["multiarch_container_runtime"] = {"docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"]}}
    first = render(plan(multinode(), hostvars, image_sources_override=PPC_SOURCE), {}, {}, None)
    assert "docker_custom_config" in first["ledger"]["vars"]["host_vars/cx1.yml"]
    del hostvars["cx1"]["multiarch_container_runtime"]
    existing = {"host_vars/cx1.yml": yaml.safe_load(first["files"]["host_vars/cx1.yml"])}
    second = render(plan(multinode(), hostvars, image_sources_override=PPC_SOURCE), {}, existing, first["ledger"])
    assert second["ledger"] == first["ledger"]
    assert yaml.safe_load(second["files"]["host_vars/cx1.yml"]) == existing["host_vars/cx1.yml"]


# ----------------------------------------------------------------- values that cannot inject


def _hostile(where, text):
    """A small cloud whose input ``where`` holds ``text``; returns (plan, layers)."""
    groups, hostvars = small_cloud()
    layers, alias = {}, ALIAS
    decision = hostvars["ca1"]["multiarch_nova_compute"]
    if where == "libvirt":
        decision["libvirt"] = dict(decision["libvirt"], cpu_models="cortex-a72" + text)
    elif where == "device_spec":
        hostvars["ca1"]["kolla_multiarch_pci_device_spec"] = [{"vendor_id": "10de", "physical_network": "net" + text}]
    elif where == "alias":
        alias = [dict(ALIAS[0], name="a100" + text)]
    elif where == "enabled_filters":
        layers = {"nova.conf": "[filter_scheduler]\nenabled_filters = ComputeFilter,%s\n" % ("Mine" + text)}
    elif where == "docker_custom_config":
        hostvars["ca1"]["multiarch_container_runtime"] = {"docker_custom_config": {"log-opts": {"tag": "x" + text}}}
    the_plan = plan(groups, hostvars, pci_alias=alias)
    if where == "image_source":  # images.py refuses such a source itself; the render is the last gate all the same
        the_plan["group_vars"]["arch_aarch64"]["docker_namespace"] = "kolla" + text
    return the_plan, layers


# Markers Ansible templates on (ansible-core 2.19 _jinja_bits.is_possibly_template), as kolla-ansible's
# merge_configs templates every override file and Ansible every inventory variable.
TEMPLATES = ["{{ lookup('pipe', 'id') }}", "{% raw %}", "{# eats the rest of the file"]


@pytest.mark.parametrize("text", TEMPLATES)
@pytest.mark.parametrize(("where", "names"), [
    ("libvirt", ["host ca1: nova/ca1/nova-compute.conf [libvirt] cpu_models", "multiarch_nova_compute"]),
    ("device_spec", ["host ca1: nova/ca1/nova-compute.conf [pci] device_spec", "kolla_multiarch_pci_device_spec"]),
    ("alias", ["nova/nova-api.conf [pci] alias", "kolla_multiarch_pci_alias"]),
    ("enabled_filters", ["nova/nova-scheduler.conf [filter_scheduler] enabled_filters", "global.conf, nova.conf"]),
    ("docker_custom_config", ["host ca1: host_vars/ca1.yml docker_custom_config", "multiarch_container_runtime"]),
    ("image_source", ["group_vars/arch_aarch64.yml docker_namespace", "kolla_multiarch_image_sources"]),
])
def test_a_value_kolla_ansible_would_template_is_refused(where, names, text):
    the_plan, layers = _hostile(where, text)
    with pytest.raises(AnsibleFilterError) as excinfo:
        render(the_plan, layers, {}, None)
    message = str(excinfo.value)
    assert "nothing was written" in message and "evaluate it as a template" in message
    for name in names:
        assert name in message


@pytest.mark.parametrize("mark", ["\u2028", "\x85", "\x0b"], ids=repr)
def test_an_operator_filter_list_with_a_line_break_is_refused(mark):
    """An operator's enabled_filters holding U+2028 is one line to oslo.config; written back, a str.splitlines reader
    would see a second line. The render refuses it and names the operator's files."""
    the_plan, layers = _hostile("enabled_filters", mark + "virt_type = kvm")
    with pytest.raises(AnsibleFilterError, match=r"enabled_filters: the value .* has a line break"):
        render(the_plan, layers, {}, None)


@pytest.mark.parametrize("mark", ["\n", "\u2028", "\x1c"], ids=repr)
def test_json_values_stay_one_line_and_nova_reads_them_back(tmp_path, mark):
    """PCI specs and aliases are JSON: a line break inside one of their strings is escaped, written on one line, and
    nova reads back exactly the string given (no refusal needed, no line added)."""
    the_plan, _layers = _hostile("device_spec", mark + "virt_type = kvm")
    write(tmp_path, the_plan)
    conf = nova_reads(tmp_path / "nova" / "ca1" / "nova-compute.conf")
    assert [json.loads(spec) for spec in conf.pci.device_spec] == [{"vendor_id": "10de", "physical_network": "net%svirt_type = kvm" % mark}]
    assert conf.libvirt.virt_type == "qemu"


@pytest.mark.parametrize(
    "ledger",
    [
        {"version": 1, "ini": {"../../etc/nova.conf": {"libvirt": ["virt_type"]}}, "vars": {}},
        {"version": 1, "ini": {}, "vars": {"host_vars/../../x.yml": ["a"]}},
        {"version": 1, "ini": {}, "vars": {"roles/x.yml": ["a"]}},
    ],
)
def test_a_ledger_naming_a_path_outside_its_dirs_is_refused(ledger):
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    with pytest.raises(AnsibleFilterError, match=r"the ledger \.multiarch-kolla\.json names .* fix: remove the file"):
        render(the_plan, {}, {}, ledger)


def test_default_timeouts_are_removed_only_where_the_collection_wrote_them(tmp_path):
    """[DEFAULT] timeouts of an emulating host: written beside the operator's own [DEFAULT] lines, which outlive them."""
    guests = {"x86_64": {}, "aarch64": {"accel": "tcg", "machines": ["virt"], "cpu_models": [], "uefi": True}}
    groups = {"control": ["c1"], "compute": ["c1"]}
    emulating = {"c1": decided("c1", "x86_64", kvm=True, guests=guests, emulated_arches=["aarch64"], mode="shared", tcg_slowdown={"aarch64": 5})}
    conf_file = tmp_path / "nova" / "c1" / "nova-compute.conf"
    conf_file.parent.mkdir(parents=True)
    conf_file.write_text("[DEFAULT]\n# operator\ndebug = true\ninstance_build_timeout = 99\n")
    out, changed = write(tmp_path, plan(groups, emulating))
    assert changed
    assert out["ledger"]["ini"]["nova/c1/nova-compute.conf"]["DEFAULT"] == ["shutdown_timeout", "rpc_response_timeout"]
    text = conf_file.read_text()
    assert "# operator\ndebug = true\ninstance_build_timeout = 99\n" in text and "rpc_response_timeout = 300" in text
    assert (nova_reads(conf_file).shutdown_timeout, nova_reads(conf_file).instance_build_timeout) == (300, 99)
    _out, changed = write(tmp_path, plan(groups, emulating), out["ledger"])
    assert not changed
    # The host stops emulating: nova's defaults come back, the operator's lines stay.
    native = {"c1": decided("c1", "x86_64", kvm=True, guests=guests, mode="shared")}
    out, changed = write(tmp_path, plan(groups, native), out["ledger"])
    assert changed
    assert [line for line in conf_file.read_text().splitlines() if "=" in line and "[" not in line][:2] == ["debug = true", "instance_build_timeout = 99"]
    assert "shutdown_timeout" not in conf_file.read_text() and "rpc_response_timeout" not in conf_file.read_text()
    assert "DEFAULT" not in out["ledger"]["ini"]["nova/c1/nova-compute.conf"]
    assert nova_reads(conf_file).shutdown_timeout == 60


def test_an_operator_timeout_override_is_rendered_as_decided(tmp_path):
    groups = {"control": ["c1"], "compute": ["c1"]}
    hostvars = {"c1": decided("c1", "x86_64", kvm=True, overrides={"shutdown_timeout": 240})}
    write(tmp_path, plan(groups, hostvars))
    assert nova_reads(tmp_path / "nova" / "c1" / "nova-compute.conf").shutdown_timeout == 240
