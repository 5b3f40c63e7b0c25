# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``kvm`` part of ``multiarch_host``: can this user run KVM guests, with which module, and which guests.

``usable`` has three answers (docs/multiarch_host.md):

* true: /dev/kvm opens read-write (the check libvirt's QEMU driver makes before it
  offers kvm domains: libvirt src/qemu/qemu_capabilities.c, virQEMUCapsKVMUsable) and,
  where the arch table names one (``kvm_module_required``: kvm_hv on POWER), that module
  is loaded;
* false: no /dev/kvm, a /dev/kvm that cannot be opened for another reason than
  permissions, or the wrong module (kvm_pr only: PR-KVM);
* null: /dev/kvm exists but this user may not open it (EACCES/EPERM: no become, not in
  the kvm group). KVM may well work for libvirt's QEMU user; the decision asks the operator.

``caps`` answers the KVM capabilities the arch table's ``kvm_guest_caps`` names for this
host (KVM_CHECK_EXTENSION on /dev/kvm). Runs on target hosts (Python >= 3.9, standard
library only).
"""

import errno
import os

from ansible_collections.multiarch.kolla.plugins.module_utils._probe import under
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import list_dir, read_text

# KVM vendor modules, most specific first; anything else named kvm_* is reported as is.
KVM_MODULES = ("kvm_intel", "kvm_amd", "kvm_hv", "kvm_pr", "kvm_s390", "kvm_arm")

# KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03), KVMIO = 0xAE (Linux include/uapi/linux/kvm.h), in the
# asm-generic ioctl encoding (include/uapi/asm-generic/ioctl.h: _IOC_NONE 0, no size) that arm64,
# x86, s390 and riscv use. Only archtable's kvm_guest_caps are asked (aarch64 today); powerpc,
# mips and sparc encode _IO differently.
KVM_CHECK_EXTENSION = 0xAE03

_DENIED = (errno.EACCES, errno.EPERM)

DENIED_FIX = (
    "run multiarch.kolla.host_facts with become (or as a member of the kvm group), or decide for the host with "
    "nova_compute_arch_overrides: {virt_type: kvm} (or qemu)"
)


def _default_ioctl(fd, request, arg):
    import fcntl  # noqa: PLC0415  pylint: disable=import-outside-toplevel

    return fcntl.ioctl(fd, request, arg)


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


def _ask_caps(fd, wanted, ioctl, warnings):
    """{capability name: bool or None} from KVM_CHECK_EXTENSION on the open /dev/kvm ``fd``."""
    caps = {}
    for guest, (name, number) in sorted(wanted.items()):
        try:
            caps[name] = ioctl(fd, KVM_CHECK_EXTENSION, number) > 0
        except (OSError, TypeError, ValueError) as exc:
            caps[name] = None
            why = getattr(exc, "strerror", None) or exc
            warnings.append("/dev/kvm: KVM_CHECK_EXTENSION %s failed (%s): whether KVM runs %s guests is unknown" % (name, why, guest))
    return caps


def _open_device(device, result, wanted, ioctl, warnings):
    """Open /dev/kvm read-write: ``rw`` and ``caps``; ``usable`` None (permissions) or False (anything else) when it does not open."""
    try:
        fd = os.open(device, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        strerror = exc.strerror or str(exc)
        if exc.errno in _DENIED:
            result.update(usable=None, rw=None)
            result["reason"] = "/dev/kvm exists but this user may not open it (%s): KVM is unknown; %s" % (strerror, DENIED_FIX)
        else:
            result["reason"] = "/dev/kvm exists but cannot be opened read-write: %s" % strerror
        return
    try:
        result["caps"] = _ask_caps(fd, wanted, ioctl, warnings)
    finally:
        os.close(fd)
    result.update(usable=True, rw=True)


def _module_reason(required, module):
    """Why KVM is not the kind nova needs on an arch that requires ``required``, given the loaded ``module``."""
    if module == "kvm_pr":
        return (
            "only kvm_pr is loaded: PR-KVM runs guests in problem state (user mode) inside this LPAR, far slower, and is not "
            "the KVM nova's KVM support assumes (%s on a PowerNV host); virt_type kvm only when asked for by name "
            "(nova_compute_arch_overrides: {virt_type: kvm})" % required
        )
    return "%s is not loaded (KVM module: %s); nova's KVM support on this arch needs %s (a PowerNV host)" % (required, module or "none", required)


def probe_kvm(root, warnings, arch=None, ioctl=None):
    """Return the ``kvm`` dict: usable (true/false/null), device, rw, module, nested, reason, caps.

    ``arch`` (canonical) selects the arch table's rules (``kvm_module_required``,
    ``kvm_guest_caps``); ``ioctl`` replaces ``fcntl.ioctl`` (tests).
    """
    info = ARCHES.get(arch) or {}
    wanted = info.get("kvm_guest_caps") or {}
    device = under(root, "/dev/kvm")
    result = {"usable": False, "device": False, "rw": False, "module": None, "nested": None, "reason": None, "caps": {}}
    if os.path.exists(device):
        result["device"] = True
        result["caps"] = {name: None for name, _number in wanted.values()}
        _open_device(device, result, wanted, ioctl or _default_ioctl, warnings)
    else:
        result["reason"] = "/dev/kvm does not exist (KVM module not loaded, no hardware virtualisation, or not passed into this container)"
    listed = list_dir(root, "/sys/module", warnings, "KVM module")
    result["module"], result["nested"] = _module(root, listed or [], result["device"], warnings)
    required = info.get("kvm_module_required")
    if required and result["device"]:
        _check_required(result, required, listed)
    return result


def _check_required(result, required, listed):
    """Apply the arch's ``kvm_module_required`` to ``result``: false without it, null when /sys/module says nothing."""
    if listed is None:
        if result["usable"]:
            result["usable"] = None
            result["reason"] = "/sys/module cannot be listed: whether %s (not kvm_pr) is loaded is unknown; %s" % (required, DENIED_FIX)
        return
    if required not in listed:
        result["usable"] = False
        result["reason"] = _module_reason(required, result["module"])


def accelerates(host_arch, guest_arch, kvm):
    """Whether KVM runs ``guest_arch`` guests on this ``host_arch`` host.

    ``kvm`` is the ``kvm`` dict (or a bare usable boolean, which knows no capability).
    The guest must be one of the host's ``kvm_guests``, KVM usable (true, not null), and
    the capability ``kvm_guest_caps`` names for it, if any, answered yes.
    """
    info = ARCHES.get(host_arch) or {}
    if guest_arch not in info.get("kvm_guests", ()):
        return False
    usable = kvm.get("usable") if isinstance(kvm, dict) else kvm
    if usable is not True:
        return False
    needed = (info.get("kvm_guest_caps") or {}).get(guest_arch)
    if needed is None:
        return True
    caps = kvm.get("caps") if isinstance(kvm, dict) else None
    return isinstance(caps, dict) and caps.get(needed[0]) is True
