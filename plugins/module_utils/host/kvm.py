# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``kvm`` part of ``multiarch_host``: can this user run KVM guests, and with which module.

KVM is usable when /dev/kvm exists and opens read-write: the check libvirt's QEMU
driver makes before it offers kvm domains (libvirt src/qemu/qemu_capabilities.c,
virQEMUCapsKVMUsable: /dev/kvm readable and writable by the user QEMU runs as).
Runs on target hosts (Python >= 3.9, standard library only).
"""

import os

from ansible_collections.multiarch.kolla.plugins.module_utils._probe import under
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import list_dir, read_text

# KVM vendor modules, most specific first; anything else named kvm_* is reported as is.
KVM_MODULES = ("kvm_intel", "kvm_amd", "kvm_hv", "kvm_pr", "kvm_s390", "kvm_arm")


def _open_device(device, result):
    try:
        fd = os.open(device, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        result["reason"] = "/dev/kvm exists but cannot be opened read-write: %s" % (exc.strerror or exc)
        return
    os.close(fd)
    result["rw"] = True
    result["usable"] = True


def _module(root, modules, device, warnings):
    """(module name, nested) from the names under /sys/module."""
    kvm_mods = [m for m in KVM_MODULES if m in modules] + sorted(m for m in modules if m.startswith("kvm_") and m not in KVM_MODULES)
    if kvm_mods:
        name = kvm_mods[0]
        nested = read_text(root, "/sys/module/%s/parameters/nested" % name, warnings, missing_ok=True)
        return name, (nested.strip().upper() in ("Y", "1") if nested is not None else None)
    if "kvm" in modules:
        # No vendor module: arm64 (and riscv) KVM is built into the kernel; a
        # loadable generic kvm has an initstate file.
        return ("kvm" if os.path.exists(under(root, "/sys/module/kvm/initstate")) else "builtin"), None
    return ("builtin" if device else None), None


def probe_kvm(root, warnings):
    """Return the ``kvm`` dict: device present, opened read-write, module, nested, reason."""
    device = under(root, "/dev/kvm")
    result = {"usable": False, "device": False, "rw": False, "module": None, "nested": None, "reason": None}
    if os.path.exists(device):
        result["device"] = True
        _open_device(device, result)
    else:
        result["reason"] = "/dev/kvm does not exist (KVM module not loaded, no hardware virtualisation, or not passed into this container)"
    modules = list_dir(root, "/sys/module", warnings, "KVM module") or []
    result["module"], result["nested"] = _module(root, modules, result["device"], warnings)
    return result
