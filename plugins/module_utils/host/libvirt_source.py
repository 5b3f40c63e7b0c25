# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask a libvirt daemon for the guests a host runs: one connection, host and domain capabilities, bounded in time.

libvirt's calls cannot be given a timeout of their own, and libvirt 9.0 may re-probe
every QEMU binary inside one getCapabilities call (docs/multiarch_host.md). ``bounded``
runs the exchange in a daemon thread and stops waiting after ``timeout`` seconds; the
caller then probes the QEMU binaries itself. Runs on target hosts (Python >= 3.9,
standard library only; libvirt-python is used when importable).
"""

import math
import threading
import time

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host import libvirt_caps

DEFAULT_URI = "qemu:///system"
# Seconds host_arch_info waits for libvirt (option libvirt_timeout); 0 waits as long as libvirt takes.
DEFAULT_TIMEOUT = 20


def import_libvirt():
    """Return the libvirt module, or None when libvirt-python is not importable."""
    try:
        import libvirt  # noqa: PLC0415  pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return libvirt


def _quiet_libvirt(libvirt):
    # libvirt prints every error to stderr by default; errors reach us as exceptions.
    try:
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    except Exception:  # pylint: disable=broad-except
        pass


def _domcaps_machine(arch, guest):
    preferred = ARCHES.get(arch, {}).get("machine_type")
    if preferred and preferred in guest["machines"]:
        return preferred
    return None


def _connect(libvirt, uri, warnings):
    """(connection, read_only): read-write first, read-only second; (None, False) with a warning when both are refused."""
    try:
        return libvirt.open(uri), False
    except libvirt.libvirtError as exc:
        first_error = str(exc).strip()
    try:
        conn = libvirt.openReadOnly(uri)
    except libvirt.libvirtError:
        warnings.append("libvirt: cannot connect to %s (%s); falling back to probing QEMU binaries" % (uri, first_error))
        return None, False
    warnings.append(
        "libvirt: read-write connection to %s refused (%s); connected read-only, so UEFI firmware and CPU models "
        "(domain capabilities) are unknown: run with become or as a member of the libvirt group" % (uri, first_error)
    )
    return conn, True


def _capabilities(libvirt, conn, uri, warnings):
    """Parsed host capabilities, None with a warning when libvirt fails or answers garbage."""
    try:
        return libvirt_caps.parse_capabilities(conn.getCapabilities())
    except libvirt.libvirtError as exc:
        warnings.append("libvirt: getCapabilities on %s failed (%s); falling back to probing QEMU binaries" % (uri, str(exc).strip()))
    except ValueError as exc:
        warnings.append("libvirt: capabilities from %s are unusable (%s); falling back to probing QEMU binaries" % (uri, exc))
    return None


def _domain_capabilities(libvirt, conn, guests, warnings):
    """Domain capabilities of every guest (its accelerated domain, the arch's nova machine type when offered)."""
    domcaps = []
    for arch in sorted(guests):
        guest = guests[arch]
        virt_type = "kvm" if guest["accel"] == "kvm" else "qemu"
        machine = _domcaps_machine(arch, guest)
        try:
            item = libvirt_caps.parse_domain_capabilities(conn.getDomainCapabilities(guest["emulator"], arch, machine, virt_type, 0))
        except libvirt.libvirtError as exc:
            warnings.append(
                "libvirt: getDomainCapabilities for %s (%s, machine %s) failed (%s): its UEFI firmware and CPU models are unknown"
                % (arch, virt_type, machine or "default", str(exc).strip())
            )
            continue
        except ValueError as exc:
            warnings.append("libvirt: domain capabilities for %s are unusable (%s): its UEFI firmware and CPU models are unknown" % (arch, exc))
            continue
        item["arch"] = arch  # fold into the guest we asked about, whatever libvirt calls it
        domcaps.append(item)
    return domcaps


def libvirt_guests(libvirt, uri, warnings):
    """Ask the libvirt daemon at ``uri``; return (parsed capabilities or None, guests or None).

    One connection: read-write, so that getDomainCapabilities (firmware, CPU
    models) is allowed; when only a read-only connection is granted the guests come
    without firmware details (uefi None) and a warning says so.
    """
    _quiet_libvirt(libvirt)
    conn, read_only = _connect(libvirt, uri, warnings)
    if conn is None:
        return None, None
    try:
        caps = _capabilities(libvirt, conn, uri, warnings)
        if caps is None:
            return None, None
        if read_only:
            return caps, caps["guests"]
        return caps, libvirt_caps.merge_domain_capabilities(caps["guests"], _domain_capabilities(libvirt, conn, caps["guests"], warnings))
    finally:
        try:
            conn.close()
        except Exception:  # pylint: disable=broad-except
            pass


def bounded(call, timeout):
    """Run ``call()`` for at most ``timeout`` seconds (0 or None: no limit); return (finished, value, seconds).

    The call runs in a daemon thread: when it does not finish in time it is left
    behind (the module process exits soon after) and ``value`` is None. An exception
    it raised is raised here.
    """
    box = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as exc:  # pylint: disable=broad-except
            box["error"] = exc  # raised again in the caller's thread

    start = time.monotonic()
    thread = threading.Thread(target=run, name="multiarch-kolla-libvirt", daemon=True)
    thread.start()
    thread.join(timeout or None)
    seconds = time.monotonic() - start
    if thread.is_alive():
        return False, None, seconds
    if "error" in box:
        raise box["error"]
    return True, box.get("value"), seconds


def check_timeout(value):
    """``value`` as seconds (float >= 0); ValueError naming libvirt_timeout otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError("libvirt_timeout=%r: give the seconds to wait for libvirt, a number >= 0 (0: as long as libvirt takes)" % (value,))
    return float(value)
