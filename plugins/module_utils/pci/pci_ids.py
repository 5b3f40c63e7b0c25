# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names from the system's pci.ids: vendors, devices, subsystems and device classes.

The format is the one pciutils documents at the head of pci.ids (pciutils/pciids,
https://pci-ids.ucw.cz/): a vendor line ``vvvv  name``, its devices indented by one
tab ``\\tdddd  name``, their subsystems by two tabs ``\\t\\tssss dddd  name``; after
the ``C cc  name`` lines come the classes, subclasses (one tab) and programming
interfaces (two tabs). IDs are lowercase hex. Lines that do not fit are skipped, as
lspci skips them. Standard library only; runs on target hosts (Python >= 3.9).
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import read_text

# Debian/Ubuntu (package pci.ids) and EL/Fedora (hwdata) keep the file at one of these.
DEFAULT_PATHS = ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids")


def _split(line, width):
    """(id, name) of a line whose ID is ``width`` characters, or None."""
    key, _sep, name = line.partition(" ")
    if len(key) != width or not name.strip():
        return None
    try:
        int(key, 16)
    except ValueError:
        return None
    return key.lower(), name.strip()


def _subsystem(line):
    parts = line.split(None, 2)
    if len(parts) != 3 or _split(parts[0] + " x", 4) is None or _split(parts[1] + " x", 4) is None:
        return None
    return (parts[0].lower(), parts[1].lower()), parts[2].strip()


def _class_line(line, depth, names, current):
    """Record a class, subclass or programming interface line; returns the new ``current`` class prefix list."""
    entry = _split(line.strip(), 2)
    if entry is None:
        return current
    prefix = [*current[: depth - 1], entry[0]]
    names["".join(prefix)] = entry[1]
    return prefix


def parse(text):
    """``{"vendors", "devices", "subsystems", "classes"}`` from pci.ids text.

    vendors ``{"10de": name}``; devices ``{("10de", "1c03"): name}``; subsystems
    ``{("10de", "1c03", "19da", "2438"): name}``; classes by 2, 4 or 6 hex digits ``{"03": .., "0300": .., "030000": ..}``.
    """
    result = {"vendors": {}, "devices": {}, "subsystems": {}, "classes": {}}
    vendor = device = None
    klass = None  # the class prefix list while in the class section
    for raw in (text or "").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        depth = len(raw) - len(raw.lstrip("\t"))
        line = raw.strip()
        if depth == 0:
            vendor = device = None
            klass = None
            if line.startswith("C "):
                klass = _class_line(line[2:], 1, result["classes"], [])
                continue
            entry = _split(line, 4)
            if entry:
                vendor = entry[0]
                result["vendors"][vendor] = entry[1]
        elif klass is not None:
            klass = _class_line(line, depth + 1, result["classes"], klass)
        elif depth == 1 and vendor:
            entry = _split(line, 4)
            device = entry[0] if entry else None
            if entry:
                result["devices"][(vendor, device)] = entry[1]
        elif depth == 2 and vendor and device:
            entry = _subsystem(line)
            if entry:
                result["subsystems"][(vendor, device) + entry[0]] = entry[1]
    return result


def load(root, paths, warnings):
    """Parse the first of ``paths`` (absolute, under ``root``) that exists; None when none does (names stay null)."""
    for path in paths:
        text = read_text(root, path, warnings, "PCI names from %s" % path, missing_ok=True)
        if text is not None:
            return parse(text)
    return None


def names(db, ids):
    """``{vendor, device, subsystem, class}`` names for a device's IDs; each None when not listed or ``db`` is None.

    ``ids`` holds ``vendor_id``, ``device_id``, ``subsystem_vendor_id``, ``subsystem_device_id`` and ``class``
    (lowercase hex, as pci/sysfs.py reads them; any may be missing or None).
    """
    if db is None:
        return {"vendor": None, "device": None, "subsystem": None, "class": None}
    vendor, device = ids.get("vendor_id"), ids.get("device_id")
    class_code = ids.get("class")
    klass = None
    for width in (4, 2):  # a device's class name is its subclass's, as lspci prints it, else its class's
        if class_code and class_code[:width] in db["classes"]:
            klass = db["classes"][class_code[:width]]
            break
    return {
        "vendor": db["vendors"].get(vendor),
        "device": db["devices"].get((vendor, device)),
        "subsystem": db["subsystems"].get((vendor, device, ids.get("subsystem_vendor_id"), ids.get("subsystem_device_id"))),
        "class": klass,
    }
