# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: KVM where it is wanted, and emulated guest arches that can run where nova's libvirt runs.

The rules are nova_compute_arch's (plugins/plugin_utils/nova/emulation.py, compute_arch.py), asked of
every compute host at once. nova's libvirt runs in kolla's ``nova_libvirt`` container unless the host
sets ``enable_nova_libvirt_container: false`` (kolla-ansible 23.0.0, ansible/group_vars/all/nova.yml):
then the emulators must be in the image, else on the host.
"""

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.multiarch.kolla.plugins.plugin_utils import multiarch_host as facts
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.inventory import DEFAULT_COMPUTE_GROUPS
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import emulation
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import finding


def compute_hosts(ctx):
    """The play's hosts in the compute groups (nova-compute, and kolla's nova_libvirt, run there)."""
    return ctx.members(ctx.option("compute_groups", list(DEFAULT_COMPUTE_GROUPS)))


def _kvm_finding(host, wanted, fact):
    """The rule nova_compute_arch applies (multiarch_host.kvm_on_request, kvm_state), asked before any host changes."""
    state, reason = facts.kvm_state(fact), facts.kvm_reason(fact)
    if wanted == "kvm":
        why = facts.kvm_on_request(fact)
        return None if why is None else finding(host, "kvm_usable", "virt_type kvm is wanted (nova_compute_arch_overrides) but KVM is not usable: %s" % why,
                                                "fix KVM on the host (BIOS virtualisation, the kvm module), or let nova_compute_arch pick qemu")
    if state == facts.KVM_UNKNOWN and not wanted:
        return finding(host, "kvm_usable", "KVM unknown: %s" % reason,
                       "run host_facts with become so that it can open /dev/kvm, or name virt_type in nova_compute_arch_overrides")
    if state == facts.KVM_UNUSABLE:
        return finding(host, "kvm_usable", "TCG only (%s): every guest on this host is emulated, 10-30x slower" % reason,
                       "nothing, if intended; else enable KVM (BIOS virtualisation, the kvm module)", severity="warning")
    return None


def kvm_usable(ctx):
    out = []
    for host in compute_hosts(ctx):
        fact = ctx.var(host, "multiarch_host")
        if not fact:
            continue  # arch_supported names a host without the fact
        found = _kvm_finding(host, (ctx.var(host, "nova_compute_arch_overrides", {}) or {}).get("virt_type"), fact)
        if found:
            out.append(found)
    return out


def libvirt_in_container(ctx, host):
    """Whether nova's libvirt runs in kolla's nova_libvirt container on ``host`` (kolla-ansible's default)."""
    return boolean(ctx.kolla_var(host, "enable_nova_libvirt_container", True), strict=False)


def _image_findings(ctx, host, arch, foreign):
    if ctx.kolla_var(host, "nova_libvirt_image_full"):
        return []  # the operator's own nova-libvirt image for this host: its content is theirs
    distro = ctx.kolla_var(host, "kolla_base_distro")
    fix = ("give the host a nova-libvirt image with the emulators and firmware (nova_libvirt_image_full in its host_vars), or set "
           "enable_nova_libvirt_container: false on it and let nova_compute_arch install them on the host")
    severity = "error" if (distro or "").strip().lower() in emulation.RPM_KOLLA_DISTROS else "warning"
    return [finding(host, "emulation_runnable", text, fix, severity) for text in emulation.image_warnings(host, arch, foreign, distro)]


def _host_findings(ctx, host, foreign):
    guests = facts.guests(ctx.var(host, "multiarch_host"))
    install = boolean(ctx.var(host, "nova_compute_arch_install_emulators", True), strict=False)
    family = (ctx.var(host, "ansible_facts", {}) or {}).get("os_family")
    out = []
    for guest in foreign:
        if emulation.runnable(guest, guests):
            continue
        why = "not installed and nova_compute_arch_install_emulators is false" if not install else (
            emulation.packages(guest, family)[1] if family else None)
        if why:
            out.append(finding(host, "emulation_runnable", "%s guests cannot run on the host: %s" % (guest, why),
                               "emulate %s on a host that can (Debian or Ubuntu), or drop it from nova_compute_arch_emulated_arches" % guest))
    return out


def emulation_runnable(ctx):
    out = []
    for host in compute_hosts(ctx):
        arch = facts.arch_or_reason(ctx.var(host, "multiarch_host"))[0]
        requested, errors = emulation.as_arch_list(ctx.var(host, "nova_compute_arch_emulated_arches"), host, "nova_compute_arch_emulated_arches")
        out += [finding(host, "emulation_runnable", error, "give canonical arch names, such as [aarch64, ppc64le]") for error in errors]
        foreign = [a for a in requested if a != arch]
        if arch is None or not foreign:
            continue
        out += _image_findings(ctx, host, arch, foreign) if libvirt_in_container(ctx, host) else _host_findings(ctx, host, foreign)
    return out
