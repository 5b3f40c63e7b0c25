"""plugins/plugin_utils/preflight/run.py: every check in one pass, skips by name, one table, a broken input never hides the rest."""

from __future__ import annotations

from kollatestlib import fact
from runtime_testlib import fake_process, raw_runtime

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import run


def cloud():
    hostvars = {"ctl1": {"multiarch_host": fact("x86_64")}, "cp": {"multiarch_host": fact("ppc64le")}, "cs": {"multiarch_host": fact("s390x")}}
    return list(hostvars), hostvars, {"control": ["ctl1"], "compute": ["cp", "cs"]}


def test_every_finding_at_once_errors_first_in_one_table():
    hosts, hostvars, groups = cloud()
    result = run.preflight(hosts, hostvars, groups, {"kolla_ansible_version": "23.0.0", "ansible_core_version": "2.21.1"})
    assert result["checks"] == list(run.CHECKS) and result["skipped"] == []
    by_check = {(f["host"], f["check"]) for f in result["findings"]}
    assert {("cs", "arch_supported"), ("cp", "image_source"), ("cp", "kvm_usable")} - by_check == set()
    assert ("ctl1", "kvm_usable") not in by_check  # a control host runs no nova-compute
    assert result["errors"] == sum(f["severity"] == "error" for f in result["findings"]) >= 2
    lines = result["table"].splitlines()
    assert [cell.strip() for cell in lines[0].split(" | ")] == ["host", "check", "severity", "found", "what to do"]
    severities = [line.split(" | ")[2].strip() for line in lines[2:]]
    assert severities == sorted(severities)  # errors before warnings


def test_skips_by_name_and_an_unknown_name_is_a_finding():
    hosts, hostvars, groups = cloud()
    result = run.preflight(hosts, hostvars, groups, skip=["arch_supported", "kvm_usable", "no_such_check"])
    assert "arch_supported" not in result["checks"] and result["skipped"] == ["arch_supported", "kvm_usable"]
    assert not any(f["check"] in ("arch_supported", "kvm_usable") for f in result["findings"])
    (unknown,) = [f for f in result["findings"] if f["check"] == "preflight_skip"]
    assert "no_such_check" in unknown["found"]


def test_a_check_that_cannot_read_its_input_is_a_finding_and_the_others_still_run(monkeypatch):
    def broken(ctx):
        raise KeyError("arch")

    checks = dict(run.CHECKS)
    checks["arch_supported"] = (broken, "broken")
    monkeypatch.setattr(run, "CHECKS", checks)
    hosts, hostvars, groups = cloud()
    result = run.preflight(hosts, hostvars, groups)
    broken_rows = [f for f in result["findings"] if f["check"] == "arch_supported"]
    assert len(broken_rows) == 1 and "KeyError" in broken_rows[0]["found"]
    assert any(f["check"] == "image_source" for f in result["findings"])


def test_nothing_found_is_an_empty_table():
    assert run.table([]) == ""


def test_the_phase_groups_follow_the_roles_own_rules(tmp_path):
    docker = raw_runtime(tmp_path / "d")
    docker["binaries"]["dockerd"] = "/usr/sbin/dockerd"
    hostvars = {"d": {"multiarch_host": fact("x86_64"), "multiarch_host_read": {"runtime": docker}}, "plain": {"multiarch_host": fact("x86_64"),
                "multiarch_host_read": {"runtime": raw_runtime(tmp_path / "p")}}, "g": {"multiarch_host": fact("x86_64"), "gpu_passthrough_all_gpus": "yes"}}
    groups = run.preflight(list(hostvars), hostvars, {"compute": list(hostvars)})["groups"]
    assert groups == {"multiarch_docker_hosts": ["d"], "multiarch_gpu_hosts": ["g"]}


def test_a_host_libvirt_is_a_row_of_the_table(tmp_path):
    fake_process(tmp_path, "self")
    fake_process(tmp_path, 812, "libvirtd")
    raw = raw_runtime(tmp_path, libvirt={"containers": ["nova_libvirt"]})
    hostvars = {"cx1": {"multiarch_host": fact("x86_64", kvm=True), "multiarch_host_read": {"runtime": raw}}}
    result = run.preflight(["cx1"], hostvars, {"compute": ["cx1"]}, skip=["versions"])
    assert "host_libvirt" in result["checks"] and run.CHECKS["host_libvirt"][1].startswith("no host libvirtd or virtqemud runs")
    rows = [[cell.strip() for cell in line.split(" | ")] for line in result["table"].splitlines()[2:]]
    (row,) = [row for row in rows if row[1] == "host_libvirt"]
    assert row[:3] == ["cx1", "host_libvirt", "error"] and row[3].startswith("libvirtd (pid 812) runs on the host itself")
    assert run.preflight(["cx1"], hostvars, {"compute": ["cx1"]}, skip=["versions", "host_libvirt"])["skipped"] == ["host_libvirt", "versions"]
