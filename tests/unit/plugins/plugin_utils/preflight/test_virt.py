"""plugins/plugin_utils/preflight/virt.py: KVM where wanted, emulated guests runnable where nova's libvirt runs.

The emulation rules are nova_compute_arch's own (plugins/plugin_utils/nova/emulation.py); these tests check that the
preflight asks them for every compute host and reports with the right severity.
"""

from __future__ import annotations

from kollatestlib import fact

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import virt
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context

AARCH64_GUEST = {"accel": "tcg", "emulator": "/usr/bin/qemu-system-aarch64", "machines": ["virt"], "uefi": True, "cpu_models": ["max"]}


def ctx(hostvars, **options):
    return Context(list(hostvars), hostvars, {"compute": list(hostvars)}, options)


def test_kvm_wanted_where_it_is_not_usable_is_an_error_and_tcg_only_a_warning():
    hostvars = {"a": {"multiarch_host": fact("x86_64"), "nova_compute_arch_overrides": {"virt_type": "kvm"}},
                "b": {"multiarch_host": fact("x86_64")}, "c": {"multiarch_host": fact("x86_64", kvm=True)}}
    found = virt.kvm_usable(ctx(hostvars))
    assert [(f["host"], f["severity"]) for f in found] == [("a", "error"), ("b", "warning")]
    assert "/dev/kvm is missing" in found[0]["found"] and found[1]["found"].startswith("TCG only")


def test_kvm_unknown_needs_become_or_a_virt_type():
    unknown = fact("x86_64")
    unknown["kvm"].update(usable=None, reason="/dev/kvm exists but this user cannot open it")
    (found,) = virt.kvm_usable(ctx({"a": {"multiarch_host": unknown}}))
    assert found["severity"] == "error" and "run host_facts with become" in found["fix"]
    assert virt.kvm_usable(ctx({"a": {"multiarch_host": unknown, "nova_compute_arch_overrides": {"virt_type": "qemu"}}})) == []


def test_emulation_in_kollas_container_follows_the_image_distro():
    hostvars = {"rpm": {"multiarch_host": fact("x86_64", kvm=True), "nova_compute_arch_emulated_arches": ["aarch64"], "kolla_base_distro": "rocky"},
                "deb": {"multiarch_host": fact("x86_64", kvm=True), "nova_compute_arch_emulated_arches": ["arm64"], "kolla_base_distro": "debian"},
                "own": {"multiarch_host": fact("x86_64", kvm=True), "nova_compute_arch_emulated_arches": ["aarch64"], "kolla_base_distro": "rocky",
                        "nova_libvirt_image_full": "registry.lab:4000/kolla/nova-libvirt:emulation"}}
    found = virt.emulation_runnable(ctx(hostvars))
    assert [(f["host"], f["severity"]) for f in found] == [("rpm", "error"), ("deb", "warning")]
    assert "qemu-kvm, the native emulator only" in found[0]["found"] and "nova_libvirt_image_full" in found[0]["fix"]
    assert "UEFI only" in found[1]["found"]  # arm64 is aarch64: Debian's x86_64 image lacks the AAVMF firmware


def test_emulation_on_the_host_needs_the_emulator_or_its_installation():
    ready = fact("x86_64", kvm=True, guests={"aarch64": AARCH64_GUEST})
    hostvars = {"ok": {"multiarch_host": ready, "nova_compute_arch_emulated_arches": ["aarch64"]},
                "missing": {"multiarch_host": fact("x86_64", kvm=True), "nova_compute_arch_emulated_arches": ["aarch64"],
                            "nova_compute_arch_install_emulators": False},
                "el": {"multiarch_host": fact("x86_64", kvm=True), "nova_compute_arch_emulated_arches": ["ppc64le"],
                       "ansible_facts": {"os_family": "RedHat"}},
                "bad": {"multiarch_host": fact("x86_64", kvm=True), "nova_compute_arch_emulated_arches": ["sparc9"]}}
    found = virt.emulation_runnable(ctx(hostvars, enable_nova_libvirt_container=False))
    assert [f["host"] for f in found] == ["missing", "el", "bad"]
    assert "nova_compute_arch_install_emulators is false" in found[0]["found"]
    assert "EL (RHEL, Rocky, AlmaLinux) ships qemu-kvm" in found[1]["found"]
    assert "sparc9" in found[2]["found"]
