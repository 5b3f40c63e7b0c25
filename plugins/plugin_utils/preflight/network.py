# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: where the internal VIP may live, the two VIPs, unique host addresses, hostnames that resolve.

Controller side, pure: reads the gathered facts (``ansible_facts`` of the ``network`` subset) and the run's
options. Every address and subnet operation is netaddr's, the library ansible.utils' ipaddr filters use.

kolla-ansible 23.0.0's own rules, followed here (paths under share/kolla-ansible/ansible):

- The VIP lives on ``api_interface``, which defaults to ``network_interface``, and the address family is
  ``api_address_family``, defaulting to ``network_address_family`` = ipv4 (group_vars/all/common.yml).
  roles/loadbalancer/tasks/precheck.yml checks that the VIP is "in the same network as api_interface on all nodes".
- A host's address on that interface is kolla_ansible/kolla_address.py's: the IPv4 address (a non-loopback
  secondary when that one is a loopback), or the first global IPv6 address that is no VIP.
- Equal internal and external VIPs are allowed (``kolla_same_external_internal_vip``, group_vars/all/common.yml)
  except when TLS is on for one of the two only (roles/prechecks/tasks/service_checks.yml).
- ``ansible_facts.hostname`` must resolve uniquely to the host's api_interface address
  (roles/rabbitmq/tasks/precheck.yml); RabbitMQ names its nodes ``rabbit@<hostname>``
  (roles/rabbitmq/templates/rabbitmq.conf.j2).

keepalived holds a VIP as a single-address secondary (/32, /128) of the interface on a deployed cloud:
such an entry is neither a host's address nor a subnet here, so the checks pass again after a deploy.
"""

from collections.abc import Mapping

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import finding

try:  # requirements.txt: the controller needs netaddr (ansible.utils' ipaddr filters need it too)
    import netaddr
except ImportError:  # the network checks then say so (NETADDR_MISSING); the other checks run
    netaddr = None
NETADDR_MISSING = "the Python library netaddr is not installed on the controller"


def _needs_netaddr(check):
    """Without netaddr the check is one finding saying so, instead of an ImportError that would stop every check."""
    def run(ctx):
        if netaddr is None:
            return [finding(None, check.__name__, NETADDR_MISSING, "pip install netaddr on the controller (requirements.txt)")]
        return check(ctx)
    run.__name__ = check.__name__
    run.__doc__ = check.__doc__
    return run


GATHER = "gather the host's network facts (ansible.builtin.setup with gather_subset: [network]) before the preflight"
_IFACE_FIX = "set network_interface (or api_interface) for the host to the interface on the internal network"
_HOSTS_FIX = "give each host its own hostname (hostnamectl set-hostname); RabbitMQ and nova name hosts by it"
_SSH_PORT = "22"
KOLLA_NETWORK_INTERFACE = "eth0"  # kolla-ansible 23.0.0's default (group_vars/all/common.yml: network_interface)


def fact_key(interface):
    """The key of ``interface`` in ``ansible_facts``: ansible-core turns ``-`` into ``_`` in fact names
    (module_utils/facts/namespace.py) and ``:`` into ``_`` in Linux interface names (facts/network/linux.py);
    a ``.`` stays (``eth0.100`` is ``ansible_facts['eth0.100']``, seen with ansible-core 2.19)."""
    return str(interface).replace("-", "_").replace(":", "_")


def ip_address(value):
    """``value`` as a netaddr IPAddress, or None when it is none (a name, a CIDR, an empty value)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return netaddr.IPAddress(str(value).strip(), flags=netaddr.INET_PTON)  # netaddr < 1.0 took "10.1" (inet_aton) otherwise
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def _setting(ctx, host, names, default=None):
    """kolla's chain: the first of ``names`` set (globals.yml, else the host, else the run: ``Context.kolla_var``)."""
    for name in names:
        value = ctx.kolla_var(host, name)
        if value is not None:
            return value
    return default


def shadowed(ctx, host, names=("api_interface", "network_interface")):
    """A warning for each of ``names`` the host sets in the inventory that globals.yml overrides for kolla-ansible."""
    out = []
    for name in names:
        own, wins = ctx.var(host, name), ctx.kolla_globals().get(name)
        if own not in (None, "") and wins not in (None, "") and own != wins:
            out.append(finding(host, "vip_subnet", "%s is %s in the inventory, but globals.yml sets %s, which kolla-ansible passes as "
                               "extra-vars: kolla uses %s on this host (and these checks read it)" % (name, own, wins, wins),
                               "remove %s from globals.yml and set it per host in the inventory, or drop the host's value" % name,
                               severity="warning"))
    return out


def interface_name(ctx, host):
    return _setting(ctx, host, ("api_interface", "network_interface"), KOLLA_NETWORK_INTERFACE)


def address_family(ctx, host):
    return str(_setting(ctx, host, ("api_address_family", "network_address_family"), "ipv4")).lower()


def interface(ctx, host):
    """``(name, the interface's facts, None)``, or ``(name, None, (found, fix))`` when they cannot be read."""
    name = interface_name(ctx, host)
    facts = ctx.var(host, "ansible_facts", {})
    if not isinstance(facts, Mapping) or "interfaces" not in facts:
        return name, None, ("no network facts", GATHER)
    found = facts.get(fact_key(name))
    if not isinstance(found, Mapping):
        present = ", ".join(str(i) for i in facts.get("interfaces") or [])
        shown = name if str(name).isprintable() else repr(name)  # a line break in the name would break the table
        return name, None, ("interface %s not present (the host has: %s)" % (shown, present), _IFACE_FIX)
    return name, found, None


def networks(iface, version):
    """The interface's addresses of IP ``version`` (4, 6) with their prefix, as IPNetworks (``.ip`` kept), in Ansible's order."""
    if version == 4:
        entries = [iface.get("ipv4"), *(iface.get("ipv4_secondaries") or [])]
        texts = ["%s/%s" % (e.get("address"), e.get("netmask") or e.get("prefix")) for e in entries if isinstance(e, Mapping) and e.get("address")]
    else:
        texts = ["%s/%s" % (e.get("address"), e.get("prefix")) for e in iface.get("ipv6") or [] if isinstance(e, Mapping) and e.get("address")]
    out = []
    for text in texts:
        try:
            out.append(netaddr.IPNetwork(text))
        except (netaddr.AddrFormatError, ValueError, TypeError):
            continue  # not an address Ansible's setup writes
    return out


def _held_vip(net, vips):
    """keepalived's VIP: a single-address entry that is one of the VIPs."""
    return net.size == 1 and net.ip in vips


def _routable(ip):
    return not (ip.is_loopback() or ip.is_link_local())


def host_address(ctx, host, iface, vips=frozenset()):
    """The host's address as kolla_ansible/kolla_address.py (23.0.0) works it out, or None."""
    if address_family(ctx, host) == "ipv6":
        found = [n.ip for n in networks(iface, 6) if _routable(n.ip) and n.ip not in vips]
        return found[0] if found else None
    nets = networks(iface, 4)
    if not nets:
        return None
    if nets[0].ip.is_loopback():
        secondaries = [n.ip for n in nets[1:] if not n.ip.is_loopback()]
        return secondaries[0] if secondaries else nets[0].ip
    return nets[0].ip


def vips(ctx):
    """The internal and external VIPs that are addresses."""
    found = (ip_address(ctx.option(name)) for name in ("kolla_internal_vip_address", "kolla_external_vip_address"))
    return frozenset(ip for ip in found if ip is not None)


def _vip_on_control_host(ctx, host, vip, held):
    name, iface, problem = interface(ctx, host)
    if problem:
        return [finding(host, "vip_subnet", "%s: kolla_internal_vip_address %s not checked" % (problem[0], vip), problem[1])]
    own = [n for n in networks(iface, vip.version) if _routable(n.ip) and not _held_vip(n, held)]
    if not own:
        return [finding(host, "vip_subnet", "kolla_internal_vip_address %s is IPv%d, %s has no routable IPv%d address" % (vip, vip.version, name, vip.version),
                        "give %s an IPv%d address, or %s" % (name, vip.version, _IFACE_FIX))]
    subnets = ", ".join(str(n.cidr) for n in own)
    inside = [n for n in own if vip in n]
    if not inside:
        return [finding(host, "vip_subnet", "kolla_internal_vip_address %s is outside %s's subnet (%s)" % (vip, name, subnets),
                        "choose an unused address in %s (kolla-ansible's loadbalancer precheck refuses it too), or %s" % (subnets, _IFACE_FIX))]
    if vip.version == 4 and any(vip in (n.network, n.broadcast) for n in inside):
        return [finding(host, "vip_subnet", "kolla_internal_vip_address %s is the network or broadcast address of %s (%s)" % (vip, name, subnets),
                        "choose an unused host address in %s" % subnets)]
    return []


def _vip_taken(ctx, host, vip):
    """The VIP is the host's own: a prefixed address on its interface (not keepalived's /32, /128), or its ansible_host."""
    name, iface, _problem = interface(ctx, host)
    out = []
    if iface is not None and any(n.ip == vip and n.size > 1 for n in networks(iface, vip.version)):
        out.append(finding(host, "vip_subnet", "kolla_internal_vip_address %s is the address of %s on %s" % (vip, host, name),
                           "choose an address no host has: keepalived moves the VIP between the control hosts"))
    if ip_address(ctx.var(host, "ansible_host")) == vip:
        out.append(finding(host, "vip_subnet", "kolla_internal_vip_address %s is the ansible_host of %s" % (vip, host),
                           "choose an address no host has, or fix ansible_host"))
    return out


@_needs_netaddr
def vip_subnet(ctx):
    """kolla_internal_vip_address is in every control host's api_interface subnet and is no host's address.

    Also warns where globals.yml overrides a host's own interface (``shadowed``): kolla uses globals.yml's.
    """
    out = [f for host in ctx.hosts for f in shadowed(ctx, host)]
    text = ctx.option("kolla_internal_vip_address")
    if text in (None, ""):
        return out
    vip = ip_address(text)
    if vip is None:
        out.append(finding(None, "vip_subnet", "kolla_internal_vip_address %r is not an IP address" % (text,),
                           "set it to one unused address, without a prefix, in the control hosts' network_interface subnet"))
        return out
    held = vips(ctx)
    for host in ctx.members(ctx.option("control_plane_groups", ["control"])):
        out += _vip_on_control_host(ctx, host, vip, held)
    for host in ctx.hosts:
        out += _vip_taken(ctx, host, vip)
    return out


@_needs_netaddr
def vips_distinct(ctx):
    """The internal and external VIPs differ, or are equal the way kolla-ansible accepts (one VIP, TLS on both or neither)."""
    internal, external = ctx.option("kolla_internal_vip_address"), ctx.option("kolla_external_vip_address")
    if internal in (None, "") or external in (None, ""):
        return []  # kolla-ansible's default: the external VIP is the internal one
    if ip_address(external) is None:
        return [finding(None, "vips_distinct", "kolla_external_vip_address %r is not an IP address" % (external,),
                        "set it to an address on the external network; a name goes in kolla_external_fqdn")]
    if ip_address(internal) != ip_address(external):
        return []
    tls_internal = boolean(ctx.option("kolla_enable_tls_internal", False), strict=False)
    tls_external = boolean(ctx.option("kolla_enable_tls_external", tls_internal), strict=False)
    if tls_internal != tls_external:
        return [finding(None, "vips_distinct",
                        "kolla_internal_vip_address and kolla_external_vip_address are both %s, with TLS on the %s network only" % (
                            internal, "internal" if tls_internal else "external"),
                        "give the external VIP its own address, or the same TLS setting to both (kolla-ansible's prechecks refuse this)")]
    return [finding(None, "vips_distinct", "kolla_internal_vip_address and kolla_external_vip_address are both %s: one VIP serves both" % internal,
                    "if an external network is meant, give kolla_external_vip_address an address on it; else leave it unset", severity="warning")]


def _claims(ctx):
    """``(claims, blind)``: ``((address, ssh port), host, what)`` for each host's interface addresses and IP ansible_host;
    ``blind``: ``(host, problem)`` for the hosts whose interface could not be read."""
    held, claims, blind = vips(ctx), [], []
    for host in ctx.hosts:
        name, iface, problem = interface(ctx, host)
        if problem:
            blind.append((host, problem[0]))
        else:
            claims += [((n.ip, _SSH_PORT), host, "address on %s" % name) for n in networks(iface, 4) + networks(iface, 6)
                       if _routable(n.ip) and not _held_vip(n, held)]
        reached = ip_address(ctx.var(host, "ansible_host"))
        if reached is not None and not reached.is_loopback():  # loopback: a local or forwarded connection
            port = str(ctx.var(host, "ansible_port", _SSH_PORT))
            claims.append(((reached, port), host, "ansible_host" if port == _SSH_PORT else "ansible_host (port %s)" % port))
    return claims, blind


def _not_compared(check, blind):
    if not blind:
        return []
    return [finding(None, check, "not compared: %s" % "; ".join("%s (%s)" % pair for pair in blind), GATHER, severity="warning")]


@_needs_netaddr
def addresses_unique(ctx):
    """No address is two hosts': interface addresses, and ansible_host on the same SSH port (a NAT gateway's ports may differ)."""
    claims, blind = _claims(ctx)
    first = {}
    out = []
    for key, host, what in claims:
        owner = first.setdefault(key, (host, what))
        if owner[0] != host:
            out.append(finding(host, "addresses_unique", "%s is the %s of %s and the %s of %s" % (key[0], what, host, owner[1], owner[0]),
                               "give each host its own address (or fix ansible_host); kolla-ansible addresses every service by it"))
    return out + _not_compared("addresses_unique", blind)


def hostname(ctx, host):
    """``ansible_facts.hostname``, else the inventory name."""
    facts = ctx.var(host, "ansible_facts", {})
    name = facts.get("hostname") if isinstance(facts, Mapping) else None
    return str(name or host)


def _duplicate_hostnames(ctx):
    first, out = {}, []
    for host in ctx.hosts:
        name = hostname(ctx, host)
        owner = first.setdefault(name.lower(), host)  # DNS names are case-insensitive
        if owner != host:
            out.append(finding(host, "hostnames", "hostname %s is also %s's" % (name, owner), _HOSTS_FIX))
    return out


def _expected(ctx, host, held):
    _name, iface, _problem = interface(ctx, host)
    found = host_address(ctx, host, iface, held) if iface is not None else None
    return found if found is not None else ip_address(ctx.var(host, "ansible_host"))


def _resolution(ctx, host, resolve, held):
    """kolla's RabbitMQ precheck, asked of the deploy host's resolver: the hostname resolves to the host's address alone."""
    name, expected = hostname(ctx, host), _expected(ctx, host, held)
    if expected is None:
        return []  # no address to compare with: addresses_unique names the host
    fix = "make %s resolve to %s alone (DNS, or /etc/hosts on every host: %s %s; no 127.0.1.1 line for it)" % (name, expected, expected, name)
    try:
        answers = [ip_address(a) for a in resolve(name) or []]
    except (OSError, UnicodeError, ValueError) as exc:
        answers, why = [], "%s" % exc
    else:
        why = "no answer"
    answers = [a for a in answers if a is not None and a.version == expected.version]
    if not answers:  # the deploy host may not share the cloud's DNS; kolla asks each host's own resolver
        return [finding(host, "hostnames", "hostname %s does not resolve to an IPv%d address on the deploy host (%s)" % (name, expected.version, why), fix,
                        severity="warning")]
    others = sorted({a for a in answers if a != expected})
    if others:
        return [finding(host, "hostnames", "hostname %s resolves to %s, not to %s alone" % (name, ", ".join(str(a) for a in others), expected), fix)]
    return []


@_needs_netaddr
def hostnames(ctx):
    """Hostnames are unique; with a resolver (option ``resolve``), each resolves to its host's address alone."""
    out = _duplicate_hostnames(ctx)
    resolve = ctx.option("resolve")
    if callable(resolve):
        held = vips(ctx)
        for host in ctx.hosts:
            out += _resolution(ctx, host, resolve, held)
    return out
