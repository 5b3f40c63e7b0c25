# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host probes every detect module shares: paths under a root, binaries, cgroup version, systemd.

Every function takes the file system ``root`` ("/" on a real host) so that tests
can point it at a tree they build. Nothing raises for a host condition.
Standard library only; runs on target hosts (Python >= 3.9).
"""

import os
import subprocess

# Where binaries are looked up after $PATH (sbin first: dockerd, libvirtd live there).
BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/libexec")


def under(root, path):
    """``path`` (absolute) inside ``root``; ``root`` "/" or empty gives ``path`` itself."""
    if root in (None, "", "/"):
        return path
    return os.path.join(root, path.lstrip("/"))


def find_binary(name, root="/", path=None):
    """The first executable ``name`` in ``path`` (directories), then BIN_DIRS, under ``root``; None when absent.

    ``path`` defaults to $PATH on a real host (``root`` "/") and to nothing under
    another root, whose $PATH is not known.
    """
    if path is None:
        path = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d] if root in (None, "", "/") else []
    seen = set()
    for directory in list(path) + list(BIN_DIRS):
        if directory in seen:
            continue
        seen.add(directory)
        candidate = under(root, os.path.join(directory, name))
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def cgroup_version(root="/", warnings=None):
    """2 for the unified cgroup2 hierarchy (cgroup.controllers at /sys/fs/cgroup), 1 for a v1/hybrid layout, None if neither."""
    base = under(root, "/sys/fs/cgroup")
    if os.path.exists(os.path.join(base, "cgroup.controllers")):
        return 2
    if os.path.isdir(base):
        try:
            if os.listdir(base):
                return 1
        except OSError as exc:
            if warnings is not None:
                warnings.append("/sys/fs/cgroup cannot be listed (%s): cgroup version unknown" % (exc.strerror or exc))
            return None
    if warnings is not None:
        warnings.append("/sys/fs/cgroup is missing or empty: cgroup version unknown")
    return None


def systemd_booted(root="/"):
    """systemd is the init system: /run/systemd/system is a directory (sd_booted(3))."""
    path = under(root, "/run/systemd/system")
    return os.path.isdir(path) and not os.path.islink(path)


def run_all(commands, timeout):
    """Run every argv of ``commands`` at once, read-only helpers that print and exit.

    stdin is closed, the locale is C, each gets ``timeout`` seconds and is killed
    past it. Returns ``{argv tuple: (rc, stdout, stderr or error)}``; rc is None when
    the command could not start or timed out, with the reason in the third item.
    """
    env = dict(os.environ, LC_ALL="C", LANG="C")
    procs, results = {}, {}
    for argv in commands:
        try:
            procs[argv] = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, close_fds=True)
        except OSError as exc:
            results[argv] = (None, "", exc.strerror or str(exc))
    for argv, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            results[argv] = (None, "", "timed out after %ss" % timeout)
            continue
        results[argv] = (proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace").strip())
    return results
