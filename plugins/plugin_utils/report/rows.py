# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capability map's rows: one per host, from the facts the roles publish (docs/decisions.md).

Controller side, pure. Only ``multiarch_host`` (role ``host_facts``) is required: a
host without it is a row that says so and names the role to run. Every other fact
(``multiarch_gpu_passthrough``, ``multiarch_container_runtime``, ``multiarch_nova_compute``)
may be missing, when its role did not run there, and the row then holds None for it.
Nothing here decides again: each value is read from the fact of the role that owns it,
and the images come from the collection's own image sources (``kolla/images.py``).
"""

from collections.abc import Mapping

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.decisions import get
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import group_vars_for_source
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kubelet_driver import KUBELET_SOURCES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.plain import plain

# The keys of a row, in the order the JSON file lists them (RETURN of plugins/filter/multiarch_capability_map.yml).
ROW_KEYS = ("host", "detected", "arch", "cpu", "accel", "kvm_reason", "guests", "gpu", "container_runtime", "images", "nova", "notes")
NOT_DETECTED = "not detected: run host_facts (role multiarch.kolla.host_facts; playbook multiarch.kolla.report runs it where the fact is missing)"
UNREACHABLE = ("unreachable or failed in this run (the run's recap names which): fix the connection or the failed task, "
               "then run multiarch.kolla.report again")
# GPU states, from the fact of role gpu_passthrough (docs/gpu-passthrough.md).
GPU_ERROR, GPU_REFUSED, GPU_NONE, GPU_REBOOT, GPU_READY = "error", "refused", "none selected", "reboot pending", "ready"
# Accelerator per multiarch_host.kvm.usable (docs/multiarch_host.md, "KVM: three answers").
ACCEL = {facts.KVM_USABLE: "kvm", facts.KVM_UNUSABLE: "tcg", facts.KVM_UNKNOWN: "unknown"}


def _strings(value):
    """A list of texts from a list fact (anything else: [])."""
    if isinstance(value, (list, tuple)):
        return [to_text(item) for item in value if item is not None]
    return []


def _dict(value):
    return value if isinstance(value, Mapping) else {}


def _cpu(fact):
    cpu = _dict(fact.get("cpu"))
    count = cpu.get("count")
    return {
        "vendor": to_text(cpu["vendor"]) if cpu.get("vendor") else None,
        "model": to_text(cpu["model"]) if cpu.get("model") else None,
        "count": count if isinstance(count, int) and not isinstance(count, bool) else None,
    }


def _guests(fact):
    """Every guest arch the host runs, as host_arch_info named it, sorted: accel, UEFI and its firmware."""
    found = []
    for arch, guest in sorted(_dict(fact.get("guests")).items(), key=lambda item: to_text(item[0])):
        if not isinstance(guest, Mapping):
            continue
        uefi = guest.get("uefi")
        found.append({
            "arch": to_text(arch),
            "accel": to_text(guest["accel"]) if guest.get("accel") else None,
            "uefi": uefi if isinstance(uefi, bool) else None,
            "firmware": _strings(guest.get("firmware")),
        })
    return found


def _gpu_state(gpu):
    if gpu["errors"]:
        return GPU_ERROR
    if gpu["refused"]:
        return GPU_REFUSED
    if not gpu["selected"]:
        return GPU_NONE
    return GPU_REBOOT if gpu["reboot_pending"] else GPU_READY


def _gpu(value, notes):
    """What role gpu_passthrough decided and applied (None when it did not run on the host)."""
    if not isinstance(value, Mapping):
        return None
    refused = [_dict(entry) for entry in value.get("refused") or [] if isinstance(entry, Mapping)]
    gpu = {
        "selected": _strings(value.get("selected")),
        "kernel_args_pending": _strings(value.get("kernel_args_pending")),
        "refused": [{"name": to_text(r.get("name")), "address": to_text(r.get("address")) if r.get("address") else None} for r in refused],
        "errors": _strings(value.get("errors")),
    }
    # A reboot is pending while a kernel argument is not on the running command line (roles/gpu_passthrough/tasks/reboot.yml).
    gpu["reboot_pending"] = bool(gpu["kernel_args_pending"]) and not gpu["errors"] and not gpu["refused"]
    gpu["state"] = _gpu_state(gpu)
    notes.extend("GPU: %s" % to_text(r.get("message") or r.get("name")) for r in refused)
    notes.extend("GPU: %s" % error for error in gpu["errors"])
    return gpu


def _container_runtime(value):
    """The engine and cgroup drivers role container_runtime decided (None when it did not run on the host).

    kubelet's driver is the engine's where kubelet decided it (the role refuses a host where
    they would differ); None where no kubelet decided (no kubelet, or the operator's override).
    """
    if not isinstance(value, Mapping):
        return None
    driver = to_text(value["cgroup_driver"]) if value.get("cgroup_driver") else None
    source = to_text(value["source"]) if value.get("source") else None
    return {
        "engine": to_text(value.get("engine") or "docker"),
        "cgroup_driver": driver,
        "kubelet_cgroup_driver": driver if source in KUBELET_SOURCES else None,
        "source": source,
    }


def _images(arch, sources, notes):
    """Where the host's kolla images come from: its arch's image source, as group_vars/arch_<arch>.yml gets it."""
    source = sources.get(arch)
    if source is None:
        notes.append(
            "images: %s has no image source; give kolla_multiarch_image_sources.%s the registry and namespace of images built "
            "for it (kolla-build), or leave the host out of the kolla inventory" % (arch, arch)
        )
        return None
    return {
        "registry": source.get("registry") or None,
        "namespace": source.get("namespace") or None,
        "tag_suffix": source.get("tag_suffix") or "",
        "group_vars": group_vars_for_source(source),
    }


def _nova(value):
    """The [libvirt] settings and emulation role nova_compute_arch decided (None when it did not run on the host)."""
    if not isinstance(value, Mapping):
        return None
    libvirt = _dict(value.get("libvirt"))

    def text(mapping, key):
        return to_text(mapping[key]) if mapping.get(key) not in (None, "") else None

    return {
        "virt_type": text(value, "virt_type"),
        "cpu_mode": text(value, "cpu_mode"),
        "cpu_models": text(libvirt, "cpu_models"),
        "hw_machine_type": text(libvirt, "hw_machine_type"),
        "num_pcie_ports": text(libvirt, "num_pcie_ports"),
        "emulation_mode": text(value, "emulation_mode"),
        "emulated": _strings(value.get("emulated")),
        "traits": _strings(value.get("traits")),
    }


def _empty_row(host):
    row = dict.fromkeys(ROW_KEYS)
    row.update(host=host, detected=False, guests=[], notes=[])
    return row


def host_row(host, hostvars_of_host, sources, unreachable=False):
    """The row of one host: ``hostvars_of_host`` are its variables, ``sources`` what ``images.image_sources`` returned;
    ``unreachable``: the host dropped out of this run (unreachable or failed), so its facts, if any, are older."""
    host = to_text(host)
    row = _empty_row(host)
    fact = get(hostvars_of_host, "multiarch_host") if hostvars_of_host is not None else None
    arch, why = facts.arch_or_reason(fact) if isinstance(fact, Mapping) else (None, None)
    if not isinstance(fact, Mapping) or arch is None:
        row["notes"].append(UNREACHABLE if unreachable else NOT_DETECTED if why is None else "not detected: %s; run host_facts again" % why)
        return row
    fact = plain(fact)
    notes = row["notes"]
    if unreachable:
        notes.append("unreachable or failed in this run: the row shows the facts it had before")
    state = facts.kvm_state(fact)
    row.update(
        detected=True,
        arch=arch,
        cpu=_cpu(fact),
        accel=ACCEL[state],
        kvm_reason=None if state == facts.KVM_USABLE else facts.kvm_reason(fact),
        guests=_guests(fact),
        gpu=_gpu(plain(get(hostvars_of_host, "multiarch_gpu_passthrough")), notes),
        container_runtime=_container_runtime(plain(get(hostvars_of_host, "multiarch_container_runtime"))),
        images=_images(arch, sources, notes),
        nova=_nova(plain(get(hostvars_of_host, "multiarch_nova_compute"))),
    )
    return row


def host_rows(hostvars, hosts, sources, unreachable=()):
    """One row per host of ``hosts``, in that order (each host once), from Ansible's ``hostvars``; ``unreachable``
    names the hosts that dropped out of this run."""
    dropped = {to_text(h) for h in unreachable or ()}
    rows = []
    for host in dict.fromkeys(to_text(h) for h in hosts):
        rows.append(host_row(host, get(hostvars, host), sources, unreachable=host in dropped))
    return rows
