"""Tests for plugin_utils/kolla_multiarch.py and its filters (role kolla_multiarch's decide + render step).

Oracles: Ansible's own inventory manager (group membership), community.general's
ini_file module (the role's writer, run in-process over files with operator lines),
nova 34's own options, PCI device spec matcher, alias parser and default scheduler
filters, and the collection's arch table for the per-arch image suffixes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from conftest import REPO, run_module

from ansible_collections.multiarch.kolla.plugins.filter.kolla_multiarch_ini_edits import FilterModule as EditsFilters
from ansible_collections.multiarch.kolla.plugins.filter.kolla_multiarch_inventory_groups import FilterModule as GroupsFilters
from ansible_collections.multiarch.kolla.plugins.filter.kolla_multiarch_plan import FilterModule as PlanFilters
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.modules import ini_batch
from ansible_collections.multiarch.kolla.plugins.plugin_utils import kolla_multiarch as km

PLAN = PlanFilters().filters()["kolla_multiarch_plan"]
GROUPS = GroupsFilters().filters()["kolla_multiarch_inventory_groups"]
EDITS = EditsFilters().filters()["kolla_multiarch_ini_edits"]

# --------------------------------------------------------------------------- data


def fact(arch, kvm=False, guests=None, hostname=None):
    """A multiarch_host as host_arch_info returns it on a kolla compute host (docs/multiarch_host.md).

    Under kolla-ansible QEMU lives in the nova_libvirt container, so guests is {} by default.
    """
    return {
        "arch": arch,
        "kernel_arch": {"ppc64le": "ppc64le", "aarch64": "aarch64"}.get(arch, arch),
        "hostname": hostname,
        "cpu": {"vendor": None, "model": None, "count": 8, "ids": {}, "cores": [], "platform": None, "machine": None, "virt_flag": None},
        "kvm": {"usable": kvm, "device": kvm, "rw": kvm, "module": None, "nested": None, "reason": None if kvm else "/dev/kvm is missing"},
        "guests": guests or {},
        "guest_source": "none",
        "host_cpu_xml": None,
        "iommu": {"enabled": False, "groups": 0, "kind": None, "cmdline": []},
        "cgroup_version": 2,
        "init_system": "systemd",
        "nova_traits": {},
        "warnings": [],
    }


def multinode(controls=("ctl1", "ctl2", "ctl3"), computes=("cx1", "ca1", "cp1")):
    """kolla's multinode layout (top groups plus a few service groups that are their children)."""
    return {
        "all": [*controls, *computes, "localhost"],
        "ungrouped": [],
        "control": list(controls),
        "network": list(controls),
        "monitoring": list(controls),
        "storage": list(controls),
        "compute": list(computes),
        "deployment": ["localhost"],
        "bifrost": ["localhost"],  # [bifrost:children] deployment
        "baremetal": [*controls, *computes],
        "nova-api": list(controls),
        "openvswitch": [*controls, *computes],
    }


def hostvars_for(**arches):
    return {host: {"multiarch_host": fact(arch)} for host, arch in arches.items()}


PPC_SOURCE = {"ppc64le": {"registry": "registry.example.com:4000", "namespace": "kolla-ppc64le"}}
MIXED = hostvars_for(ctl1="x86_64", ctl2="x86_64", ctl3="x86_64", cx1="x86_64", ca1="aarch64", cp1="ppc64le")


class LazyHostvars(Mapping):
    """Behaves like Ansible's hostvars: a Mapping of host to a Mapping, values on access."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return dict(self._data[key])

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def problems_of(excinfo):
    text = str(excinfo.value)
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


# --------------------------------------------------------------------------- groups


def test_inventory_groups_match_ansibles_own_groups(tmp_path):
    """ansible-inventory --list --export, turned into groups here, equals Ansible's own groups (transitive)."""
    inventory = tmp_path / "multinode"
    inventory.write_text(
        "[control]\nctl1\nctl2\n[network]\nnet1\n[compute]\ncx1\nca1\n[deployment]\nlocalhost ansible_connection=local\n"
        "[baremetal:children]\ncontrol\nnetwork\ncompute\n[nova:children]\ncontrol\n[nova-api:children]\nnova\n"
        "[openvswitch:children]\nnetwork\ncompute\n[common:children]\nbaremetal\n"
    )
    cli = Path(sys.executable).with_name("ansible-inventory")
    out = subprocess.run([str(cli), "-i", str(inventory), "--list", "--export"], capture_output=True, text=True, check=True).stdout
    got = GROUPS(out)

    from ansible.inventory.manager import InventoryManager  # noqa: PLC0415
    from ansible.parsing.dataloader import DataLoader  # noqa: PLC0415

    manager = InventoryManager(loader=DataLoader(), sources=[str(inventory)])
    expected = {name: [h.name for h in group.get_hosts()] for name, group in manager.groups.items()}
    for name, hosts in expected.items():
        assert sorted(got.get(name, [])) == sorted(hosts), name
    assert got["nova-api"] == ["ctl1", "ctl2"]
    assert got["common"] == ["ctl1", "ctl2", "net1", "cx1", "ca1"]  # inventory order, each host once
    assert GROUPS(json.loads(out)) == got


def test_inventory_groups_refuses_cycles_and_junk():
    with pytest.raises(AnsibleFilterError, match=r"group a is its own descendant \(a -> b -> a\)"):
        km.inventory_groups({"a": {"children": ["b"]}, "b": {"children": ["a"]}})
    with pytest.raises(AnsibleFilterError, match="not JSON"):
        km.inventory_groups("[WARNING]: no inventory")
    with pytest.raises(AnsibleFilterError, match="expected the dict"):
        km.inventory_groups(["a"])


# --------------------------------------------------------------------------- image sources


def test_default_sources_follow_the_arch_table():
    sources = km.image_sources()
    for arch in ("x86_64", "aarch64", "ppc64le"):
        suffix = ARCHES[arch]["kolla_tag_suffix"]
        if suffix is None:
            assert arch not in sources
        else:
            assert sources[arch] == {"tag_suffix": suffix, "registry": None, "namespace": None}
    assert sources["aarch64"]["tag_suffix"] == "-aarch64"
    assert "ppc64le" not in sources


def test_operator_sources_merge_over_defaults_and_can_remove_one():
    sources = km.image_sources({"arm64": {"registry": "mirror.example:5000"}, "ppc64el": {"namespace": "kolla/ppc"}, "x86_64": None})
    assert sources == {
        "aarch64": {"tag_suffix": "-aarch64", "registry": "mirror.example:5000", "namespace": None},
        "ppc64le": {"tag_suffix": "", "registry": None, "namespace": "kolla/ppc"},
    }


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"sparc": {}}, "unknown arch 'sparc'"),
        ({"aarch64": "-aarch64"}, r"kolla_multiarch_image_sources.aarch64='-aarch64': give a dict"),
        ({"aarch64": {"tag": "x"}}, r"unknown key\(s\) tag; valid keys: tag_suffix, registry, namespace"),
        ({"aarch64": {"registry": "https://quay.io"}}, "give host\\[:port\\] without a scheme"),
        ({"aarch64": {"namespace": "Kolla"}}, "lower-case path components"),
        ({"aarch64": {"tag_suffix": "-arm 64"}}, "a Docker tag allows"),
        ({"aarch64": {"registry": 5000}}, "give a string"),
    ],
)
def test_bad_sources_are_refused(given, message):
    with pytest.raises(AnsibleFilterError, match=message):
        km.image_sources(given)


# --------------------------------------------------------------------------- plan


def test_plan_mixed_cloud():
    plan = PLAN(multinode(), MIXED, image_sources=PPC_SOURCE)
    assert plan["arches"] == ["aarch64", "ppc64le", "x86_64"]
    assert plan["arch_groups"] == {"arch_aarch64": ["ca1"], "arch_ppc64le": ["cp1"], "arch_x86_64": ["ctl1", "ctl2", "ctl3", "cx1"]}
    assert "localhost" not in json.dumps(plan["arch_groups"])  # only in `deployment`
    assert plan["group_vars"] == {
        "arch_aarch64": {"openstack_tag_suffix": "-aarch64"},
        "arch_ppc64le": {"openstack_tag_suffix": "", "docker_registry": "registry.example.com:4000", "docker_namespace": "kolla-ppc64le"},
        "arch_x86_64": {"openstack_tag_suffix": ""},
    }
    assert plan["inventory"] == {
        "all": {
            "children": {
                "arch_aarch64": {"hosts": {"ca1": None}},
                "arch_ppc64le": {"hosts": {"cp1": None}},
                "arch_x86_64": {"hosts": {"ctl1": None, "ctl2": None, "ctl3": None, "cx1": None}},
            }
        }
    }
    # Controllers get nothing per host (no Docker config given, not compute hosts).
    assert sorted(plan["host_vars"]) == ["ca1", "cp1", "cx1"]
    assert plan["host_vars"]["ca1"] == {"nova_compute_virt_type": "qemu", "nova_libvirt_cpu_mode": "custom"}
    assert plan["control_plane"] == {"groups": ["control", "network", "monitoring", "storage"], "arches": ["x86_64"], "manifest_lists": False}
    assert plan["hosts"] == 6
    assert plan["libvirt_from"] == {"cx1": "kolla_multiarch", "ca1": "kolla_multiarch", "cp1": "kolla_multiarch"}


def test_plan_with_ansibles_lazy_hostvars():
    assert PLAN(multinode(), LazyHostvars(MIXED), image_sources=PPC_SOURCE) == PLAN(multinode(), MIXED, image_sources=PPC_SOURCE)


@pytest.mark.parametrize(
    ("arch", "kvm", "expected"),
    [
        # KVM: the arch's own mode; aarch64 has no host-model.
        ("x86_64", True, {"virt_type": "kvm", "cpu_mode": "host-model", "hw_machine_type": "x86_64=q35", "num_pcie_ports": "16"}),
        ("aarch64", True, {"virt_type": "kvm", "cpu_mode": "host-passthrough", "hw_machine_type": "aarch64=virt", "num_pcie_ports": "16"}),
        ("ppc64le", True, {"virt_type": "kvm", "cpu_mode": "host-model", "hw_machine_type": "ppc64le=pseries"}),
        # TCG: a named model; guests unknown on the host (QEMU is in kolla's nova_libvirt container), so the native arch is assumed.
        ("x86_64", False, {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": "Nehalem", "hw_machine_type": "x86_64=q35", "num_pcie_ports": "16"}),
        ("aarch64", False, {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": "cortex-a72", "hw_machine_type": "aarch64=virt", "num_pcie_ports": "16"}),
        ("ppc64le", False, {"virt_type": "qemu", "cpu_mode": "custom", "cpu_models": "POWER9", "hw_machine_type": "ppc64le=pseries"}),
    ],
)
def test_plan_libvirt_per_arch(arch, kvm, expected):
    hostvars = {"c1": {"multiarch_host": fact("x86_64")}, "n1": {"multiarch_host": fact(arch, kvm=kvm)}}
    plan = km.plan({"control": ["c1"], "compute": ["n1"]}, hostvars, image_sources_override=PPC_SOURCE)
    conf = plan["nova_compute"]["n1"]
    assert conf["libvirt"] == expected
    assert sorted(conf["libvirt_absent"]) == sorted(set(km.NOVA_LIBVIRT_KEYS) - set(expected))
    assert plan["host_vars"]["n1"] == {"nova_compute_virt_type": expected["virt_type"], "nova_libvirt_cpu_mode": expected["cpu_mode"]}


def test_detected_guests_are_used_as_they_are():
    guests = {"aarch64": {"machines": ["virt", "virt-9.2"], "cpu_models": ["max", "neoverse-n1"]}}
    hostvars = {"c1": {"multiarch_host": fact("x86_64")}, "a1": {"multiarch_host": fact("aarch64", guests=guests)}}
    plan = km.plan({"control": ["c1"], "compute": ["a1"]}, hostvars)
    assert plan["nova_compute"]["a1"]["libvirt"]["cpu_models"] == "max"  # cortex-a72/a57 not offered by this emulator


def test_plan_carries_nova_compute_arch_facts_and_docker_config():
    hostvars = {
        "c1": {"multiarch_host": fact("x86_64"), "docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"], "log-driver": "json-file"}},
        "a1": {
            "multiarch_host": fact("aarch64", kvm=True),
            "nova_compute_virt_type": "kvm",
            "nova_libvirt_cpu_mode": "host-passthrough",
            "nova_cell_compute_provider_config": {"meta": {"schema_version": "1.0"}, "providers": []},
            "nova_compute_arch_libvirt": {"virt_type": "kvm", "cpu_mode": "host-passthrough"},
        },
    }
    plan = km.plan({"control": ["c1"], "compute": ["a1"]}, hostvars)
    assert plan["host_vars"] == {
        "c1": {"docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"], "log-driver": "json-file"}},
        "a1": {
            "nova_compute_virt_type": "kvm",
            "nova_libvirt_cpu_mode": "host-passthrough",
            "nova_cell_compute_provider_config": {"meta": {"schema_version": "1.0"}, "providers": []},
        },
    }
    # nova_compute_arch renders [libvirt] itself: nothing here for it, not even removals;
    # [pci] device_spec stays the collection's (none given: none left).
    assert plan["nova_compute"]["a1"] == {"pci_device_spec": []}
    assert plan["libvirt_from"] == {"a1": "nova_compute_arch"}
    assert km.ini_edits(plan) == [{"path": "nova/a1/nova-compute.conf", "section": "pci", "option": "device_spec", "value": None, "state": "absent"}]


def test_owned_keys_cover_every_key_the_plan_writes():
    """The role drops the plan's owned_keys from a file before writing: a key written but not owned would never go."""
    hostvars = dict(MIXED)
    hostvars["cx1"] = {"multiarch_host": fact("x86_64"), "docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"]}}
    hostvars["ca1"] = {
        "multiarch_host": fact("aarch64", kvm=True),
        "nova_compute_virt_type": "kvm",
        "nova_libvirt_cpu_mode": "host-passthrough",
        "nova_cell_compute_provider_config": {"meta": {"schema_version": "1.0"}, "providers": []},
        "nova_compute_arch_libvirt": {"virt_type": "kvm", "cpu_mode": "host-passthrough"},
    }
    plan = PLAN(multinode(), hostvars, image_sources=PPC_SOURCE)
    owned = plan["owned_keys"]
    assert set(owned) == {"group_vars", "host_vars"}
    group_keys = {k for values in plan["group_vars"].values() for k in values}
    assert group_keys == set(owned["group_vars"]) == {"openstack_tag_suffix", "docker_registry", "docker_namespace"}
    host_keys = {k for values in plan["host_vars"].values() for k in values}
    assert host_keys == set(owned["host_vars"]) | {"docker_custom_config"}
    # docker_custom_config is replaced when given, never dropped: without container_runtime the operator's value stays.
    assert "docker_custom_config" not in owned["host_vars"]


def test_own_host_vars_of_an_earlier_run_do_not_count_as_a_decision():
    """host_vars/<host>.yml written by an earlier run, loaded back through the inventory: decided again."""
    hostvars = {"c1": {"multiarch_host": fact("x86_64")}, "a1": {"multiarch_host": fact("aarch64", kvm=True),
                                                                 "nova_compute_virt_type": "qemu", "nova_libvirt_cpu_mode": "custom"}}
    plan = km.plan({"control": ["c1"], "compute": ["a1"]}, hostvars)
    assert plan["libvirt_from"] == {"a1": "kolla_multiarch"}
    assert plan["host_vars"]["a1"] == {"nova_compute_virt_type": "kvm", "nova_libvirt_cpu_mode": "host-passthrough"}


def test_overrides_host_wins_over_global():
    hostvars = {
        "c1": {"multiarch_host": fact("x86_64", kvm=True), "kolla_multiarch_nova_libvirt_overrides": {"num_pcie_ports": 8}},
        "c2": {"multiarch_host": fact("x86_64", kvm=True)},
    }
    plan = km.plan({"control": ["c1"], "compute": ["c1", "c2"]}, hostvars, nova_libvirt_overrides={"num_pcie_ports": 20})
    assert plan["nova_compute"]["c1"]["libvirt"]["num_pcie_ports"] == "8"
    assert plan["nova_compute"]["c2"]["libvirt"]["num_pcie_ports"] == "20"


# --------------------------------------------------------------------------- checks


def test_ppc64le_without_a_source_fails_with_the_fix():
    with pytest.raises(AnsibleFilterError) as excinfo:
        PLAN(multinode(), MIXED)
    (problem,) = problems_of(excinfo)
    assert problem.startswith("host(s) cp1 are ppc64le and group arch_ppc64le has no image source (upstream Kolla publishes no ppc64le images)")
    assert "kolla-build --base-arch ppc64le" in problem
    assert "kolla_multiarch_image_sources: {ppc64le: {registry: '<host:port>', namespace: '<namespace>', tag_suffix: ''}}" in problem
    assert "nothing was written" in str(excinfo.value)


def test_an_arch_whose_default_source_was_removed_fails():
    with pytest.raises(AnsibleFilterError) as excinfo:
        PLAN(multinode(), MIXED, image_sources={**PPC_SOURCE, "aarch64": None})
    assert problems_of(excinfo)[0].startswith(
        "host(s) ca1 are aarch64 and group arch_aarch64 has no image source (kolla_multiarch_image_sources.aarch64 is null)"
    )


@pytest.mark.parametrize("missing", [None, {"arch": None}, "not a dict", {"arch": "mips64"}])
def test_a_host_without_a_detected_arch_fails_naming_it(missing):
    hostvars = dict(MIXED)
    hostvars["ca1"] = {} if missing is None else {"multiarch_host": missing}
    with pytest.raises(AnsibleFilterError) as excinfo:
        PLAN(multinode(), hostvars, image_sources=PPC_SOURCE)
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
        PLAN(groups, Hostvars(MIXED), image_sources=PPC_SOURCE)
    (problem,) = problems_of(excinfo)
    assert problem.startswith("host ghost (groups baremetal, compute, openvswitch) has no multiarch_host fact")
    assert problem.endswith("(the play's inventory does not have this host)")


def test_an_unsupported_arch_fails():
    hostvars = dict(MIXED, ca1={"multiarch_host": fact("s390x")})
    with pytest.raises(AnsibleFilterError, match="host ca1 is s390x; kolla-ansible deployments here cover x86_64, aarch64, ppc64le hosts only"):
        PLAN(multinode(), hostvars, image_sources=PPC_SOURCE)


def test_a_host_only_in_deployment_needs_no_arch():
    plan = PLAN(multinode(), MIXED, image_sources=PPC_SOURCE)  # localhost has no fact
    assert plan["hosts"] == 6
    with pytest.raises(AnsibleFilterError, match=r"host localhost \(groups bifrost, deployment\) has no multiarch_host fact"):
        PLAN(multinode(), MIXED, image_sources=PPC_SOURCE, skip_groups=[])


def test_all_in_one_deploy_host_is_placed():
    groups = {"control": ["localhost"], "compute": ["localhost"], "deployment": ["localhost"]}
    plan = PLAN(groups, {"localhost": {"multiarch_host": fact("aarch64", kvm=True)}})
    assert plan["arch_groups"] == {"arch_aarch64": ["localhost"]}


def test_mixed_control_plane_fails_unless_manifest_lists():
    hostvars = dict(MIXED, ctl3={"multiarch_host": fact("aarch64")})
    with pytest.raises(AnsibleFilterError) as excinfo:
        PLAN(multinode(), hostvars, image_sources=PPC_SOURCE)
    (problem,) = problems_of(excinfo)
    assert problem.startswith(
        "the control plane (groups control, network, monitoring, storage) spans aarch64 (ctl3); x86_64 (ctl1, ctl2): kolla-ansible's bootstrap tasks"
    )
    assert "kolla_multiarch_manifest_lists: true" in problem
    plan = PLAN(multinode(), hostvars, image_sources=PPC_SOURCE, manifest_lists=True)
    assert plan["control_plane"]["arches"] == ["aarch64", "x86_64"]
    assert plan["arch_groups"]["arch_aarch64"] == ["ctl3", "ca1"]


def test_compute_groups_may_span_arches():
    plan = PLAN(multinode(), MIXED, image_sources=PPC_SOURCE, control_plane_groups=["control"])
    assert plan["control_plane"]["arches"] == ["x86_64"]


GLOBALS = "/etc/kolla/globals.yml"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"openstack_tag_suffix": "-aarch64"}, ["/etc/kolla/globals.yml sets openstack_tag_suffix='-aarch64', but kolla-ansible passes"]),
        ({"openstack_tag_suffix": ""}, ["/etc/kolla/globals.yml sets openstack_tag_suffix=''"]),
        ({"docker_registry": "quay.io"}, ["/etc/kolla/globals.yml sets docker_registry='quay.io'"]),
        ({"nova_compute_virt_type": "kvm"}, ["/etc/kolla/globals.yml sets nova_compute_virt_type='kvm'"]),
        ({"openstack_tag": "2025.1-ubuntu-noble"}, ["/etc/kolla/globals.yml sets openstack_tag='2025.1-ubuntu-noble', which replaces"]),
        ({"docker_image_url": "quay.io/openstack.kolla/"}, ["/etc/kolla/globals.yml sets docker_image_url='quay.io/openstack.kolla/', which replaces"]),
        # Not per arch in this plan: fine in globals.
        ({"kolla_base_distro": "debian", "openstack_release": "2025.1", "docker_namespace_x": 1}, []),
    ],
)
def test_per_arch_and_per_host_keys_in_globals_fail(content, expected):
    files = {GLOBALS: content, "/etc/kolla/globals.d/empty.yml": None}
    if not expected:
        PLAN(multinode(), MIXED, image_sources=PPC_SOURCE, globals_files=files)
        return
    with pytest.raises(AnsibleFilterError) as excinfo:
        PLAN(multinode(), MIXED, image_sources=PPC_SOURCE, globals_files=files)
    problems = problems_of(excinfo)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)
        assert problem.endswith(")") or "remove" in problem


def test_a_shared_registry_in_globals_is_fine_when_no_arch_sets_one():
    # Every arch pulls from the operator's mirror: docker_registry is not per arch then.
    plan = PLAN(multinode(), MIXED, image_sources={"ppc64le": {"namespace": "kolla-ppc64le"}}, globals_files={GLOBALS: {"docker_registry": "mirror:4000"}})
    assert "docker_registry" not in json.dumps(plan["group_vars"])
    # ... but a fixed docker_image_url would bypass the ppc64le namespace.
    with pytest.raises(AnsibleFilterError, match="docker_image_url"):
        PLAN(multinode(), MIXED, image_sources={"ppc64le": {"namespace": "kolla-ppc64le"}}, globals_files={GLOBALS: {"docker_image_url": "mirror:4000/kolla/"}})


def test_globals_d_files_are_named():
    with pytest.raises(AnsibleFilterError, match=r"/etc/kolla/globals.d/50-images.yml sets openstack_tag_suffix"):
        PLAN(multinode(), MIXED, image_sources=PPC_SOURCE, globals_files={"/etc/kolla/globals.d/50-images.yml": {"openstack_tag_suffix": "-aarch64"}})


def test_every_problem_is_reported_at_once():
    hostvars = dict(MIXED, ctl3={"multiarch_host": fact("aarch64")}, cx1={})
    hostvars["ca1"] = {"multiarch_host": fact("aarch64"), "kolla_multiarch_nova_libvirt_overrides": {"cpu_mode": "host-model"}}
    with pytest.raises(AnsibleFilterError) as excinfo:
        PLAN(
            multinode(),
            hostvars,
            globals_files={GLOBALS: {"openstack_tag_suffix": "-aarch64"}},
            pci_alias=[{"name": "gpu", "vendor_id": "10de"}],
        )
    problems = problems_of(excinfo)
    starts = [p.split(":")[0] for p in problems]
    assert len(problems) == 6, problems
    assert starts[0].startswith("host cx1")
    assert starts[1].startswith("host(s) cp1 are ppc64le")
    assert problems[2].startswith("the control plane")
    assert problems[3].startswith("host ca1: override cpu_mode=host-model: libvirt has no host-model on aarch64")
    assert problems[4].startswith("/etc/kolla/globals.yml sets openstack_tag_suffix")
    assert problems[5].startswith("kolla_multiarch_pci_alias: alias gpu needs vendor_id and product_id")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": ["control"]}, "groups must be a dict"),
        ({"groups": {"control": "ctl1"}}, "group control must list host names"),
        ({"groups": {"deployment": ["localhost"]}}, "the inventory has no host outside deployment"),
        ({"control_plane_groups": "control"}, "control_plane_groups must be a list"),
        ({"arch_group_prefix": ""}, "arch_group_prefix=''"),
        ({"nova_libvirt_overrides": ["virt_type"]}, "kolla_multiarch_nova_libvirt_overrides must be a dict"),
    ],
)
def test_malformed_arguments(kwargs, message):
    options = {"image_sources": PPC_SOURCE}
    options.update(kwargs)
    groups = options.pop("groups", multinode())
    with pytest.raises(AnsibleFilterError, match=message):
        PLAN(groups, MIXED, **options)


def test_arch_group_prefix_and_existing_arch_groups():
    groups = dict(multinode(), arch_x86_64=["ctl1"], mygrp_aarch64=["ca1"])  # host_facts groups in the play inventory
    plan = PLAN(groups, MIXED, image_sources=PPC_SOURCE, arch_group_prefix="mygrp_")
    assert sorted(plan["group_vars"]) == ["mygrp_aarch64", "mygrp_ppc64le", "mygrp_x86_64"]
    assert plan["arch_groups"]["mygrp_aarch64"] == ["ca1"]


# --------------------------------------------------------------------------- PCI and scheduler (nova as oracle)

nova_conf = pytest.importorskip("nova.conf")
warnings.filterwarnings("ignore", category=DeprecationWarning)
from nova.pci import devspec as nova_devspec  # noqa: E402
from nova.pci import request as nova_request  # noqa: E402


@pytest.fixture
def nova_config():
    conf = nova_conf.CONF
    conf([], project="nova", default_config_files=[], default_config_dirs=[])
    nova_request.get_alias_from_config.cache_clear()  # nova caches the parsed aliases
    yield conf
    conf.clear_override("alias", group="pci")
    conf.reset()
    nova_request.get_alias_from_config.cache_clear()


def test_alias_keys_are_novas():
    assert set(km._ALIAS_KEYS) == set(nova_request._ALIAS_SCHEMA["properties"])


def test_nova_default_filters_are_novas(nova_config):
    assert tuple(nova_config.filter_scheduler.enabled_filters) == km.NOVA_DEFAULT_FILTERS


def test_scheduler_filters_keep_the_operators_list():
    assert km.scheduler_filters(None).split(",") == [*km.NOVA_DEFAULT_FILTERS, "PciPassthroughFilter"]
    assert km.scheduler_filters("AggregateInstanceExtraSpecsFilter, ComputeFilter") == "AggregateInstanceExtraSpecsFilter,ComputeFilter,PciPassthroughFilter"
    assert km.scheduler_filters("ComputeFilter,PciPassthroughFilter,ImagePropertiesFilter") == "ComputeFilter,PciPassthroughFilter,ImagePropertiesFilter"
    assert km.scheduler_filters_in("[filter_scheduler]\nenabled_filters = A,B\n") == "A,B"
    assert km.scheduler_filters_in("[DEFAULT]\ndebug = true\n") is None
    with pytest.raises(AnsibleFilterError, match=r"nova-scheduler\.conf cannot be read as INI"):
        km.scheduler_filters_in("enabled_filters = A\n")


def test_rendered_device_specs_match_the_device_in_nova():
    given = [{"vendor_id": "10de", "product_id": "20b5", "address": "0000:3b:00.0"}, '{"vendor_id": "1002", "product_id": "74a1"}']
    rendered = km.pci_device_specs(given, "g1")
    assert rendered[0] == '{"address": "0000:3b:00.0", "product_id": "20b5", "vendor_id": "10de"}'
    specs = [nova_devspec.PciDeviceSpec(json.loads(r)) for r in rendered]
    dev = {"vendor_id": "10de", "product_id": "20b5", "address": "0000:3b:00.0", "parent_addr": None}
    assert specs[0].match(dev)
    assert not specs[0].match(dict(dev, address="0000:af:00.0"))
    assert specs[1].match({"vendor_id": "1002", "product_id": "74a1", "address": "0000:01:00.0", "parent_addr": None})


def test_rendered_aliases_parse_in_nova(nova_config):
    rendered = km.pci_aliases(
        [
            {"name": "a100", "vendor_id": "10de", "product_id": "20b5", "device_type": "type-PF", "numa_policy": "preferred"},
            {"name": "mi210", "vendor_id": "1002", "product_id": "740f"},
        ]
    )
    nova_config.set_override("alias", rendered, group="pci")
    aliases = nova_request.get_alias_from_config()
    assert aliases == {
        "a100": ("preferred", [{"vendor_id": "10de", "product_id": "20b5", "dev_type": "type-PF"}]),
        "mi210": ("legacy", [{"vendor_id": "1002", "product_id": "740f"}]),
    }


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ({"vendor_id": "10de", "product_id": "20b5"}, "has no name"),
        ({"name": "g", "vendor_id": "10de", "product_id": "20b5", "device_type": "PF"}, "device_type='PF'; nova accepts type-PCI, type-PF, type-VF"),
        ({"name": "g", "vendor_id": "10de", "product_id": "20b5", "numa_policy": "strict"}, "numa_policy='strict'"),
        ({"name": "g", "vendor_id": "10dex", "product_id": "20b5"}, "not a 4-digit hex PCI ID"),
        ({"name": "g", "vendor_id": "10de", "product_id": "20b"}, "product_id='20b'; nova wants exactly 4 hex digits"),
        ({"name": "g", "vendor": "10de"}, r"unknown key\(s\) vendor"),
        ("{not json", "is not a dict or a JSON object"),
    ],
)
def test_bad_aliases_fail_as_nova_would(nova_config, alias, message):
    with pytest.raises(AnsibleFilterError, match=message):
        km.pci_aliases([alias])
    if isinstance(alias, dict) and alias.get("name"):  # nova refuses it too
        nova_config.set_override("alias", [json.dumps(alias)], group="pci")
        nova_request.get_alias_from_config.cache_clear()
        with pytest.raises(Exception):  # noqa: B017 - nova raises its own exception types
            nova_request.get_alias_from_config()


def test_bad_device_spec_names_the_host():
    with pytest.raises(AnsibleFilterError, match=r"host g1: kolla_multiarch_pci_device_spec: device spec .* needs one of"):
        km.pci_device_specs([{"physical_network": "physnet1"}], "g1")


# --------------------------------------------------------------------------- render through the real writer

def apply_edits(edits, root):
    """Apply the edits with the module the role uses (ini_batch, one run); returns [changed]."""
    result = run_module(ini_batch, {"base_dir": str(root), "edits": edits, "mode": "0640"})
    assert not result.get("failed"), result
    return [result["changed"]]


def test_render_keeps_operator_lines_and_is_idempotent(tmp_path, nova_config):
    hostvars = {
        "ctl1": {"multiarch_host": fact("x86_64", kvm=True)},
        "ca1": {"multiarch_host": fact("aarch64"), "kolla_multiarch_pci_device_spec": [{"vendor_id": "10de", "product_id": "20b5"}]},
    }
    groups = {"control": ["ctl1"], "compute": ["ctl1", "ca1"]}
    alias = [{"name": "a100", "vendor_id": "10de", "product_id": "20b5", "device_type": "type-PF"}]
    plan = PLAN(groups, hostvars, pci_alias=alias)
    nova = tmp_path / "nova"
    (nova / "ca1").mkdir(parents=True)
    # Operator files: a per-host key the collection does not own, a stale owned key, an operator filter list.
    (nova / "ca1" / "nova-compute.conf").write_text("[libvirt]\n# operator\nimages_type = raw\ncpu_model_extra_flags = +pcid\n")
    (nova / "nova-scheduler.conf").write_text(
        "[DEFAULT]\ncpu_allocation_ratio = 4.0\n[filter_scheduler]\nenabled_filters = AggregateInstanceExtraSpecsFilter,ComputeFilter\n"
    )
    edits = EDITS(plan, (nova / "nova-scheduler.conf").read_text())
    assert [e["path"] for e in edits].count("nova/ca1/nova-compute.conf") == 7
    assert any(apply_edits(edits, tmp_path))
    # Second run: nothing changes (the role's idempotence).
    assert not any(apply_edits(EDITS(plan, (nova / "nova-scheduler.conf").read_text()), tmp_path))

    ca1 = (nova / "ca1" / "nova-compute.conf").read_text()
    assert "# operator\nimages_type = raw" in ca1
    assert "cpu_model_extra_flags" not in ca1  # stale owned key removed
    # nova reads the host's file with its own options.
    conf = nova_conf.CONF
    conf([], project="nova", default_config_files=[str(nova / "nova-compute.conf"), str(nova / "ca1" / "nova-compute.conf")], default_config_dirs=[])
    assert conf.libvirt.virt_type == "qemu"
    assert conf.libvirt.cpu_mode == "custom"
    assert conf.libvirt.cpu_models == ["cortex-a72"]
    assert conf.libvirt.hw_machine_type == ["aarch64=virt"]
    assert conf.libvirt.num_pcie_ports == 16
    assert conf.libvirt.images_type == "raw"
    assert conf.pci.device_spec == ['{"product_id": "20b5", "vendor_id": "10de"}']
    nova_request.get_alias_from_config.cache_clear()
    assert nova_request.get_alias_from_config() == {"a100": ("legacy", [{"vendor_id": "10de", "product_id": "20b5", "dev_type": "type-PF"}])}
    conf([], project="nova", default_config_files=[str(nova / "nova-scheduler.conf")], default_config_dirs=[])
    assert conf.filter_scheduler.enabled_filters == ["AggregateInstanceExtraSpecsFilter", "ComputeFilter", "PciPassthroughFilter"]
    assert conf.cpu_allocation_ratio == 4.0
    assert (nova / "nova-api.conf").read_text().count("alias = ") == 1
    # Never a per-host nova.conf (kolla merges it into every nova service of the host).
    assert not list(nova.glob("*/nova.conf"))


def test_group_vars_files_load_as_kolla_expects(tmp_path):
    """The YAML the role writes from the plan round-trips (what Ansible's host_group_vars plugin loads)."""
    plan = PLAN(multinode(), MIXED, image_sources=PPC_SOURCE)
    for group, values in plan["group_vars"].items():
        path = tmp_path / f"{group}.yml"
        path.write_text(yaml.safe_dump(values))
        assert yaml.safe_load(path.read_text()) == values
    assert yaml.safe_load(yaml.safe_dump(plan["inventory"])) == plan["inventory"]


def test_filter_docs_exist():
    for name in ("kolla_multiarch_plan", "kolla_multiarch_inventory_groups", "kolla_multiarch_ini_edits"):
        doc = yaml.safe_load((REPO / "plugins" / "filter" / f"{name}.yml").read_text())
        assert doc["DOCUMENTATION"]["name"] == name
        assert doc["RETURN"]["_value"]["description"]


def test_a_device_spec_no_longer_given_is_removed(tmp_path):
    hostvars = {"ctl1": {"multiarch_host": fact("x86_64", kvm=True), "kolla_multiarch_pci_device_spec": [{"vendor_id": "10de"}]}}
    groups = {"control": ["ctl1"], "compute": ["ctl1"]}
    apply_edits(EDITS(PLAN(groups, hostvars)), tmp_path)
    conf = tmp_path / "nova" / "ctl1" / "nova-compute.conf"
    assert 'device_spec = {"vendor_id": "10de"}' in conf.read_text()
    del hostvars["ctl1"]["kolla_multiarch_pci_device_spec"]
    assert apply_edits(EDITS(PLAN(groups, hostvars)), tmp_path) == [True]
    assert "device_spec" not in conf.read_text() and "virt_type = kvm" in conf.read_text()


def test_the_example_inventory_decides_as_documented():
    """inventories/example-multinode: its files, read as the role reads them, give the cloud its README describes."""
    example = REPO / "inventories" / "example-multinode"
    cli = Path(sys.executable).with_name("ansible-inventory")
    out = subprocess.run([str(cli), "-i", str(example / "multinode"), "--list", "--export"], capture_output=True, text=True, check=True).stdout
    groups = GROUPS(out)
    role_vars = yaml.safe_load((example / "multiarch-vars.yml").read_text())
    arch_of = {"ctl": "x86_64", "cmp-x": "x86_64", "cmp-a": "aarch64", "cmp-p": "ppc64le", "gpu": "x86_64"}
    hostvars = {}
    for host in groups["baremetal"] if "baremetal" in groups else groups["all"]:
        if host == "localhost":
            continue
        arch = next(a for prefix, a in arch_of.items() if host.startswith(prefix))
        hostvars[host] = {"multiarch_host": fact(arch, kvm=True)}
        host_file = example / "host_vars" / ("%s.yml" % host)
        if host_file.exists():
            hostvars[host].update(yaml.safe_load(host_file.read_text()))
    plan = PLAN(
        groups,
        hostvars,
        image_sources=role_vars["kolla_multiarch_image_sources"],
        globals_files={str(example / "globals.yml"): yaml.safe_load((example / "globals.yml").read_text())},
        pci_alias=role_vars["kolla_multiarch_pci_alias"],
    )
    assert plan["arch_groups"] == {
        "arch_aarch64": ["cmp-a01", "cmp-a02"],
        "arch_ppc64le": ["cmp-p01"],
        "arch_x86_64": ["ctl01", "ctl02", "ctl03", "cmp-x01", "cmp-x02", "gpu01"],
    }
    assert plan["control_plane"]["arches"] == ["x86_64"]
    assert plan["group_vars"]["arch_ppc64le"]["docker_registry"] == "registry.example.com:4000"
    assert plan["nova_compute"]["gpu01"]["pci_device_spec"] and not plan["nova_compute"]["cmp-x01"]["pci_device_spec"]
    assert plan["nova_compute"]["cmp-p01"]["libvirt"]["cpu_models"] == "POWER9"  # host_vars/cmp-p01.yml (an INI value)
    assert plan["host_vars"]["cmp-a01"] == {"nova_compute_virt_type": "kvm", "nova_libvirt_cpu_mode": "host-passthrough"}
    assert role_vars["kolla_multiarch_registry_check"] is True
    assert role_vars["kolla_multiarch_registry_credentials"][0]["registry"] == role_vars["kolla_multiarch_image_sources"]["ppc64le"]["registry"]
