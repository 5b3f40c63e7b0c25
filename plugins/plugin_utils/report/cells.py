# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capability map's columns and the text of each cell, shared by the Markdown table and the HTML page.

Controller side, pure. A value that is unknown or whose role did not run on the
host is ``-`` (MISSING); the JSON file keeps the same value as null.
"""

import os

MISSING = "-"
# (key, heading) of each column, in order.
COLUMNS = (
    ("host", "Host"),
    ("arch", "Arch"),
    ("cpu", "CPU"),
    ("accel", "KVM/TCG"),
    ("guests", "Guests"),
    ("uefi", "UEFI firmware"),
    ("gpu", "GPUs"),
    ("docker", "Docker cgroup"),
    ("kubelet", "kubelet cgroup"),
    ("images", "Images"),
    ("nova", "nova"),
    ("notes", "Notes"),
)


def _or_missing(text):
    return text if text not in (None, "") else MISSING


def _cpu(cpu):
    if not cpu:
        return MISSING
    name = " ".join(part for part in (cpu.get("vendor"), cpu.get("model")) if part)
    count = "%d CPUs" % cpu["count"] if cpu.get("count") else ""
    if name and count:
        return "%s (%s)" % (name, count)
    return _or_missing(name or count)


def _guests(guests):
    by_accel = {}
    for guest in guests:
        by_accel.setdefault(guest["accel"] or "unknown", []).append(guest["arch"])
    return _or_missing("; ".join("%s: %s" % (accel, " ".join(by_accel[accel])) for accel in sorted(by_accel, key=lambda a: (a != "kvm", a))))


def _firmware(guest):
    if not guest["uefi"]:
        return "none"
    if not guest["firmware"]:
        return "yes"
    more = len(guest["firmware"]) - 1
    return os.path.basename(guest["firmware"][0]) + (" +%d" % more if more else "")


def _uefi(guests):
    """Per guest arch whose firmware is known: the first UEFI firmware file (and how many more), or none."""
    return _or_missing(", ".join("%s: %s" % (g["arch"], _firmware(g)) for g in guests if g["uefi"] is not None))


def _gpu(gpu):
    if gpu is None:
        return MISSING
    state = gpu["state"]
    if gpu["refused"]:
        state += ": " + ", ".join("%s %s" % (r["name"], r["address"]) if r["address"] else r["name"] for r in gpu["refused"])
    elif gpu["reboot_pending"]:
        state += " (%s)" % " ".join(gpu["kernel_args_pending"])
    return "%s, %s" % (" ".join(gpu["selected"]), state) if gpu["selected"] else state


def _docker(runtime):
    if runtime is None or not runtime["cgroup_driver"]:
        return MISSING
    if runtime["engine"] != "docker":
        return "%s (%s)" % (runtime["cgroup_driver"], runtime["engine"])
    return runtime["cgroup_driver"]


def _kubelet(runtime):
    return _or_missing(runtime and runtime["kubelet_cgroup_driver"])


def _images(images):
    if images is None:
        return MISSING
    # Unset here, kolla-ansible takes the registry and namespace of globals.yml, else its own defaults.
    if images["registry"] or images["namespace"]:
        where = "%s/%s" % (images["registry"] or "(globals.yml registry)", images["namespace"] or "(globals.yml namespace)")
    else:
        where = "registry and namespace of globals.yml"
    return "%s, tag suffix %s" % (where, images["tag_suffix"] or "none")


def _nova(nova):
    if nova is None:
        return MISSING
    keys = ("virt_type", "cpu_mode", "cpu_models", "hw_machine_type", "num_pcie_ports")
    parts = ["%s=%s" % (key, nova[key]) for key in keys if nova[key]]
    if nova["emulated"]:
        parts.append("emulates %s (%s)" % (" ".join(nova["emulated"]), nova["emulation_mode"] or "?"))
    return _or_missing(", ".join(parts))


def _accel(row):
    if row["accel"] is None:
        return MISSING
    return row["accel"] if row["accel"] == "kvm" else "%s (%s)" % (row["accel"], row["kvm_reason"])


def cells(row):
    """``{column key: text}`` of one row (see rows.py); ``-`` for what is unknown."""
    runtime = row["container_runtime"]
    return {
        "host": row["host"],
        "arch": _or_missing(row["arch"]),
        "cpu": _cpu(row["cpu"]),
        "accel": _accel(row),
        "guests": _guests(row["guests"]),
        "uefi": _uefi(row["guests"]),
        "gpu": _gpu(row["gpu"]),
        "docker": _docker(runtime),
        "kubelet": _kubelet(runtime),
        "images": _images(row["images"]),
        "nova": _nova(row["nova"]),
        "notes": _or_missing("; ".join(note.rstrip(". ") for note in row["notes"])),
    }


def summary(rows):
    """One sentence: how many hosts, per arch, and how many were not detected."""
    per_arch = {}
    for row in rows:
        key = row["arch"] if row["detected"] else "not detected"
        per_arch[key] = per_arch.get(key, 0) + 1
    counts = ", ".join("%d %s" % (count, arch) for arch, count in sorted(per_arch.items(), key=lambda item: (item[0] == "not detected", item[0])))
    return "%d host%s%s." % (len(rows), "" if len(rows) == 1 else "s", ": " + counts if counts else "")
