"""Role container_runtime: its interface and the order of its drain, restart, rollback and uncordon.

The role restarts a real Docker: it runs in the Molecule scenarios container_runtime
(restart) and container_runtime_fault (rollback), where a recording double of
kubernetes.core.k8s_drain checks the calls it makes. Here the task files themselves are
read, so that a change that drops the uncordon or the rollback's backup fails at once.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import REPO

ROLE = REPO / "roles" / "container_runtime"


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _tasks(name):
    return _load(ROLE / "tasks" / name)


def _k8s(task):
    return task.get("kubernetes.core.k8s_drain")


def test_defaults_equal_the_argument_specs():
    defaults = _load(ROLE / "defaults" / "main.yml")
    options = _load(ROLE / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert set(defaults) == set(options)
    assert {name: spec.get("default") for name, spec in options.items()} == defaults


def test_the_promise_is_written_where_operators_read_it():
    spec = _load(ROLE / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]["container_runtime_drain_kubernetes_node"]
    text = " ".join(spec["description"])
    assert "uncordon it once Docker is back" in text
    assert "stays cordoned; uncordon it" not in text  # the old wording that dropped the promise
    assert "uncordon it once Docker is back" in (ROLE / "defaults" / "main.yml").read_text(encoding="utf-8")


def test_the_node_is_drained_before_daemon_json_changes():
    tasks = _tasks("docker.yml")
    names = [task["name"] for task in tasks]
    drain_block = tasks[0]
    assert drain_block["when"] == "container_runtime_drain_kubernetes_node | bool"
    plan, drain = drain_block["block"]
    assert plan["check_mode"] is True and plan["multiarch.kolla.docker_daemon_config"]["backup"] is False
    assert _k8s(drain)["state"] == "drain"
    assert drain["when"] == "_container_runtime_daemon_plan is changed"
    assert drain["delegate_to"] == "localhost"
    assert names.index("Merge the cgroup driver and the operator's settings into daemon.json") > 0


def test_the_rollback_always_has_the_previous_file():
    merge = next(task for task in _tasks("docker.yml") if "multiarch.kolla.docker_daemon_config" in task and "check_mode" not in task)
    # A backup is taken whatever container_runtime_backup says: the rollback restores from it.
    assert merge["multiarch.kolla.docker_daemon_config"]["backup"] is True
    cleanup = [task for task in _tasks("docker.yml") + _tasks("restart_docker.yml")[0]["rescue"]
               if (task.get("ansible.builtin.file") or {}).get("path") == "{{ _container_runtime_daemon.backup_file }}"]
    assert len(cleanup) == 2
    assert all("not container_runtime_backup | bool" in task["when"] for task in cleanup)


def test_the_node_is_uncordoned_after_the_restart_and_after_the_rollback():
    drain = _k8s(_tasks("docker.yml")[0]["block"][1])
    restart = _tasks("restart_docker.yml")
    block = restart[0]
    after = restart[1:]
    rescue_names = [task["name"] for task in block["rescue"]]
    uncordons = [task for task in [*block["rescue"], *after] if _k8s(task)]
    assert [_k8s(task)["state"] for task in uncordons] == ["uncordon", "uncordon"]
    for task in uncordons:
        assert _k8s(task)["name"] == drain["name"]
        assert _k8s(task)["kubeconfig"] == drain["kubeconfig"] == "{{ container_runtime_kubeconfig | default(omit, true) }}"
        assert task["delegate_to"] == "localhost"
        assert "container_runtime_drain_kubernetes_node | bool" in str(task["when"])
    # After the restart: once the block succeeded (its rescue ends in a failure).
    assert after == [uncordons[1]]
    assert block["rescue"][-1].get("ansible.builtin.fail")
    # After the rollback: once Docker answers again, before the failure that reports it; an uncordon
    # error must not hide what Docker did.
    rollback = uncordons[0]
    assert rescue_names.index("Wait for Docker to answer again") < rescue_names.index(rollback["name"]) < len(rescue_names) - 1
    assert "_container_runtime_rollback.rc == 0" in rollback["when"]
    assert rollback["ignore_errors"] is True and rollback["register"] == "_container_runtime_rollback_uncordon"
    assert "_container_runtime_rollback_uncordon" in block["rescue"][-1]["vars"]["_container_runtime_node"]


def test_a_restart_an_interrupted_run_left_pending_is_done_by_the_next_real_run():
    # The container_runtime_fault scenario kills a run between writing daemon.json and the restart.
    tasks = _tasks("docker.yml")
    restart = next(t for t in tasks if t.get("ansible.builtin.import_tasks") == "restart_docker.yml")
    assert "_container_runtime_decision.restart_pending and not _container_runtime_daemon.check_mode" in restart["when"]
    plan = next(t for b in tasks for t in b.get("block", []) if t.get("register") == "_container_runtime_daemon_plan")
    assert "_container_runtime_decision.restart_pending" in plan["changed_when"]  # the node is drained for it too
