# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse /proc/cpuinfo (and lscpu output) into the ``cpu`` part of ``multiarch_host``.

Pure functions over text, so unit tests feed real captures. Which parser reads a
host's cpuinfo is the arch table's ``cpuinfo_format`` of its arch (x86, arm,
power, s390, riscv: one per kernel show_cpuinfo()). Runs on target hosts
(Python >= 3.9, standard library only).
"""

import re

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host import cpu_parts

_PVR_RE = re.compile(r"pvr\s+([0-9a-fA-F]{4})\s*([0-9a-fA-F]{4})")


def split_records(text):
    """Return (records, trailer) from cpuinfo text.

    ``records`` is a list of dicts, one per ``processor`` block; ``trailer`` holds
    key/values outside those blocks (ppc's platform/model/machine lines, s390's
    header). Keys are kept as written, values stripped.
    """
    records = []
    trailer = {}
    current = None
    for raw in (text or "").splitlines():
        line = raw.rstrip()
        if not line.strip():
            current = None
            continue
        if ":" not in line:
            continue
        key, _sep, value = line.partition(":")
        key = key.strip()
        value = value.strip()
        if key == "processor" and value[:1].isdigit():
            current = {"processor": value}
            records.append(current)
            continue
        if current is not None:
            current.setdefault(key, value)
        else:
            trailer.setdefault(key, value)
    return records, trailer


def _int_or_none(value):
    try:
        return int(str(value).strip(), 0)
    except (TypeError, ValueError):
        return None


def _empty_cpu():
    return {
        "vendor": None,
        "model": None,
        "count": None,
        "ids": {},
        "cores": [],
        "platform": None,
        "machine": None,
        "virt_flag": None,
    }


def _parse_x86(records, _trailer, cpu, _warnings):
    first = records[0] if records else {}
    cpu["vendor"] = first.get("vendor_id") or None
    cpu["model"] = first.get("model name") or None
    ids = {}
    for key, name in (("cpu family", "family"), ("model", "model"), ("stepping", "stepping")):
        value = _int_or_none(first.get(key))
        if value is not None:
            ids[name] = value
    cpu["ids"] = ids
    flags = set((first.get("flags") or "").split())
    if "vmx" in flags:
        cpu["virt_flag"] = "vmx"
    elif "svm" in flags:
        cpu["virt_flag"] = "svm"


def _parse_arm(records, _trailer, cpu, warnings):
    counts = {}
    order = []
    raw_bad = set()
    for rec in records:
        impl = cpu_parts.parse_hex_id(rec.get("CPU implementer"))
        part = cpu_parts.parse_hex_id(rec.get("CPU part"))
        if impl is None or part is None:
            raw_bad.add((rec.get("CPU implementer"), rec.get("CPU part")))
            continue
        key = (impl, part)
        if key not in counts:
            counts[key] = 0
            order.append(key)
        counts[key] += 1
    if raw_bad and not counts:
        seen = sorted("%s/%s" % pair for pair in raw_bad if pair != (None, None))
        warnings.append(
            "/proc/cpuinfo: no readable 'CPU implementer'/'CPU part' values%s; CPU vendor and model unknown"
            % (" (got %s)" % ", ".join(seen) if seen else "")
        )
    cores = []
    for impl, part in sorted(order):
        vendor = cpu_parts.arm_vendor(impl)
        model = cpu_parts.arm_part_name(impl, part)
        if model is None:
            warnings.append(
                "/proc/cpuinfo: CPU implementer %s part %s is not in the part table (implementer %s); reported by raw ID"
                % (cpu_parts.format_implementer(impl), cpu_parts.format_part(part), vendor or "unknown")
            )
        cores.append(
            {
                "implementer": cpu_parts.format_implementer(impl),
                "part": cpu_parts.format_part(part),
                "vendor": vendor,
                "model": model,
                "count": counts[(impl, part)],
            }
        )
    cpu["cores"] = cores
    if not cores:
        return
    vendors = []
    models = []
    for core in cores:
        if core["vendor"] not in vendors:
            vendors.append(core["vendor"])
        if core["model"] not in models:
            models.append(core["model"])
    # A name is given only when every core type is known: never a partial guess.
    cpu["vendor"] = " + ".join(vendors) if None not in vendors else None
    cpu["model"] = " + ".join(models) if None not in models else None
    cpu["ids"] = {"implementer": cores[0]["implementer"], "part": cores[0]["part"]}


def _parse_power(records, trailer, cpu, warnings):
    first = records[0] if records else {}
    name = (first.get("cpu") or "").split(",")[0].strip()
    generation = name.split()[0] if name else None
    revision = first.get("revision") or ""
    ids = {}
    match = _PVR_RE.search(revision)
    pvr_generation = None
    if match:
        ids["pvr"] = "0x%s%s" % (match.group(1).lower(), match.group(2).lower())
        pvr_generation = cpu_parts.power_generation(int(match.group(1), 16))
        ids["pvr_generation"] = pvr_generation
    rev = revision.split("(")[0].strip()
    if rev:
        ids["revision"] = rev
    cpu["ids"] = ids
    cpu["model"] = generation or pvr_generation
    # IBM designs every POWER CPU; say so only when the cpuinfo shows one.
    cpu["vendor"] = "IBM" if (generation or match) else None
    if first and not cpu["model"]:
        if match:
            warnings.append("/proc/cpuinfo: POWER processor version %s is not in the PVR table; model unknown" % ids["pvr"])
        else:
            warnings.append("/proc/cpuinfo has no POWER 'cpu' or 'revision (pvr ...)' line: CPU vendor and model unknown")
    cpu["platform"] = trailer.get("platform") or None
    cpu["machine"] = trailer.get("machine") or trailer.get("model") or None


def _parse_s390(_records, trailer, cpu, _warnings):
    cpu["vendor"] = trailer.get("vendor_id") or None
    for key, value in trailer.items():
        if key.startswith("processor ") and "machine =" in value:
            cpu["model"] = value.split("machine =")[1].split(",")[0].strip() or None
            break
    cpu["count"] = _int_or_none(trailer.get("# processors"))


def _parse_riscv(records, _trailer, cpu, _warnings):
    first = records[0] if records else {}
    cpu["model"] = first.get("uarch") or first.get("isa") or None
    mvendor = first.get("mvendorid")
    if mvendor:
        cpu["ids"] = {"mvendorid": mvendor, "marchid": first.get("marchid"), "mimpid": first.get("mimpid")}


# One parser per archtable ``cpuinfo_format``; an arch without one gets the CPU count only.
_PARSERS = {"x86": _parse_x86, "arm": _parse_arm, "power": _parse_power, "s390": _parse_s390, "riscv": _parse_riscv}


def _foreign_x86(records, cpuinfo_format):
    """The x86 vendor_id when an x86 cpuinfo is read on a non-x86 arch (qemu-user passes the host's through)."""
    if cpuinfo_format == "x86" or not records:
        return None
    first = records[0]
    if "vendor_id" in first and "model name" in first and "flags" in first:
        return first["vendor_id"]
    return None


def parse_cpuinfo(text, arch, warnings=None):
    """Return the ``cpu`` dict for cpuinfo ``text`` of a host of canonical ``arch``.

    Problems (empty input, unknown part IDs) are appended to ``warnings`` as
    sentences naming /proc/cpuinfo; fields that cannot be read stay None.
    """
    if warnings is None:
        warnings = []
    cpu = _empty_cpu()
    if not (text or "").strip():
        warnings.append("/proc/cpuinfo is empty or unreadable: CPU vendor, model and count unknown")
        return cpu
    records, trailer = split_records(text)
    cpu["count"] = len(records) or None
    cpuinfo_format = ARCHES.get(arch, {}).get("cpuinfo_format")
    foreign = _foreign_x86(records, cpuinfo_format)
    if foreign:
        warnings.append(
            "/proc/cpuinfo describes an x86 CPU (%s) but the kernel architecture is %s: user-mode emulation (qemu-user/binfmt) "
            "or a foreign /proc; CPU vendor and model unknown" % (foreign, arch)
        )
        return cpu
    parser = _PARSERS.get(cpuinfo_format)
    if parser is not None:
        parser(records, trailer, cpu, warnings)
    if cpu["count"] is None and records:
        cpu["count"] = len(records)
    return cpu


def parse_cpu_list(text):
    """Count the CPUs of a kernel CPU list such as '0-7,16-23' (sysfs 'online'); None if unparseable."""
    total = 0
    text = (text or "").strip()
    if not text:
        return None
    for chunk in text.split(","):
        lo, _sep, hi = chunk.partition("-")
        try:
            total += (int(hi) - int(lo) + 1) if hi else 1
        except ValueError:
            return None
    return total


def parse_lscpu(text):
    """Return ``{field: value}`` of ``lscpu`` summary output (first block)."""
    fields = {}
    for line in (text or "").splitlines():
        if ":" not in line:
            continue
        key, _sep, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields
