"""plugin_utils/preflight/network.py: the VIP checks, unique host addresses and hostnames, over facts shaped as setup's.

``SETUP`` is what ansible-core 2.19's ``setup`` with ``gather_subset: [network]`` returned on a Debian 12
machine (``ansible_facts`` keys, so without the ``ansible_`` prefix), trimmed to the network keys; each
host gets a copy with its own addresses. ``BRIDGE`` is the same machine's bridge ``h14br-t.1`` holding a
/24, a /32 (as keepalived holds a VIP) and a second /24: the key shows how Ansible names such an interface.
kolla-ansible 23.0.0's own ``kolla_address`` filter and prechecks are the oracles where they apply.
"""

import copy
import importlib
import socket
import sys

import jinja2
import netaddr
import pytest
import yaml
from ansible.module_utils.parsing.convert_bool import boolean
from kolla_share_testlib import kolla_ansible_dir

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import network
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.run import CHECKS, preflight

SETUP = {
    "hostname": "vm", "fqdn": "localhost", "nodename": "vm",
    "interfaces": ["eth0", "ifb0", "docker0", "lo", "ifb1"],
    "all_ipv4_addresses": ["172.17.0.1", "192.0.2.2"],
    "all_ipv6_addresses": ["fe80::42:7ff:fe2a:260d", "fd00::2", "fe80::fc:ff:fe00:1"],
    "default_ipv4": {"address": "192.0.2.2", "alias": "eth0", "broadcast": "192.0.2.255", "gateway": "192.0.2.1", "interface": "eth0",
                     "macaddress": "02:fc:00:00:00:01", "mtu": 1400, "netmask": "255.255.255.0", "network": "192.0.2.0", "prefix": "24",
                     "type": "ether"},
    "eth0": {"active": True, "device": "eth0", "macaddress": "02:fc:00:00:00:01", "mtu": 1400, "pciid": "virtio2", "promisc": False,
             "speed": -1, "type": "ether",
             "ipv4": {"address": "192.0.2.2", "broadcast": "192.0.2.255", "netmask": "255.255.255.0", "network": "192.0.2.0", "prefix": "24"},
             "ipv6": [{"address": "fd00::2", "prefix": "64", "scope": "global"}, {"address": "fe80::fc:ff:fe00:1", "prefix": "64", "scope": "link"}]},
    "docker0": {"active": False, "device": "docker0", "id": "8000.0242072a260d", "interfaces": [], "macaddress": "02:42:07:2a:26:0d",
                "mtu": 1500, "promisc": False, "speed": -1, "stp": False, "type": "bridge",
                "ipv4": {"address": "172.17.0.1", "broadcast": "172.17.255.255", "netmask": "255.255.0.0", "network": "172.17.0.0", "prefix": "16"},
                "ipv6": [{"address": "fe80::42:7ff:fe2a:260d", "prefix": "64", "scope": "link"}]},
    "lo": {"active": True, "device": "lo", "mtu": 65536, "promisc": False, "type": "loopback",
           "ipv4": {"address": "127.0.0.1", "broadcast": "", "netmask": "255.0.0.0", "network": "127.0.0.0", "prefix": "8"},
           "ipv6": [{"address": "::1", "prefix": "128", "scope": "host"}]},
}
BRIDGE_KEY = "h14br_t.1"  # the interface h14br-t.1: '-' became '_', '.' stayed
BRIDGE = {
    "active": True, "device": "h14br-t.1", "id": "8000.000000000000", "interfaces": [], "macaddress": "4a:2c:61:ff:6e:99", "mtu": 1500,
    "promisc": False, "speed": -1, "stp": False, "type": "bridge",
    "ipv4": {"address": "198.51.100.7", "broadcast": "", "netmask": "255.255.255.0", "network": "198.51.100.0", "prefix": "24"},
    "ipv4_secondaries": [
        {"address": "198.51.100.250", "broadcast": "", "netmask": "255.255.255.255", "network": "198.51.100.250", "prefix": "32"},
        {"address": "198.51.100.8", "broadcast": "", "netmask": "255.255.255.0", "network": "198.51.100.0", "prefix": "24"}],
    "ipv6": [{"address": "fe80::482c:61ff:feff:6e99", "prefix": "64", "scope": "link"}],
}
VIP = "192.0.2.250"
GROUPS = {"control": ["ctl1", "ctl2"], "compute": ["cmp1"]}


def ipv4(cidr):
    net = netaddr.IPNetwork(cidr)
    return {"address": str(net.ip), "broadcast": str(net.broadcast or ""), "netmask": str(net.netmask), "network": str(net.network),
            "prefix": str(net.prefixlen)}


def facts(hostname, cidr="192.0.2.2/24", ipv6=("fd00::2/64",), secondaries=()):
    """``SETUP`` with eth0 (and default_ipv4, the address lists) moved to this host's addresses."""
    result = copy.deepcopy(SETUP)
    result.update(hostname=hostname, nodename=hostname)
    eth0 = result["eth0"]
    eth0["ipv4"] = ipv4(cidr)
    if secondaries:
        eth0["ipv4_secondaries"] = [ipv4(s) for s in secondaries]
    eth0["ipv6"] = [{"address": str(netaddr.IPNetwork(a).ip), "prefix": str(netaddr.IPNetwork(a).prefixlen), "scope": "global"} for a in ipv6]
    eth0["ipv6"].append({"address": "fe80::fc:ff:fe00:1", "prefix": "64", "scope": "link"})
    result["default_ipv4"].update(eth0["ipv4"])
    result["all_ipv4_addresses"] = ["172.17.0.1", eth0["ipv4"]["address"]]
    return result


def cloud(**host_facts):
    """Three hosts on 192.0.2.0/24 (ctl1 .11, ctl2 .12, cmp1 .21), each with an IPv6 address in fd00::/64."""
    default = {"ctl1": facts("ctl1", "192.0.2.11/24", ("fd00::11/64",)), "ctl2": facts("ctl2", "192.0.2.12/24", ("fd00::12/64",)),
               "cmp1": facts("cmp1", "192.0.2.21/24", ("fd00::21/64",))}
    default.update(host_facts)
    return {host: {} if value is None else {"ansible_facts": value} for host, value in default.items()}


def context(hostvars=None, **options):
    hostvars = cloud() if hostvars is None else hostvars
    options.setdefault("network_interface", "eth0")
    return Context(list(hostvars), hostvars, GROUPS, options)


def only(found, check):
    assert found, "expected a finding of %s" % check
    assert {f["check"] for f in found} == {check}
    return found


# --- the interface and the host's address -------------------------------------------------------------------------

def test_fact_key_is_the_name_setup_gave_the_interface():
    assert network.fact_key("h14br-t.1") == BRIDGE_KEY
    assert network.fact_key("eth0:1") == "eth0_1"  # facts/network/linux.py: ':' in alias names


def test_an_interface_with_a_dash_and_a_dot_is_found_and_its_kept_vip_is_neither_address_nor_subnet():
    hostvars = cloud()
    for host, last in (("ctl1", 7), ("ctl2", 9)):
        bridge = copy.deepcopy(BRIDGE)
        bridge["ipv4"] = ipv4("198.51.100.%d/24" % last)
        if host == "ctl2":
            del bridge["ipv4_secondaries"]  # keepalived holds the VIP on ctl1 only
        hostvars[host]["ansible_facts"][BRIDGE_KEY] = bridge
        hostvars[host]["ansible_facts"]["interfaces"].append("h14br-t.1")
        hostvars[host]["network_interface"] = "h14br-t.1"  # the host's variable wins over the option (eth0)
    ctx = context(hostvars, kolla_internal_vip_address="198.51.100.250")
    assert network.vip_subnet(ctx) == []
    assert network.addresses_unique(ctx) == []


@pytest.fixture
def kolla_address(monkeypatch):
    """kolla-ansible 23.0.0's own filter (kolla_ansible/kolla_address.py), in a Jinja2 environment with Ansible's bool."""
    monkeypatch.syspath_prepend(str(kolla_ansible_dir()))
    monkeypatch.setenv("PBR_VERSION", "23.0.0")  # the unpacked wheel has no metadata for pbr to read
    module = importlib.import_module("kolla_ansible.kolla_address")
    env = jinja2.Environment()
    env.filters.update(bool=lambda v: boolean(v, strict=False), kolla_address=module.kolla_address)
    template = env.from_string("{{ 'api' | kolla_address }}")
    yield lambda hostvars, host: template.render(inventory_hostname=host, hostvars=hostvars)
    for name in [m for m in sys.modules if m == "kolla_ansible" or m.startswith("kolla_ansible.")]:
        del sys.modules[name]  # the wheel's package leaves with its path


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
@pytest.mark.parametrize("eth0", [
    facts("h", "192.0.2.11/24", ("fd00::11/64",)),
    facts("h", "192.0.2.11/24", ("fd00::250/128", "fd00::11/64")),  # keepalived's VIP first: kolla skips VIPs
    facts("h", "127.0.0.5/8", ("fd00::11/64",), secondaries=("192.0.2.11/24",)),  # BGP to the host: the address on a loopback range
], ids=["plain", "vip-held", "loopback-first"])
def test_host_address_is_kolla_address(kolla_address, eth0, family):
    hostvars = {"h": {"ansible_facts": eth0, "api_interface": "eth0", "api_address_family": family, "enable_haproxy": True,
                      "kolla_internal_vip_address": "fd00::250", "kolla_external_vip_address": "fd00::250"}}
    ctx = Context(["h"], hostvars, options={"kolla_internal_vip_address": "fd00::250"})
    found = network.host_address(ctx, "h", eth0["eth0"], network.vips(ctx))
    assert str(found) == kolla_address(hostvars, "h")


def test_without_network_interface_kollas_default_eth0_is_read():
    hostvars = cloud()
    hostvars["ctl2"]["ansible_facts"]["ens3"] = hostvars["ctl2"]["ansible_facts"].pop("eth0")
    hostvars["ctl2"]["ansible_facts"]["interfaces"][0] = "ens3"
    ctx = Context(list(hostvars), hostvars, GROUPS, {"kolla_internal_vip_address": VIP})
    assert network.interface(ctx, "ctl1")[0] == "eth0"
    (found,) = network.vip_subnet(ctx)
    assert found["host"] == "ctl2" and "interface eth0 not present" in found["found"] and "ens3" in found["found"]


def test_api_interface_wins_over_network_interface():
    hostvars = cloud()
    hostvars["ctl1"]["ansible_facts"][BRIDGE_KEY] = copy.deepcopy(BRIDGE)
    hostvars["ctl1"]["ansible_facts"]["interfaces"].append("h14br-t.1")
    hostvars["ctl1"]["api_interface"] = "h14br-t.1"
    name, iface, problem = network.interface(context(hostvars), "ctl1")
    assert (name, iface["device"], problem) == ("h14br-t.1", "h14br-t.1", None)
    assert network.interface(context(hostvars), "ctl2")[0] == "eth0"


# --- vip_subnet ------------------------------------------------------------------------------------------------------

def test_vip_inside_every_control_subnet_passes():
    assert netaddr.IPAddress(VIP) in netaddr.IPNetwork("192.0.2.11/24")  # the oracle agrees it is inside
    assert network.vip_subnet(context(kolla_internal_vip_address=VIP)) == []


def test_no_vip_given_is_nothing_to_check():
    assert network.vip_subnet(context()) == []


def test_vip_outside_the_subnet_names_every_control_host_and_the_subnet():
    vip = "198.51.100.250"
    assert netaddr.IPAddress(vip) not in netaddr.IPNetwork("192.0.2.0/24")
    found = only(network.vip_subnet(context(kolla_internal_vip_address=vip)), "vip_subnet")
    assert [f["host"] for f in found] == ["ctl1", "ctl2"]  # cmp1 is no control host
    for f in found:
        assert vip in f["found"] and "192.0.2.0/24" in f["found"] and "eth0" in f["found"]
        assert f["severity"] == "error" and "network_interface" in f["fix"]


def test_only_control_hosts_need_the_vip_subnet():
    hostvars = cloud(cmp1=facts("cmp1", "203.0.113.21/24"))
    assert network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP)) == []


def test_control_plane_groups_option_widens_the_check():
    hostvars = cloud(cmp1=facts("cmp1", "203.0.113.21/24"))
    found = network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP, control_plane_groups=["control", "compute"]))
    assert [f["host"] for f in found] == ["cmp1"] and "203.0.113.0/24" in found[0]["found"]


@pytest.mark.parametrize("vip", ["192.0.2.12", "192.0.2.21"])
def test_vip_equal_to_a_host_address(vip):
    owner = {"192.0.2.12": "ctl2", "192.0.2.21": "cmp1"}[vip]
    (found,) = only(network.vip_subnet(context(kolla_internal_vip_address=vip)), "vip_subnet")
    assert found["host"] == owner and vip in found["found"] and "eth0" in found["found"]


def test_vip_equal_to_an_ansible_host():
    hostvars = cloud()
    hostvars["cmp1"]["ansible_host"] = VIP
    (found,) = only(network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP)), "vip_subnet")
    assert found["host"] == "cmp1" and VIP in found["found"] and "ansible_host" in found["found"]


def test_vip_held_by_keepalived_on_a_deployed_cloud_passes():
    hostvars = cloud(ctl1=facts("ctl1", "192.0.2.11/24", ("fd00::11/64",), secondaries=(VIP + "/32",)))
    assert network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP)) == []


@pytest.mark.parametrize("vip", ["192.0.2.0", "192.0.2.255"])
def test_vip_on_the_network_or_broadcast_address(vip):
    net = netaddr.IPNetwork("192.0.2.11/24")
    assert netaddr.IPAddress(vip) in (net.network, net.broadcast)
    found = only(network.vip_subnet(context(kolla_internal_vip_address=vip)), "vip_subnet")
    assert [f["host"] for f in found] == ["ctl1", "ctl2"] and all(vip in f["found"] for f in found)


@pytest.mark.parametrize("vip", ["192.0.2.250/24", "vip.example.org", "192.0.2.300", "192.2"])
def test_vip_that_is_no_address(vip):
    (found,) = only(network.vip_subnet(context(kolla_internal_vip_address=vip)), "vip_subnet")
    assert found["host"] == "-" and vip in found["found"]


def test_missing_network_facts_ask_to_gather_them():
    hostvars = cloud(ctl2=None)
    hostvars["ctl1"]["ansible_facts"] = {"hostname": "ctl1", "architecture": "x86_64"}  # facts of the min subset only
    found = only(network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP)), "vip_subnet")
    assert [f["host"] for f in found] == ["ctl1", "ctl2"]
    for f in found:
        assert "no network facts" in f["found"] and VIP in f["found"] and "gather_subset: [network]" in f["fix"]


def test_an_interface_the_host_lacks():
    hostvars = cloud()
    hostvars["ctl1"]["network_interface"] = "ens3"
    (found,) = only(network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP)), "vip_subnet")
    assert found["host"] == "ctl1" and "ens3" in found["found"] and "eth0" in found["found"]


def test_ipv6_vip_in_the_ipv6_subnet():
    vip = "fd00::250"
    assert netaddr.IPAddress(vip) in netaddr.IPNetwork("fd00::11/64")
    assert network.vip_subnet(context(kolla_internal_vip_address=vip)) == []


def test_ipv6_vip_outside_the_ipv6_subnet():
    vip = "2001:db8:1::250"
    found = only(network.vip_subnet(context(kolla_internal_vip_address=vip)), "vip_subnet")
    assert [f["host"] for f in found] == ["ctl1", "ctl2"]
    assert all(vip in f["found"] and "fd00::/64" in f["found"] for f in found)


def test_ipv6_vip_on_a_host_without_ipv6():
    hostvars = cloud(ctl1=facts("ctl1", "192.0.2.11/24", ipv6=()))
    (found,) = only(network.vip_subnet(context(hostvars, kolla_internal_vip_address="fd00::250")), "vip_subnet")
    assert found["host"] == "ctl1" and "fd00::250" in found["found"] and "IPv6" in found["found"]


# --- vips_distinct ---------------------------------------------------------------------------------------------------

def test_distinct_vips_pass():
    assert network.vips_distinct(context(kolla_internal_vip_address=VIP, kolla_external_vip_address="203.0.113.5")) == []


def test_external_vip_unset_is_kollas_default():
    assert network.vips_distinct(context(kolla_internal_vip_address=VIP)) == []


def test_external_vip_that_is_a_name():
    (found,) = only(network.vips_distinct(context(kolla_internal_vip_address=VIP, kolla_external_vip_address="api.example.org")), "vips_distinct")
    assert found["host"] == "-" and "api.example.org" in found["found"] and "kolla_external_fqdn" in found["fix"]


def kolla_refuses_equal_vips(tls_internal, tls_external):
    """kolla-ansible 23.0.0's own rule, evaluated from its files: the default of kolla_enable_tls_external
    (group_vars/all/haproxy.yml) and the conditions of its precheck (roles/prechecks/tasks/service_checks.yml)."""
    ansible_dir = kolla_ansible_dir() / "share" / "kolla-ansible" / "ansible"
    env = jinja2.Environment()
    env.filters["bool"] = lambda v: boolean(v, strict=False)
    values = {"kolla_same_external_internal_vip": True, "kolla_enable_tls_internal": tls_internal}
    default = yaml.safe_load((ansible_dir / "group_vars" / "all" / "haproxy.yml").read_text())["kolla_enable_tls_external"]
    values["kolla_enable_tls_external"] = env.from_string(default).render(values) if tls_external is None else tls_external
    tasks = yaml.safe_load((ansible_dir / "roles" / "prechecks" / "tasks" / "service_checks.yml").read_text())
    (task,) = [t for t in tasks if "must not be the same" in str(t.get("ansible.builtin.fail", {}).get("msg", ""))]
    return all(env.compile_expression(condition)(**values) for condition in task["when"])


@pytest.mark.parametrize("tls_internal", ["no", "yes"])
@pytest.mark.parametrize("tls_external", [None, "no", "yes"])
def test_equal_vips_follow_kolla_ansibles_rule(tls_internal, tls_external):
    options = {"kolla_internal_vip_address": VIP, "kolla_external_vip_address": VIP, "kolla_enable_tls_internal": tls_internal,
               "kolla_enable_tls_external": tls_external}
    (found,) = only(network.vips_distinct(context(**options)), "vips_distinct")
    assert found["host"] == "-" and VIP in found["found"]
    assert (found["severity"] == "error") == kolla_refuses_equal_vips(tls_internal, tls_external)


def test_equal_vips_with_tls_on_one_side_only_is_an_error():
    options = {"kolla_internal_vip_address": VIP, "kolla_external_vip_address": VIP, "kolla_enable_tls_external": True}
    (found,) = network.vips_distinct(context(**options))
    assert found["severity"] == "error" and "external network only" in found["found"]


# --- addresses_unique ------------------------------------------------------------------------------------------------

def test_unique_addresses_pass():
    assert network.addresses_unique(context()) == []


def test_duplicate_interface_addresses_name_both_hosts():
    hostvars = cloud(cmp1=facts("cmp1", "192.0.2.12/24", ("fd00::21/64",)))
    (found,) = only(network.addresses_unique(context(hostvars)), "addresses_unique")
    assert found["host"] == "cmp1" and "192.0.2.12" in found["found"] and "ctl2" in found["found"]


def test_duplicate_ipv6_addresses():
    hostvars = cloud(cmp1=facts("cmp1", "192.0.2.21/24", ("fd00::11/64",)))
    (found,) = network.addresses_unique(context(hostvars))
    assert found["host"] == "cmp1" and "fd00::11" in found["found"] and "ctl1" in found["found"]


def test_same_link_local_and_docker_addresses_are_no_clash():
    # every host of SETUP's shape has docker0 172.17.0.1, and cloned VMs may share a link-local address
    hostvars = cloud()
    for host in hostvars:
        hostvars[host]["ansible_facts"]["eth0"]["ipv6"].append({"address": "fe80::1", "prefix": "64", "scope": "link"})
    assert network.addresses_unique(context(hostvars)) == []


def test_ansible_host_of_one_host_is_anothers_address():
    hostvars = cloud()
    hostvars["cmp1"]["ansible_host"] = "192.0.2.11"
    (found,) = network.addresses_unique(context(hostvars))
    assert found["host"] == "cmp1" and "192.0.2.11" in found["found"] and "ctl1" in found["found"] and "ansible_host" in found["found"]


def test_two_hosts_with_one_ansible_host():
    hostvars = cloud()
    for host in ("ctl1", "ctl2"):
        hostvars[host]["ansible_host"] = "203.0.113.9"
    (found,) = network.addresses_unique(context(hostvars))
    assert found["host"] == "ctl2" and "203.0.113.9" in found["found"] and "ctl1" in found["found"]


def test_one_gateway_address_on_different_ports_is_no_clash():
    hostvars = cloud()
    for host, port in (("ctl1", 2201), ("ctl2", 2202)):
        hostvars[host].update(ansible_host="203.0.113.9", ansible_port=port)
    assert network.addresses_unique(context(hostvars)) == []


def test_loopback_ansible_hosts_are_no_clash():
    hostvars = cloud()
    for host in hostvars:
        hostvars[host]["ansible_host"] = "127.0.0.1"  # a local or forwarded connection, not the host's address
    assert network.addresses_unique(context(hostvars)) == []


def test_a_vip_kept_on_a_host_of_another_subnet_is_no_subnet():
    hostvars = cloud(ctl1=facts("ctl1", "203.0.113.11/24", secondaries=(VIP + "/32",)))
    (found,) = network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP))
    assert found["host"] == "ctl1" and "203.0.113.0/24" in found["found"] and VIP + "/32" not in found["found"]


def test_own_ansible_host_is_no_clash():
    hostvars = cloud()
    hostvars["ctl1"]["ansible_host"] = "192.0.2.11"
    assert network.addresses_unique(context(hostvars)) == []


def test_hosts_without_network_facts_are_named_once():
    hostvars = cloud(ctl2=None, cmp1=None)
    (found,) = network.addresses_unique(context(hostvars))
    assert found["severity"] == "warning" and "ctl2" in found["found"] and "cmp1" in found["found"] and "gather_subset" in found["fix"]


# --- hostnames -------------------------------------------------------------------------------------------------------

def resolver(table):
    return lambda name: table.get(name, [])


def test_unique_hostnames_that_resolve_to_their_host_pass():
    table = {"ctl1": ["192.0.2.11", "fd00::11"], "ctl2": ["192.0.2.12"], "cmp1": ["192.0.2.21"]}
    assert network.hostnames(context(resolve=resolver(table))) == []


def test_duplicate_hostnames_case_insensitive():
    hostvars = cloud(cmp1=facts("CTL1", "192.0.2.21/24"))
    (found,) = only(network.hostnames(context(hostvars)), "hostnames")
    assert found["host"] == "cmp1" and "CTL1" in found["found"] and "ctl1" in found["found"]


def test_hostname_falls_back_to_the_inventory_name():
    hostvars = cloud(ctl2=None)
    hostvars["ctl2"]["ansible_host"] = "192.0.2.12"
    ctx = context(hostvars)
    assert network.hostname(ctx, "ctl2") == "ctl2"
    (found,) = network.hostnames(context(hostvars, resolve=resolver({"ctl1": ["192.0.2.11"], "ctl2": ["192.0.2.99"], "cmp1": ["192.0.2.21"]})))
    assert found["host"] == "ctl2" and "192.0.2.99" in found["found"] and "192.0.2.12" in found["found"]


def test_a_name_resolving_elsewhere():
    table = {"ctl1": ["192.0.2.11"], "ctl2": ["198.51.100.12"], "cmp1": ["192.0.2.21"]}
    (found,) = only(network.hostnames(context(resolve=resolver(table))), "hostnames")
    assert found["host"] == "ctl2" and "198.51.100.12" in found["found"] and "192.0.2.12" in found["fix"] and found["severity"] == "error"


def test_debians_127_0_1_1_line_is_a_second_answer():
    table = {"ctl1": ["127.0.1.1", "192.0.2.11"], "ctl2": ["192.0.2.12"], "cmp1": ["192.0.2.21"]}
    (found,) = network.hostnames(context(resolve=resolver(table)))
    assert found["host"] == "ctl1" and "127.0.1.1" in found["found"] and "127.0.1.1" in found["fix"]


def test_a_name_that_does_not_resolve():
    def resolve(name):
        if name == "cmp1":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return {"ctl1": ["192.0.2.11"], "ctl2": []}[name]
    found = only(network.hostnames(context(resolve=resolve)), "hostnames")
    assert [f["host"] for f in found] == ["ctl2", "cmp1"]
    assert "not known" in found[1]["found"] and all("does not resolve" in f["found"] and f["severity"] == "warning" for f in found)


def test_ipv6_family_compares_ipv6_answers():
    hostvars = cloud()
    for host in hostvars:
        hostvars[host]["api_address_family"] = "ipv6"
    table = {"ctl1": ["192.0.2.11", "fd00::11"], "ctl2": ["fd00::99"], "cmp1": ["fd00::21"]}
    (found,) = network.hostnames(context(hostvars, resolve=resolver(table)))
    assert found["host"] == "ctl2" and "fd00::99" in found["found"] and "fd00::12" in found["found"]


def test_without_a_resolver_only_uniqueness_is_checked():
    assert network.hostnames(context(resolve=None)) == []


def test_the_deploy_hosts_resolver_as_the_filter_passes_it():
    answers = [info[4][0] for info in socket.getaddrinfo("localhost", None)]  # the oracle: this machine's resolver
    hostvars = {"me": {"ansible_facts": facts("localhost", "127.0.0.1/8")}}
    found = network.hostnames(Context(["me"], hostvars, {}, {"network_interface": "eth0", "resolve": lambda name: answers}))
    v4 = {a for a in answers if netaddr.IPAddress(a).version == 4}
    assert v4 and (found == []) == (v4 == {"127.0.0.1"})


# --- in the preflight run --------------------------------------------------------------------------------------------

def test_the_network_checks_run_in_preflight_and_every_finding_is_in_the_table():
    hostvars = cloud(cmp1=facts("ctl2", "192.0.2.12/24"))
    result = preflight(list(hostvars), hostvars, GROUPS, {"network_interface": "eth0", "kolla_internal_vip_address": "198.51.100.1"},
                       skip=[name for name in CHECKS if name not in ("vip_subnet", "vips_distinct", "addresses_unique", "hostnames")])
    assert result["checks"] == ["vip_subnet", "vips_distinct", "addresses_unique", "hostnames"]
    assert {(f["check"], f["host"]) for f in result["findings"]} == {
        ("vip_subnet", "ctl1"), ("vip_subnet", "ctl2"), ("addresses_unique", "cmp1"), ("hostnames", "cmp1")}
    assert "198.51.100.1" in result["table"]


def test_without_netaddr_each_network_check_is_one_finding_saying_so(monkeypatch):
    monkeypatch.setattr(network, "netaddr", None)
    ctx = Context(["h"], {"h": {}}, options={"kolla_internal_vip_address": "10.0.0.1"})
    for check in (network.vip_subnet, network.vips_distinct, network.addresses_unique, network.hostnames):
        (found,) = check(ctx)
        assert found["check"] == check.__name__ and found["found"] == network.NETADDR_MISSING


def test_an_interface_name_with_a_line_break_is_shown_quoted():
    hostvars = cloud()
    hostvars["ctl1"]["network_interface"] = "eth0\nvirt_type = qemu"
    found = [f for f in network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP)) if f["host"] == "ctl1"]
    assert found and "interface 'eth0\\nvirt_type = qemu' not present" in found[0]["found"]
    assert "\n" not in found[0]["found"]  # one row of the table


def test_globals_yml_interface_beats_the_hosts_and_the_host_is_warned():
    hostvars = cloud()
    hostvars["ctl1"]["network_interface"] = "h14br-t.1"  # the inventory's value, shadowed: kolla-ansible uses globals.yml's eth0
    found = network.vip_subnet(context(hostvars, kolla_internal_vip_address=VIP, globals={"network_interface": "eth0"}))
    assert network.interface(context(hostvars, globals={"network_interface": "eth0"}), "ctl1")[0] == "eth0"
    (warned,) = only(found, "vip_subnet")
    assert (warned["host"], warned["severity"]) == ("ctl1", "warning") and "globals.yml sets eth0" in warned["found"]
