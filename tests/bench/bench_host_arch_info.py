"""Benchmark: one multiarch.kolla.host_arch_info call next to ansible.builtin.setup (gather_subset=min).

For each host of the inventory, runs both as ad-hoc ``ansible`` commands N times
(alternating, so drift hits both alike), and prints the median wall time of each
and their ratio. The target is a ratio <= 1.5 on the native host (the host whose
architecture is the controller's; the others run under user-mode emulation in the
lab). This is a script that prints a table, not a test: it asserts nothing unless
``--check`` is given.

``--cold`` adds rows for the native host (it must be this machine, ``ansible_connection:
local``): a cold libvirtd, as on a machine whose libvirtd scripts/setup-host has just
started, with the module's default ``libvirt_timeout`` and with no limit; and one row
without libvirt. Each cold run starts a libvirtd of its own in a private mount and network
namespace (``unshare``; tmpfs over /run/libvirt, /var/cache/libvirt, /var/lib/libvirt and
/etc/libvirt/qemu, so its QEMU capability cache is empty and it defines no network or
domain), asks it through its own socket, and stops it. The machine's own libvirtd is
never touched; the table's last line says whether it still answers. Needs root, unshare
and libvirtd.

    python tests/bench/bench_host_arch_info.py                       # the lab
    python tests/bench/bench_host_arch_info.py -i inventories/lab/hosts.yml --hosts localhost -n 10
    python tests/bench/bench_host_arch_info.py --hosts localhost --cold -n 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_RATIO = 1.5
DEFAULT_HOSTS = "lab-x86_64,lab-aarch64,lab-ppc64le"


def collections_tree(root: Path) -> Path:
    """Make ``root/ansible_collections/multiarch/kolla`` a link to this repository (tests/lib/collection_link.py)."""
    sys.path.insert(0, str(REPO / "tests" / "lib"))
    from collection_link import link_collection  # noqa: PLC0415  pylint: disable=import-outside-toplevel

    return link_collection(root)


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


# What a private libvirtd hides from the machine's own one: its sockets' and state directories, its capability
# cache, its domain/network definitions (so that it starts nothing).
PRIVATE_DIRS = ("/run/libvirt", "/var/cache/libvirt", "/var/lib/libvirt", "/etc/libvirt/qemu")


class ColdLibvirtd:
    """A libvirtd of its own with an empty QEMU capability cache, in a private mount and network namespace.

    ``kvm_mode``: give the daemon a /dev/kvm of its own (the same device, root:kvm with this mode, bind-mounted in its
    namespace only), as the udev rule does on a host, so that libvirt's QEMU user may open it. ``primed``: ask it for its
    capabilities once before the measured call (the cache is then warm).
    """

    def __init__(self, kvm_mode: int | None = None, primed: bool = False) -> None:
        self.kvm_mode = kvm_mode
        self.primed = primed
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-libvirtd-"))
        self.socket = self.workdir / "run" / "libvirt-sock"
        self.proc: subprocess.Popen | None = None
        self.mnt_ns = None

    @property
    def uri(self) -> str:
        return f"qemu+unix:///system?socket={self.socket}"

    def __enter__(self) -> ColdLibvirtd:
        (self.workdir / "run").mkdir()
        conf = self.workdir / "libvirtd.conf"
        conf.write_text(
            f'unix_sock_dir = "{self.workdir / "run"}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\nlog_outputs = "3:file:{self.workdir / "libvirtd.log"}"\n'
        )
        mounts = "; ".join(f"mount -t tmpfs -o mode=0755 tmpfs {d} || exit 1" for d in PRIVATE_DIRS)
        if self.kvm_mode is not None:
            node = self.workdir / "kvm"
            dev = os.stat("/dev/kvm").st_rdev
            os.mknod(node, 0o600 | stat.S_IFCHR, os.makedev(os.major(dev), os.minor(dev)))
            shutil.chown(node, "root", "kvm")
            node.chmod(self.kvm_mode)
            mounts += f"; mount --bind {node} /dev/kvm || exit 1"
        script = f"{mounts}; exec libvirtd -f {conf} -p {self.workdir / 'libvirtd.pid'}"
        # unshare execs sh, which execs libvirtd: self.proc.pid is the daemon.
        self.proc = subprocess.Popen(
            ["unshare", "-m", "-n", "--propagation", "private", "sh", "-c", script],
            stdout=subprocess.DEVNULL, stderr=(self.workdir / "stderr").open("w"),
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                sys.exit(f"bench: the private libvirtd did not start: {(self.workdir / 'stderr').read_text()[-2000:]}")
            time.sleep(0.1)
        self.mnt_ns = os.readlink(f"/proc/{self.proc.pid}/ns/mnt")
        if self.primed:
            subprocess.run(["virsh", "-c", self.uri, "capabilities"], capture_output=True, check=False, timeout=600)
        return self

    def _namespace_pids(self) -> list[int]:
        """Processes left in the daemon's mount namespace (QEMU probes it started with -daemonize)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if os.readlink(entry / "ns" / "mnt") == self.mnt_ns:
                        pids.append(int(entry.name))
        return pids

    def __exit__(self, *_exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.mnt_ns:
            for pid in self._namespace_pids():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.workdir, ignore_errors=True)


def system_libvirtd_answers() -> str:
    """Whether the machine's own libvirtd (qemu:///system) still answers, in words."""
    if not shutil.which("virsh"):
        return "no virsh on this machine"
    proc = subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True, text=True, check=False, timeout=120)
    return "answers" if proc.returncode == 0 else "does NOT answer: " + (proc.stderr.strip() or f"rc {proc.returncode}")


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


def _note(host_info: dict) -> str:
    """What the module's warnings say about libvirt's cost, in two words."""
    words = " ".join(host_info.get("warnings") or [])
    if "libvirt_timeout);" in words:
        return "timed out"
    if "re-probed QEMU" in words:
        return "re-probed"
    if "answered in" in words:
        return "slow"
    return ""


def measure(
    ansible: str,
    inventory: str,
    host: str,
    runs: int,
    env: dict,
    *,
    label: str | None = None,
    args: dict | None = None,
    cold: dict | None = None,
    daemon_opts: dict | None = None,
) -> dict:
    """Median wall times of host_arch_info (with ``args``) and setup(min) on ``host``, alternating ``runs`` times.

    ``cold``: module args to add per run against a fresh private libvirtd (ColdLibvirtd with ``daemon_opts``),
    ``libvirt_uri`` set to its socket.
    """
    module_times, setup_times, notes = [], [], []
    info = None
    for _run in range(runs):
        with ColdLibvirtd(**(daemon_opts or {})) if cold is not None else contextlib.nullcontext() as daemon:
            call = dict(args or {})
            if daemon is not None:
                call.update(cold, libvirt_uri=daemon.uri)
            elapsed, result = run_once(ansible, inventory, host, "multiarch.kolla.host_arch_info", args=json.dumps(call) if call else None, env=env)
        module_times.append(elapsed)
        info = info or result["host"]
        notes.append(_note(result["host"]))
        elapsed, _result = run_once(ansible, inventory, host, "ansible.builtin.setup", args="gather_subset=min", env=env)
        setup_times.append(elapsed)
    module_median = statistics.median(module_times)
    setup_median = statistics.median(setup_times)
    return {
        "host": host,
        "label": label or host,
        "arch": info["arch"],
        "source": info["guest_source"],
        "module": module_median,
        "setup": setup_median,
        "ratio": module_median / setup_median,
        "note": ",".join(sorted({n for n in notes if n})),
    }


def cold_rows(ansible: str, inventory: str, host: str, runs: int, env: dict) -> list:
    """The native host against a cold libvirtd (default bound, no bound) and without libvirt."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("libvirtd"):
        sys.exit("bench: --cold needs root, unshare and libvirtd on this machine")
    return [
        measure(ansible, inventory, host, runs, env, label=f"{host} cold", cold={}),
        measure(ansible, inventory, host, runs, env, label=f"{host} cold t=0", cold={"libvirt_timeout": 0}),
        # The fix: /dev/kvm that libvirt's QEMU user may open (root:kvm 0660), so the cache stays valid.
        measure(ansible, inventory, host, runs, env, label=f"{host} kvm 0660 cold", cold={}, daemon_opts={"kvm_mode": 0o660}),
        measure(ansible, inventory, host, runs, env, label=f"{host} kvm 0660 warm", cold={}, daemon_opts={"kvm_mode": 0o660, "primed": True}),
        measure(ansible, inventory, host, runs, env, label=f"{host} no libvirt", args={"use_libvirt": False}),
    ]


def print_table(rows: list, runs: int, controller_arch: str, native: str | None) -> int:
    """Print one line per host; 1 when the native host is over the target ratio, else 0."""
    header = f"{'row':<24} {'arch':<9} {'guests via':<10} {'host_arch_info s':>16} {'setup(min) s':>12} {'ratio':>6}  libvirt"
    print(f"median of {runs} runs each; controller arch {controller_arch}; target ratio <= {TARGET_RATIO} on the native host")
    print(header)
    print("-" * len(header))
    verdict = 0
    for row in rows:
        mark = ""
        if row["label"] == native:
            ok = row["ratio"] <= TARGET_RATIO
            mark = "  native: " + ("OK" if ok else "OVER TARGET")
            verdict = 0 if ok else 1
        print(
            f"{row['label']:<24} {row['arch']:<9} {row['source']:<10} {row['module']:>16.3f} {row['setup']:>12.3f} {row['ratio']:>6.2f}  "
            f"{row['note'] or '-'}{mark}"
        )
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
    parser.add_argument("--cold", action="store_true", help="add rows for the native host against a cold private libvirtd, and without libvirt")
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
    if opts.cold:
        if native is None:
            sys.exit("bench: --cold needs a native host (pass --native)")
        rows += cold_rows(ansible, opts.inventory, native, opts.runs, env)
    verdict = print_table(rows, opts.runs, controller_arch, native)
    if opts.cold:
        print(f"this machine's own libvirtd (qemu:///system) after the bench: {system_libvirtd_answers()}")
    return verdict if opts.check else 0


if __name__ == "__main__":
    sys.exit(main())
