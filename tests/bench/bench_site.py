"""Benchmark: playbook site.yml on the lab - a first run, a second run and a --check run.

Runs ``ansible-playbook -i inventories/lab/hosts.yml playbooks/site.yml`` three times against the lab
(`make lab`), as `make demo` does (the kolla render phase on lab-deploy with the real kolla-ansible
genconfig --tags nova), with the json callback, and prints:

  runs    wall time, tasks executed per host (a task counts for a host when it ran there: not skipped),
          changed tasks, and failed/unreachable hosts of each run
  phases  seconds per phase (play) in each run
  detect  module calls per host in the detect phase (the tasks that ran a module on the host, not
          controller-side actions such as set_fact, assert or debug)

With --fresh the lab is removed and created again first, so the first run meets hosts nothing has
touched (Docker's cgroup driver not yet aligned, no kolla-ansible output); without it the first run
is whatever state the lab is in. Targets (issue 14): the second run changes nothing and takes at most
half the first run's time; detection costs one module call per host. A script that prints a table,
not a test; --check makes it exit 1 when a target is missed.

    .venv/bin/python tests/bench/bench_site.py --fresh
    .venv/bin/python tests/bench/bench_site.py --runs second check   # on a lab that has had its first run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INVENTORY = REPO / "inventories" / "lab" / "hosts.yml"
RUNS = {"first": [], "second": [], "check": ["--check", "--diff"]}
# Actions that run on the controller only: no module call on the host.
CONTROLLER_ACTIONS = {"ansible.builtin.set_fact", "set_fact", "ansible.builtin.assert", "assert", "ansible.builtin.debug", "debug",
                      "ansible.builtin.fail", "fail", "ansible.builtin.group_by", "group_by", "ansible.builtin.add_host", "add_host",
                      "ansible.builtin.include_tasks", "ansible.builtin.import_tasks", "ansible.builtin.include_role", "ansible.builtin.meta",
                      "meta", "ansible.builtin.include_vars", "include_vars", "ansible.builtin.validate_argument_spec",
                      "validate_argument_spec"}


def ansible_env():
    return dict(os.environ, PATH="%s:%s" % (BIN, os.environ["PATH"]), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_NOCOLOR="1",
                # As make demo: ask again when Docker's exec API loses an answer (tests/lab/callback_plugins).
                ANSIBLE_CALLBACK_PLUGINS=str(REPO / "tests" / "lab" / "callback_plugins"), ANSIBLE_CALLBACKS_ENABLED="lab_exec_retry,lab_preload")


def _time(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _play_seconds(play):
    """A play's duration; a play that ran no task on any host has no end: its last task's end, else 0."""
    duration = play["play"]["duration"]
    end = duration.get("end") or max((t["task"]["duration"].get("end", "") for t in play["tasks"]), default="")
    return (_time(end) - _time(duration["start"])).total_seconds() if end else 0.0


def lab(state):
    subprocess.run([str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(REPO / "playbooks" / "lab.yml"), "-e", "lab_state=%s" % state],
                   env=ansible_env(), cwd=str(REPO), check=True, capture_output=True)


def run_site(name, options, report_dir):
    argv = [str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(REPO / "playbooks" / "site.yml"), "-e", "multiarch_deploy_host=lab-deploy",
            "-e", "multiarch_report_dir=%s" % report_dir, *options]
    started = time.monotonic()
    proc = subprocess.run(argv, env=ansible_env(), cwd=str(REPO), capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / ("run-%s.json" % name)).write_text(proc.stdout)  # kept for a later look
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        sys.exit("site.yml gave no JSON (rc %s): %s" % (proc.returncode, (proc.stdout + proc.stderr)[-3000:]))
    return wall, proc.returncode, out


def measure(out):
    """Per run: tasks run per host, changed per host, seconds per phase, module calls per host in the detect phase."""
    ran, changed, detect_calls, phases = Counter(), Counter(), Counter(), []
    for play in out["plays"]:
        phases.append((play["play"]["name"], _play_seconds(play)))
        detect = play["play"]["name"].startswith("Detect")
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("skipped"):
                    continue
                ran[host] += 1
                changed[host] += bool(result.get("changed"))
                if detect and result.get("action") not in CONTROLLER_ACTIONS:
                    detect_calls[host] += 1
    return {"ran": ran, "changed": changed, "detect_calls": detect_calls, "phases": phases, "stats": out["stats"]}


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row):
        return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths)))

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    print()


def report(results):
    hosts = sorted({h for m in results.values() for h in m["stats"]})
    print("## Runs\n")
    table([(name, "%.0f" % m["wall"], m["rc"], *("%d/%d" % (m["ran"][h], m["changed"][h]) for h in hosts),
            ",".join(h for h, s in m["stats"].items() if s.get("failures") or s.get("unreachable")) or "-")
           for name, m in results.items()], ("run", "wall s", "rc", *("%s ran/changed" % h for h in hosts), "failed/unreachable"))
    print("## Seconds per phase\n")
    names = list(dict.fromkeys(phase[0] for m in results.values() for phase in m["phases"]))
    table([(name[:60], *("%.1f" % sum(s for n, s in m["phases"] if n == name) for m in results.values())) for name in names],
          ("phase (play)", *results))
    print("## Detect: module calls per host\n")
    table([(h, *(m["detect_calls"][h] for m in results.values())) for h in hosts], ("host", *results))


def targets(results):
    missed = []
    if "second" in results:
        if any(results["second"]["changed"].values()):
            missed.append("the second run changed %s" % dict(+results["second"]["changed"]))
        if "first" in results and results["second"]["wall"] > results["first"]["wall"] / 2:
            missed.append("the second run took %.0f s, more than half the first's %.0f s" % (results["second"]["wall"], results["first"]["wall"]))
    over = {h: n for m in results.values() for h, n in m["detect_calls"].items() if n > 1}
    if over:
        missed.append("detection made more than one module call on %s" % over)
    return missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="remove and create the lab again before the first run")
    parser.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS))
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    report_dir = REPO / ".cache" / "bench-site"
    if args.fresh:
        lab("absent")
        lab("present")
    results = {}
    for name in args.runs:
        wall, rc, out = run_site(name, RUNS[name], report_dir)
        results[name] = dict(measure(out), wall=wall, rc=rc)
    report(results)
    missed = targets(results)
    for line in missed:
        print("target missed: %s" % line)
    print("all targets met" if not missed else "")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
