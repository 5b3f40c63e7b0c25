# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for libvirt host capabilities and domain capabilities XML.

Public API (also used by other plugins and their tests; keep the names):

* ``parse_capabilities(xml_text) -> dict``: ``virsh capabilities`` /
  ``virConnectGetCapabilities``.
* ``parse_domain_capabilities(xml_text) -> dict``: ``virsh domcapabilities`` /
  ``virConnectGetDomainCapabilities``.
* ``merge_domain_capabilities(guests, domcaps) -> guests``: fold domain
  capabilities (firmware, CPU models and modes) into the guests of the first.

Both parsers raise ValueError with a message naming the document for XML that is
empty, truncated or not the expected document. Arch names are canonical
(archtable); arch names archtable does not know are kept as libvirt spells them.
Runs on target hosts (Python >= 3.9, standard library only).
"""

import copy
import xml.etree.ElementTree as ET

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import canonical_arch


def guest_arch_key(name):
    """Canonical arch for a libvirt/QEMU arch name; unknown names kept (lower-case) as given."""
    if name is None:
        return None
    return canonical_arch(name, strict=False) or str(name).strip().lower()


def _parse_xml(xml_text, root_tag, what):
    if xml_text is None or not str(xml_text).strip():
        raise ValueError("%s XML is empty" % what)
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ValueError("%s XML is not well-formed (truncated or garbage?): %s" % (what, exc)) from None
    if root.tag != root_tag:
        raise ValueError("%s XML has root element <%s>, expected <%s>" % (what, root.tag, root_tag))
    return root


def _text(elem, path):
    if elem is None:
        return None
    found = elem.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _machines(elems):
    """Return (names in document order, {alias: canonical}) for <machine> elements."""
    names = []
    aliases = {}
    for machine in elems:
        name = (machine.text or "").strip()
        if not name:
            continue
        if name not in names:
            names.append(name)
        canonical = machine.get("canonical")
        if canonical:
            aliases[name] = canonical
    return names, aliases


def _new_guest():
    return {
        "accel": "tcg",
        "domain_types": [],
        "emulator": None,
        "machines": [],
        "default_machine": None,
        "canonical_machines": {},
        "uefi": None,
        "firmware": [],
        "cpu_models": [],
        "cpu_modes": None,
    }


def parse_capabilities(xml_text):
    """Parse host capabilities XML.

    Returns ``{host_arch, host_cpu: {arch, vendor, model}, host_cpu_xml, iommu,
    guests: {arch: guest}}`` where each guest is ``{accel, domain_types, emulator,
    machines, default_machine, canonical_machines, uefi, firmware, cpu_models,
    cpu_modes}``. ``accel`` is ``kvm`` when libvirt offers a kvm domain for the
    arch, else ``tcg``. ``machines`` is sorted; ``default_machine`` is the first
    machine libvirt lists (libvirt puts QEMU's default first and uses the first
    when a domain names no machine). ``uefi`` stays None (and ``firmware``,
    ``cpu_models`` empty, ``cpu_modes`` None) until domain capabilities are merged.
    Only ``hvm`` guests are read (the xen/xenner os_type is not a QEMU guest).
    """
    root = _parse_xml(xml_text, "capabilities", "libvirt capabilities")
    host = root.find("host")
    cpu = host.find("cpu") if host is not None else None
    host_cpu = {
        "arch": guest_arch_key(_text(cpu, "arch")),
        "vendor": _text(cpu, "vendor"),
        "model": _text(cpu, "model"),
    }
    host_cpu_xml = None
    if cpu is not None:
        cpu_copy = copy.deepcopy(cpu)
        cpu_copy.tail = None
        host_cpu_xml = ET.tostring(cpu_copy, encoding="unicode")
    iommu = None
    iommu_elem = host.find("iommu") if host is not None else None
    if iommu_elem is not None and iommu_elem.get("support") in ("yes", "no"):
        iommu = iommu_elem.get("support") == "yes"
    guests = {}
    for guest in root.findall("guest"):
        _add_guest(guests, guest)
    return {
        "host_arch": host_cpu["arch"],
        "host_cpu": host_cpu,
        "host_cpu_xml": host_cpu_xml,
        "iommu": iommu,
        "guests": guests,
    }


def _add_guest(guests, guest):
    """Fold one ``<guest>`` element into ``guests`` (several elements may describe one arch)."""
    if (_text(guest, "os_type") or "hvm") != "hvm":
        return
    arch_elem = guest.find("arch")
    if arch_elem is None or not arch_elem.get("name"):
        return
    entry = guests.setdefault(guest_arch_key(arch_elem.get("name")), _new_guest())
    domains = {}
    for dom in arch_elem.findall("domain"):
        dtype = dom.get("type")
        if dtype:
            domains[dtype] = dom
    entry["domain_types"] = sorted(set(entry["domain_types"]) | set(domains))
    entry["accel"] = "kvm" if "kvm" in entry["domain_types"] else "tcg"
    # A domain element may carry its own emulator and machines (older
    # libvirt); the accelerated domain's own values win.
    chosen = domains.get("kvm") if entry["accel"] == "kvm" else domains.get("qemu")
    emulator = _text(chosen, "emulator") or _text(arch_elem, "emulator")
    machine_elems = (chosen.findall("machine") if chosen is not None else []) or arch_elem.findall("machine")
    names, aliases = _machines(machine_elems)
    if emulator and not entry["emulator"]:
        entry["emulator"] = emulator
    if names:
        if entry["default_machine"] is None:
            entry["default_machine"] = names[0]
        entry["machines"] = sorted(set(entry["machines"]) | set(names))
        entry["canonical_machines"].update(aliases)


def parse_domain_capabilities(xml_text):
    """Parse domain capabilities XML of one (emulator, arch, machine, virt type).

    Returns ``{arch, domain, machine, emulator, loaders, firmware, uefi,
    cpu_models, cpu_modes, host_model, host_passthrough}``:

    * ``uefi``: ``efi`` is offered by ``<os><enum name='firmware'>``; a libvirt too
      old to have that enum counts UEFI as available when it lists loader paths.
    * ``loaders``: every ``<loader>`` value; ``firmware``: the same paths when
      ``uefi`` is true, else ``[]`` (libvirt lists its built-in loader defaults even
      for machines that cannot boot them, e.g. ppc64le pseries).
    * ``cpu_models``: custom-mode models not marked ``usable='no'`` (TCG reports
      ``unknown`` for all), sorted.
    * ``cpu_modes``: the supported CPU modes, sorted.
    """
    root = _parse_xml(xml_text, "domainCapabilities", "libvirt domain capabilities")
    os_elem = root.find("os")
    loaders = []
    fw_enum = None
    loader_supported = False
    if os_elem is not None and os_elem.get("supported", "yes") == "yes":
        for enum in os_elem.findall("enum"):
            if enum.get("name") == "firmware":
                fw_enum = [(v.text or "").strip() for v in enum.findall("value")]
        loader = os_elem.find("loader")
        if loader is not None and loader.get("supported", "yes") == "yes":
            loader_supported = True
            loaders = [(v.text or "").strip() for v in loader.findall("value") if (v.text or "").strip()]
    if fw_enum is not None:
        uefi = "efi" in fw_enum
    else:
        uefi = loader_supported and bool(loaders)
    cpu_modes = []
    cpu_models = []
    cpu_elem = root.find("cpu")
    for mode in cpu_elem.findall("mode") if cpu_elem is not None else []:
        if mode.get("supported") != "yes":
            continue
        cpu_modes.append(mode.get("name"))
        if mode.get("name") == "custom":
            for model in mode.findall("model"):
                name = (model.text or "").strip()
                if name and model.get("usable", "unknown") != "no":
                    cpu_models.append(name)
    return {
        "arch": guest_arch_key(_text(root, "arch")),
        "domain": _text(root, "domain"),
        "machine": _text(root, "machine"),
        "emulator": _text(root, "path"),
        "loaders": loaders,
        "firmware": list(loaders) if uefi else [],
        "uefi": uefi,
        "cpu_models": sorted(set(cpu_models)),
        "cpu_modes": sorted(set(cpu_modes)),
        "host_model": "host-model" in cpu_modes,
        "host_passthrough": "host-passthrough" in cpu_modes,
    }


def merge_domain_capabilities(guests, domcaps):
    """Return a copy of ``guests`` with domain capabilities folded in.

    ``domcaps`` is one result of parse_domain_capabilities or a list of them.
    Each sets ``uefi``, ``firmware``, ``cpu_models`` and ``cpu_modes`` of the guest
    of its arch; several for one arch (e.g. two machine types) are combined: UEFI
    if any offers it, firmware and models in union. Domain capabilities of an arch
    with no guest are ignored.
    """
    result = copy.deepcopy(guests)
    if isinstance(domcaps, dict):
        domcaps = [domcaps]
    seen = set()
    for caps in domcaps or []:
        arch = caps.get("arch")
        if arch not in result:
            continue
        guest = result[arch]
        if arch not in seen:
            seen.add(arch)
            guest["uefi"] = bool(caps.get("uefi"))
            guest["firmware"] = list(caps.get("firmware") or [])
            guest["cpu_models"] = list(caps.get("cpu_models") or [])
            guest["cpu_modes"] = list(caps.get("cpu_modes") or [])
            continue
        guest["uefi"] = bool(guest["uefi"] or caps.get("uefi"))
        for path in caps.get("firmware") or []:
            if path not in guest["firmware"]:
                guest["firmware"].append(path)
        guest["cpu_models"] = sorted(set(guest["cpu_models"]) | set(caps.get("cpu_models") or []))
        guest["cpu_modes"] = sorted(set(guest["cpu_modes"] or []) | set(caps.get("cpu_modes") or []))
    return result
