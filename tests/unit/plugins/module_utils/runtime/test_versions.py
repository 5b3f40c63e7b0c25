"""Tests for plugins/module_utils/runtime/versions.py: ``--version`` answers, raw, with a timeout.

The binaries are small shell scripts under tmp_path that print what the real ones print
(tests/lib/runtime_testlib.py KUBELET, CONTAINERD), fail, or hang.
"""

from __future__ import annotations

import os
import time

from runtime_testlib import CONTAINERD, KUBELET, put

from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import versions


def _script(tmp_path, name, body):
    path = put(tmp_path, "/bin/%s" % name, "#!/bin/sh\n%s\n" % body)
    os.chmod(path, 0o755)
    return path


def test_the_answer_comes_back_as_printed(tmp_path):
    kubelet = _script(tmp_path, "kubelet", 'test "$1" = --version && echo "%s"' % KUBELET["1.33.1"])
    got = versions.run_version(kubelet, 5)
    assert got == {"binary": kubelet, "ran": True, "rc": 0, "stdout": KUBELET["1.33.1"] + "\n", "stderr": "", "error": None}


def test_a_failing_binary_says_why(tmp_path):
    broken = _script(tmp_path, "containerd", 'echo "some noise"; echo "error while loading shared libraries: libseccomp.so.2" >&2; exit 127')
    got = versions.run_version(broken, 5)
    assert (got["rc"], got["ran"]) == (127, True)
    assert got["error"] == "%s --version exited with 127: error while loading shared libraries: libseccomp.so.2" % broken
    assert got["stdout"] == "some noise\n"


def test_a_hanging_binary_is_stopped_at_the_timeout(tmp_path):
    slow = _script(tmp_path, "kubelet", "exec sleep 30")
    started = time.monotonic()
    got = versions.run_version(slow, 0.5)
    assert time.monotonic() - started < 10
    assert got["error"] == "%s --version did not answer within 0.5 seconds" % slow
    assert got["rc"] is None


def test_a_binary_that_cannot_run(tmp_path):
    path = put(tmp_path, "/bin/kubelet", "not a program\n")
    os.chmod(path, 0o644)
    got = versions.run_version(path, 5)
    assert got["error"].startswith("%s --version could not run: " % path)


def test_output_is_bounded(tmp_path):
    chatty = _script(tmp_path, "containerd", "yes containerd | head -c 100000")
    assert len(versions.run_version(chatty, 5)["stdout"]) == versions.OUTPUT_LIMIT


def test_ask_versions_on_this_host_and_under_another_root(tmp_path):
    containerd = _script(tmp_path, "containerd", 'echo "%s"' % CONTAINERD["2.0.0"])
    failing = _script(tmp_path, "kubelet", "exit 3")
    warnings = []
    got = versions.ask_versions({"kubelet": failing, "containerd": containerd, "docker": "/usr/bin/docker"}, "/", 5, warnings)
    assert set(got) == {"kubelet", "containerd"}
    assert got["containerd"]["stdout"] == CONTAINERD["2.0.0"] + "\n"
    assert warnings == [got["kubelet"]["error"]] == ["%s --version exited with 3" % failing]
    # Under another root nothing runs: a mounted image's binaries are not this host's.
    marker = tmp_path / "ran"
    spy = _script(tmp_path, "spy", "touch %s" % marker)
    quiet = []
    under = versions.ask_versions({"kubelet": spy, "containerd": None}, str(tmp_path), 5, quiet)
    assert not marker.exists()
    assert under["kubelet"] == {"binary": spy, "ran": False, "rc": None, "stdout": None, "stderr": None,
                                "error": "%s was not run: it lies under the root %s, not on this host's /" % (spy, tmp_path)}
    assert under["containerd"] == {"binary": None, "ran": False, "rc": None, "stdout": None, "stderr": None, "error": None}
    assert quiet == []
