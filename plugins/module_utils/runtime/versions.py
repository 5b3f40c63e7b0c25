# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``kubelet --version`` and ``containerd --version`` as they answer, for ``container_runtime_info``.

kubelet's cgroup driver depends on the releases of kubelet and of its CRI runtime
(plugins/plugin_utils/cgroup_driver.py, KUBELET_RULES). The answers come back raw;
the controller reads the version out of them (plugin_utils/runtime_config.parse_release).

``--version`` only prints and exits; it is run with stdin closed, a C locale and a
timeout, and never under another ``root`` (a mounted image's binaries are not this
host's to run): there only the binary's path is reported. Nothing raises for a host
condition. Runs on target hosts (Python >= 3.9, standard library only).
"""

import os
import subprocess

VERSION_BINARIES = ("kubelet", "containerd")
# What is kept of each stream: a version line is short, a crashing binary may print a lot.
OUTPUT_LIMIT = 4096


def _text(data):
    return data.decode("utf-8", "replace")[:OUTPUT_LIMIT]


def _answer(binary, ran=False, error=None):
    return {"binary": binary, "ran": ran, "rc": None, "stdout": None, "stderr": None, "error": error}


def run_version(binary, timeout):
    """``{binary, ran, rc, stdout, stderr, error}`` of ``binary --version``; ``error`` says why there is no usable answer."""
    result = _answer(binary, ran=True)
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        proc = subprocess.run([binary, "--version"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=timeout, close_fds=True, check=False)
    except subprocess.TimeoutExpired:
        result["error"] = "%s --version did not answer within %s seconds" % (binary, timeout)
        return result
    except OSError as exc:
        result["error"] = "%s --version could not run: %s" % (binary, exc.strerror or exc)
        return result
    result.update(rc=proc.returncode, stdout=_text(proc.stdout), stderr=_text(proc.stderr))
    if proc.returncode != 0:
        said = (result["stderr"] or result["stdout"]).strip().splitlines()
        result["error"] = "%s --version exited with %s%s" % (binary, proc.returncode, (": " + said[-1][:200]) if said else "")
    return result


def ask_versions(binaries, root, timeout, warnings):
    """``{name: answer}`` for VERSION_BINARIES: the raw ``--version`` answer, or why there is none.

    ``binaries`` maps a name to the path found (or None). Under a ``root`` other than
    "/" nothing runs. A binary that fails or hangs is an ``error`` sentence (and a warning).
    """
    on_this_host = root in (None, "", "/")
    versions = {}
    for name in VERSION_BINARIES:
        binary = binaries.get(name)
        if binary is None:
            versions[name] = _answer(None)
        elif not on_this_host:
            versions[name] = _answer(binary, error="%s was not run: it lies under the root %s, not on this host's /" % (binary, root))
        else:
            versions[name] = run_version(binary, timeout)
            if versions[name]["error"]:
                warnings.append(versions[name]["error"])
    return versions
