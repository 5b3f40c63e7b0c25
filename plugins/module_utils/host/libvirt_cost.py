# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one libvirt exchange cost, and why: the QEMU capability cache libvirt rewrote, /dev/kvm's mode.

libvirt's QEMU driver caches what it probed of each emulator in
/var/cache/libvirt/qemu/capabilities/<hash>.xml and probes again (seconds per binary)
whenever virQEMUCapsIsValid judges an entry stale (libvirt src/qemu/qemu_capabilities.c).
For a host-native emulator one rule is "KVM was enabled when probing, but it is not
available now": the probe runs QEMU with CAP_DAC_OVERRIDE and opens /dev/kvm, while
virQEMUCapsKVMUsable asks whether libvirt's QEMU user (qemu.conf ``user``/``group``)
may read and write /dev/kvm. With /dev/kvm root:root 0600 (no udev rule in a container)
the two disagree on every call, and every call re-probes (docs/multiarch_host.md has
the numbers). Runs on target hosts (Python >= 3.9, standard library only).
"""

import grp
import os
import pwd
import re
import stat

from ansible_collections.multiarch.kolla.plugins.module_utils._probe import under

CACHE_DIR = "/var/cache/libvirt/qemu/capabilities"
_EMULATOR = re.compile(r"<emulator>([^<]+)</emulator>")


def cache_stamps(root):
    """{file name: mtime in ns} of libvirt's QEMU capability cache under ``root`` ({} when it cannot be listed)."""
    directory = under(root, CACHE_DIR)
    stamps = {}
    try:
        names = os.listdir(directory)
    except OSError:
        return stamps
    for name in names:
        if not name.endswith(".xml"):
            continue
        try:
            stamps[name] = os.stat(os.path.join(directory, name)).st_mtime_ns
        except OSError:
            continue
    return stamps


def _emulator_of(path):
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024).decode("utf-8", "replace")
    except OSError:
        return None
    match = _EMULATOR.search(head)
    return match.group(1).strip() if match else None


def rewritten(root, before):
    """The emulators (or cache file names) whose cache entry changed since ``before`` (cache_stamps), sorted."""
    after = cache_stamps(root)
    directory = under(root, CACHE_DIR)
    changed = []
    for name, stamp in after.items():
        if before.get(name) == stamp:
            continue
        changed.append(_emulator_of(os.path.join(directory, name)) or os.path.join(CACHE_DIR, name))
    return sorted(set(changed))


def _owner(uid, gid):
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    return "%s:%s" % (user, group)


def dev_kvm_hint(root):
    """A sentence on /dev/kvm when neither its group nor others may read and write it (else "")."""
    try:
        st = os.stat(under(root, "/dev/kvm"))
    except OSError:
        return ""
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o060 == 0o060 or mode & 0o006 == 0o006:
        return ""
    return (
        "; libvirt judges the cache of a host-native emulator stale on every call while its QEMU user may not open /dev/kvm, "
        "and here /dev/kvm is %s %04o: give it the kvm group and mode 0660 (as the udev rule of systemd does), with "
        "libvirt's QEMU user in that group" % (_owner(st.st_uid, st.st_gid), mode)
    )


def _seconds(value):
    return "%g s" % value


def cost_warning(uri, seconds, reprobed, root, *, slow, timeout):
    """The warning for one libvirt exchange that took ``seconds`` and rewrote ``reprobed``; None when it was cheap."""
    bound = "bound the cost with libvirt_timeout (now %s) or use_libvirt: false" % (_seconds(timeout) if timeout else "no limit")
    if reprobed:
        return "libvirt at %s answered in %.1f s and re-probed QEMU during this call (rewrote its cached capabilities of %s in %s)%s; %s" % (
            uri, seconds, ", ".join(reprobed), CACHE_DIR, dev_kvm_hint(root), bound,
        )  # fmt: skip
    if seconds >= slow:
        return "libvirt at %s answered in %.1f s; %s" % (uri, seconds, bound)
    return None


def timeout_warning(uri, timeout, reprobed, root):
    """The warning when libvirt did not answer within ``timeout`` seconds."""
    meanwhile = ""
    if reprobed:
        meanwhile = "; meanwhile libvirt re-probed QEMU (rewrote its cached capabilities of %s in %s)%s" % (", ".join(reprobed), CACHE_DIR, dev_kvm_hint(root))
    return (
        "libvirt: no answer from %s within %s (libvirt_timeout); guests come from probing QEMU binaries instead%s; "
        "raise libvirt_timeout (0: no limit) to wait for libvirt's answer" % (uri, _seconds(timeout), meanwhile)
    )
