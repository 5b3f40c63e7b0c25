# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``kubelet --version`` and ``containerd --version`` as they answer, for ``container_runtime_info``.

kubelet's cgroup driver depends on the releases of kubelet and of its CRI runtime
(plugins/plugin_utils/kubelet_driver.py, KUBELET_RULES). The answers come back raw;
the controller reads the version out of them (plugin_utils/runtime_config.parse_release).

``--version`` only prints and exits; it is run with stdin closed, a C locale and a
timeout, and never under another ``root`` (a mounted image's binaries are not this
host's to run): there only the binary's path is reported. Nothing raises for a host
condition. Runs on target hosts (Python >= 3.9, standard library only).
"""

from ansible_collections.multiarch.kolla.plugins.module_utils._probe import run_all

VERSION_BINARIES = ("kubelet", "containerd")
# What is kept of each stream: a version line is short, a crashing binary may print a lot.
OUTPUT_LIMIT = 4096


def _answer(binary, ran=False, error=None):
    return {"binary": binary, "ran": ran, "rc": None, "stdout": None, "stderr": None, "error": error}


def run_version(binary, timeout):
    """``{binary, ran, rc, stdout, stderr, error}`` of ``binary --version``; ``error`` says why there is no usable answer."""
    result = _answer(binary, ran=True)
    argv = (binary, "--version")
    rc, out, err = run_all([argv], timeout)[argv]
    if rc is None:
        timed_out = err.startswith("timed out")
        why = "did not answer within %s seconds" % timeout if timed_out else "could not run: %s" % err
        result["error"] = "%s --version %s" % (binary, why)
        return result
    result.update(rc=rc, stdout=out[:OUTPUT_LIMIT], stderr=err[:OUTPUT_LIMIT])
    if rc != 0:
        said = (result["stderr"] or result["stdout"]).strip().splitlines()
        result["error"] = "%s --version exited with %s%s" % (binary, rc, (": " + said[-1][:200]) if said else "")
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
