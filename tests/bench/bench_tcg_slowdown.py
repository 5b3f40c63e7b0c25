"""Benchmark: how much slower a guest runs under QEMU's TCG than under KVM (the arch table's ``tcg_slowdown``).

Boots the same guest workload with ``qemu-system-*`` directly (``-nographic``, the serial
console on stdout, no disk, ``-smp 1 -m 512``) as:

- an x86_64 guest under KVM (``-accel kvm -cpu host``) and under TCG (``-accel tcg``, the
  first of the arch table's ``tcg_cpu_models`` this QEMU lists, as nova picks it);
- an aarch64 guest (machine ``virt``) and a ppc64le guest (``pseries``) under TCG, with
  their arch table's ``tcg_cpu_models`` likewise;
- and, as ``x86_64-native``, the workload alone run by the same x86_64 busybox on this host,
  no VM: the base where KVM boots no guest (a nested hypervisor that cannot run a stock
  kernel), since a CPU-bound guest program runs at about native speed under KVM.

Every guest runs Debian bookworm's kernel of its arch (the same version: the one
``scripts/fetch-guest-kernels`` cached for aarch64; the x86_64 one is fetched the same way
when missing) and an initramfs built here whose ``/init`` is Debian's static busybox
(``busybox-static``) of the guest's arch. ``/init`` prints a start marker, runs a fixed
CPU-bound workload (sha256sum of ``--mib`` MiB of /dev/zero), prints an end marker, then
``poweroff -f``. Timed from QEMU's start on this side of the console: the kernel's first
line (``Linux version``), the start marker (``boot``) and the end marker (``work``, the
wall time between the markers); ``work CPU`` is the CPU time QEMU used between the markers
(/proc/<pid>/stat), which load from other processes leaves alone. Every guest runs once per
round, ``-n`` rounds; the table shows the medians.

Ratios: x86_64 TCG over the x86_64 base is a true same-guest ratio. aarch64 and ppc64le TCG
over the x86_64 base is an estimate of how much slower a foreign-arch guest runs here than a
native guest runs under KVM on its own hardware: the same kernel version and workload, but a
different instruction set (and no aarch64 or ppc64le host to measure its KVM time). The
``factor`` column, ceil(max(CPU ratio, boot ratio)), is the ``tcg_slowdown`` the run supports.

What is missing (the x86_64 kernel of the same version, busybox-static of each arch) is fetched by
``scripts/fetch-guest-kernels --arch <arch> --abi <the cached aarch64 kernel's> --busybox`` into
``$MULTIARCH_CACHE`` (default /var/cache/multiarch-kolla): ``kernels/<arch>/`` and ``busybox/<arch>/``,
each with a SOURCE file. Needs root (or write access to the cache), qemu-system-x86,
qemu-system-arm and qemu-system-ppc.

    python tests/bench/bench_tcg_slowdown.py                      # 3 rounds, the table
    python tests/bench/bench_tcg_slowdown.py -n 5 --json /tmp/tcg.json
    python tests/bench/bench_tcg_slowdown.py --guests x86_64-kvm,aarch64-tcg --mib 32
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import os
import platform
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import guest_kernels  # noqa: E402  pylint: disable=wrong-import-position
from collection_link import import_collection  # noqa: E402  pylint: disable=wrong-import-position

import_collection()

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES  # noqa: E402  pylint: disable=wrong-import-position

GUESTS = ("x86_64-kvm", "x86_64-native", "x86_64-tcg", "aarch64-tcg", "ppc64le-tcg")
FIRST_LINE = re.compile(rb"Linux version \d")
START, END = b"TCGBENCH-START", b"TCGBENCH-END"
INIT = """#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t proc proc /proc
echo "TCGBENCH-START uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime)"
{workload}
echo "TCGBENCH-END uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox poweroff -f
"""
WORKLOAD = "{bb} dd if=/dev/zero bs=1048576 count={mib} 2>/dev/null | {bb} sha256sum"


# --- downloads ------------------------------------------------------------------------------------------------------

def reference_kernel() -> tuple[str, str]:
    """(abi, version) of the cached aarch64 kernel (scripts/fetch-guest-kernels): every guest boots the same version."""
    source = guest_kernels.read_source(guest_kernels.cache_dir() / "kernels" / "aarch64" / "SOURCE")
    match = re.fullmatch(r"linux-image-(.+)-arm64", source.get("package", ""))
    if not match or not guest_kernels.find_kernel("aarch64"):
        sys.exit("bench: no aarch64 guest kernel cached; run scripts/fetch-guest-kernels (as root) first")
    return match.group(1), source["version"]


def busybox_path(arch: str) -> Path:
    return guest_kernels.cache_dir() / "busybox" / arch / "busybox"


def ensure_downloads(arches: list[str]) -> None:
    """Fetch what is missing (scripts/fetch-guest-kernels): each guest arch's kernel of the reference version, and its busybox-static."""
    abi = reference_kernel()[0]
    if all(guest_kernels.find_kernel(a) and busybox_path(a).exists() for a in arches):
        return
    argv = [str(REPO / "scripts" / "fetch-guest-kernels"), "--abi", abi, "--busybox"]
    for arch in arches:
        argv += ["--arch", arch]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    print(done.stdout + done.stderr, end="", file=sys.stderr)
    if done.returncode:
        sys.exit("bench: scripts/fetch-guest-kernels failed (above)")


# --- the guest ------------------------------------------------------------------------------------------------------

def _pad4(length: int) -> bytes:
    """The NUL bytes that align ``length`` to 4 (newc pads the header with the name, and the data)."""
    return b"\0" * (-length % 4)


def _cpio_entry(name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0), ino: int = 0) -> bytes:
    """One entry of a newc cpio archive (Linux Documentation/driver-api/early-userspace/buffer-format.rst)."""
    encoded = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0)
    header = b"070701" + b"".join(b"%08X" % field for field in fields)
    return header + encoded + _pad4(len(header) + len(encoded)) + data + _pad4(len(data))


def build_initramfs(busybox: Path, mib: int, dest: Path) -> Path:
    """A gzip'd newc cpio: /init (the workload), /bin/busybox, /dev/console (the kernel opens it before /init), /proc."""
    entries = [
        ("bin", 0o040755, b"", (0, 0)), ("dev", 0o040755, b"", (0, 0)), ("proc", 0o040755, b"", (0, 0)),
        ("dev/console", 0o020600, b"", (5, 1)),
        ("bin/busybox", 0o100755, busybox.read_bytes(), (0, 0)),
        ("init", 0o100755, INIT.format(workload=WORKLOAD.format(bb="/bin/busybox", mib=mib)).encode(), (0, 0)),
    ]
    archive = io.BytesIO()
    for ino, (name, mode, data, rdev) in enumerate(entries, start=1):
        archive.write(_cpio_entry(name, mode, data, rdev, ino))
    archive.write(_cpio_entry("TRAILER!!!", 0))
    dest.write_bytes(gzip.compress(archive.getvalue(), compresslevel=6))
    return dest


def tcg_cpu(arch: str) -> str:
    """The first of the arch table's tcg_cpu_models this QEMU lists (nova's choice under virt_type qemu)."""
    listed = subprocess.run([ARCHES[arch]["qemu_binary"], "-cpu", "help"], capture_output=True, text=True, check=True).stdout
    names = set(re.findall(r"[\w.+-]+", listed))
    for model in ARCHES[arch]["tcg_cpu_models"]:
        if model in names or model.lower() in names:
            return model
    sys.exit(f"bench: {ARCHES[arch]['qemu_binary']} lists none of {ARCHES[arch]['tcg_cpu_models']}")


def qemu_command(arch: str, accel: str, kernel: Path, initrd: Path) -> list[str]:
    cpu = "host" if accel == "kvm" else tcg_cpu(arch)
    return [
        ARCHES[arch]["qemu_binary"], "-machine", ARCHES[arch]["machine_type"], "-accel", accel, "-cpu", cpu,
        "-smp", "1", "-m", "512", "-nographic", "-no-reboot", "-net", "none",
        "-kernel", str(kernel), "-initrd", str(initrd), "-append", f"console={guest_kernels.CONSOLE[arch]} panic=-1",
    ]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (proc(5): /proc/<pid>/stat fields utime and stime, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mark(times: dict, line: bytes, now: float, pid: int) -> None:
    if "first_line" not in times and FIRST_LINE.search(line):
        times["first_line"] = now
    elif START in line and "start" not in times:
        times["start"], times["start_cpu"] = now, cpu_seconds(pid)
    elif END in line and "end" not in times:
        times["end"], times["end_cpu"] = now, cpu_seconds(pid)


def boot_once(command: list[str], timeout: float) -> dict:
    """Run one guest; seconds from QEMU's start to the kernel's first line, the start and the end marker."""
    times: dict = {}
    tail = seen = b""
    chunk = None
    began = time.monotonic()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        while time.monotonic() - began < timeout:
            ready = select.select([proc.stdout], [], [], 1.0)[0]
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            now = time.monotonic() - began
            if not chunk:
                break
            seen = (seen + chunk)[-400:]
            *lines, tail = (tail + chunk).split(b"\n")
            for line in [*lines, tail]:
                _mark(times, line, now, proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    if "end" not in times:
        why = f"QEMU exited ({proc.returncode})" if chunk == b"" else f"no {END.decode()} within {timeout:.0f} s"
        raise RuntimeError(f"{why}; seen: {sorted(times) or 'nothing'}; last output: {seen.decode(errors='replace')!r}")
    return times


# --- the table ------------------------------------------------------------------------------------------------------

def native_once(busybox: Path, mib: int) -> dict:
    """The workload alone, run by the x86_64 busybox on this host (no VM): the base when KVM cannot boot a guest here."""
    before = os.times()
    began = time.monotonic()
    subprocess.run([str(busybox), "sh", "-c", WORKLOAD.format(bb=busybox, mib=mib)], check=True, capture_output=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"start": 0.0, "end": time.monotonic() - began, "start_cpu": 0.0, "end_cpu": cpu}


class Guest:
    """One row of the table: an <arch>-<accel> guest, or x86_64-native (the workload on this host)."""

    def __init__(self, name: str, mib: int, work: Path) -> None:
        self.name = name
        self.arch, self.accel = name.rsplit("-", 1)
        self.mib = mib
        self.samples: list = []
        self.error = None
        self.command = None
        if self.accel != "native":
            initrd = build_initramfs(busybox_path(self.arch), mib, work / f"initrd-{self.arch}.cpio.gz")
            self.command = qemu_command(self.arch, self.accel, guest_kernels.find_kernel(self.arch), initrd)

    def run(self, timeout: float) -> None:
        if self.error:
            return
        try:
            times = boot_once(self.command, timeout) if self.command else native_once(busybox_path(self.arch), self.mib)
        except RuntimeError as exc:
            self.error = str(exc)
            print(f"bench: {self.name}: {exc}", file=sys.stderr)
            return
        self.samples.append(times)
        first = f"first line {times['first_line']:.2f} s, boot {times['start']:.2f} s, " if self.command else ""
        print(f"bench: {self.name} run {len(self.samples)}: {first}workload {times['end'] - times['start']:.2f} s, "
              f"{times['end_cpu'] - times['start_cpu']:.2f} CPU s", file=sys.stderr)

    def row(self) -> dict:
        row = {"guest": self.name, "guest_arch": self.arch, "accel": self.accel, "runs": self.samples, "error": self.error,
               "cpu": self.command[self.command.index("-cpu") + 1] if self.command else "(host)"}
        if self.command:
            row.update(machine=ARCHES[self.arch]["machine_type"], kernel=guest_kernels.find_kernel(self.arch).name, command=self.command)
        if self.samples and not self.error:
            row["workload_s"] = statistics.median(t["end"] - t["start"] for t in self.samples)
            row["workload_cpu_s"] = statistics.median(t["end_cpu"] - t["start_cpu"] for t in self.samples)
            if self.command:
                row["first_line_s"] = statistics.median(t["first_line"] for t in self.samples)
                row["boot_s"] = statistics.median(t["start"] for t in self.samples)
        return row


def measure(names: list, runs: int, mib: int, timeout: float, work: Path) -> list:
    """Every guest once per round, ``runs`` rounds (so that load from elsewhere hits all guests alike); one row each."""
    guests = [Guest(name, mib, work) for name in names]
    for _round in range(runs):
        for guest in guests:
            guest.run(timeout)
    return [guest.row() for guest in guests]


def add_ratios(rows: list) -> dict | None:
    """Each TCG row's times over the base row's: x86_64 KVM, or x86_64 native where KVM booted no guest (no boot time).

    ``workload_ratio``: wall time; ``cpu_ratio``: CPU time (what load from other processes on this machine leaves
    alone); ``boot_ratio``: time to /init (KVM base only). ``tcg_slowdown``: ceil of the CPU and boot ratios' larger.
    ``ratio_kind``: "same guest" (x86_64) or "estimate (other ISA)".
    """
    by_name = {row["guest"]: row for row in rows}
    base = next((by_name[n] for n in ("x86_64-kvm", "x86_64-native") if "workload_s" in by_name.get(n, {})), None)
    for row in rows:
        if base is None or row is base or row["accel"] != "tcg" or "workload_s" not in row:
            continue
        row["workload_ratio"] = row["workload_s"] / base["workload_s"]
        row["cpu_ratio"] = row["workload_cpu_s"] / base["workload_cpu_s"]
        ratios = [row["cpu_ratio"]]
        if "boot_s" in base:
            row["boot_ratio"] = row["boot_s"] / base["boot_s"]
            ratios.append(row["boot_ratio"])
        row["ratio_kind"] = "same guest" if row["guest_arch"] == base["guest_arch"] else "estimate (other ISA)"
        row["tcg_slowdown"] = math.ceil(max(ratios))
    return base


def host_description() -> dict:
    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(encoding="utf-8"), re.M)
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True, check=False).stdout.splitlines()
    return {"machine": platform.machine(), "cpu_model": cpu.group(1) if cpu else "unknown", "cpus": os.cpu_count(),
            "qemu": qemu[0] if qemu else "unknown", "loadavg_before": os.getloadavg()[0],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _cell(row: dict, key: str, fmt: str) -> str:
    return format(row[key], fmt) if key in row else "-"


def print_table(rows: list, base: dict | None, host: dict, args: argparse.Namespace) -> None:
    print(f"TCG slowdown on {host['machine']} ({host['cpu_model']}, {host['cpus']} CPUs), {host['qemu']}, {host['date']}")
    print(f"workload: busybox sha256sum of {args.mib} MiB of /dev/zero; -smp 1 -m 512; median of {args.runs} runs; "
          f"load average before: {host['loadavg_before']:.2f}")
    print(f"{'guest':<14} {'cpu':<11} {'1st line s':>10} {'boot s':>7} {'work s':>7} {'work CPU s':>10} "
          f"{'boot x':>6} {'work x':>6} {'CPU x':>6} {'factor':>6}  ratio")
    for row in rows:
        kind = "(the base)" if row is base else row.get("ratio_kind", "")
        print(f"{row['guest']:<14} {row['cpu']:<11} {_cell(row, 'first_line_s', '.2f'):>10} {_cell(row, 'boot_s', '.2f'):>7} "
              f"{_cell(row, 'workload_s', '.2f'):>7} {_cell(row, 'workload_cpu_s', '.2f'):>10} {_cell(row, 'boot_ratio', '.1f'):>6} "
              f"{_cell(row, 'workload_ratio', '.1f'):>6} {_cell(row, 'cpu_ratio', '.1f'):>6} {_cell(row, 'tcg_slowdown', 'd'):>6}  {kind}")
    for row in rows:
        if row["error"]:
            print(f"{row['guest']}: no result: {row['error']}")
    if base is None:
        print("no base row (x86_64-kvm or x86_64-native) measured: no ratios")
    elif base["accel"] == "native":
        print("base: the same workload run by the x86_64 busybox on this host, no VM (KVM booted no guest): no boot x")
    print("factor: ceil(max(CPU x, boot x)), the tcg_slowdown this run supports (CPU x: CPU seconds, which load from")
    print("other processes leaves alone; work x: wall seconds, for reference).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="boots of each guest (default: 3); the table shows medians")
    parser.add_argument("--guests", default=",".join(GUESTS), help=f"comma-separated <arch>-<accel> (default: {','.join(GUESTS)})")
    parser.add_argument("--mib", type=int, default=64, help="MiB of /dev/zero the workload hashes (default: 64)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one boot may take before it counts as failed (default: 120)")
    parser.add_argument("--json", metavar="PATH", help="also write the host, the rows and every run's times to PATH as JSON")
    args = parser.parse_args()
    guests = [g.strip() for g in args.guests.split(",") if g.strip()]
    unknown = [g for g in guests if g not in GUESTS]
    if unknown:
        parser.error(f"unknown guest(s) {unknown}; choose from {', '.join(GUESTS)}")
    try:
        ensure_downloads(sorted({g.rsplit("-", 1)[0] for g in guests}))
    except guest_kernels.FetchError as exc:
        sys.exit(f"bench: {exc}")
    host = host_description()
    with tempfile.TemporaryDirectory(prefix="bench-tcg-") as work:
        rows = measure(guests, args.runs, args.mib, args.timeout, Path(work))
    base = add_ratios(rows)
    print_table(rows, base, host, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"host": host, "mib": args.mib, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
