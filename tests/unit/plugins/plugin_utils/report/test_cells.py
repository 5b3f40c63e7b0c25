"""plugin_utils/report/cells.py: the columns and the text of each cell (over the real mixed fleet of report_testlib)."""

from __future__ import annotations

import pytest
from kollatestlib import fact
from report_testlib import HOSTS, PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import image_sources
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.cells import COLUMNS, MISSING, cells, summary
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.rows import host_row, host_rows


@pytest.fixture
def texts(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    return {row["host"]: cells(row) for row in host_rows(hostvars, hosts, image_sources(PPC_REGISTRY))}


def test_every_row_has_a_text_for_every_column(texts):
    assert list(texts) == HOSTS
    for host_texts in texts.values():
        assert list(host_texts) == [key for key, _heading in COLUMNS]
        assert all(isinstance(text, str) and text for text in host_texts.values())


def test_the_x86_64_gpu_host(texts):
    cx1 = texts["cx1"]
    assert (cx1["arch"], cx1["accel"], cx1["docker"], cx1["kubelet"]) == ("x86_64", "kvm", "systemd", "systemd")
    assert cx1["guests"] == "kvm: i686 x86_64; tcg: aarch64 armv6l armv7l ppc ppc64 ppc64le s390x"
    # AAVMF for the emulated aarch64 guests; the first of six OVMF builds for x86_64 (domain capabilities of the fixture).
    assert cx1["uefi"] == "aarch64: AAVMF_CODE.fd, x86_64: OVMF_CODE_4M.secboot.qcow2 +5"
    assert cx1["gpu"] == "0000:c1:00.0, reboot pending (intel_iommu=on)"
    assert cx1["images"] == "registry and namespace of globals.yml, tag suffix none"
    assert cx1["nova"].startswith("virt_type=kvm, cpu_mode=host-model, hw_machine_type=x86_64=q35,")
    assert cx1["notes"] == MISSING


def test_the_refused_tcg_host(texts):
    cx2 = texts["cx2"]
    assert cx2["accel"] == "tcg (no usable /dev/kvm)"
    assert cx2["gpu"] == "0000:0b:00.0, refused: vendor_reset_missing 0000:0b:00.0, no_reset_recovery 0000:0b:00.0"
    assert cx2["docker"] == cx2["kubelet"] == "cgroupfs"
    assert cx2["nova"] == "virt_type=qemu, cpu_mode=custom, cpu_models=Nehalem, num_pcie_ports=16"
    assert cx2["notes"].count("GPU: host cx2:") == 2 and ".;" not in cx2["notes"]


def test_the_aarch64_and_ppc64le_hosts(texts):
    assert texts["ca1"]["images"] == "registry and namespace of globals.yml, tag suffix -aarch64"
    assert texts["ca1"]["gpu"] == "000d:01:00.0, ready"
    assert texts["ca1"]["kubelet"] == MISSING  # no kubelet on the host
    assert texts["cp1"]["images"] == "registry.example.com:4000/kolla-ppc64le, tag suffix none"
    assert texts["cp1"]["uefi"] == "ppc64le: none"  # pseries boots SLOF
    assert texts["cp1"]["gpu"] == texts["cp1"]["docker"] == MISSING


def test_a_host_not_detected_is_dashes_and_the_note(texts):
    new1 = texts["new1"]
    assert all(new1[key] == MISSING for key, _heading in COLUMNS if key not in ("host", "notes"))
    assert new1["notes"].startswith("not detected: run host_facts")


def test_podman_is_named_next_to_its_driver():
    runtime = {"engine": "podman", "cgroup_driver": "systemd", "source": "host_default"}
    assert cells(host_row("h", {"multiarch_host": fact("x86_64"), "multiarch_container_runtime": runtime}, image_sources()))["docker"] == "systemd (podman)"


def test_summary_counts_hosts_per_arch_with_the_undetected_last(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    rows = host_rows(hostvars, hosts, image_sources())
    assert summary(rows) == "5 hosts: 1 aarch64, 1 ppc64le, 2 x86_64, 1 not detected."
    assert summary(rows[:1]) == "1 host: 1 x86_64."
    assert summary([]) == "0 hosts."
