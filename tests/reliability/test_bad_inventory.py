"""Bad inventory inputs the preflight refuses: site.yml stops before any phase changes a host, naming the host and the value.

Each case runs site.yml for real on this machine (tests/lib/site_testlib.py: local hosts, every phase into tmp dirs)
with one bad input, and checks that the run failed with a message naming the host (or ``-`` for a cloud-wide
setting, with the host whose run failed) and the bad value, and that no file under the tmp tree changed.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess

import pytest
from conftest import unavailable
from site_testlib import Site, message_of, refused

TABLE = "preflight: "  # the one failure of the preflight role starts so, then its table


def routable_interface():
    """``(name, IPv4Interface)`` of a non-loopback interface of this machine with a global IPv4 address; skip without one."""
    ip = shutil.which("ip")
    if ip:
        found = json.loads(subprocess.run([ip, "-j", "-4", "addr", "show"], capture_output=True, text=True, check=True).stdout or "[]")
        for link in found:
            for addr in link.get("addr_info", []):
                if link.get("ifname") != "lo" and addr.get("scope") == "global":
                    return link["ifname"], ipaddress.ip_interface("%s/%s" % (addr["local"], addr["prefixlen"]))
    pytest.skip("this machine has no non-loopback interface with a global IPv4 address (or no iproute2's ip)")
    return None  # unreachable


def test_an_unknown_arch_alias_to_emulate(tmp_path):
    found = refused(Site(tmp_path, extra={"nova_compute_arch_emulated_arches": ["arm65"]}))
    message_of(found, "cx1", TABLE, "emulation_runnable", "host cx1", "nova_compute_arch_emulated_arches", "'arm65'", "give canonical arch names")


def test_a_vip_outside_the_subnet(tmp_path):
    name, iface = routable_interface()
    vip = next(ip for ip in ("203.0.113.77", "198.51.100.77") if ipaddress.ip_address(ip) not in iface.network)
    found = refused(Site(tmp_path, extra={"network_interface": name, "kolla_internal_vip_address": vip}))
    message_of(found, "cx1", TABLE, "vip_subnet", "kolla_internal_vip_address %s is outside %s's subnet (%s)" % (vip, name, iface.network))


def test_a_vip_that_is_a_host_address(tmp_path):
    found = refused(Site(tmp_path, extra={"kolla_internal_vip_address": "127.0.0.1"}))
    message_of(found, "cx1", TABLE, "kolla_internal_vip_address 127.0.0.1 is the address of cx1 on lo", "choose an address no host has")


def test_a_vip_that_is_no_address(tmp_path):
    found = refused(Site(tmp_path, extra={"kolla_internal_vip_address": "vip.example; id"}))
    message_of(found, "cx1", TABLE, "vip_subnet", "kolla_internal_vip_address 'vip.example; id' is not an IP address")


def test_one_vip_for_both_networks_with_tls_on_one_only(tmp_path):
    extra = {"kolla_internal_vip_address": "127.0.0.2", "kolla_external_vip_address": "127.0.0.2", "kolla_enable_tls_external": True}
    found = refused(Site(tmp_path, extra=extra))
    message_of(found, "cx1", TABLE, "vips_distinct", "both 127.0.0.2, with TLS on the external network only", "give the external VIP its own address")


def test_duplicate_host_addresses(tmp_path):
    name, iface = routable_interface()  # two local hosts: the same machine, the same address
    found = refused(Site(tmp_path, hosts=("cx1", "cx2"), extra={"network_interface": name}))
    message_of(found, "cx1", TABLE, "addresses_unique", "%s is the address on %s of cx2 and the address on %s of cx1" % (iface.ip, name, name),
               "give each host its own address")


def test_duplicate_hostnames(tmp_path):
    found = refused(Site(tmp_path, hosts=("cx1", "cx2")))
    message_of(found, "cx1", TABLE, "cx2  | hostnames", "is also cx1's", "give each host its own hostname")


def test_a_network_interface_the_host_lacks(tmp_path):
    site = Site(tmp_path, drop=("network_interface",), host_vars={"cx1": {"network_interface": "eth99"}},
                extra={"kolla_internal_vip_address": "127.0.0.2"})
    message_of(refused(site), "cx1", TABLE, "cx1 ", "interface eth99 not present (the host has: ", "set network_interface (or api_interface)")


def test_a_network_interface_with_a_line_break(tmp_path):
    site = Site(tmp_path, drop=("network_interface",), host_vars={"cx1": {"network_interface": "lo\nvirt_type = qemu"}},
                extra={"kolla_internal_vip_address": "127.0.0.2"})
    message = message_of(refused(site), "cx1", TABLE, "interface 'lo\\nvirt_type = qemu' not present")
    assert "\nvirt_type = qemu" not in message  # shown quoted, on its row of the table


def test_pci_ids_with_shell_metacharacters(tmp_path):
    found = refused(Site(tmp_path, extra={"gpu_passthrough_ids": ["10de:1db6; rm -rf /"]}))
    message_of(found, "cx1", TABLE, "gpu_selection", "host cx1: gpu_passthrough_ids: '10de:1db6; rm -rf /' is not a vendor:device ID")


def test_a_pci_address_with_a_command_substitution(tmp_path):
    found = refused(Site(tmp_path, extra={"gpu_passthrough_addresses": ["0000:00:02.0$(reboot)"]}))
    message_of(found, "cx1", TABLE, "gpu_selection", "host cx1: gpu_passthrough_addresses: '0000:00:02.0$(reboot)' is not a PCI address")


def test_a_preflight_skip_naming_no_check(tmp_path):
    found = refused(Site(tmp_path, extra={"preflight_skip": ["versions", "kvm"]}))
    message_of(found, "cx1", TABLE, "preflight_skip names kvm, which is no check; the checks: arch_supported")


def test_a_cgroup_driver_with_shell_metacharacters(tmp_path):
    if not shutil.which("docker"):
        unavailable("Docker is not installed: the preflight checks the cgroup driver of hosts that run Docker only")
    found = refused(Site(tmp_path, extra={"container_runtime_cgroup_driver": "systemd; reboot"}))
    message_of(found, "cx1", TABLE, "runtime_cgroup", "host cx1: container_runtime_cgroup_driver is 'systemd; reboot'; use one of systemd, cgroupfs")
