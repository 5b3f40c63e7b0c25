"""inventories/example-multinode: its files, read as the roles read them, give the cloud its README describes.

Each host is decided as the playbook multiarch-prepare.yml does it: host_facts' facts
(a KVM host of the host name's arch), nova_compute_arch's decision with the host's
own variables (host_vars), then kolla_multiarch's plan over the inventory's groups as
ansible-inventory gives them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.inventory import inventory_groups
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import compute_arch_plan

EXAMPLE = REPO / "inventories" / "example-multinode"
ARCH_OF = {"ctl": "x86_64", "cmp-x": "x86_64", "cmp-a": "aarch64", "cmp-p": "ppc64le", "gpu": "x86_64"}


def host_vars(host):
    path = EXAMPLE / "host_vars" / ("%s.yml" % host)
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def decide(host, compute):
    arch = next(a for prefix, a in ARCH_OF.items() if host.startswith(prefix))
    fact = {"arch": arch, "kvm": {"usable": True}, "guests": {}}
    hv = {"multiarch_host": fact, "multiarch_groups": {"arch": "arch_" + arch}, **host_vars(host)}
    if compute:
        decision = compute_arch_plan(fact, host=host, overrides=hv.get("nova_compute_arch_overrides"))
        assert not decision["errors"], decision["errors"]
        hv["multiarch_nova_compute"] = decision["decision"]
    return hv


def test_the_example_inventory_decides_as_documented():
    cli = Path(sys.executable).with_name("ansible-inventory")
    out = subprocess.run([str(cli), "-i", str(EXAMPLE / "multinode"), "--list", "--export"], capture_output=True, text=True, check=True).stdout
    groups = inventory_groups(out)
    role_vars = yaml.safe_load((EXAMPLE / "multiarch-vars.yml").read_text())
    hostvars = {host: decide(host, host in groups["compute"]) for host in groups["all"] if host != "localhost"}
    the_plan = plan(
        groups,
        hostvars,
        image_sources_override=role_vars["kolla_multiarch_image_sources"],
        globals_files={str(EXAMPLE / "globals.yml"): yaml.safe_load((EXAMPLE / "globals.yml").read_text())},
        pci_alias=role_vars["kolla_multiarch_pci_alias"],
    )
    assert the_plan["arch_groups"] == {
        "arch_aarch64": ["cmp-a01", "cmp-a02"],
        "arch_ppc64le": ["cmp-p01"],
        "arch_x86_64": ["ctl01", "ctl02", "ctl03", "cmp-x01", "cmp-x02", "gpu01"],
    }
    assert the_plan["control_plane"]["arches"] == ["x86_64"]
    assert the_plan["group_vars"]["arch_ppc64le"]["docker_registry"] == "registry.example.com:4000"
    assert the_plan["nova_compute"]["gpu01"]["pci_device_spec"] and not the_plan["nova_compute"]["cmp-x01"]["pci_device_spec"]
    assert the_plan["nova_compute"]["cmp-p01"]["libvirt"]["cpu_models"] == "POWER9"  # host_vars/cmp-p01.yml (an INI value)
    assert the_plan["host_vars"]["cmp-a01"] == {"nova_compute_virt_type": "kvm", "nova_libvirt_cpu_mode": "host-passthrough"}
    assert role_vars["kolla_multiarch_registry_check"] is True
    assert role_vars["kolla_multiarch_registry_credentials"][0]["registry"] == role_vars["kolla_multiarch_image_sources"]["ppc64le"]["registry"]


def test_the_example_playbook_runs_every_decide_role_before_the_render():
    plays = yaml.safe_load((EXAMPLE / "multiarch-prepare.yml").read_text())
    roles = [role["role"] for play in plays for role in play["roles"]]
    assert roles == ["multiarch.kolla.host_facts", "multiarch.kolla.container_runtime", "multiarch.kolla.nova_compute_arch", "multiarch.kolla.kolla_multiarch"]
