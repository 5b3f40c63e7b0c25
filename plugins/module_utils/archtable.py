# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of per-architecture facts used by every module, filter and role.

Runs on target hosts too (Python >= 3.9, standard library only). Anything that
depends on the CPU architecture is looked up here, never spelled out in a
``when:`` clause or a second table. Sources of each fact are in docs/architectures.md.
"""

import copy

# CPU model families as libvirt's cpu_map and QEMU name them, oldest to newest (see
# cpu_model_families below). Variants (-IBRS, -noTSX, -vN) rank with their family.
_X86_CPU_FAMILIES = (
    "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "athlon",
    "qemu32", "kvm32", "qemu64", "kvm64", "cpu64-rhel5", "cpu64-rhel6", "phenom",
    "Opteron_G1", "Opteron_G2", "core2duo", "Conroe", "Penryn", "Opteron_G3", "Nehalem",
    "Westmere", "Opteron_G4", "SandyBridge", "Opteron_G5", "IvyBridge", "Denverton",
    "Snowridge", "Haswell", "Broadwell", "Skylake-Client", "EPYC", "Dhyana", "EPYC-Rome",
    "EPYC-Milan", "SierraForest", "ClearwaterForest", "Skylake-Server", "Cascadelake-Server",
    "Icelake-Client", "Icelake-Server", "Cooperlake", "EPYC-Genoa", "SapphireRapids",
    "GraniteRapids", "EPYC-Turin", "DiamondRapids",
)
_ARM64_CPU_FAMILIES = (
    "cortex-a35", "cortex-a53", "cortex-a55", "cortex-a57", "cortex-a72", "cortex-a76",
    "neoverse-n1", "a64fx", "neoverse-v1", "cortex-a710", "neoverse-n2",
)
_POWER_CPU_FAMILIES = ("POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWER11")

# Keys of each entry:
#   aliases            other spellings normalised to this canonical name
#   qemu_binary        qemu-system-* binary that emulates this arch
#   machine_type       nova hw_machine_type for guests of this arch (None: leave nova's default)
#   kvm_cpu_mode       nova [libvirt] cpu_mode on a KVM host of this arch
#   host_model         whether libvirt offers cpu_mode host-model on this arch
#   uefi               'required' | 'optional' | 'none' (boot firmware for guests of this arch)
#   max_pcie_ports     upper bound for nova [libvirt] num_pcie_ports (None: nova's own limit)
#   firmware_packages  per OS family, packages with this arch's guest firmware
#   emulator_packages  per OS family, packages that install this arch's qemu-system binary on a host of
#                      any arch (what emulating the arch takes); [] where the family ships none: EL's
#                      qemu-kvm is built for the host's own target only (qemu-kvm.spec of RHEL 9:
#                      target_list = %{kvm_target}-softmmu), and no EL repository has qemu-system-<arch>
#   native_emulator_packages per OS family, packages that install the emulator of a host of this arch for
#                      its own guests (EL: qemu-kvm, /usr/libexec/qemu-kvm; built for x86_64, aarch64 and
#                      s390x, tools only on ppc64le: qemu-kvm.spec of RHEL 9, %ifarch %{power64} tools_only)
#   kolla_tag_suffix   tag suffix of upstream Kolla images for this arch (None: none published)
#   oci_platform       (architecture, variant) of this arch in OCI image indexes and image configs
#                      (Go's GOARCH names; variant None where none is used)
#   kvm_guests         guest arches KVM accelerates on a host of this arch (libvirt's
#                      virQEMUCapsGuestIsNative: i686 on x86_64, armv7l on aarch64, ppc64 <-> ppc64le)
#   kvm_guest_caps     {guest arch: (KVM capability, number)}: a native guest KVM runs only where
#                      KVM_CHECK_EXTENSION on /dev/kvm answers the capability (Linux include/uapi/linux/kvm.h).
#                      armv7l on aarch64 needs KVM_CAP_ARM_EL1_32BIT (93): many Arm server cores have no
#                      AArch32 at EL1 (arch/arm64/kvm/arm.c answers it from ARM64_HAS_32BIT_EL1)
#   kvm_module_required the KVM module nova's KVM support needs on a host of this arch (None: any):
#                      kvm_hv on POWER (a PowerNV host, guests in hypervisor mode); kvm_pr runs guests in
#                      problem state inside an LPAR (Linux arch/powerpc/kvm/book3s_pr.c), far slower
#   tcg_cpu_models     nova cpu_models preference under TCG (virt_type qemu), first one the
#                      emulator lists wins; named models, 'max' only where nova does not check names
#   tcg_cpu_modes      nova cpu_mode values libvirt accepts for a TCG guest of this arch on a host
#                      of this arch (domain capabilities, qemu domain)
#   tcg_slowdown       factor by which a guest of this arch runs slower under TCG (emulated, virt_type
#                      qemu or a foreign arch) than under KVM on its own hardware; it scales the guest-bound
#                      nova timeouts (plugin_utils/nova/timeouts.py). x86_64, aarch64 and ppc64le are
#                      measured by tests/bench/bench_tcg_slowdown.py (how, on what and the runs' figures:
#                      docs/architectures.md, the tcg_slowdown row); the other arches keep the planning
#                      figure 10. The operator's factor (nova_compute_arch_tcg_slowdown) replaces any of them
#   compat_cpu_models  named models a KVM host of this arch accepts with cpu_mode custom as
#                      compatibility modes (POWER), checked when the emulator's list is unknown
#   cpu_model_families named CPU model families, oldest to newest: "newest" in nova_cpu_baseline
#   pcie_root_ports    whether nova adds [libvirt] num_pcie_ports root ports on a host of this arch
#                      (nova: x86_64 hosts with q35 guests, aarch64 hosts with virt guests)
#   default_pcie_ports num_pcie_ports written for a host of this arch (None: leave nova's 0)
#   image_properties   glance properties guests of this arch need besides hw_architecture,
#                      hw_machine_type and hw_firmware_type (from uefi)
#   nova_arch          nova knows the name (nova.objects.fields.Architecture; nova 34 lacks riscv64)
#   cpuinfo_format     layout of /proc/cpuinfo on a kernel of this arch, one per kernel show_cpuinfo():
#                      x86 (arch/x86/kernel/cpu/proc.c: vendor_id, model name, flags), arm
#                      (arch/arm64/kernel/cpuinfo.c, arch/arm/kernel/setup.c: CPU implementer, CPU part),
#                      power (arch/powerpc/kernel/setup-common.c: cpu, revision (pvr ...), platform, machine),
#                      s390 (arch/s390/kernel/processor.c: vendor_id, "processor N: ... machine = ..."),
#                      riscv (arch/riscv/kernel/cpu.c: isa, uarch, mvendorid, marchid, mimpid)
#   iommu_kind         the IOMMU every host of this arch has when it has IOMMU groups but no
#                      /sys/class/iommu entry names the hardware: "power" for the POWER TCE IOMMU
#                      (arch/powerpc/kernel/iommu.c), None elsewhere
#   iommu_kernel_args  kernel arguments that turn the IOMMU on for device assignment, by CPU vendor
#                      (/proc/cpuinfo vendor_id; "*": every vendor), vendor's first. Linux
#                      Documentation/admin-guide/kernel-parameters.txt: x86 intel_iommu=on (off unless
#                      CONFIG_INTEL_IOMMU_DEFAULT_ON), iommu=pt (identity map for host DMA); the AMD IOMMU is on
#                      by default and amd_iommu= has no "on" value. {} where the IOMMU needs no argument:
#                      the Arm SMMU (drivers/iommu/arm/arm-smmu-v3) and the POWER TCE IOMMU are always on
#   vfio_iommu_module  the VFIO IOMMU backend module for this arch (Linux drivers/vfio/Kconfig):
#                      vfio_iommu_type1 (x86, Arm, s390, RISC-V), vfio_iommu_spapr_tce (POWER, sPAPR TCE)
#   elf_machine        (e_machine, byte order) of this arch's ELF binaries (kernels, boot loaders): the EM_*
#                      number of Linux include/uapi/linux/elf-em.h, and "little"/"big" where one number serves two
#                      arches (EM_PPC64 for ppc64le and ppc64), None where any order is this arch
#   pe_machine         the PE/COFF Machine of this arch's EFI binaries (Microsoft PE Format, "Machine Types";
#                      UEFI 2.10 section 2.1.1), None where no EFI binary exists for it
#   boot_firmware_file the firmware file QEMU loads by itself for this arch's machine type, without a firmware
#                      descriptor (None: none, or found through /usr/share/qemu/firmware descriptors): pseries boots
#                      SLOF, which Debian's qemu-system-ppc ships as /usr/share/qemu/slof.bin (checked inside the
#                      emulation-ready nova-libvirt image, nova/libvirt_image.py)
#   nova_cdrom_bus     the CD-ROM bus nova gives a guest of this arch (nova 34 blockinfo.get_disk_bus_for_device_type: scsi
#                      for PPC, S390 and AARCH64; None: by machine type, sata on q35, else ide). nova reads the arch from
#                      hw_architecture, which an emulated image sets to the host's arch, so emulated images name the bus
#   guest_boot         how a Debian guest disk of this arch boots (roles/guest_images; None: no guest image is built):
#                      deb_arch (Debian's name, diskimage-builder's -a), console (the serial console of the machine
#                      nova gives it: the PC's 8250 ttyS0, QEMU virt's PL011 ttyAMA0, pseries' hypervisor terminal
#                      hvc0), graphics_console (the machine has a display, so the kernel also gets console=tty0 ahead of
#                      the serial one: q35 and virt do, pseries' guests print to hvc0 only), kernel (Debian's kernel
#                      file: vmlinuz, the vmlinux ELF on ppc64el), grub_format
#                      (grub-mkimage -O), grub_package (Debian's package with that format's modules), efi_file
#                      (the UEFI removable-media path's file name, \EFI\BOOT\<efi_file>; None: the disk boots from a
#                      PReP partition, as SLOF does), dib_block_device (diskimage-builder's block-device-<name> element),
#                      config_drive_modules (the CD-ROM drivers of nova's config drive, loaded by the image's initramfs
#                      so that the drive exists when cloud-init's ds-identify, a systemd generator that runs before udev
#                      loads any module, looks for a datasource: an x86_64 guest has DMI, and ds-identify turns cloud-init
#                      off when it sees none then. nova's x86_64 CD-ROM is SATA on q35 (ahci), IDE on pc (ata_piix), both
#                      ending in sr_mod. Seen on the x86_64 image: no cloud-init without them, DataSourceConfigDrive with
#                      them; aarch64 and ppc64le read their drive without any)
#   The nova fields above are empty (or None/False) for arches outside SUPPORTED_HOST_ARCHES.
ARCHES = {
    "x86_64": {
        "aliases": ("amd64", "x86-64", "x64", "em64t", "intel64"),
        "qemu_binary": "qemu-system-x86_64",
        "machine_type": "q35",
        "kvm_cpu_mode": "host-model",
        "host_model": True,
        "uefi": "optional",
        "max_pcie_ports": 28,
        "firmware_packages": {"Debian": ["ovmf"], "RedHat": ["edk2-ovmf"]},
        "emulator_packages": {"Debian": ["qemu-system-x86"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-x86"], "RedHat": ["qemu-kvm"]},
        "kolla_tag_suffix": "",
        "oci_platform": ("amd64", None),
        "kvm_guests": ("x86_64", "i686"),
        "kvm_guest_caps": {},
        "kvm_module_required": None,
        "tcg_cpu_models": ("Nehalem", "qemu64"),
        "tcg_cpu_modes": ("custom", "host-model", "none"),
        "tcg_slowdown": 10,
        "compat_cpu_models": (),
        "cpu_model_families": _X86_CPU_FAMILIES,
        "pcie_root_ports": True,
        "default_pcie_ports": 16,
        "image_properties": {},
        "nova_arch": True,
        "cpuinfo_format": "x86",
        "iommu_kind": None,
        "iommu_kernel_args": {"*": ("iommu=pt",), "GenuineIntel": ("intel_iommu=on",)},
        "vfio_iommu_module": "vfio_iommu_type1",
        "elf_machine": (62, None),
        "pe_machine": 0x8664,
        "nova_cdrom_bus": None,
        "boot_firmware_file": None,
        "guest_boot": {"deb_arch": "amd64", "console": "ttyS0", "graphics_console": True, "kernel": "vmlinuz", "grub_format": "x86_64-efi",
                       "grub_package": "grub-efi-amd64-bin", "efi_file": "BOOTX64.EFI", "dib_block_device": "efi",
                       "config_drive_modules": ("ahci", "ata_piix", "sr_mod")},
    },
    "aarch64": {
        "aliases": ("arm64", "armv8", "arm64-v8a", "aarch64le"),
        "qemu_binary": "qemu-system-aarch64",
        "machine_type": "virt",
        "kvm_cpu_mode": "host-passthrough",
        "host_model": False,
        "uefi": "required",
        "max_pcie_ports": 28,
        "firmware_packages": {"Debian": ["qemu-efi-aarch64"], "RedHat": ["edk2-aarch64"]},
        "emulator_packages": {"Debian": ["qemu-system-arm"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-arm"], "RedHat": ["qemu-kvm"]},
        "kolla_tag_suffix": "-aarch64",
        "oci_platform": ("arm64", None),
        "kvm_guests": ("aarch64", "armv7l"),
        "kvm_guest_caps": {"armv7l": ("KVM_CAP_ARM_EL1_32BIT", 93)},
        "kvm_module_required": None,
        "tcg_cpu_models": ("cortex-a72", "cortex-a57", "max"),
        "tcg_cpu_modes": ("custom", "none"),
        "tcg_slowdown": 13,
        "compat_cpu_models": (),
        "cpu_model_families": _ARM64_CPU_FAMILIES,
        "pcie_root_ports": True,
        "default_pcie_ports": 16,
        "image_properties": {"hw_video_model": "virtio", "hw_disk_bus": "scsi", "hw_scsi_model": "virtio-scsi"},
        "nova_arch": True,
        "cpuinfo_format": "arm",
        "iommu_kind": None,
        "iommu_kernel_args": {},
        "vfio_iommu_module": "vfio_iommu_type1",
        "elf_machine": (183, None),
        "pe_machine": 0xAA64,
        "nova_cdrom_bus": "scsi",
        "boot_firmware_file": None,
        "guest_boot": {"deb_arch": "arm64", "console": "ttyAMA0", "graphics_console": True, "kernel": "vmlinuz", "grub_format": "arm64-efi",
                       "grub_package": "grub-efi-arm64-bin", "efi_file": "BOOTAA64.EFI", "dib_block_device": "efi",
                       "config_drive_modules": ()},
    },
    "ppc64le": {
        "aliases": ("ppc64el", "powerpc64le", "ppc64_le", "ppc64-le"),
        "qemu_binary": "qemu-system-ppc64",
        "machine_type": "pseries",
        "kvm_cpu_mode": "host-model",
        "host_model": True,
        "uefi": "none",
        "max_pcie_ports": None,
        "firmware_packages": {"Debian": [], "RedHat": []},
        "emulator_packages": {"Debian": ["qemu-system-ppc"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-ppc"], "RedHat": []},
        "kolla_tag_suffix": None,
        "oci_platform": ("ppc64le", None),
        "kvm_guests": ("ppc64le", "ppc64"),
        "kvm_guest_caps": {},
        "kvm_module_required": "kvm_hv",
        "tcg_cpu_models": ("POWER9", "POWER8"),
        "tcg_cpu_modes": ("custom", "none"),
        "tcg_slowdown": 16,
        "compat_cpu_models": ("POWER7", "POWER8", "POWER9", "POWER10"),
        "cpu_model_families": _POWER_CPU_FAMILIES,
        "pcie_root_ports": False,
        "default_pcie_ports": None,
        "image_properties": {},
        "nova_arch": True,
        "cpuinfo_format": "power",
        "iommu_kind": "power",
        "iommu_kernel_args": {},
        "vfio_iommu_module": "vfio_iommu_spapr_tce",
        "elf_machine": (21, "little"),
        "pe_machine": None,
        "nova_cdrom_bus": "scsi",
        "boot_firmware_file": "/usr/share/qemu/slof.bin",
        "guest_boot": {"deb_arch": "ppc64el", "console": "hvc0", "graphics_console": False, "kernel": "vmlinux", "grub_format": "powerpc-ieee1275",
                       "grub_package": "grub-ieee1275-bin", "efi_file": None, "dib_block_device": "gpt",
                       "config_drive_modules": ()},
    },
    "ppc64": {
        "aliases": ("powerpc64", "ppc64be", "ppc64_be"),
        "qemu_binary": "qemu-system-ppc64",
        "machine_type": "pseries",
        "kvm_cpu_mode": "host-model",
        "host_model": True,
        "uefi": "none",
        "max_pcie_ports": None,
        "firmware_packages": {"Debian": [], "RedHat": []},
        "emulator_packages": {"Debian": ["qemu-system-ppc"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-ppc"], "RedHat": []},
        "kolla_tag_suffix": None,
        "oci_platform": ("ppc64", None),
        "kvm_guests": ("ppc64", "ppc64le"),
        "kvm_guest_caps": {},
        "kvm_module_required": "kvm_hv",
        "tcg_cpu_models": ("POWER9", "POWER8"),
        "tcg_cpu_modes": ("custom", "none"),
        "tcg_slowdown": 10,
        "compat_cpu_models": ("POWER7", "POWER8", "POWER9", "POWER10"),
        "cpu_model_families": _POWER_CPU_FAMILIES,
        "pcie_root_ports": False,
        "default_pcie_ports": None,
        "image_properties": {},
        "nova_arch": True,
        "cpuinfo_format": "power",
        "iommu_kind": "power",
        "iommu_kernel_args": {},
        "vfio_iommu_module": "vfio_iommu_spapr_tce",
        "elf_machine": (21, "big"),
        "pe_machine": None,
        "nova_cdrom_bus": "scsi",
        "boot_firmware_file": "/usr/share/qemu/slof.bin",
        "guest_boot": None,
    },
    "s390x": {
        "aliases": ("s390x64", "systemz"),
        "qemu_binary": "qemu-system-s390x",
        "machine_type": "s390-ccw-virtio",
        "kvm_cpu_mode": "host-model",
        "host_model": True,
        "uefi": "none",
        "max_pcie_ports": None,
        "firmware_packages": {"Debian": [], "RedHat": []},
        "emulator_packages": {"Debian": ["qemu-system-misc"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-misc"], "RedHat": ["qemu-kvm"]},
        "kolla_tag_suffix": None,
        "oci_platform": ("s390x", None),
        "kvm_guests": ("s390x",),
        "kvm_guest_caps": {},
        "kvm_module_required": None,
        "tcg_cpu_models": (),
        "tcg_cpu_modes": (),
        "tcg_slowdown": 10,
        "compat_cpu_models": (),
        "cpu_model_families": (),
        "pcie_root_ports": False,
        "default_pcie_ports": None,
        "image_properties": {"hw_video_model": "virtio"},
        "nova_arch": True,
        "cpuinfo_format": "s390",
        "iommu_kind": None,
        "iommu_kernel_args": {},
        "vfio_iommu_module": "vfio_iommu_type1",
        "elf_machine": (22, None),
        "pe_machine": None,
        "nova_cdrom_bus": "scsi",
        "boot_firmware_file": None,
        "guest_boot": None,
    },
    "riscv64": {
        "aliases": ("riscv", "rv64", "riscv64gc"),
        "qemu_binary": "qemu-system-riscv64",
        "machine_type": "virt",
        "kvm_cpu_mode": "host-passthrough",
        "host_model": False,
        "uefi": "optional",
        "max_pcie_ports": None,
        "firmware_packages": {"Debian": ["qemu-efi-riscv64"], "RedHat": ["edk2-riscv64"]},
        "emulator_packages": {"Debian": ["qemu-system-misc"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-misc"], "RedHat": []},
        "kolla_tag_suffix": None,
        "oci_platform": ("riscv64", None),
        "kvm_guests": ("riscv64",),
        "kvm_guest_caps": {},
        "kvm_module_required": None,
        "tcg_cpu_models": (),
        "tcg_cpu_modes": (),
        "tcg_slowdown": 10,
        "compat_cpu_models": (),
        "cpu_model_families": (),
        "pcie_root_ports": False,
        "default_pcie_ports": None,
        "image_properties": {},
        "nova_arch": False,
        "cpuinfo_format": "riscv",
        "iommu_kind": None,
        "iommu_kernel_args": {},
        "vfio_iommu_module": "vfio_iommu_type1",
        "elf_machine": (243, None),
        "pe_machine": 0x5064,
        "nova_cdrom_bus": None,
        "boot_firmware_file": None,
        "guest_boot": None,
    },
    "i686": {
        "aliases": ("i386", "i486", "i586", "x86", "ia32"),
        "qemu_binary": "qemu-system-i386",
        "machine_type": "q35",
        "kvm_cpu_mode": "host-model",
        "host_model": True,
        "uefi": "optional",
        "max_pcie_ports": 28,
        "firmware_packages": {"Debian": ["ovmf-ia32"], "RedHat": []},
        "emulator_packages": {"Debian": ["qemu-system-x86"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-x86"], "RedHat": []},
        "kolla_tag_suffix": None,
        "oci_platform": ("386", None),
        "kvm_guests": ("i686",),
        "kvm_guest_caps": {},
        "kvm_module_required": None,
        "tcg_cpu_models": (),
        "tcg_cpu_modes": (),
        "tcg_slowdown": 10,
        "compat_cpu_models": (),
        "cpu_model_families": (),
        "pcie_root_ports": False,
        "default_pcie_ports": None,
        "image_properties": {},
        "nova_arch": True,
        "cpuinfo_format": "x86",
        "iommu_kind": None,
        "iommu_kernel_args": {"*": ("iommu=pt",), "GenuineIntel": ("intel_iommu=on",)},
        "vfio_iommu_module": "vfio_iommu_type1",
        "elf_machine": (3, None),
        "pe_machine": 0x014C,
        "nova_cdrom_bus": None,
        "boot_firmware_file": None,
        "guest_boot": None,
    },
    "armv7l": {
        # armv8l: uname -m of a 32-bit (AArch32) userland or personality on an ARMv8 CPU (Linux
        # arch/arm64/include/asm/compat.h, COMPAT_UTS_MACHINE "armv8l"): a 32-bit Arm host, not aarch64.
        "aliases": ("armhf", "armv7", "armv7hl", "arm", "armv8l"),
        "qemu_binary": "qemu-system-arm",
        "machine_type": "virt",
        "kvm_cpu_mode": "host-passthrough",
        "host_model": False,
        "uefi": "optional",
        "max_pcie_ports": None,
        "firmware_packages": {"Debian": ["qemu-efi-arm"], "RedHat": ["edk2-arm"]},
        "emulator_packages": {"Debian": ["qemu-system-arm"], "RedHat": []},
        "native_emulator_packages": {"Debian": ["qemu-system-arm"], "RedHat": []},
        "kolla_tag_suffix": None,
        "oci_platform": ("arm", "v7"),
        "kvm_guests": ("armv7l",),
        "kvm_guest_caps": {},
        "kvm_module_required": None,
        "tcg_cpu_models": (),
        "tcg_cpu_modes": (),
        "tcg_slowdown": 10,
        "compat_cpu_models": (),
        "cpu_model_families": (),
        "pcie_root_ports": False,
        "default_pcie_ports": None,
        "image_properties": {},
        "nova_arch": True,
        "cpuinfo_format": "arm",
        "iommu_kind": None,
        "iommu_kernel_args": {},
        "vfio_iommu_module": "vfio_iommu_type1",
        "elf_machine": (40, None),
        "pe_machine": 0x01C4,
        "nova_cdrom_bus": None,
        "boot_firmware_file": None,
        "guest_boot": None,
    },
}

# The architectures a kolla-ansible cloud built with this collection targets.
SUPPORTED_HOST_ARCHES = ("x86_64", "aarch64", "ppc64le")

# nova [libvirt] virt_type values this collection decides between (nova/conf/libvirt.py,
# nova 34, also offers lxc and parallels): kvm where /dev/kvm is usable, else qemu (TCG).
VIRT_TYPES = ("kvm", "qemu")

_ALIASES = {}
for _name, _entry in ARCHES.items():
    _ALIASES[_name] = _name
    for _alias in _entry["aliases"]:
        _ALIASES[_alias] = _name


class UnknownArchError(ValueError):
    """Raised for an architecture name that no entry or alias matches."""


def canonical_arch(name, strict=True):
    """Return the canonical architecture for ``name`` (any case, any known alias).

    Unknown names raise UnknownArchError naming the value, or return None when
    ``strict`` is False.
    """
    if name is None:
        if strict:
            raise UnknownArchError("architecture is missing (got None)")
        return None
    key = str(name).strip().lower().replace(" ", "")
    if key in _ALIASES:
        return _ALIASES[key]
    if strict:
        raise UnknownArchError(
            "unknown architecture '%s'; known: %s (and aliases %s)"
            % (name, ", ".join(sorted(ARCHES)), ", ".join(sorted(a for a in _ALIASES if a not in ARCHES)))
        )
    return None


def arch_info(name):
    """Return a copy of the table entry for ``name`` (aliases accepted)."""
    return copy.deepcopy(ARCHES[canonical_arch(name)])


def trait_suffix(name):
    """Upper-case arch name as nova and os-traits spell it (x86_64 -> X86_64)."""
    return canonical_arch(name).upper()
