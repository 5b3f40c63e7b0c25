#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: host_arch_info
short_description: Tell what a host is and which guest architectures it can really run
version_added: "0.1.0"
description:
  - Reads, in one call, the canonical CPU architecture, CPU vendor and model, whether KVM is usable, every guest
    architecture the host can run (accelerated by KVM or emulated by TCG) with its emulator, machine types,
    UEFI firmware and CPU models, the IOMMU state, the cgroup version, the init system, and the
    C(HW_ARCH_*)/C(COMPUTE_ARCH_*) traits nova's libvirt driver would report for each usable
    C([libvirt] virt_type).
  - Guest capabilities come from the libvirt daemon (libvirt-python, one connection) when it answers,
    else from probing the C(qemu-system-*) binaries (on C(PATH), then in the usual C(sbin), C(bin) and C(/usr/libexec)
    directories) and the QEMU firmware descriptors in C(/usr/share/qemu/firmware) and C(/etc/qemu/firmware). RV(host.guest_source) says which.
  - Read-only. Anything the module cannot read (permissions, missing files, daemon down, unparseable XML or JSON)
    leaves that field V(null) and adds a sentence to RV(host.warnings); the module still succeeds.
    Run it with become for the full picture; unprivileged it reports less.
  - The result is the C(multiarch_host) fact documented in C(docs/multiarch_host.md) of the collection.
author:
  - multiarch.kolla developers (@multiarch-kolla)
requirements:
  - Python >= 3.9 on the target.
  - Optional on the target, libvirt-python (the C(libvirt) module) and a running libvirt daemon.
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.info_module
attributes:
  platform:
    details: Linux hosts (reads /proc and /sys).
options:
  libvirt_uri:
    description:
      - libvirt connection URI to ask for host and domain capabilities.
    type: str
    default: qemu:///system
  use_libvirt:
    description:
      - Ask the libvirt daemon when libvirt-python is importable.
      - V(false) always probes the QEMU binaries instead.
    type: bool
    default: true
  libvirt_timeout:
    description:
      - Seconds to wait for the libvirt daemon's answer (connection, host and domain capabilities together).
      - Past it the module stops waiting, probes the QEMU binaries instead, and says so in RV(host.warnings).
      - libvirt 9.0 may re-probe every QEMU binary within one call (seconds each); a warning gives the measured time whenever
        libvirt took 5 s or more or rewrote its cached QEMU capabilities, and names the likely cause (see C(docs/multiarch_host.md)).
      - V(0) waits as long as libvirt takes. A negative value fails the task.
    type: float
    default: 20
  gather_subset:
    description:
      - ansible-core facts to read in the same call and return as RV(ansible_facts), exactly as M(ansible.builtin.setup) returns them for
        the same subsets (its C(gather_subset) with C(!all) and C(!min) before them), so that later plays need no C(setup) call of their own.
      - The preflight's network checks read C(network); nova_compute_arch reads C(nodename) (C(platform)) and C(os_family)
        (C(distribution)).
      - V([]) reads none.
    type: list
    elements: str
    choices: [distribution, network, platform]
    default: []
  runtime:
    description:
      - Also read the container runtimes, kubelet and the host's libvirt daemons, as M(multiarch.kolla.container_runtime_info)
        does with its defaults, and return them as RV(runtime); the preflight then needs no call of its own.
    type: bool
    default: false
  daemon_json_path:
    description:
      - With O(runtime), the Docker daemon configuration file to read (M(multiarch.kolla.container_runtime_info)'s option of the
        same name).
    type: path
notes:
  - Domain capabilities (UEFI firmware, CPU models) need a read-write libvirt connection (root or the libvirt group);
    with a read-only connection the guests come without them and a warning says so.
  - The QEMU probe covers the guest architectures of the collection's arch table (x86_64, aarch64, ppc64le, ppc64,
    s390x, riscv64, i686, armv7l); libvirt may report more (armv6l, ppc, mips, ...).
seealso:
  - name: libvirt capabilities XML format
    description: The host and guest capabilities this module reads from libvirt.
    link: https://libvirt.org/formatcaps.html
  - name: libvirt domain capabilities XML format
    description: Firmware and CPU models per guest architecture.
    link: https://libvirt.org/formatdomaincaps.html
"""

EXAMPLES = r"""
- name: Read what this host can run
  multiarch.kolla.host_arch_info:
  register: arch_info

- name: Show the guest architectures and how they run
  ansible.builtin.debug:
    msg: "{{ arch_info.host.guests | dict2items | map(attribute='key') | list }} via {{ arch_info.host.guest_source }}"

- name: Ignore libvirt and probe the QEMU binaries
  multiarch.kolla.host_arch_info:
    use_libvirt: false

- name: Ask a libvirt daemon on a non-default socket
  multiarch.kolla.host_arch_info:
    libvirt_uri: qemu+unix:///system?socket=/run/libvirt/libvirt-sock

- name: Wait at most 5 seconds for libvirt, then probe the QEMU binaries
  multiarch.kolla.host_arch_info:
    libvirt_timeout: 5

- name: Detect, and read the network facts and the container runtime in the same call
  multiarch.kolla.host_arch_info:
    gather_subset: [network, platform, distribution]
    runtime: true
  register: arch_info
"""

RETURN = r"""
host:
  description: The C(multiarch_host) dict.
  returned: always
  type: dict
  contains:
    arch:
      description: Canonical architecture of the kernel (aliases such as C(amd64) or C(arm64) normalised; big-endian C(ppc64) stays C(ppc64)).
      type: str
      sample: x86_64
    kernel_arch:
      description: The machine name the kernel reports (C(uname -m)), before normalisation.
      type: str
      sample: x86_64
    cpu:
      description: CPU vendor, model and identifiers from C(/proc/cpuinfo).
      type: dict
      contains:
        vendor:
          description:
            - x86 C(vendor_id); aarch64 implementer name(s), joined with C( + ) when the cores differ; POWER C(IBM).
            - V(null) when unknown (an implementer ID not in the table).
          type: str
          sample: GenuineIntel
        model:
          description:
            - x86 C(model name); aarch64 part name(s), joined with C( + ) for heterogeneous cores; POWER generation from the C(cpu) line.
            - V(null) when unreadable or when a part ID is not in the table (never guessed; see RV(host.cpu.cores)).
          type: str
          sample: "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz"
        count:
          description: Logical CPUs (C(processor) entries, else the sysfs online list); V(null) when unknown.
          type: int
          sample: 8
        ids:
          description:
            - Raw identifiers. x86 C(family), C(model), C(stepping) (integers); aarch64 C(implementer), C(part) of the first entry of
              RV(host.cpu.cores); POWER C(pvr) (hex), C(pvr_generation) (from the PVR table, V(null) when unknown), C(revision).
          type: dict
          sample: {family: 6, model: 140, stepping: 1}
        cores:
          description: aarch64/armv7l only, one entry per distinct (implementer, part), sorted by ID; empty elsewhere.
          type: list
          elements: dict
          sample: [{implementer: "0x41", part: "0xd85", vendor: ARM, model: Cortex-X925, count: 10}]
        platform:
          description: POWER only, C(PowerNV) (bare metal) or C(pSeries) (LPAR/guest); V(null) elsewhere.
          type: str
          sample: PowerNV
        machine:
          description: POWER only, the C(machine) line of C(/proc/cpuinfo); V(null) elsewhere.
          type: str
          sample: PowerNV 8335-GTW
        virt_flag:
          description: x86 only, C(vmx) or C(svm) when the CPU flags carry it; V(null) otherwise.
          type: str
          sample: vmx
    kvm:
      description: Whether KVM can be used, by this user and for nova.
      type: dict
      contains:
        usable:
          description:
            - V(true) when C(/dev/kvm) opened read-write and, on ppc64le and ppc64, C(kvm_hv) is loaded (a PowerNV host).
            - V(false) without C(/dev/kvm), when it cannot be opened for another reason than permissions, or on POWER with only
              C(kvm_pr) (PR-KVM inside an LPAR) or no KVM module.
            - V(null) (unknown) when C(/dev/kvm) exists but this user may not open it (no become, not in the C(kvm) group);
              RV(host.kvm.reason) names the fix.
          type: bool
          sample: true
        device:
          description: C(/dev/kvm) exists.
          type: bool
          sample: true
        rw:
          description: C(/dev/kvm) could be opened read-write; V(null) when permissions did not allow trying.
          type: bool
          sample: true
        module:
          description:
            - The KVM vendor module in C(/sys/module) (C(kvm_intel), C(kvm_amd), C(kvm_hv), C(kvm_pr), other C(kvm_*)),
              C(builtin) when KVM is part of the kernel (arm64), C(kvm) when only the generic module is loaded, V(null) when none.
          type: str
          sample: kvm_intel
        nested:
          description: The vendor module's C(nested) parameter; V(null) where it does not exist or cannot be read.
          type: bool
          sample: false
        reason:
          description: Why KVM is not usable or unknown, with the fix where there is one; V(null) when it is usable.
          type: str
          sample: "/dev/kvm does not exist (KVM module not loaded, no hardware virtualisation, or not passed into this container)"
        caps:
          description:
            - The KVM capabilities the arch table asks this host for (C(KVM_CHECK_EXTENSION) on C(/dev/kvm)), V(true) or V(false),
              V(null) when they could not be asked. aarch64 asks C(KVM_CAP_ARM_EL1_32BIT) (AArch32 at EL1), without which
              KVM cannot run armv7l guests; empty on other arches.
          type: dict
          sample: {KVM_CAP_ARM_EL1_32BIT: false}
    guests:
      description:
        - One entry per guest architecture the host can run, keyed by canonical arch (names the arch table does not know are kept as
          libvirt spells them, e.g. C(armv6l), C(ppc)).
      type: dict
      sample:
        aarch64:
          accel: tcg
          domain_types: [qemu]
          emulator: /usr/bin/qemu-system-aarch64
          machines: [virt, virt-7.2]
          default_machine: null
          canonical_machines: {virt: virt-7.2}
          uefi: true
          firmware: [/usr/share/AAVMF/AAVMF_CODE.fd]
          cpu_models: [cortex-a57, cortex-a72, max]
          cpu_modes: [custom, maximum]
      contains:
        accel:
          description:
            - C(kvm) when the guest runs accelerated, C(tcg) when emulated. armv7l on aarch64 is C(kvm) only where
              RV(host.kvm.caps) has C(KVM_CAP_ARM_EL1_32BIT) true, even where libvirt offers a kvm domain for it.
          type: str
          sample: tcg
        domain_types:
          description: libvirt domain types offered (C(kvm), C(qemu)), sorted.
          type: list
          elements: str
          sample: [kvm, qemu]
        emulator:
          description: Path of the emulator binary.
          type: str
          sample: /usr/bin/qemu-system-x86_64
        machines:
          description: Every machine type the emulator accepts, aliases included, sorted (QEMU's C(none) left out).
          type: list
          elements: str
          sample: [pc, pc-i440fx-7.2, pc-q35-7.2, q35]
        default_machine:
          description:
            - The machine used when a domain names none. libvirt source, the first machine libvirt lists; QEMU probe, the machine
              QEMU marks C((default)), V(null) when it marks none (aarch64).
          type: str
          sample: pc-i440fx-7.2
        canonical_machines:
          description: Alias to versioned machine type.
          type: dict
          sample: {pc: pc-i440fx-7.2, q35: pc-q35-7.2}
        uefi:
          description:
            - UEFI firmware usable for the arch's nova machine type (q35, virt, ...). V(null) when unknown (read-only libvirt connection
              or failed domain capabilities).
          type: bool
          sample: true
        firmware:
          description: UEFI firmware executables, in libvirt's (or the descriptors') order of preference.
          type: list
          elements: str
          sample: [/usr/share/OVMF/OVMF_CODE_4M.secboot.fd, /usr/share/OVMF/OVMF_CODE_4M.fd]
        cpu_models:
          description:
            - Named CPU models. libvirt source, the custom-mode models of the domain capabilities not marked unusable; QEMU probe,
              every model C(-cpu help) lists. Sorted; empty when unknown.
          type: list
          elements: str
          sample: [Skylake-Client, qemu64]
        cpu_modes:
          description: Supported libvirt CPU modes (C(host-model), C(host-passthrough), C(maximum), C(custom)); V(null) from the QEMU probe.
          type: list
          elements: str
          sample: [custom, host-model, host-passthrough, maximum]
    guest_source:
      description: Where the guests came from, C(libvirt), C(qemu) (binary probe) or C(none).
      type: str
      sample: libvirt
    host_cpu_xml:
      description: The host C(<cpu>) element of libvirt's capabilities (input for libvirt's CPU baseline); V(null) without libvirt.
      type: str
      sample: "<cpu><arch>x86_64</arch><model>Skylake-Client-IBRS</model><vendor>Intel</vendor></cpu>"
    iommu:
      description: IOMMU state.
      type: dict
      contains:
        enabled:
          description: C(/sys/kernel/iommu_groups) holds groups.
          type: bool
          sample: true
        groups:
          description: Number of IOMMU groups.
          type: int
          sample: 15
        kind:
          description: C(intel-vt-d), C(amd-vi), C(arm-smmu), C(power) or V(null).
          type: str
          sample: intel-vt-d
        cmdline:
          description: IOMMU and VFIO related kernel command-line arguments.
          type: list
          elements: str
          sample: [intel_iommu=on, iommu=pt]
    cgroup_version:
      description: V(2) for the unified cgroup2 hierarchy at C(/sys/fs/cgroup), V(1) for a v1 or hybrid layout, V(null) when unknown.
      type: int
      sample: 2
    init_system:
      description: Name of process 1 (C(/proc/1/comm)); V(null) when unreadable.
      type: str
      sample: systemd
    nova_traits:
      description:
        - For each C([libvirt] virt_type) the host can use (C(kvm) when RV(host.kvm.usable) is true, C(qemu) when any emulator
          exists), the C(HW_ARCH_*) and C(COMPUTE_ARCH_*) traits nova's libvirt driver reports, sorted; only names defined by
          os-traits (none for armv7l).
      type: dict
      sample:
        kvm: [COMPUTE_ARCH_X86_64, HW_ARCH_X86_64]
        qemu: [COMPUTE_ARCH_AARCH64, COMPUTE_ARCH_PPC64LE, COMPUTE_ARCH_X86_64, HW_ARCH_X86_64]
    warnings:
      description:
        - One sentence per source that could not be read, naming it; one when libvirt was slow, re-probed QEMU or did not
          answer within O(libvirt_timeout), with the measured time; one per guest architecture nova cannot place on this host
          (armv7l on aarch64).
      type: list
      elements: str
      sample: ["libvirt: cannot connect to qemu:///system (Failed to connect socket); falling back to probing QEMU binaries"]
ansible_facts:
  description: The facts of O(gather_subset), as M(ansible.builtin.setup) returns them; they become the host's C(ansible_facts).
  returned: when O(gather_subset) is not empty
  type: dict
  sample: {ansible_nodename: cmp-x86-01, ansible_os_family: Debian, ansible_default_ipv4: {address: 192.0.2.11}}
runtime:
  description: What M(multiarch.kolla.container_runtime_info) returns as its RV(multiarch.kolla.container_runtime_info#module:runtime).
  returned: when O(runtime) is true
  type: dict
  sample: {docker: {running: false}, warnings: []}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multiarch.kolla.plugins.module_utils.host import ansible_facts, collect
from ansible_collections.multiarch.kolla.plugins.module_utils.host.libvirt_source import check_timeout
from ansible_collections.multiarch.kolla.plugins.module_utils.runtime.gather import default_paths, gather_runtime

# File system root the probes read; tests point it at a tree they build.
ROOT = "/"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            libvirt_uri=dict(type="str", default=collect.DEFAULT_URI),
            use_libvirt=dict(type="bool", default=True),
            libvirt_timeout=dict(type="float", default=collect.DEFAULT_LIBVIRT_TIMEOUT),
            gather_subset=dict(type="list", elements="str", choices=list(ansible_facts.SUBSETS), default=[]),
            runtime=dict(type="bool", default=False),
            daemon_json_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        timeout = check_timeout(module.params["libvirt_timeout"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    host = collect.collect(root=ROOT, use_libvirt=module.params["use_libvirt"], libvirt_uri=module.params["libvirt_uri"], libvirt_timeout=timeout)
    result = dict(changed=False, host=host)
    if module.params["gather_subset"]:
        result["ansible_facts"] = ansible_facts.gather(module, module.params["gather_subset"])
    if module.params["runtime"]:
        paths = default_paths(ROOT)
        if module.params["daemon_json_path"]:
            paths["daemon_json_path"] = module.params["daemon_json_path"]
        result["runtime"] = gather_runtime(paths, root=ROOT)
        for warning in result["runtime"]["warnings"]:
            module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
