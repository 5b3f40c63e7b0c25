"""Benchmark: one multiarch.kolla.host_arch_info call next to ansible.builtin.setup (gather_subset=min).

For each host of the inventory, runs both as ad-hoc ``ansible`` commands N times
(alternating, so drift hits both alike), and prints the median wall time of each
and their ratio. The target is a ratio <= 1.5 on the native host (the host whose
architecture is the controller's; the others run under user-mode emulation in the
lab). This is a script that prints a table, not a test: it asserts nothing unless
``--check`` is given.

    python tests/bench/bench_host_arch_info.py                       # the lab
    python tests/bench/bench_host_arch_info.py -i inventories/lab/hosts.yml --hosts localhost -n 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_RATIO = 1.5
DEFAULT_HOSTS = "lab-x86_64,lab-aarch64,lab-ppc64le"


def collections_tree(root: Path) -> Path:
    """Make ``root/ansible_collections/multiarch/kolla`` a link to this repository (as tests/unit/conftest.py does)."""
    leaf = root / "ansible_collections" / "multiarch" / "kolla"
    leaf.parent.mkdir(parents=True, exist_ok=True)
    if leaf.is_symlink() and leaf.resolve() != REPO:
        leaf.unlink()
    if not leaf.exists():
        leaf.symlink_to(REPO, target_is_directory=True)
    return root


def ansible_binary(explicit: str | None) -> str:
    if explicit:
        return explicit
    beside = Path(sys.executable).with_name("ansible")
    if beside.exists():
        return str(beside)
    found = shutil.which("ansible")
    if not found:
        sys.exit("bench: no 'ansible' command found; pass --ansible or run with the project's virtualenv")
    return found


def run_once(ansible: str, inventory: str, host: str, module: str, *, args: str | None, env: dict) -> tuple[float, dict]:
    cmd = [ansible, host, "-i", inventory, "-m", module]
    if args:
        cmd += ["-a", args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    try:
        data = json.loads(proc.stdout)
        result = data["plays"][0]["tasks"][0]["hosts"][host]
    except (ValueError, KeyError, IndexError):
        sys.exit(f"bench: '{' '.join(cmd)}' gave no JSON result (rc {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    if result.get("failed") or result.get("unreachable"):
        sys.exit(f"bench: {module} failed on {host}: {result.get('msg')}")
    return elapsed, result


def measure(ansible: str, inventory: str, host: str, runs: int, env: dict) -> dict:
    """Median wall times of host_arch_info and setup(min) on ``host``, alternating ``runs`` times."""
    module_times, setup_times = [], []
    info = None
    for _run in range(runs):
        elapsed, result = run_once(ansible, inventory, host, "multiarch.kolla.host_arch_info", args=None, env=env)
        module_times.append(elapsed)
        info = info or result["host"]
        elapsed, _result = run_once(ansible, inventory, host, "ansible.builtin.setup", args="gather_subset=min", env=env)
        setup_times.append(elapsed)
    module_median = statistics.median(module_times)
    setup_median = statistics.median(setup_times)
    return {
        "host": host,
        "arch": info["arch"],
        "source": info["guest_source"],
        "module": module_median,
        "setup": setup_median,
        "ratio": module_median / setup_median,
    }


def print_table(rows: list, runs: int, controller_arch: str, native: str | None) -> int:
    """Print one line per host; 1 when the native host is over the target ratio, else 0."""
    header = f"{'host':<16} {'arch':<9} {'guests via':<10} {'host_arch_info s':>16} {'setup(min) s':>12} {'ratio':>6}"
    print(f"median of {runs} runs each; controller arch {controller_arch}; target ratio <= {TARGET_RATIO} on the native host")
    print(header)
    print("-" * len(header))
    verdict = 0
    for row in rows:
        mark = ""
        if row["host"] == native:
            ok = row["ratio"] <= TARGET_RATIO
            mark = "  native: " + ("OK" if ok else "OVER TARGET")
            verdict = 0 if ok else 1
        print(f"{row['host']:<16} {row['arch']:<9} {row['source']:<10} {row['module']:>16.3f} {row['setup']:>12.3f} {row['ratio']:>6.2f}{mark}")
    if native is None:
        print(f"(no host has the controller's arch {controller_arch}; pass --native to name one)")
    return verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("-i", "--inventory", default=str(REPO / "inventories/lab/hosts.yml"), help="inventory (default: the lab)")
    parser.add_argument("--hosts", default=DEFAULT_HOSTS, help=f"comma-separated hosts (default: {DEFAULT_HOSTS})")
    parser.add_argument("-n", "--runs", type=int, default=5, help="runs of each command per host (default: 5)")
    parser.add_argument("--ansible", help="ansible command (default: the one beside this Python, else on PATH)")
    parser.add_argument("--collections-path", default=str(REPO / ".cache/collections"), help="collections tree holding multiarch.kolla")
    parser.add_argument("--native", help="host counted as native (default: the first host whose arch is the controller's)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when the native host's ratio exceeds {TARGET_RATIO}")
    opts = parser.parse_args()
    if opts.runs < 1:
        parser.error("--runs must be at least 1")

    ansible = ansible_binary(opts.ansible)
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(collections_tree(Path(opts.collections_path))),
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "ANSIBLE_NOCOLOR": "1",
        }
    )
    hosts = [h.strip() for h in opts.hosts.split(",") if h.strip()]
    controller_arch = platform.machine()

    rows = [measure(ansible, opts.inventory, host, opts.runs, env) for host in hosts]
    native = opts.native or next((r["host"] for r in rows if r["arch"] == controller_arch), None)
    verdict = print_table(rows, opts.runs, controller_arch, native)
    return verdict if opts.check else 0


if __name__ == "__main__":
    sys.exit(main())
