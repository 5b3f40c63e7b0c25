"""One playbook of the collection run through ansible-runner, the library AWX runs each job with.

``ansible_runner.run()`` runs tests/scripts/ansible_runner_detect.yml (the module
host_arch_info, then the role host_facts) on this machine with a local connection, from
a private data directory laid out as AWX lays out a job's (project/, inventory/,
env/, artifacts/). The tests read the job's event stream, as AWX stores it: a
``runner_on_ok`` per task for the host with the module's result in ``event_data.res``,
``playbook_on_stats`` with no failure, and the status ``successful``.
"""

from __future__ import annotations

import platform
import shutil
import sys
from pathlib import Path

import pytest
from conftest import COLLECTIONS_ROOT, REPO, require_import

from ansible_collections.multiarch.kolla.plugins.plugin_utils.arch_name import canonical_arch

PLAYBOOK = REPO / "tests" / "scripts" / "ansible_runner_detect.yml"
HOST = "localhost"
MODULE = "multiarch.kolla.host_arch_info"
ROLE = "multiarch.kolla.host_facts"
# The events that end one task on one host (ansible-runner's awx_display callback).
TERMINAL = {"runner_on_ok", "runner_on_skipped", "runner_on_failed", "runner_on_unreachable"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """Run the playbook once through ansible_runner.run(); the Runner with its events."""
    ansible_runner = require_import("ansible_runner")
    private = tmp_path_factory.mktemp("runner")
    project = private / "project"
    project.mkdir()
    shutil.copy(PLAYBOOK, project / PLAYBOOK.name)
    config = private / "ansible.cfg"  # no ansible.cfg of the machine or of `make` leaks in
    config.write_text("[defaults]\nretry_files_enabled = false\n", encoding="utf-8")
    runner = ansible_runner.run(
        private_data_dir=str(private),
        playbook=PLAYBOOK.name,
        inventory=f"{HOST} ansible_connection=local ansible_python_interpreter={sys.executable}",
        envvars={
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_ROOT),
            "ANSIBLE_CONFIG": str(config),
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        },
        quiet=True,
        timeout=300,
    )
    runner.all_events = list(runner.events)
    return runner


def _events(job, name):
    return [event for event in job.all_events if event["event"] == name]


def _tasks(job):
    """[(task_start event, [terminal events of that task for HOST])] in run order."""
    tasks = []
    for event in job.all_events:
        if event["event"] == "playbook_on_task_start":
            tasks.append((event, []))
        elif event["event"] in TERMINAL and event["event_data"].get("host") == HOST:
            assert tasks, f"{event['event']} before any task: {event['event_data']}"
            assert event["event_data"]["task_uuid"] == tasks[-1][0]["event_data"]["task_uuid"]
            tasks[-1][1].append(event)
    return tasks


def _ok_results(job, action):
    return [e["event_data"]["res"] for e in _events(job, "runner_on_ok") if e["event_data"]["task_action"] == action]


def test_the_job_succeeds(job):
    assert (job.status, job.rc) == ("successful", 0), job.stdout.read()


def test_the_stream_starts_with_the_playbook_and_ends_with_the_stats(job):
    names = [event["event"] for event in job.all_events]
    assert names[0] == "playbook_on_start"
    assert names[-1] == "playbook_on_stats"
    assert names.count("playbook_on_play_start") == 2
    assert _events(job, "playbook_on_start")[0]["event_data"]["playbook"] == PLAYBOOK.name


def test_every_task_ends_once_for_the_host_and_none_fails(job):
    tasks = _tasks(job)
    assert len(tasks) >= 6  # the module, the role's argument check, and its four tasks
    for start, ends in tasks:
        assert [e["event"] for e in ends] in (["runner_on_ok"], ["runner_on_skipped"]), start["event_data"]["task"]


def test_the_module_and_the_role_tasks_are_ok(job):
    actions = [(start["event_data"]["task_action"], start["event_data"].get("resolved_role"), ends[0]["event"])
               for start, ends in _tasks(job)]
    assert actions[0] == (MODULE, None, "runner_on_ok")
    role_ok = {action for action, role, event in actions if role == ROLE and event == "runner_on_ok"}
    assert {MODULE, "ansible.builtin.set_fact", "ansible.builtin.add_host"} <= role_ok


def test_the_modules_result_is_in_the_event_data(job):
    results = _ok_results(job, MODULE)
    assert len(results) == 2  # the play's own call and the role's
    expected = canonical_arch(platform.machine())
    for res in results:
        assert res["changed"] is False
        assert res["host"]["arch"] == expected
        assert isinstance(res["host"]["guests"], dict)
        assert isinstance(res["host"]["warnings"], list)


def test_the_role_publishes_what_the_module_read(job):
    detected = _ok_results(job, MODULE)[1]["host"]
    facts = [res["ansible_facts"] for res in _ok_results(job, "ansible.builtin.set_fact")]
    assert facts[0]["multiarch_host"] == detected
    groups = facts[0]["multiarch_groups"]["all"]
    assert f"arch_{detected['arch']}" in groups
    items = [e["event_data"]["res"]["item"] for e in _events(job, "runner_item_on_ok")
             if e["event_data"]["task_action"] == "ansible.builtin.add_host"]
    assert [item[1] for item in items] == [groups]  # one add_host item per host: the host and its groups


def test_the_warnings_task_runs_only_when_there_are_warnings(job):
    detected = _ok_results(job, MODULE)[1]["host"]
    (ends,) = [e for s, e in _tasks(job) if s["event_data"]["task_action"] == "ansible.builtin.debug"]
    assert ends[0]["event"] == ("runner_on_ok" if detected["warnings"] else "runner_on_skipped")


def test_the_stats_count_the_events(job):
    stats = _events(job, "playbook_on_stats")[0]["event_data"]
    assert stats["failures"] == {} and stats["dark"] == {}
    assert stats["ok"] == {HOST: len(_events(job, "runner_on_ok"))}
    assert stats.get("skipped", {}).get(HOST, 0) == len(_events(job, "runner_on_skipped"))
    assert job.stats["ok"] == stats["ok"]
