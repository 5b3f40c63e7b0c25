"""scripts/setup-host: conditions it cannot fix end with one line of cause and one of fix."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from conftest import REPO

SETUP = REPO / "scripts" / "setup-host"


def _run(*prefix: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, str(SETUP)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})}, check=False)


def _assert_one_cause_and_fix(proc: subprocess.CompletedProcess, cause: str) -> None:
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2, proc.stderr
    assert lines[0].startswith("[setup] FAILED ") and cause in lines[0], lines[0]
    assert lines[1].startswith("[setup]   fix: "), lines[1]
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root and runuser to become another user")
def test_not_root_is_refused_with_the_fix():
    proc = _run("runuser", "-u", "nobody", "--")
    _assert_one_cause_and_fix(proc, "not running as root")
    assert "sudo make" in proc.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_too_little_disk_is_refused_before_any_change(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)], check=False).returncode != 0:
        pytest.skip("cannot mount tmpfs here")
    try:
        proc = _run(env={"MULTIARCH_CACHE": str(small / "cache")})
        _assert_one_cause_and_fix(proc, "GiB free under")
        assert "MULTIARCH_CACHE" in proc.stderr
        # Refused before installing anything: only the empty cache skeleton exists.
        assert sorted(p.name for p in (small / "cache").iterdir()) == ["logs"]
        assert list((small / "cache" / "logs").iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="the set-up refuses to run without root")
def test_docker_engine_that_fails_to_start_names_the_daemon_error(tmp_path):
    """A stand-in dockerd that exits the way a broken engine does; no real engine is touched.

    Stand-ins for dpkg-query (every package installed) and apt-get (records a call)
    keep the set-up from installing anything on the test machine.
    """
    fake = tmp_path / "bin"
    fake.mkdir()
    apt_called = tmp_path / "apt-get-called"
    (fake / "dpkg-query").write_text("#!/bin/sh\nprintf 'install ok installed'\n")
    (fake / "apt-get").write_text(f"#!/bin/sh\necho \"$@\" >> {apt_called}\nexit 1\n")
    (fake / "docker").write_text("#!/bin/sh\nexit 1\n")
    (fake / "dockerd").write_text(
        '#!/bin/sh\necho \'time="2026-01-01T00:00:00Z" level=fatal msg="failed to start daemon: '
        'error initializing graphdriver: driver not supported"\' >&2\nexit 1\n'
    )
    for f in fake.iterdir():
        f.chmod(0o755)
    proc = _run(env={"PATH": f"{fake}:{os.environ['PATH']}", "MULTIARCH_CACHE": str(tmp_path / "cache"), "SETUP_DOCKER_WAIT": "2"})
    if "systemctl start docker" in proc.stderr or os.path.isdir("/run/systemd/system"):
        pytest.skip("systemd manages Docker on this machine; the stand-in dockerd is not used")
    _assert_one_cause_and_fix(proc, "the Docker engine did not start")
    assert "error initializing graphdriver: driver not supported" in proc.stderr
    assert not apt_called.exists(), apt_called.read_text()
