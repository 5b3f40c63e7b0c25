"""plugins/module_utils/_probe.py: paths under a root, binaries, cgroup version, systemd, bounded commands."""

from __future__ import annotations

import os
import sys
import time

from ansible_collections.multiarch.kolla.plugins.module_utils import _probe


def _executable(path, text="#!/bin/sh\nexit 0\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_under_keeps_absolute_paths_on_the_real_root(tmp_path):
    assert _probe.under("/", "/etc/x") == "/etc/x"
    assert _probe.under(None, "/etc/x") == "/etc/x"
    assert _probe.under(str(tmp_path), "/etc/x") == str(tmp_path / "etc" / "x")


def test_find_binary_takes_path_first_then_the_fixed_directories(tmp_path):
    _executable(tmp_path / "usr" / "sbin" / "tool")
    assert _probe.find_binary("tool", root=str(tmp_path)) == str(tmp_path / "usr/sbin/tool")
    _executable(tmp_path / "opt" / "bin" / "tool")
    assert _probe.find_binary("tool", root=str(tmp_path), path=["/opt/bin"]) == str(tmp_path / "opt/bin/tool")


def test_find_binary_ignores_files_that_cannot_be_executed(tmp_path):
    plain = tmp_path / "usr" / "bin" / "tool"
    plain.parent.mkdir(parents=True)
    plain.write_text("not a program")
    plain.chmod(0o644)
    assert _probe.find_binary("tool", root=str(tmp_path)) is None


def test_cgroup_version_from_the_tree(tmp_path):
    warnings = []
    assert _probe.cgroup_version(str(tmp_path), warnings) is None
    assert warnings and "cgroup version unknown" in warnings[0]
    (tmp_path / "sys/fs/cgroup/memory").mkdir(parents=True)
    assert _probe.cgroup_version(str(tmp_path)) == 1
    (tmp_path / "sys/fs/cgroup/cgroup.controllers").write_text("cpu memory\n")
    assert _probe.cgroup_version(str(tmp_path)) == 2


def test_systemd_booted_needs_a_real_directory(tmp_path):
    assert _probe.systemd_booted(str(tmp_path)) is False
    (tmp_path / "run").mkdir()
    os.symlink("/tmp", tmp_path / "run" / "systemd")
    assert _probe.systemd_booted(str(tmp_path)) is False
    (tmp_path / "run" / "systemd").unlink()
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    assert _probe.systemd_booted(str(tmp_path)) is True


def test_run_all_reports_each_command(tmp_path):
    ok = (sys.executable, "-c", "import os,sys; print(os.environ['LC_ALL']); sys.stderr.write(' warn \\n'); sys.exit(3)")
    missing = (str(tmp_path / "absent"), "--version")
    results = _probe.run_all([ok, missing], timeout=30)
    assert results[ok] == (3, "C\n", "warn")
    rc, out, err = results[missing]
    assert rc is None and out == ""
    assert "No such file" in err


def test_run_all_kills_a_command_past_its_time_and_runs_the_rest_in_parallel():
    slow = (sys.executable, "-c", "import time; time.sleep(30)")
    also_slow = (sys.executable, "-c", "import time; time.sleep(29)")
    started = time.monotonic()
    results = _probe.run_all([slow, also_slow], timeout=1)
    assert time.monotonic() - started < 10
    assert results[slow] == (None, "", "timed out after 1s")
    assert results[also_slow][0] is None


def test_run_all_gives_commands_no_stdin():
    reader = (sys.executable, "-c", "import sys; print(repr(sys.stdin.read()))")
    assert _probe.run_all([reader], timeout=30)[reader][1] == "''\n"
