"""plugin_utils/report/rows.py: the capability map's rows, from the facts the roles publish (over a real mixed fleet)."""

from __future__ import annotations

import pytest
from kollatestlib import PPC_SOURCE, LazyHostvars, fact, mixed, multinode
from report_testlib import HOSTS, PPC_REGISTRY, fleet

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import image_sources
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.report.rows import NOT_DETECTED, ROW_KEYS, UNREACHABLE, host_row, host_rows


@pytest.fixture
def fleet_rows(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    rows = host_rows(hostvars, hosts, image_sources(PPC_REGISTRY))
    return hostvars, {row["host"]: row for row in rows}, rows


def test_one_row_per_host_in_order_with_every_key(fleet_rows):
    _hostvars, _by_host, rows = fleet_rows
    assert [row["host"] for row in rows] == HOSTS
    assert all(tuple(row) == ROW_KEYS for row in rows)


def test_a_host_given_twice_is_one_row(tmp_path):
    hostvars, _hosts = fleet(tmp_path)
    assert [row["host"] for row in host_rows(hostvars, ["ca1", "cx1", "ca1"], image_sources())] == ["ca1", "cx1"]


def test_arch_cpu_and_accelerator_come_from_multiarch_host(fleet_rows):
    hostvars, by_host, _rows = fleet_rows
    for host in ("cx1", "cx2", "ca1", "cp1"):
        detected = hostvars[host]["multiarch_host"]
        row = by_host[host]
        assert row["detected"] is True and row["arch"] == detected["arch"]
        assert row["cpu"]["model"] == detected["cpu"]["model"]
        assert row["accel"] == ("kvm" if detected["kvm"]["usable"] else "tcg")
    assert by_host["cx2"]["kvm_reason"] == hostvars["cx2"]["multiarch_host"]["kvm"]["reason"]
    assert by_host["cx1"]["kvm_reason"] is None


def test_guests_are_every_guest_of_the_fact_with_its_accelerator_and_firmware(fleet_rows):
    hostvars, by_host, _rows = fleet_rows
    for host in ("cx1", "cx2", "ca1", "cp1"):
        guests = hostvars[host]["multiarch_host"]["guests"]
        assert [g["arch"] for g in by_host[host]["guests"]] == sorted(guests)
        for guest in by_host[host]["guests"]:
            assert guest["accel"] == guests[guest["arch"]]["accel"]
            assert guest["uefi"] == guests[guest["arch"]].get("uefi")
            assert guest["firmware"] == guests[guest["arch"]].get("firmware", [])
    aarch64_on_x86 = next(g for g in by_host["cx1"]["guests"] if g["arch"] == "aarch64")
    assert aarch64_on_x86 == {"arch": "aarch64", "accel": "tcg", "uefi": True, "firmware": ["/usr/share/AAVMF/AAVMF_CODE.fd"]}


def test_gpu_states_follow_the_gpu_passthrough_fact(fleet_rows):
    hostvars, by_host, _rows = fleet_rows
    cx1 = by_host["cx1"]["gpu"]
    assert cx1["selected"] == hostvars["cx1"]["multiarch_gpu_passthrough"]["selected"] == ["0000:c1:00.0"]
    assert cx1["kernel_args_pending"] == ["intel_iommu=on"] and cx1["reboot_pending"] and cx1["state"] == "reboot pending"
    assert by_host["ca1"]["gpu"]["state"] == "ready" and not by_host["ca1"]["gpu"]["reboot_pending"]
    cx2 = by_host["cx2"]["gpu"]
    assert cx2["state"] == "refused"
    assert [r["name"] for r in cx2["refused"]] == ["vendor_reset_missing", "no_reset_recovery"]
    messages = [r["message"] for r in hostvars["cx2"]["multiarch_gpu_passthrough"]["refused"]]
    assert ["GPU: " + m for m in messages] == by_host["cx2"]["notes"]
    assert by_host["cp1"]["gpu"] is None  # gpu_passthrough did not run there


@pytest.mark.parametrize(("gpu", "state"), [
    ({"selected": ["0000:01:00.0"], "errors": ["host h: bad address"], "kernel_args_pending": ["iommu=pt"]}, "error"),
    ({"selected": [], "refused": [], "errors": []}, "none selected"),
    ({"selected": ["0000:01:00.0"], "kernel_args_pending": []}, "ready"),
])
def test_gpu_state_of_each_kind(gpu, state):
    row = host_row("h", {"multiarch_host": fact("x86_64"), "multiarch_gpu_passthrough": gpu}, image_sources())
    assert row["gpu"]["state"] == state
    assert row["gpu"]["reboot_pending"] is False
    assert row["notes"] == ["GPU: %s" % e for e in gpu.get("errors", [])]


def test_cgroup_drivers_follow_the_container_runtime_fact(fleet_rows):
    _hostvars, by_host, _rows = fleet_rows
    assert by_host["cx1"]["container_runtime"] == {"engine": "docker", "cgroup_driver": "systemd", "kubelet_cgroup_driver": "systemd",
                                                   "source": "kubelet_config"}
    assert by_host["cx2"]["container_runtime"]["cgroup_driver"] == by_host["cx2"]["container_runtime"]["kubelet_cgroup_driver"] == "cgroupfs"
    # No kubelet on ca1: Docker follows the host (systemd, cgroup v2) and there is no kubelet driver to show.
    assert by_host["ca1"]["container_runtime"]["source"] == "host_default"
    assert by_host["ca1"]["container_runtime"]["kubelet_cgroup_driver"] is None
    assert by_host["cp1"]["container_runtime"] is None


def test_an_operator_override_shows_no_kubelet_driver():
    runtime = {"engine": "podman", "cgroup_driver": "cgroupfs", "source": "operator", "reason": "x", "docker_custom_config": None}
    row = host_row("h", {"multiarch_host": fact("x86_64"), "multiarch_container_runtime": runtime}, image_sources())
    assert row["container_runtime"] == {"engine": "podman", "cgroup_driver": "cgroupfs", "kubelet_cgroup_driver": None, "source": "operator"}


def test_images_are_what_kolla_multiarch_writes_for_the_arch_group():
    # Oracle: the group_vars/arch_<arch>.yml role kolla_multiarch's plan writes for the same hosts and image sources.
    hostvars = mixed()
    written = plan(multinode(), hostvars, image_sources_override=PPC_SOURCE)["group_vars"]
    rows = host_rows(hostvars, list(hostvars), image_sources(PPC_SOURCE))
    assert len(rows) == 6
    for row in rows:
        assert row["images"]["group_vars"] == written["arch_%s" % row["arch"]]
    ppc = next(row for row in rows if row["arch"] == "ppc64le")["images"]
    assert (ppc["registry"], ppc["namespace"], ppc["tag_suffix"]) == ("registry.example.com:4000", "kolla-ppc64le", "")
    aarch64 = next(row for row in rows if row["arch"] == "aarch64")["images"]
    assert (aarch64["registry"], aarch64["namespace"], aarch64["tag_suffix"]) == (None, None, "-aarch64")


def test_an_arch_without_an_image_source_is_a_note_naming_the_variable(tmp_path):
    hostvars, hosts = fleet(tmp_path)
    cp1 = host_rows(hostvars, hosts, image_sources())[3]
    assert cp1["host"] == "cp1" and cp1["images"] is None
    assert any("kolla_multiarch_image_sources.ppc64le" in note for note in cp1["notes"])


def test_nova_settings_are_the_nova_compute_fact(fleet_rows):
    hostvars, by_host, _rows = fleet_rows
    for host in ("cx1", "cx2", "ca1", "cp1"):
        decided = hostvars[host]["multiarch_nova_compute"]
        nova = by_host[host]["nova"]
        assert (nova["virt_type"], nova["cpu_mode"]) == (decided["virt_type"], decided["cpu_mode"])
        assert nova["cpu_models"] == decided["libvirt"].get("cpu_models")
        assert nova["hw_machine_type"] == decided["libvirt"].get("hw_machine_type")
        assert nova["num_pcie_ports"] == decided["libvirt"].get("num_pcie_ports")
        assert nova["emulated"] == decided["emulated"] and nova["traits"] == decided["traits"]
    assert by_host["ca1"]["nova"]["cpu_mode"] == "host-passthrough"  # aarch64 has no host-model
    assert by_host["cx2"]["nova"]["virt_type"] == "qemu"


def test_a_host_without_multiarch_host_says_not_detected(fleet_rows):
    _hostvars, by_host, _rows = fleet_rows
    row = by_host["new1"]
    assert row["detected"] is False and row["notes"] == [NOT_DETECTED]
    assert all(row[key] is None for key in ("arch", "cpu", "accel", "gpu", "container_runtime", "images", "nova"))
    assert "host_facts" in NOT_DETECTED


@pytest.mark.parametrize(("hostvars", "why"), [
    ({}, None),
    ({"multiarch_host": None}, None),
    ({"multiarch_host": "x86_64"}, None),
    ({"multiarch_host": {"arch": None, "kvm": {"usable": True}}}, "multiarch_host.arch is null"),
    ({"multiarch_host": {"arch": "vax"}}, "multiarch_host.arch='vax'"),
])
def test_a_missing_or_unusable_fact_is_a_row_that_says_so(hostvars, why):
    row = host_row("h1", hostvars, image_sources())
    assert row["detected"] is False and row["arch"] is None
    if why is None:
        assert row["notes"] == [NOT_DETECTED]
    else:
        assert why in row["notes"][0] and "run host_facts" in row["notes"][0]


def test_a_host_hostvars_does_not_know_is_not_detected():
    rows = host_rows(LazyHostvars({"a": {"multiarch_host": fact("aarch64")}}), ["a", "ghost"], image_sources())
    assert [row["detected"] for row in rows] == [True, False]


def test_malformed_optional_facts_are_left_out_not_fatal():
    detected = dict(fact("x86_64", kvm=None), guests={"aarch64": "not a dict", "x86_64": {"accel": "kvm", "uefi": "yes", "firmware": "OVMF"}},
                    cpu="unknown")
    row = host_row("h", {"multiarch_host": detected, "multiarch_gpu_passthrough": ["x"], "multiarch_container_runtime": "docker",
                         "multiarch_nova_compute": 3}, image_sources())
    assert row["detected"] is True and row["accel"] == "unknown"
    assert row["guests"] == [{"arch": "x86_64", "accel": "kvm", "uefi": None, "firmware": []}]
    assert row["cpu"] == {"vendor": None, "model": None, "count": None}
    assert (row["gpu"], row["container_runtime"], row["nova"]) == (None, None, None)


def test_a_host_that_dropped_out_of_the_run_says_so(tmp_path):
    hostvars, _hosts = fleet(tmp_path)
    hostvars = dict(hostvars, gone={})  # never detected: unreachable from the first play on
    rows = {row["host"]: row for row in host_rows(hostvars, ["cx1", "ca1", "gone"], image_sources(), unreachable=["ca1", "gone"])}
    assert rows["gone"]["detected"] is False and rows["gone"]["notes"] == [UNREACHABLE]
    assert rows["ca1"]["detected"] is True and rows["ca1"]["arch"] == "aarch64"  # the facts it had before
    assert "unreachable or failed in this run" in rows["ca1"]["notes"][0]
    assert not any("unreachable" in note for note in rows["cx1"]["notes"])
