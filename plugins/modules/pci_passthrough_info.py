#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: pci_passthrough_info
short_description: Tell which GPUs a host could pass to guests, and what stands in the way
version_added: "0.1.0"
description:
  - Reads, in one call, every PCI display controller (class C(0x03xx)) and processing accelerator (class C(0x12xx)) from sysfs,
    with its IDs, names, driver, IOMMU group and the other devices of that group, its companion functions (HDMI audio, USB and
    UCSI controllers of the same card), C(boot_vga), NUMA node, SR-IOV capability, the kernel's reset methods, and whether
    vendor-reset knows the card.
  - Also reads what the host's kernel and boot tools mean for passthrough - the IOMMU state and kernel command line, the kernel
    version, the vfio and vendor-reset modules loaded, the initramfs tool installed (initramfs-tools or dracut, told by their files)
    and the bootloader configuration mechanism (GRUB drop-in directory, grubby).
  - Read-only. It never binds, unbinds or resets a device. Anything it cannot read leaves that field V(null) and adds a sentence to
    RV(pci.warnings); the module still succeeds.
  - The result is documented in C(docs/pci_passthrough_info.md) of the collection.
author:
  - multiarch.kolla developers (@multiarch-kolla)
requirements:
  - Python >= 3.9 on the target.
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.info_module
attributes:
  platform:
    details: Linux hosts (reads /proc and /sys).
options:
  root:
    description:
      - The file system root to read C(/sys), C(/proc), C(/etc) and the binaries under.
      - Point it at a captured tree to read another host's sysfs.
    type: path
    default: /
  devices_root:
    description:
      - Where the running kernel's side is read instead - C(/sys) (devices, IOMMU groups) and C(/proc) (command line,
        loaded modules, kernel release) - while pci.ids, the initramfs tool and the bootloader are still read under O(root).
      - For a lab or a test that decides about captured hardware on a real system. Default - O(root).
    type: path
  pci_ids:
    description:
      - pci.ids files to take names from, absolute paths under O(root); the first one that exists is used.
      - With none present every name is V(null), without a warning.
    type: list
    elements: path
    default: [/usr/share/misc/pci.ids, /usr/share/hwdata/pci.ids]
notes:
  - Run it with become where C(/sys) restricts an attribute; unprivileged it may report less.
  - A captured tree without C(/sys/kernel/iommu_groups) still gets its groups from the devices' C(iommu_group) links.
seealso:
  - name: Linux sysfs-bus-pci ABI
    description: The attributes this module reads.
    link: https://www.kernel.org/doc/Documentation/ABI/testing/sysfs-bus-pci
  - name: vendor-reset
    description: The device table RV(pci.devices[].vendor_reset) is checked against.
    link: https://github.com/gnif/vendor-reset
"""

EXAMPLES = r"""
- name: Read the GPUs of this host
  multiarch.kolla.pci_passthrough_info:
  become: true
  register: pci_info

- name: Show each GPU, its driver and IOMMU group
  ansible.builtin.debug:
    msg: "{{ pci_info.pci.devices | map(attribute='address') | zip(pci_info.pci.devices | map(attribute='driver')) | list }}"

- name: Read a captured sysfs tree with names from a given pci.ids
  multiarch.kolla.pci_passthrough_info:
    root: /srv/captures/gpu-host-1
    pci_ids: [/usr/share/misc/pci.ids]
"""

RETURN = r"""
pci:
  description: GPUs and what the host's kernel and boot tools mean for passing them through.
  returned: always
  type: dict
  contains:
    devices:
      description: Display controllers and processing accelerators, sorted by address.
      type: list
      elements: dict
      contains:
        address: {description: "PCI address C(domain:bus:device.function).", type: str, sample: "0000:01:00.0"}
        vendor_id: {description: "Vendor ID (4 lowercase hex digits)", type: str, sample: "10de"}
        device_id: {description: "Device ID", type: str, sample: "1c03"}
        subsystem_vendor_id: {description: "Subsystem vendor ID (from C(modalias) where the attribute is missing)", type: str, sample: "19da"}
        subsystem_device_id: {description: "Subsystem device ID", type: str, sample: "2438"}
        class: {description: "Class code (6 hex digits)", type: str, sample: "030000"}
        revision: {description: "Revision ID (2 hex digits)", type: str, sample: "a1"}
        driver: {description: "The driver bound now; V(null) when none", type: str, sample: vfio-pci}
        iommu_group: {description: "IOMMU group number; V(null) without an IOMMU", type: int, sample: 1}
        boot_vga:
          description: The firmware's boot display. The kernel shows it on VGA-class devices only; V(null) where absent.
          type: bool
          sample: false
        numa_node: {description: "NUMA node; V(-1) when the device has no affinity, V(null) when absent", type: int, sample: 0}
        sriov_totalvfs: {description: "Virtual functions the device supports; V(null) when it is no SR-IOV physical function", type: int}
        reset_method:
          description: The kernel's reset methods, in order (Linux 5.15 and later); V([]) when reset is disabled, V(null) when absent.
          type: list
          elements: str
          sample: [flr, bus]
        names:
          description: Names from pci.ids (C(vendor), C(device), C(subsystem), C(class)); each V(null) when not listed or no pci.ids.
          type: dict
          sample: {vendor: NVIDIA Corporation, device: "GP106 [GeForce GTX 1060 6GB]", subsystem: null, class: VGA compatible controller}
        iommu_group_devices:
          description:
            - The other devices of the same IOMMU group (C(address), C(vendor_id), C(device_id), C(class), C(driver), C(iommu_group),
              C(bridge) - a PCI-to-PCI bridge, class C(0x0604)).
          type: list
          elements: dict
        companions:
          description: The other functions of the same card (same C(domain:bus:device)), in the same form as RV(pci.devices[].iommu_group_devices).
          type: list
          elements: dict
        vendor_reset:
          description: Whether vendor-reset's device table lists the card (C(listed)) and the family it puts it in (C(family)).
          type: dict
          sample: {listed: true, family: AMD_NAVI14}
    vendor_reset_loaded: {description: "The C(vendor_reset) module is loaded; V(null) when C(/proc/modules) is unreadable", type: bool}
    vfio_modules:
      description: The vfio modules loaded or built in, of C(vfio), C(vfio_pci), C(vfio_pci_core), C(vfio_iommu_type1), C(vfio_iommu_spapr_tce), C(vfio_virqfd).
      type: list
      elements: str
      sample: [vfio, vfio_pci, vfio_iommu_type1]
    iommu:
      description: C(enabled) when there is at least one IOMMU group, and C(groups), their number.
      type: dict
      sample: {enabled: true, groups: 15}
    cmdline: {description: "The kernel command line; V(null) when unreadable", type: str}
    cmdline_iommu_args:
      description: The IOMMU and VFIO arguments of the command line, in order.
      type: list
      elements: str
      sample: [intel_iommu=on, iommu=pt]
    kernel:
      description: C(release) (C(/proc/sys/kernel/osrelease)) and C(version), its leading numbers as a list of three integers.
      type: dict
      sample: {release: 6.1.0-13-amd64, version: [6, 1, 0]}
    initramfs:
      description:
        - C(installed), the initramfs tools whose files exist (C(initramfs-tools), C(dracut)); C(tool), the one that builds the image
          (V(null) when none, or when both have their binaries).
      type: dict
      sample: {tool: initramfs-tools, installed: [initramfs-tools]}
    bootloader:
      description:
        - C(grub_dropin_dir) (C(/etc/default/grub.d) exists), C(grub_default) (C(/etc/default/grub) exists), C(grubby) and
          C(update_grub) (the binaries exist), C(grub_mkconfig) (C(grub-mkconfig), C(grub2-mkconfig) or V(null)).
      type: dict
      sample: {grub_dropin_dir: true, grub_default: true, grubby: false, update_grub: true, grub_mkconfig: grub-mkconfig}
    pci_ids: {description: "A pci.ids file was found and read", type: bool}
    warnings:
      description: One sentence per source that could not be read, naming it and what stays unknown.
      type: list
      elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multiarch.kolla.plugins.module_utils.pci import passthrough, pci_ids


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "default": "/"},
            "pci_ids": {"type": "list", "elements": "path", "default": list(pci_ids.DEFAULT_PATHS)},
            "devices_root": {"type": "path"},
        },
        supports_check_mode=True,
    )
    root = module.params["root"]
    if not os.path.isdir(root):
        module.fail_json(msg="root=%s is not a directory on %s: give the directory the host's /sys and /proc are under" % (root, os.uname().nodename))
    relative = [path for path in module.params["pci_ids"] if not os.path.isabs(path)]
    if relative:
        module.fail_json(msg="pci_ids=%s: every path must be absolute (it is read under root=%s)" % (relative, root))
    devices_root = module.params["devices_root"]
    if devices_root is not None and not os.path.isdir(devices_root):
        module.fail_json(msg="devices_root=%s is not a directory on %s: give the directory a captured /sys and /proc are under" % (
            devices_root, os.uname().nodename))
    module.exit_json(changed=False, pci=passthrough.gather(root, module.params["pci_ids"], devices_root))


if __name__ == "__main__":
    main()
