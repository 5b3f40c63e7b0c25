# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which PCI functions of one host go to guests, from the operator's selection.

Controller side, pure. Input: the ``pci`` result of ``multiarch.kolla.pci_passthrough_info``
(docs/pci_passthrough_info.md). A GPU is selected by vendor:device ID, by PCI address, or as
"every GPU except the boot console one"; each selected GPU brings the other functions of its card
(``companions``: HDMI audio, USB xHCI, UCSI), which share its IOMMU group and must leave the host
with it (Linux drivers/vfio/vfio_main.c: a group is viable only when every device in it is bound
to a VFIO driver or none).
"""

import re

_ID = re.compile(r"([0-9a-f]{4}):([0-9a-f]{4})")
_ADDRESS = re.compile(r"(?:([0-9a-f]{4,8}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])")


def parse_ids(values, what):
    """``values`` (list or comma-separated string) as sorted "vvvv:dddd" strings; raises ValueError naming ``what``."""
    if values is None or values == "":
        return []
    if isinstance(values, str):
        values = [part.strip(" ") for part in values.split(",") if part.strip(" ")]
    if not isinstance(values, (list, tuple)):
        raise ValueError("%s=%r: give a list of vendor:device IDs such as 10de:1eb1" % (what, values))
    ids = []
    for value in values:
        text = str(value).lower()  # no strip: "10de:1eb1\n" is refused, as nova/pci.py refuses such IDs
        if not _ID.fullmatch(text):
            raise ValueError("%s: %r is not a vendor:device ID (4 hex digits each, such as 10de:1eb1)" % (what, value))
        ids.append(text)
    return sorted(set(ids))


def parse_address(value, what):
    """A PCI address as the kernel names it ("0000:01:00.0"); the domain defaults to 0000."""
    match = _ADDRESS.fullmatch(str(value).lower())
    if not match:
        raise ValueError("%s: %r is not a PCI address (domain:bus:device.function, such as 0000:01:00.0)" % (what, value))
    domain, bus, dev, func = match.groups()
    return "%s:%s:%s.%s" % ((domain or "0000").zfill(4), bus, dev, func)


def device_id(dev):
    """"vvvv:dddd" of a device or function dict."""
    return "%s:%s" % (dev.get("vendor_id"), dev.get("device_id"))


def describe(dev):
    """"0000:01:00.0 (10de:1c03, NVIDIA Corporation GP106 [GeForce GTX 1060 6GB])" for messages."""
    names = dev.get("names") or {}
    name = " ".join(part for part in (names.get("vendor"), names.get("device")) if part)
    return "%s (%s%s)" % (dev.get("address"), device_id(dev), ", " + name if name else "")


def host_functions(pci):
    """Every PCI function the result knows: the GPUs and their companions, by address."""
    functions = {}
    for dev in pci.get("devices") or []:
        functions[dev["address"]] = dev
        for companion in dev.get("companions") or []:
            functions.setdefault(companion["address"], companion)
    return functions


def select_gpus(pci, host, ids=None, addresses=None, all_gpus=False):
    """The GPUs (device dicts of ``pci``) the selection names on this host, sorted by address.

    Returns ``(gpus, errors, warnings)``. An address that is no GPU here is an error (addresses are
    per host); an ID no GPU here has is a warning (an ID list is usually given to a whole group).
    ``all_gpus`` takes every GPU except the boot console one (``boot_vga`` true).
    """
    errors, warnings = [], []
    devices = {dev["address"]: dev for dev in pci.get("devices") or []}
    chosen = {}
    try:
        wanted_ids = parse_ids(ids, "gpu_passthrough_ids")
    except ValueError as exc:
        errors.append("host %s: %s" % (host, exc))
        wanted_ids = []
    for wanted in wanted_ids:
        matches = [dev for dev in devices.values() if device_id(dev) == wanted]
        if not matches:
            warnings.append("host %s: gpu_passthrough_ids: no GPU %s on this host" % (host, wanted))
        chosen.update((dev["address"], dev) for dev in matches)
    for value in addresses or []:
        try:
            address = parse_address(value, "gpu_passthrough_addresses")
        except ValueError as exc:
            errors.append("host %s: %s" % (host, exc))
            continue
        if address not in devices:
            known = ", ".join(describe(dev) for dev in devices.values()) or "none"
            errors.append(
                "host %s: gpu_passthrough_addresses: %s is not a GPU on this host (a companion function comes with its card; "
                "select the card). GPUs here: %s" % (host, address, known)
            )
            continue
        chosen[address] = devices[address]
    if all_gpus:
        chosen.update((address, dev) for address, dev in devices.items() if dev.get("boot_vga") is not True)
    return [chosen[address] for address in sorted(chosen)], errors, warnings


def selected_functions(gpus):
    """The functions that leave the host: each GPU, then its companions, by address."""
    functions = {}
    for gpu in gpus:
        functions[gpu["address"]] = gpu
        for companion in gpu.get("companions") or []:
            functions.setdefault(companion["address"], companion)
    return [functions[address] for address in sorted(functions)]
