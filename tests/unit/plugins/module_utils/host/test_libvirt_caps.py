"""libvirt_caps parsers over every real capabilities / domain capabilities capture."""

from __future__ import annotations

import pytest
from conftest import fixture_file, fixture_files

from ansible_collections.multiarch.kolla.plugins.module_utils.arch_traits import arch_traits
from ansible_collections.multiarch.kolla.plugins.module_utils.host.libvirt_caps import (
    guest_arch_key,
    merge_domain_capabilities,
    parse_capabilities,
    parse_domain_capabilities,
)


def g(accel, emulator, machines, default, canonical, *, domains=None):
    """Expected guest: machine *count* (each list is long; counted with xmllint), default, alias map."""
    return {
        "accel": accel,
        "domain_types": domains or (["kvm", "qemu"] if accel == "kvm" else ["qemu"]),
        "emulator": emulator,
        "n_machines": machines,
        "default_machine": default,
        "canonical_machines": canonical,
    }


QEMU = "/usr/bin/qemu-system-"
# Per fixture: host (arch, cpu vendor/model, iommu), every guest, and the traits nova reports per virt_type.
CAPS_EXPECTED = {
    "caps_aarch64_kvm_minimal_qemucaps.xml": {
        "host_cpu": {"arch": "aarch64", "vendor": None, "model": None},
        "iommu": False,
        "guests": {"aarch64": g("kvm", QEMU + "aarch64", 0, None, {})},
        "traits": {"kvm": ["COMPUTE_ARCH_AARCH64", "HW_ARCH_AARCH64"], "qemu": ["COMPUTE_ARCH_AARCH64", "HW_ARCH_AARCH64"]},
    },
    "caps_aarch64_kvm_neoverse_n1.xml": {
        "host_cpu": {"arch": "aarch64", "vendor": "ARM", "model": "Neoverse-N1"},
        "iommu": True,
        "guests": {
            "armv7l": g("kvm", QEMU + "aarch64", 119, "virt-8.2", {"virt": "virt-8.2"}),
            "aarch64": g("kvm", QEMU + "aarch64", 119, "virt-8.2", {"virt": "virt-8.2"}),
        },
        "traits": {"kvm": ["COMPUTE_ARCH_AARCH64", "HW_ARCH_AARCH64"], "qemu": ["COMPUTE_ARCH_AARCH64", "HW_ARCH_AARCH64"]},
    },
    "caps_ppc64le_kvm_power8.xml": {
        "host_cpu": {"arch": "ppc64le", "vendor": "IBM", "model": "POWER8"},
        "iommu": True,
        "guests": {
            "ppc64": g("kvm", QEMU + "ppc64", 47, "pseries-8.2", {"pseries": "pseries-8.2", "powernv": "powernv9"}),
            "ppc64le": g("kvm", QEMU + "ppc64", 47, "pseries-8.2", {"pseries": "pseries-8.2", "powernv": "powernv9"}),
        },
        "traits": {"kvm": ["COMPUTE_ARCH_PPC64LE", "HW_ARCH_PPC64LE"], "qemu": ["COMPUTE_ARCH_PPC64LE", "HW_ARCH_PPC64LE"]},
    },
    "caps_x86_64_host_riscv64_tcg_guest.xml": {
        "host_cpu": {"arch": "x86_64", "vendor": "Intel", "model": "Skylake-Client-IBRS"},
        "iommu": False,
        "guests": {"riscv64": g("tcg", QEMU + "riscv64", 6, "virt", {})},
        "traits": {"kvm": ["HW_ARCH_X86_64"], "qemu": ["COMPUTE_ARCH_RISCV64", "HW_ARCH_X86_64"]},
    },
    "caps_x86_64_kvm_intel_multiarch_tcg.xml": {
        "host_cpu": {"arch": "x86_64", "vendor": "Intel", "model": "Skylake-Client-noTSX-IBRS"},
        "iommu": True,
        "guests": {
            "armv6l": g("tcg", QEMU + "arm", 92, "integratorcp", {"virt": "virt-6.1", "raspi2": "raspi2b"}),
            "armv7l": g("tcg", QEMU + "arm", 92, "integratorcp", {"virt": "virt-6.1", "raspi2": "raspi2b"}),
            "aarch64": g("tcg", QEMU + "aarch64", 98, "integratorcp", {"virt": "virt-6.1", "raspi3": "raspi3b", "raspi2": "raspi2b"}),
            "i686": g("kvm", QEMU + "i386", 56, "pc-i440fx-6.1", {"pc": "pc-i440fx-6.1", "q35": "pc-q35-6.1", "xenfv": "xenfv-3.1"}),
            "ppc": g("tcg", QEMU + "ppc", 11, "g3beige", {}),
            "ppc64": g("tcg", QEMU + "ppc64", 39, "pseries-6.1", {"pseries": "pseries-6.1", "powernv": "powernv9"}),
            "ppc64le": g("tcg", QEMU + "ppc64", 39, "pseries-6.1", {"pseries": "pseries-6.1", "powernv": "powernv9"}),
            "s390x": g("tcg", QEMU + "s390x", 20, "s390-ccw-virtio-6.1", {"s390-ccw-virtio": "s390-ccw-virtio-6.1"}),
            "x86_64": g("kvm", QEMU + "x86_64", 56, "pc-i440fx-6.1", {"pc": "pc-i440fx-6.1", "q35": "pc-q35-6.1", "xenfv": "xenfv-3.1"}),
        },
        "traits": {
            "kvm": ["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"],
            "qemu": ["COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_PPC64LE", "COMPUTE_ARCH_S390X", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"],
        },
    },
    # The kvm domains carry their own emulator and machine list; the xen os_type guests (xenner) are not QEMU guests.
    "caps_x86_64_kvm_many_tcg_guests.xml": {
        "host_cpu": {"arch": "x86_64", "vendor": None, "model": None},
        "iommu": None,
        "guests": {
            "i686": g("kvm", QEMU + "i386", 4, "pc-0.11", {"pc": "pc-0.11"}),
            "x86_64": g("kvm", QEMU + "x86_64", 4, "pc-0.11", {"pc": "pc-0.11"}),
            "armv6l": g("tcg", QEMU + "arm", 57, "integratorcp", {"virt": "virt-3.0"}),
            "armv7l": g("tcg", QEMU + "arm", 21, "integratorcp", {}),
            "aarch64": g("tcg", QEMU + "aarch64", 1, "machvirt", {}),
            "microblaze": g("tcg", QEMU + "microblaze", 2, "petalogix-s3adsp1800", {}),
            "microblazeel": g("tcg", QEMU + "microblazeel", 2, "petalogix-s3adsp1800", {}),
            "mips": g("tcg", QEMU + "mips", 5, "malta", {}),
            "mipsel": g("tcg", QEMU + "mipsel", 5, "malta", {}),
            "sparc": g("tcg", QEMU + "sparc", 12, "SS-5", {}),
            "ppc": g("tcg", QEMU + "ppc", 7, "g3beige", {}),
            "riscv32": g("tcg", QEMU + "riscv32", 5, "spike_v1.10", {}),
            "riscv64": g("tcg", QEMU + "riscv64", 5, "spike_v1.10", {}),
        },
        "traits": {
            "kvm": ["COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"],
            "qemu": ["COMPUTE_ARCH_AARCH64", "COMPUTE_ARCH_MIPSEL", "COMPUTE_ARCH_RISCV64", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"],
        },
    },
    # No KVM: every guest is TCG; libvirt's old arch name 'arm' is normalised to armv7l.
    "caps_x86_64_tcg_only_nokvm.xml": {
        "host_cpu": {"arch": "x86_64", "vendor": None, "model": "core2duo"},
        "iommu": None,
        "guests": {
            "i686": g("tcg", "/usr/bin/qemu", 5, "pc-0.12", {"pc": "pc-0.12"}),
            "x86_64": g("tcg", QEMU + "x86_64", 5, "pc-0.12", {"pc": "pc-0.12"}),
            "armv7l": g("tcg", QEMU + "arm", 24, "integratorcp", {}),
            "mips": g("tcg", QEMU + "mips", 5, "malta", {}),
            "mipsel": g("tcg", QEMU + "mipsel", 5, "malta", {}),
            "sparc": g("tcg", QEMU + "sparc", 12, "SS-5", {}),
            "ppc": g("tcg", QEMU + "ppc", 7, "g3beige", {}),
        },
        "traits": {"kvm": ["HW_ARCH_X86_64"], "qemu": ["COMPUTE_ARCH_MIPSEL", "COMPUTE_ARCH_X86_64", "HW_ARCH_X86_64"]},
    },
}

# nova's hw_machine_type per arch must be among the machines libvirt lists (when it lists any for that arch).
NOVA_MACHINE = {"x86_64": "q35", "aarch64": "virt", "ppc64le": "pseries", "ppc64": "pseries", "s390x": "s390-ccw-virtio"}


@pytest.mark.parametrize("path", fixture_files("libvirt_caps", "*.xml"), ids=lambda p: p.name)
def test_capabilities_fixture(path):
    fixture_file("libvirt_caps", path.name)
    assert path.name in CAPS_EXPECTED, f"fixture {path.name} has no expectation in CAPS_EXPECTED; add one"
    expected = CAPS_EXPECTED[path.name]
    caps = parse_capabilities(path.read_text())
    assert caps["host_arch"] == expected["host_cpu"]["arch"]
    assert caps["host_cpu"] == expected["host_cpu"]
    assert caps["iommu"] is expected["iommu"]
    assert caps["host_cpu_xml"].startswith("<cpu>") and caps["host_cpu_xml"].endswith("</cpu>")
    assert set(caps["guests"]) == set(expected["guests"])
    for arch, want in expected["guests"].items():
        got = caps["guests"][arch]
        assert got["accel"] == want["accel"], arch
        assert got["domain_types"] == want["domain_types"], arch
        assert got["emulator"] == want["emulator"], arch
        assert len(got["machines"]) == want["n_machines"], arch
        assert got["machines"] == sorted(got["machines"]), arch
        assert got["default_machine"] == want["default_machine"], arch
        assert got["canonical_machines"] == want["canonical_machines"], arch
        # Aliases and their targets are machines too.
        assert set(want["canonical_machines"]) | set(want["canonical_machines"].values()) <= set(got["machines"]), arch
        if want["n_machines"] > 20 and arch in NOVA_MACHINE:
            assert NOVA_MACHINE[arch] in got["machines"], arch
        # Firmware is unknown until domain capabilities are merged.
        assert got["uefi"] is None and got["firmware"] == [] and got["cpu_models"] == [] and got["cpu_modes"] is None
    for virt_type, traits in expected["traits"].items():
        assert arch_traits(caps["host_arch"], caps["guests"], virt_type) == traits, virt_type


X86_KVM_MODELS = [
    "486", "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Conroe", "Haswell-noTSX", "Haswell-noTSX-IBRS", "IvyBridge", "IvyBridge-IBRS",
    "Nehalem", "Nehalem-IBRS", "Opteron_G1", "Opteron_G2", "Penryn", "SandyBridge", "SandyBridge-IBRS", "Skylake-Client-noTSX-IBRS",
    "Westmere", "Westmere-IBRS", "core2duo", "coreduo", "kvm32", "kvm64", "n270", "pentium", "pentium2", "pentium3", "qemu32", "qemu64",
]  # fmt: skip
ALL_MODES = ["custom", "host-model", "host-passthrough", "maximum"]

# Per fixture: every scalar field exactly; cpu_models exactly where short, else count + members (counted with xmllint).
DOMCAPS_EXPECTED = {
    "domcaps_aarch64_kvm_virt_efi.xml": {
        "arch": "aarch64", "domain": "kvm", "machine": "virt-8.2", "emulator": QEMU + "aarch64", "uefi": True,
        "firmware": [
            "/usr/share/edk2/aarch64/QEMU_EFI-silent-pflash.qcow2",
            "/usr/share/edk2/aarch64/QEMU_EFI-silent-pflash.raw",
            "/usr/share/edk2/aarch64/QEMU_EFI-pflash.qcow2",
            "/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw",
        ],
        "cpu_modes": ["custom", "host-passthrough", "maximum"], "host_model": False, "host_passthrough": True,
        "n_models": 47, "has_models": ["neoverse-n2", "cortex-a57", "max"], "not_models": [],
    },
    "domcaps_aarch64_qemu_tcg_virt_aavmf.xml": {
        "arch": "aarch64", "domain": "qemu", "machine": "virt-5.1", "emulator": QEMU + "aarch64", "uefi": True,
        "firmware": ["/usr/share/AAVMF/AAVMF_CODE.fd"],
        "cpu_modes": ["custom"], "host_model": False, "host_passthrough": False,
        "n_models": 37, "has_models": ["cortex-a57", "cortex-a72", "max"], "not_models": ["neoverse-n2"],
    },
    "domcaps_ppc64le_kvm_pseries_nofirmware.xml": {
        "arch": "ppc64le", "domain": "kvm", "machine": "pseries-8.2", "emulator": QEMU + "ppc64", "uefi": False,
        "firmware": [],
        "cpu_modes": ["custom", "host-model", "host-passthrough"], "host_model": True, "host_passthrough": True,
        "cpu_models": ["POWER10", "POWER7", "POWER8", "POWER9"],
    },
    "domcaps_riscv64_qemu_tcg_virt.xml": {
        "arch": "riscv64", "domain": "qemu", "machine": "virt", "emulator": QEMU + "riscv64", "uefi": True,
        "firmware": ["/usr/share/edk2/riscv/RISCV_VIRT_CODE.qcow2"],
        "cpu_modes": ["custom", "maximum"], "host_model": False, "host_passthrough": False,
        "cpu_models": sorted(["any", "max", "rv64", "shakti-c", "sifive-e51", "sifive-u54", "thead-c906", "veyron-v1", "x-rv128"]),
    },
    "domcaps_x86_64_kvm_q35_efi_secboot.xml": {
        "arch": "x86_64", "domain": "kvm", "machine": "pc-q35-9.0", "emulator": QEMU + "x86_64", "uefi": True,
        "firmware": [
            "/usr/share/edk2/ovmf/OVMF_CODE_4M.secboot.qcow2",
            "/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd",
            "/usr/share/edk2/ovmf/OVMF_CODE_4M.qcow2",
            "/usr/share/edk2/ovmf/OVMF_CODE.fd",
            "/usr/share/edk2/ovmf/OVMF.amdsev.fd",
            "/usr/share/edk2/ovmf/OVMF.inteltdx.secboot.fd",
        ],
        "cpu_modes": ALL_MODES, "host_model": True, "host_passthrough": True,
        "cpu_models": sorted(X86_KVM_MODELS),
    },
    # Older libvirt: no <enum name='firmware'>; a listed loader means UEFI is there.
    "domcaps_x86_64_kvm_q35_loader_no_firmware_enum.xml": {
        "arch": "x86_64", "domain": "kvm", "machine": "pc-q35-6.1", "emulator": QEMU + "x86_64", "uefi": True,
        "firmware": ["/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd"],
        "cpu_modes": ALL_MODES, "host_model": True, "host_passthrough": True,
        "cpu_models": sorted(X86_KVM_MODELS),
    },
}  # fmt: skip


@pytest.mark.parametrize("path", fixture_files("domain_caps", "*.xml"), ids=lambda p: p.name)
def test_domain_capabilities_fixture(path):
    fixture_file("domain_caps", path.name)
    assert path.name in DOMCAPS_EXPECTED, f"fixture {path.name} has no expectation in DOMCAPS_EXPECTED; add one"
    expected = DOMCAPS_EXPECTED[path.name]
    got = parse_domain_capabilities(path.read_text())
    for key in ("arch", "domain", "machine", "emulator", "uefi", "firmware", "cpu_modes", "host_model", "host_passthrough"):
        assert got[key] == expected[key], key
    assert got["loaders"] == expected["firmware"]
    if "cpu_models" in expected:
        assert got["cpu_models"] == expected["cpu_models"]
    else:
        assert len(got["cpu_models"]) == expected["n_models"]
        assert set(expected["has_models"]) <= set(got["cpu_models"])
        assert not set(expected["not_models"]) & set(got["cpu_models"])


def test_x86_unusable_models_left_out():
    got = parse_domain_capabilities(fixture_file("domain_caps", "domcaps_x86_64_kvm_q35_efi_secboot.xml").read_text())
    assert "phenom" not in got["cpu_models"]  # usable='no' in the capture


def test_loader_values_without_efi_are_not_firmware():
    # libvirt lists its built-in loader defaults even for machines that cannot boot them (seen for ppc64le pseries).
    xml = (
        "<domainCapabilities><path>/usr/bin/qemu-system-ppc64le</path><domain>qemu</domain><machine>pseries-7.2</machine>"
        "<arch>ppc64le</arch><os supported='yes'><enum name='firmware'/><loader supported='yes'>"
        "<value>/usr/share/OVMF/OVMF_CODE.fd</value></loader></os></domainCapabilities>"
    )
    got = parse_domain_capabilities(xml)
    assert got["uefi"] is False
    assert got["firmware"] == []
    assert got["loaders"] == ["/usr/share/OVMF/OVMF_CODE.fd"]
    assert got["cpu_models"] == [] and got["cpu_modes"] == []


def test_merge_domain_capabilities():
    caps = parse_capabilities(fixture_file("libvirt_caps", "caps_aarch64_kvm_neoverse_n1.xml").read_text())
    dom = parse_domain_capabilities(fixture_file("domain_caps", "domcaps_aarch64_kvm_virt_efi.xml").read_text())
    merged = merge_domain_capabilities(caps["guests"], dom)
    assert merged["aarch64"]["uefi"] is True
    assert merged["aarch64"]["firmware"] == dom["firmware"]
    assert merged["aarch64"]["cpu_models"] == dom["cpu_models"]
    assert merged["aarch64"]["cpu_modes"] == ["custom", "host-passthrough", "maximum"]
    # Untouched guest and untouched input.
    assert merged["armv7l"]["uefi"] is None
    assert caps["guests"]["aarch64"]["uefi"] is None


def test_merge_ignores_unknown_arch_and_combines_several():
    caps = parse_capabilities(fixture_file("libvirt_caps", "caps_x86_64_kvm_intel_multiarch_tcg.xml").read_text())
    ppc = parse_domain_capabilities(fixture_file("domain_caps", "domcaps_ppc64le_kvm_pseries_nofirmware.xml").read_text())
    riscv = parse_domain_capabilities(fixture_file("domain_caps", "domcaps_riscv64_qemu_tcg_virt.xml").read_text())
    q35 = parse_domain_capabilities(fixture_file("domain_caps", "domcaps_x86_64_kvm_q35_efi_secboot.xml").read_text())
    old = parse_domain_capabilities(fixture_file("domain_caps", "domcaps_x86_64_kvm_q35_loader_no_firmware_enum.xml").read_text())
    merged = merge_domain_capabilities(caps["guests"], [ppc, riscv, q35, old])
    assert "riscv64" not in merged
    assert merged["ppc64le"]["uefi"] is False and merged["ppc64le"]["firmware"] == []
    assert merged["x86_64"]["uefi"] is True
    assert merged["x86_64"]["firmware"] == q35["firmware"]  # the old capture's loader is already listed


GARBAGE = [
    ("", "empty"),
    ("   \n", "empty"),
    ("not xml at all", "not well-formed"),
    ("<capabilities><host><cpu><arch>x86_64</arch>", "not well-formed"),
    ("\x00\x01\x02", "not well-formed"),
]


@pytest.mark.parametrize(("text", "message"), GARBAGE)
def test_capabilities_garbage_raises_value_error(text, message):
    with pytest.raises(ValueError, match=message) as exc:
        parse_capabilities(text)
    assert "libvirt capabilities" in str(exc.value)


def test_truncated_capabilities_fixture_raises():
    text = fixture_file("libvirt_caps", "caps_x86_64_kvm_intel_multiarch_tcg.xml").read_text()
    with pytest.raises(ValueError, match="not well-formed"):
        parse_capabilities(text[: len(text) // 2])


@pytest.mark.parametrize(("text", "message"), [*GARBAGE, ("<capabilities/>", "expected <domainCapabilities>")])
def test_domain_capabilities_garbage_raises_value_error(text, message):
    with pytest.raises(ValueError, match=message) as exc:
        parse_domain_capabilities(text)
    assert "libvirt domain capabilities" in str(exc.value)


def test_wrong_root_element():
    with pytest.raises(ValueError, match="expected <capabilities>"):
        parse_capabilities("<domainCapabilities/>")


@pytest.mark.parametrize(
    ("name", "key"), [("arm", "armv7l"), ("AMD64", "x86_64"), ("ppc64el", "ppc64le"), ("MIPSel", "mipsel"), (" armv6l ", "armv6l"), (None, None)]
)
def test_guest_arch_key(name, key):
    # Names the arch table knows become canonical; others are kept, lower-case, as libvirt spells them.
    assert guest_arch_key(name) == key
