# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest capabilities without libvirt: probe ``qemu-system-*`` binaries and read
QEMU firmware descriptors (docs/interop/firmware.json in QEMU).

The guest dicts have the same shape as libvirt_caps.parse_capabilities() after
merge_domain_capabilities(), so callers need not care which source answered.
Only the guest arches of archtable are probed. Runs on target hosts (Python >= 3.9,
standard library only).
"""

import fnmatch
import json
import os
import re

from ansible_collections.multiarch.kolla.plugins.module_utils._files import FileError, read_text
from ansible_collections.multiarch.kolla.plugins.module_utils._probe import find_binary, run_all, under
from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host.kvm import accelerates
from ansible_collections.multiarch.kolla.plugins.module_utils.host.libvirt_caps import guest_arch_key

# QEMU firmware descriptor directories, lowest priority last; a file name in an
# earlier directory hides the same name in a later one (as libvirt and QEMU do).
FIRMWARE_DIRS = ("/etc/qemu/firmware", "/usr/share/qemu/firmware")
PROBE_TIMEOUT = 30

_ALIAS_RE = re.compile(r"\(alias of ([^)\s]+)\)")


def parse_machine_help(text):
    """Parse ``qemu-system-* -machine help``.

    Returns ``{machines: sorted names (the 'none' machine left out, as libvirt
    does), default_machine: the one marked '(default)' or None, canonical_machines:
    {alias: machine}}``.
    """
    machines = set()
    aliases = {}
    default = None
    for line in (text or "").splitlines():
        if not line.strip() or line.rstrip().endswith(":"):
            continue
        parts = line.split(None, 1)
        name = parts[0]
        rest = parts[1] if len(parts) > 1 else ""
        if name == "none":
            continue
        machines.add(name)
        match = _ALIAS_RE.search(rest)
        if match:
            aliases[name] = match.group(1)
        if "(default)" in rest:
            default = name
    return {"machines": sorted(machines), "default_machine": default, "canonical_machines": aliases}


def parse_cpu_help(text):
    """Parse ``qemu-system-* -cpu help`` into a sorted list of CPU model names.

    Handles the indented list of Arm/RISC-V (``  cortex-a57``) and the prefixed
    lines of x86/POWER/s390 (``x86 Skylake-Server ...``, ``PowerPC power9 ...``);
    stops at the blank line before trailing sections such as the CPUID flags.
    """
    models = set()
    for line in (text or "").splitlines():
        if not line.strip():
            if models:
                break
            continue
        if line.rstrip().endswith(":"):
            continue
        tokens = line.split()
        if line[:1].isspace():
            models.add(tokens[0])
        elif len(tokens) >= 2:
            models.add(tokens[1])
    return sorted(models)


def candidate_binaries(guest_arch, host_arch):
    """Emulator names for ``guest_arch`` in the order libvirt tries them."""
    names = ["qemu-system-%s" % guest_arch, ARCHES[guest_arch]["qemu_binary"]]
    # A 64-bit emulator also runs its 32-bit sibling on a host of that arch.
    if guest_arch in ARCHES.get(host_arch, {}).get("kvm_guests", ()) and guest_arch != host_arch:
        names.append(ARCHES[host_arch]["qemu_binary"])
    if guest_arch == host_arch:
        names.append("qemu-kvm")
    result = []
    for name in names:
        if name not in result:
            result.append(name)
    return result


def _descriptor_paths(root, warnings):
    """{file name: path} of the descriptors that count, the first directory of FIRMWARE_DIRS winning."""
    chosen = {}
    for rel in FIRMWARE_DIRS:
        directory = under(root, rel)
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            continue
        except OSError as exc:
            warnings.append("QEMU firmware descriptors: cannot list %s (%s)" % (directory, exc.strerror or exc))
            continue
        for name in names:
            if name.endswith(".json") and name not in chosen:
                chosen[name] = os.path.join(directory, name)
    return chosen


def _parse_descriptor(path, text):
    """One descriptor dict from its JSON text (docs/interop/firmware.json); ValueError, AttributeError or TypeError when malformed."""
    data = json.loads(text)
    mapping = data.get("mapping", {})
    return {
        "path": path,
        "interfaces": [str(i) for i in data.get("interface-types", [])],
        "executable": (mapping.get("executable") or {}).get("filename") or mapping.get("filename"),
        "targets": [(guest_arch_key(t.get("architecture")), [str(m) for m in t.get("machines", [])]) for t in data.get("targets", [])],
        "features": list(data.get("features", [])),
    }


def read_firmware_descriptors(root="/", warnings=None):
    """Return the QEMU firmware descriptors under ``root`` as a list of dicts.

    Each: ``{path, interfaces, executable, targets: [(canonical arch, [machine globs])], features}``,
    ordered by file name as QEMU and libvirt order them. A file that is not JSON
    (or not the expected shape) is skipped with a warning naming it; an empty file
    only hides a lower-priority file of the same name.
    """
    if warnings is None:
        warnings = []
    descriptors = []
    chosen = _descriptor_paths(root, warnings)
    for name in sorted(chosen):
        path = chosen[name]
        try:
            text = read_text(path, "QEMU firmware descriptor")
        except FileError as exc:
            warnings.append("%s; skipped" % exc)
            continue
        if not (text or "").strip():
            continue
        try:
            descriptors.append(_parse_descriptor(path, text))
        except (ValueError, AttributeError, TypeError) as exc:
            warnings.append("QEMU firmware descriptor %s is not a valid JSON firmware description (%s); skipped" % (path, exc))
    return descriptors


def uefi_firmware(descriptors, arch, machines, root="/"):
    """Executables of UEFI descriptors targeting ``arch`` and one of ``machines``.

    Descriptors whose executable file is missing are left out (libvirt skips them
    too). ``machines`` is the list of concrete machine names to match the
    descriptors' globs against.
    """
    found = []
    for desc in descriptors:
        if "uefi" not in desc["interfaces"] or not desc["executable"]:
            continue
        for target_arch, globs in desc["targets"]:
            if target_arch != arch:
                continue
            if not any(fnmatch.fnmatchcase(m, g) for m in machines for g in globs):
                continue
            if not os.path.exists(under(root, desc["executable"])):
                continue
            if desc["executable"] not in found:
                found.append(desc["executable"])
            break
    return found


def firmware_machines(arch, machines, canonical_machines):
    """The concrete machines UEFI availability is judged on: the arch's nova machine type when offered, else all."""
    preferred = ARCHES.get(arch, {}).get("machine_type")
    if preferred and preferred in machines:
        return [canonical_machines.get(preferred, preferred)]
    return list(machines)


def _find_emulators(host_arch, root, path):
    """{guest arch: emulator path} for every archtable arch with a binary, tried in libvirt's order."""
    found = {}
    for arch in ARCHES:
        for name in candidate_binaries(arch, host_arch):
            binary = find_binary(name, root, path)
            if binary:
                found[arch] = binary
                break
    return found


def _guest(arch, binary, answers, accel, warnings):
    """The guest dict of ``arch`` from the (-machine help, -cpu help) answers of its binary; None (with a warning) without machines.

    ``uefi`` and ``firmware`` are left for the caller, which knows the firmware descriptors.
    """
    (rc, out, err), (crc, cout, cerr) = answers
    if rc != 0:
        warnings.append("QEMU probe: '%s -machine help' failed (%s); guest arch %s left out" % (binary, err or "exit %s" % rc, arch))
        return None
    machines = parse_machine_help(out)
    if not machines["machines"]:
        warnings.append("QEMU probe: '%s -machine help' listed no machines; guest arch %s left out" % (binary, arch))
        return None
    if crc != 0:
        warnings.append("QEMU probe: '%s -cpu help' failed (%s); cpu_models of %s unknown" % (binary, cerr or "exit %s" % crc, arch))
    return {
        "accel": accel,
        "domain_types": ["kvm", "qemu"] if accel == "kvm" else ["qemu"],
        "emulator": binary,
        "machines": machines["machines"],
        "default_machine": machines["default_machine"],
        "canonical_machines": machines["canonical_machines"],
        "uefi": None,
        "firmware": [],
        "cpu_models": parse_cpu_help(cout) if crc == 0 else [],
        "cpu_modes": None,
    }


def probe_guests(host_arch, kvm, *, root="/", path=None, warnings=None, timeout=PROBE_TIMEOUT):
    """Return ``{arch: guest}`` for every archtable guest arch with an emulator.

    Emulators are looked up by ``_probe.find_binary`` (``path``, then the usual
    binary directories, under ``root``). Runs ``-machine help`` and ``-cpu help``
    of each distinct binary once, all in parallel. ``accel`` is ``kvm`` for the
    arches KVM accelerates on ``host_arch`` (``kvm.accelerates``: archtable
    ``kvm_guests``, KVM usable, and the guest's ``kvm_guest_caps`` capability such as
    KVM_CAP_ARM_EL1_32BIT for armv7l on aarch64), else ``tcg``. ``kvm`` is the
    ``kvm`` dict of multiarch_host (a bare boolean knows no capability).
    """
    if warnings is None:
        warnings = []
    found = _find_emulators(host_arch, root, path)
    if not found:
        return {}
    real = {arch: os.path.realpath(binary) for arch, binary in found.items()}
    commands = []
    for binary in sorted(set(real.values())):
        commands.append((binary, "-machine", "help"))
        commands.append((binary, "-cpu", "help"))
    results = run_all(commands, timeout)
    descriptors = read_firmware_descriptors(root, warnings)
    guests = {}
    for arch, binary in found.items():
        accel = "kvm" if accelerates(host_arch, arch, kvm) else "tcg"
        answers = (results[(real[arch], "-machine", "help")], results[(real[arch], "-cpu", "help")])
        guest = _guest(arch, binary, answers, accel, warnings)
        if guest is None:
            continue
        guest["firmware"] = uefi_firmware(descriptors, arch, firmware_machines(arch, guest["machines"], guest["canonical_machines"]), root)
        guest["uefi"] = bool(guest["firmware"])
        guests[arch] = guest
    return guests
