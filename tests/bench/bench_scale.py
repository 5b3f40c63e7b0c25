"""Benchmark: playbook site.yml over many light lab hosts, against an ``ansible -m ping`` over the same hosts.

Starts ``--hosts`` plain containers of the x86_64 lab image (``sleep infinity``: no systemd, no Docker engine,
no libvirt), reached as the lab's hosts are (community.docker.docker_api through this machine's Docker socket),
all in kolla-ansible's compute group, the first one also in control. Then, with ``--forks`` forks:

  ping    ``ansible -m ansible.builtin.ping`` over every host (the cost of reaching them at all)
  site    ``ansible-playbook site.yml``: every phase (the container runtime phase has no host: no engine runs
          in a light host), the kolla render on localhost into a scratch dir (kolla-ansible itself is not run),
          the capability map

and prints the wall time of each, their ratio (target, issue 14: site.yml at most 3x the ping), the seconds
per phase (play), the tasks that ran per host, and the controller's peak memory: the largest resident set of
the whole ansible process tree (the main process and its forks, sampled every 0.2 s) and of one process.
A script that prints a table, not a test; --check makes it exit 1 when the target is missed.

    .venv/bin/python tests/bench/bench_scale.py                 # 100 hosts, forks 20
    .venv/bin/python tests/bench/bench_scale.py --hosts 10 --keep
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_site  # the lab benchmark's environment, parsing and table

REPO = bench_site.REPO
BIN = bench_site.BIN
IMAGE = "multiarch-kolla-lab:x86_64"
PREFIX = "multiarch-scale-"
WORK = REPO / ".cache" / "bench-scale"


def docker(*argv, check=True):
    return subprocess.run(["docker", *argv], capture_output=True, text=True, check=check)


def start_hosts(count):
    names = ["%s%03d" % (PREFIX, i) for i in range(1, count + 1)]
    stop_hosts()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda name: docker("run", "-d", "--name", name, "--entrypoint", "sleep", IMAGE, "infinity"), names))
    return names


def stop_hosts():
    found = docker("ps", "-aq", "--filter", "name=^%s" % PREFIX).stdout.split()
    if found:
        docker("rm", "-f", *found)


def vip():
    """The last usable address of Docker's default bridge: inside every host's eth0 subnet, and no host's address."""
    subnet = json.loads(docker("network", "inspect", "bridge").stdout)[0]["IPAM"]["Config"][0]["Subnet"]
    return str(ipaddress.ip_network(subnet)[-2])


def write_inventory(names):
    """A fresh scratch dir: the hosts, kolla-ansible's inventory, the run's extra-vars; site.yml meets it for the first time."""
    shutil.rmtree(WORK, ignore_errors=True)
    for sub in ("inventory", "kolla/config", "report"):
        (WORK / sub).mkdir(parents=True, exist_ok=True)
    (WORK / "multinode").write_text("[control]\n%s\n[compute]\n%s\n" % (names[0], "\n".join(names)))
    light = {"ansible_connection": "community.docker.docker_api", "ansible_python_interpreter": "/usr/bin/python3"}
    inventory = {"all": {"children": {
        "compute": {"hosts": {name: dict(light) for name in names}},
        "control": {"hosts": {names[0]: None}},
        "local": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}},
    }}}
    (WORK / "hosts.yml").write_text(yaml.safe_dump(inventory))
    # The lab image has Docker's binaries but no engine runs in a light host: the container runtime phase gets no host
    # (as in the tests' local clouds), and the preflight's runtime check is given the driver.
    extra = {"multiarch_container_runtime_hosts": "nobody", "container_runtime_cgroup_driver": "cgroupfs", "network_interface": "eth0",
             "kolla_internal_vip_address": vip(), "preflight_skip": ["versions"],
             "preflight_resolve_names": False, "preflight_kolla_globals_file": str(WORK / "globals.yml"),
             "kolla_multiarch_inventory_source": str(WORK / "multinode"), "kolla_multiarch_inventory_dir": str(WORK / "inventory"),
             "kolla_multiarch_config_dir": str(WORK / "kolla"), "multiarch_report_dir": str(WORK / "report")}
    (WORK / "extra.yml").write_text(yaml.safe_dump(extra))


class PeakMemory:
    """The largest resident set of a process tree (KiB, summed over the tree) and of one process in it, sampled."""

    def __init__(self, root_pid, interval=0.2):
        self.root, self.interval, self.tree, self.single = root_pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _processes():
        """``{pid: (ppid, rss KiB)}`` of every process /proc lists."""
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/status" % entry, encoding="utf-8") as handle:
                    fields = dict(line.split(":", 1) for line in handle if ":" in line)
            except OSError:
                continue
            out[int(entry)] = (int(fields["PPid"]), int(fields.get("VmRSS", "0 kB").split()[0]))
        return out

    def _sample(self):
        procs = self._processes()
        children = {}
        for pid, (ppid, _rss) in procs.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            if pid in procs:
                tree.append(procs[pid][1])
                todo.extend(children.get(pid, []))
        if tree:
            self.tree, self.single = max(self.tree, sum(tree)), max(self.single, *tree)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)


def timed(argv, json_out=False):
    """``(wall seconds, rc, stdout, PeakMemory)`` of one ansible command."""
    env = bench_site.ansible_env()
    if not json_out:
        env.pop("ANSIBLE_STDOUT_CALLBACK")
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=str(WORK), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakMemory(proc.pid) as peak:
        stdout, stderr = proc.communicate()
    wall = time.monotonic() - started
    if proc.returncode != 0 and not json_out:
        print("%s: rc %d\n%s" % (" ".join(argv[:3]), proc.returncode, (stdout + stderr)[-3000:]), file=sys.stderr)
    return wall, proc.returncode, stdout, peak


def failures(out):
    """``host: task: message`` of every failed or unreachable result of a json-callback run."""
    return ["%s: %s: %s" % (host, task["task"]["name"], str(result.get("msg", ""))[:600])
            for play in out["plays"] for task in play["tasks"] for host, result in task["hosts"].items()
            if result.get("failed") or result.get("unreachable")]


def run(forks):
    inventory = ["-i", str(WORK / "hosts.yml")]
    ping = timed([str(BIN / "ansible"), *inventory, "compute", "-m", "ansible.builtin.ping", "-f", str(forks)])
    site = timed([str(BIN / "ansible-playbook"), *inventory, "-e", "@%s" % (WORK / "extra.yml"), "-f", str(forks),
                  str(REPO / "playbooks" / "site.yml")], json_out=True)
    (WORK / "site.json").write_text(site[2])  # kept for a later look
    try:
        out = json.loads(site[2])
    except ValueError:
        sys.exit("site.yml gave no JSON (rc %s)" % site[1])
    for line in failures(out):
        print("failed: %s" % line)
    return ping, site, bench_site.measure(out)


def report(count, forks, ping, site, measured):
    ratio = site[0] / ping[0]
    print("## site.yml over %d light hosts, forks %d\n" % (count, forks))
    bench_site.table([
        ("ansible -m ping", "%.1f" % ping[0], ping[1], "-", "%.0f" % (ping[3].tree / 1024), "%.0f" % (ping[3].single / 1024)),
        ("site.yml", "%.1f" % site[0], site[1], "%.2f" % ratio, "%.0f" % (site[3].tree / 1024), "%.0f" % (site[3].single / 1024)),
    ], ("run", "wall s", "rc", "x ping", "peak MiB (tree)", "peak MiB (one process)"))
    print("## Seconds per phase\n")
    bench_site.table([(name[:60], "%.1f" % seconds) for name, seconds in measured["phases"]], ("phase (play)", "seconds"))
    ran = sorted(n for h, n in measured["ran"].items() if h != "localhost")
    failed = sorted(h for h, s in measured["stats"].items() if s.get("failures") or s.get("unreachable"))
    print("tasks run per host: min %d, max %d; changed on hosts: %d; failed or unreachable: %s\n"
          % (ran[0], ran[-1], sum(n for h, n in measured["changed"].items() if h != "localhost"), ", ".join(failed) or "none"))
    missed = [] if ratio <= 3 else ["site.yml took %.1fx the ping (target: at most 3x)" % ratio]
    missed += ["site.yml failed (rc %d)" % site[1]] if site[1] else []
    for line in missed:
        print("target missed: %s" % line)
    print("all targets met" if not missed else "")
    return missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the containers running afterwards")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    names = start_hosts(args.hosts)
    try:
        write_inventory(names)
        missed = report(args.hosts, args.forks, *run(args.forks))
    finally:
        if not args.keep:
            stop_hosts()
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
