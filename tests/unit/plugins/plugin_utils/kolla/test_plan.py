"""plugins/plugin_utils/kolla/plan.py: what kolla_multiarch writes, from the decide roles' facts only.

The per-host nova values come from nova_compute_arch's decision (built here with the
real compute_arch_plan), never decided again; the arch groups are host_facts' names.
"""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError
from kollatestlib import GLOBALS, PPC_SOURCE, LazyHostvars, decided, fact, mixed, multinode, problems_of

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import OWNED_KEYS, plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import NOVA_LIBVIRT_KEYS


def test_plan_mixed_cloud():
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    assert the_plan["arches"] == ["aarch64", "ppc64le", "x86_64"]
    assert the_plan["arch_groups"] == {"arch_aarch64": ["ca1"], "arch_ppc64le": ["cp1"], "arch_x86_64": ["ctl1", "ctl2", "ctl3", "cx1"]}
    assert "localhost" not in json.dumps(the_plan["arch_groups"])  # only in `deployment`
    assert the_plan["group_vars"] == {
        "arch_aarch64": {"openstack_tag_suffix": "-aarch64"},
        "arch_ppc64le": {"openstack_tag_suffix": "", "docker_registry": "registry.example.com:4000", "docker_namespace": "kolla-ppc64le"},
        "arch_x86_64": {"openstack_tag_suffix": ""},
    }
    assert the_plan["inventory"] == {
        "all": {
            "children": {
                "arch_aarch64": {"hosts": {"ca1": None}},
                "arch_ppc64le": {"hosts": {"cp1": None}},
                "arch_x86_64": {"hosts": {"ctl1": None, "ctl2": None, "ctl3": None, "cx1": None}},
            }
        }
    }
    # Controllers get nothing per host (no Docker decision, not compute hosts).
    assert sorted(the_plan["host_vars"]) == ["ca1", "cp1", "cx1"]
    assert the_plan["host_vars"]["ca1"] == {"nova_compute_virt_type": "qemu", "nova_libvirt_cpu_mode": "custom"}
    assert the_plan["control_plane"] == {"groups": ["control", "network", "monitoring", "storage"], "arches": ["x86_64"], "manifest_lists": False}
    assert the_plan["hosts"] == 6
    assert the_plan["compute_hosts"] == ["cx1", "ca1", "cp1"]


def test_plan_with_ansibles_lazy_hostvars():
    hostvars = mixed()
    assert plan(multinode(), LazyHostvars(hostvars), image_sources_override=PPC_SOURCE) == plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)


@pytest.mark.parametrize(("arch", "kvm"), [("x86_64", True), ("aarch64", True), ("ppc64le", True), ("x86_64", False), ("aarch64", False), ("ppc64le", False)])
def test_nova_compute_values_are_the_decision_as_it_is(arch, kvm):
    hostvars = {"c1": decided("c1", "x86_64", compute=False), "n1": decided("n1", arch, kvm=kvm)}
    the_plan = plan({"control": ["c1"], "compute": ["n1"]}, hostvars, image_sources_override=PPC_SOURCE)
    decision = hostvars["n1"]["multiarch_nova_compute"]
    conf = the_plan["nova_compute"]["n1"]
    assert conf["libvirt"] == decision["libvirt"]
    assert sorted(conf["libvirt_absent"]) == sorted(set(NOVA_LIBVIRT_KEYS) - set(decision["libvirt"]))
    assert the_plan["host_vars"]["n1"] == {"nova_compute_virt_type": decision["virt_type"], "nova_libvirt_cpu_mode": decision["cpu_mode"]}
    assert conf["libvirt"]["virt_type"] == ("kvm" if kvm else "qemu")
    # [DEFAULT] timeouts as decided: none on a KVM host that emulates nothing, scaled where every guest runs under TCG.
    assert conf["defaults"] == decision["defaults"] and bool(conf["defaults"]) is not kvm


def test_the_plan_never_decides_libvirt_itself():
    """A decision that differs from what the rules would say (an operator override) is rendered as decided."""
    hostvars = {"c1": decided("c1", "x86_64", kvm=True, overrides={"num_pcie_ports": 8, "cpu_mode": "host-passthrough"})}
    the_plan = plan({"control": ["c1"], "compute": ["c1"]}, hostvars)
    assert the_plan["nova_compute"]["c1"]["libvirt"]["num_pcie_ports"] == "8"
    assert the_plan["nova_compute"]["c1"]["libvirt"]["cpu_mode"] == "host-passthrough"


def test_plan_carries_the_docker_decision_and_the_provider_config():
    hostvars = {
        "c1": dict(decided("c1", "x86_64", compute=False),
                   multiarch_container_runtime={"engine": "docker", "cgroup_driver": "systemd", "source": "operator", "reason": "x",
                                                "docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"], "log-driver": "json-file"}}),
        "a1": decided("a1", "aarch64", kvm=True, emulated_arches=["x86_64"], mode="shared",
                      guests={"aarch64": {}, "x86_64": {"accel": "tcg", "machines": ["q35"], "cpu_models": []}}),
    }
    the_plan = plan({"control": ["c1"], "compute": ["a1"]}, hostvars)
    assert the_plan["host_vars"]["c1"] == {"docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"], "log-driver": "json-file"}}
    provider = the_plan["host_vars"]["a1"]["nova_cell_compute_provider_config"]
    assert provider["providers"] == [{"identification": {"uuid": "$COMPUTE_NODE"}, "traits": {"additional": ["CUSTOM_EMULATES_X86_64"]}}]


def test_a_podman_decision_writes_no_docker_config():
    runtime = {"engine": "podman", "cgroup_driver": "systemd", "source": "operator", "reason": "x", "docker_custom_config": None}
    hostvars = {"c1": dict(decided("c1", "x86_64", compute=False), multiarch_container_runtime=runtime)}
    assert plan({"control": ["c1"]}, hostvars)["host_vars"] == {}


def test_owned_keys_cover_every_key_the_plan_writes():
    """The renderer drops owned keys from a file before writing: a key written but not owned would never go."""
    hostvars = mixed()
    hostvars["ca1"] = decided("ca1", "aarch64", kvm=True, provider_config_base={"meta": {"schema_version": "1.0"}, "providers": [
        {"identification": {"name": "$COMPUTE_NODE"}, "inventories": {"additional": [{"CUSTOM_GPU": {"total": 1}}]}}]})
    hostvars["cx1"] = decided("cx1", "x86_64", emulated_arches=["ppc64le"], kolla_base_distro="debian",
                              libvirt_image="registry.example.com:5000/openstack.kolla/nova-libvirt:2026.2-debian-trixie",
                              guests={"x86_64": {}, "ppc64le": {"accel": "tcg", "machines": ["pseries"], "cpu_models": ["POWER9"]}})
    hostvars["cx1"]["multiarch_container_runtime"] = {"docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"]}}
    the_plan = plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)
    owned = the_plan["owned_keys"]
    assert owned == {kind: list(keys) for kind, keys in OWNED_KEYS.items()}
    group_keys = {k for values in the_plan["group_vars"].values() for k in values}
    assert group_keys == set(owned["group_vars"]) == {"openstack_tag_suffix", "docker_registry", "docker_namespace"}
    host_keys = {k for values in the_plan["host_vars"].values() for k in values}
    assert host_keys == set(owned["host_vars"]) | {"docker_custom_config"}
    # docker_custom_config is replaced when given, kept otherwise: without container_runtime the value already there stays.
    assert "docker_custom_config" not in owned["host_vars"]


# --------------------------------------------------------------------------- refusals


def test_ppc64le_without_a_source_fails_with_the_fix():
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), mixed())
    (problem,) = problems_of(excinfo)
    assert problem.startswith("host(s) cp1 are ppc64le and group arch_ppc64le has no image source (upstream Kolla publishes no ppc64le images)")
    assert "kolla-build --base-arch ppc64le" in problem
    assert "kolla_multiarch_image_sources: {ppc64le: {registry: '<host:port>', namespace: '<namespace>', tag_suffix: ''}}" in problem
    assert "nothing was written" in str(excinfo.value)


def test_an_arch_whose_default_source_was_removed_fails():
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), mixed(), image_sources_override={**PPC_SOURCE, "aarch64": None})
    assert problems_of(excinfo)[0].startswith(
        "host(s) ca1 are aarch64 and group arch_aarch64 has no image source (kolla_multiarch_image_sources.aarch64 is null)"
    )


@pytest.mark.parametrize("missing", [None, {"arch": None}, "not a dict", {"arch": "mips64"}])
def test_a_host_without_a_detected_arch_fails_naming_it(missing):
    hostvars = mixed()
    hostvars["ca1"] = {} if missing is None else {"multiarch_host": missing}
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)
    (problem,) = problems_of(excinfo)
    assert problem.startswith("host ca1 (groups baremetal, compute, openvswitch) ")
    assert "run the multiarch.kolla.host_facts role on it" in problem


def test_a_host_missing_from_the_plays_inventory_fails_naming_it():
    """Ansible's hostvars answers an unknown host with an undefined value, not a KeyError."""

    class Hostvars(LazyHostvars):
        def __contains__(self, key):  # HostVars asks the inventory
            return key in self._data

        def __getitem__(self, key):
            if key not in self._data:
                return object()  # stands for AnsibleUndefined: any use fails
            return super().__getitem__(key)

    groups = multinode(computes=("cx1", "ca1", "cp1", "ghost"))
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(groups, Hostvars(mixed()), image_sources_override=PPC_SOURCE)
    (problem,) = problems_of(excinfo)
    assert problem.startswith("host ghost (groups baremetal, compute, openvswitch) has no multiarch_host fact")
    assert problem.endswith("(the play's inventory does not have this host)")


def test_a_compute_host_without_a_nova_decision_names_the_role_to_run():
    hostvars = mixed()
    del hostvars["ca1"]["multiarch_nova_compute"]
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)
    (problem,) = problems_of(excinfo)
    assert problem.startswith("host ca1 is in a compute group but has no multiarch_nova_compute decision")
    assert "run the multiarch.kolla.nova_compute_arch role" in problem
    assert "with --limit: include the host, or cache the facts" in problem  # the likely cause in a site.yml run


def test_host_groups_with_two_prefixes_are_refused():
    hostvars = mixed()
    hostvars["cx1"]["multiarch_groups"] = {"arch": "mygrp_x86_64"}
    with pytest.raises(AnsibleFilterError, match="host cx1 is in arch group mygrp_x86_64 but other x86_64 hosts are in arch_x86_64"):
        plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)


def test_the_arch_groups_are_host_facts_names():
    hostvars = mixed()
    for values in hostvars.values():
        values["multiarch_groups"] = {"arch": "mygrp_" + values["multiarch_host"]["arch"]}
    groups = dict(multinode(), mygrp_x86_64=["ctl1"])  # host_facts' groups in the play inventory are not the operator's
    the_plan = plan(groups, hostvars, image_sources_override=PPC_SOURCE)
    assert sorted(the_plan["group_vars"]) == ["mygrp_aarch64", "mygrp_ppc64le", "mygrp_x86_64"]
    assert the_plan["arch_groups"]["mygrp_x86_64"] == ["ctl1", "ctl2", "ctl3", "cx1"]


def test_an_unsupported_arch_fails():
    hostvars = dict(mixed(), ca1=decided("ca1", "s390x", compute=False))
    with pytest.raises(AnsibleFilterError, match="host ca1 is s390x; kolla-ansible deployments here cover x86_64, aarch64, ppc64le hosts only"):
        plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)


def test_a_host_only_in_deployment_needs_no_arch():
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)  # localhost has no fact
    assert the_plan["hosts"] == 6
    with pytest.raises(AnsibleFilterError, match=r"host localhost \(groups bifrost, deployment\) has no multiarch_host fact"):
        plan(multinode(), mixed(), image_sources_override=PPC_SOURCE, skip_groups=[])


def test_all_in_one_deploy_host_is_placed():
    groups = {"control": ["localhost"], "compute": ["localhost"], "deployment": ["localhost"]}
    the_plan = plan(groups, {"localhost": decided("localhost", "aarch64", kvm=True)})
    assert the_plan["arch_groups"] == {"arch_aarch64": ["localhost"]}


def test_mixed_control_plane_fails_unless_manifest_lists():
    hostvars = dict(mixed(), ctl3=decided("ctl3", "aarch64", compute=False))
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)
    (problem,) = problems_of(excinfo)
    assert problem.startswith(
        "the control plane (groups control, network, monitoring, storage) spans aarch64 (ctl3); x86_64 (ctl1, ctl2): kolla-ansible's bootstrap tasks"
    )
    assert "kolla_multiarch_manifest_lists: true" in problem
    the_plan = plan(multinode(), hostvars, image_sources_override=PPC_SOURCE, manifest_lists=True)
    assert the_plan["control_plane"]["arches"] == ["aarch64", "x86_64"]
    assert the_plan["arch_groups"]["arch_aarch64"] == ["ctl3", "ca1"]


def test_compute_groups_may_span_arches():
    the_plan = plan(multinode(), mixed(), image_sources_override=PPC_SOURCE, control_plane_groups=["control"])
    assert the_plan["control_plane"]["arches"] == ["x86_64"]


def test_every_problem_is_reported_at_once():
    hostvars = dict(mixed(), ctl3=decided("ctl3", "aarch64", compute=False), cx1={})
    hostvars["ca1"] = dict(hostvars["ca1"], multiarch_nova_compute=dict(hostvars["ca1"]["multiarch_nova_compute"], arch="x86_64"))
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(
            multinode(),
            hostvars,
            globals_files={GLOBALS: {"openstack_tag_suffix": "-aarch64"}},
            pci_alias=[{"name": "gpu", "vendor_id": "10de"}],
        )
    problems = problems_of(excinfo)
    assert len(problems) == 6, problems
    assert problems[0].startswith("host cx1")
    assert problems[1].startswith("host(s) cp1 are ppc64le")
    assert problems[2].startswith("the control plane")
    assert problems[3].startswith("host ca1: multiarch_nova_compute was decided for x86_64 but the host is aarch64")
    assert problems[4].startswith("/etc/kolla/globals.yml sets openstack_tag_suffix")
    assert problems[5].startswith("kolla_multiarch_pci_alias: alias gpu needs vendor_id and product_id")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": ["control"]}, "groups must be a dict"),
        ({"groups": {"control": "ctl1"}}, "group control must list host names"),
        ({"groups": {"deployment": ["localhost"]}}, "the inventory has no host outside deployment"),
        ({"control_plane_groups": "control"}, "control_plane_groups must be a list"),
        ({"compute_groups": None}, "compute_groups must be a list"),
    ],
)
def test_malformed_arguments(kwargs, message):
    options = {"image_sources_override": PPC_SOURCE}
    options.update(kwargs)
    groups = options.pop("groups", multinode())
    with pytest.raises(AnsibleFilterError, match=message):
        plan(groups, mixed(), **options)


def test_a_device_spec_goes_to_the_hosts_nova_compute_conf():
    hostvars = mixed()
    hostvars["cx1"]["kolla_multiarch_pci_device_spec"] = [{"vendor_id": "10de", "product_id": "1eb8", "address": "0000:3b:00.0"}]
    the_plan = plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)
    assert the_plan["nova_compute"]["cx1"]["pci_device_spec"] == ['{"address": "0000:3b:00.0", "product_id": "1eb8", "vendor_id": "10de"}']
    assert the_plan["nova_compute"]["ca1"]["pci_device_spec"] == []


def test_a_fact_from_a_stale_cache_for_another_arch_is_refused():
    hostvars = {"c1": decided("c1", "x86_64")}
    hostvars["c1"]["multiarch_host"] = fact("aarch64")
    hostvars["c1"]["multiarch_groups"] = {"arch": "arch_aarch64"}
    with pytest.raises(AnsibleFilterError, match="decided for x86_64 but the host is aarch64"):
        plan({"control": ["c1"], "compute": ["c1"]}, hostvars)


@pytest.mark.parametrize("name", ["../etc", "a/b", "..", ".", "x/../../../tmp/evil", "nul\0byte"])
def test_a_host_name_that_would_leave_its_directory_is_refused(name):
    """A host name becomes host_vars/<host>.yml and nova/<host>/nova-compute.conf: it cannot hold a separator or be . or .."""
    hostvars = dict(mixed(), **{name: decided(name, "aarch64")})
    groups = multinode(computes=("cx1", "ca1", "cp1", name))
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(groups, hostvars, image_sources_override=PPC_SOURCE)
    (problem,) = problems_of(excinfo)
    assert problem.startswith("host %r: its name becomes the files host_vars/<host>.yml and nova/<host>/nova-compute.conf" % name)
    assert "fix: give the host a plain name in the kolla-ansible inventory (ansible_host keeps its address)" in problem


@pytest.mark.parametrize("group", ["../group_vars_x86", "arch/x86_64", "..", ""])
def test_an_arch_group_name_that_would_leave_group_vars_is_refused(group):
    hostvars = mixed()
    for host in ("ctl1", "ctl2", "ctl3", "cx1"):
        hostvars[host]["multiarch_groups"] = {"arch": group}
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)
    text = str(excinfo.value)
    assert "nothing was written" in text
    assert ("arch group %r" % group in text and "group_vars/<group>.yml" in text) or (group == "" and "has no multiarch_groups.arch" in text)


@pytest.mark.parametrize("image", [{"image": "bad ref"}, {"image": "r:5000/n/nova-libvirt:{{ x }}"}, "r:5000/n/nova-libvirt:t", {"base": "x"}])
def test_a_malformed_libvirt_image_decision_is_refused(image):
    """The derived image's name becomes a host_vars value: anything but one image reference is refused, nothing rendered."""
    hostvars = mixed()
    hostvars["cx1"]["multiarch_nova_compute"] = dict(hostvars["cx1"]["multiarch_nova_compute"], libvirt_image=image)
    with pytest.raises(AnsibleFilterError) as excinfo:
        plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)
    found = problems_of(excinfo)
    assert any("host cx1: multiarch_nova_compute.libvirt_image=" in p for p in found), found


def test_a_decision_cached_before_libvirt_image_existed_is_still_rendered():
    hostvars = mixed()
    del hostvars["cx1"]["multiarch_nova_compute"]["libvirt_image"]
    assert "nova_libvirt_image_full" not in plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)["host_vars"]["cx1"]
