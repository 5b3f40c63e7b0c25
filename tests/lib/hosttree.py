"""Host trees for the host_arch_info tests: fake QEMU binaries, firmware descriptors, /proc and /sys.

Every probe reads under a root, so a test builds the host it needs in a temporary
directory: binaries in <root>/usr/bin (found by _probe.find_binary under the root),
descriptors in <root>/usr/share/qemu/firmware, kernel files in <root>/proc and <root>/sys.
"""

from __future__ import annotations

import json
import os
import stat

from conftest import fixture_file

# Output format of QEMU 7.2 (Debian 12); abbreviated.
X86_MACHINES = """Supported machines are:
microvm              microvm (i386)
pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)
pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)
pc-i440fx-7.1        Standard PC (i440FX + PIIX, 1996)
q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)
pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)
isapc                ISA-only PC
none                 empty machine
"""
ARM_MACHINES = """Supported machines are:
akita                Sharp SL-C1000 (Akita) PDA (PXA270)
virt-7.2             QEMU 7.2 ARM Virtual Machine
virt                 QEMU 7.2 ARM Virtual Machine (alias of virt-7.2)
virt-7.1             QEMU 7.1 ARM Virtual Machine
none                 empty machine
"""
PPC_MACHINES = """Supported machines are:
40p                  IBM RS/6000 7020 (40p)
powernv              IBM PowerNV (Non-Virtualized) POWER9 (alias of powernv9)
powernv9             IBM PowerNV (Non-Virtualized) POWER9
pseries              pSeries Logical Partition (PAPR compliant) (alias of pseries-7.2)
pseries-7.2          pSeries Logical Partition (PAPR compliant) (default)
none                 empty machine
"""
X86_CPUS = """Available CPUs:
x86 486                   (alias configured by machine type)
x86 486-v1
x86 Skylake-Client        (alias configured by machine type)
x86 max                   Enables all features supported by the accelerator in the current host

Recognized CPUID flags:
  3dnow 3dnowext 3dnowprefetch abm ace2 ace2-en acpi adx aes amd-no-ssb
"""
ARM_CPUS = """Available CPUs:
  a64fx
  cortex-a57
  cortex-a72
  max
"""
PPC_CPUS = """PowerPC 603              PVR 00030100
PowerPC power9_v2.0      PVR 004e1200
PowerPC power9           (alias for power9_v2.2)
PowerPC host
"""


def fake_qemu(bindir, name, machines, cpus, rc=0):
    """A shell script answering -machine help / -cpu help like a QEMU binary."""
    bindir.mkdir(parents=True, exist_ok=True)
    (bindir / f"{name}.machines").write_text(machines)
    (bindir / f"{name}.cpus").write_text(cpus)
    script = bindir / name
    script.write_text(f'#!/bin/sh\nif [ "$1" = -machine ]; then /bin/cat "{bindir}/{name}.machines"; else /bin/cat "{bindir}/{name}.cpus"; fi\nexit {rc}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def descriptor(root, name, arch, machines, executable, *, interfaces=("uefi",), create_executable=True):
    path = root / "usr/share/qemu/firmware" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "interface-types": list(interfaces),
                "mapping": {"device": "flash", "executable": {"filename": executable, "format": "raw"}},
                "targets": [{"architecture": arch, "machines": list(machines)}],
                "features": [],
            }
        )
    )
    if create_executable:
        exe = root / executable.lstrip("/")
        exe.parent.mkdir(parents=True, exist_ok=True)
        exe.write_bytes(b"\0")
    return path


def lab(tmp_path):
    """(bindir, root): a root with the x86_64, aarch64 and ppc64 emulators in <root>/usr/bin and their firmware descriptors."""
    root = tmp_path / "root"
    bindir = root / "usr" / "bin"
    root.mkdir()
    fake_qemu(bindir, "qemu-system-x86_64", X86_MACHINES, X86_CPUS)
    fake_qemu(bindir, "qemu-system-aarch64", ARM_MACHINES, ARM_CPUS)
    fake_qemu(bindir, "qemu-system-ppc64", PPC_MACHINES, PPC_CPUS)
    os.symlink("qemu-system-ppc64", bindir / "qemu-system-ppc64le")
    descriptor(root, "60-edk2-x86_64.json", "x86_64", ["pc-i440fx-*", "pc-q35-*"], "/usr/share/OVMF/OVMF_CODE_4M.fd")
    descriptor(root, "50-edk2-x86_64-secure.json", "x86_64", ["pc-q35-*"], "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd")
    descriptor(root, "60-edk2-aarch64.json", "aarch64", ["virt-*"], "/usr/share/AAVMF/AAVMF_CODE.fd")
    # Debian ships this descriptor without its executable: not usable, libvirt skips it too.
    descriptor(root, "50-edk2-aarch64-secure.json", "aarch64", ["virt-*"], "/usr/share/AAVMF/AAVMF_CODE.secboot.fd", create_executable=False)
    descriptor(root, "30-seabios.json", "x86_64", ["pc-*"], "/usr/share/seabios/bios.bin", interfaces=("bios",))
    return bindir, root


def write(root, rel, text=""):
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def host_tree(root, cpuinfo="cpuinfo/cpuinfo_x86_64_intel_i7-1165G7_8cpu.txt", kvm=True, module="kvm_intel", nested="Y"):
    if cpuinfo is not None:
        write(root, "/proc/cpuinfo", fixture_file(*cpuinfo.split("/")).read_text())
    if kvm:
        write(root, "/dev/kvm")
    if module:
        write(root, f"/sys/module/{module}/initstate", "live\n")
        if nested is not None:
            write(root, f"/sys/module/{module}/parameters/nested", nested + "\n")
    write(root, "/sys/module/kvm/initstate", "live\n")
    write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt quiet vfio-pci.ids=10de:1c03\n")
    for group in range(15):
        (root / f"sys/kernel/iommu_groups/{group}/devices").mkdir(parents=True)
    (root / "sys/class/iommu/dmar0").mkdir(parents=True)
    write(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n")
    write(root, "/proc/1/comm", "systemd\n")
    return root


def deny_dev_kvm(monkeypatch, os_module, code=None, strerror="Permission denied"):
    """Make ``os_module.open`` refuse /dev/kvm (any root) with ``code`` (EACCES by default); every other path opens as usual."""
    import errno  # noqa: PLC0415

    code = errno.EACCES if code is None else code
    real_open = os_module.open

    def refuse(path, flags, *args, **kwargs):
        if str(path).endswith("/dev/kvm"):
            raise OSError(code, strerror, path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os_module, "open", refuse)
