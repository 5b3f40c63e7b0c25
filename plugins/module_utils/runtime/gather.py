# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the container runtimes' raw sources on a host, for ``container_runtime_info``.

Nothing here parses what the controller can parse: configuration files come back
as text (TOML and YAML are read on the controller by
``plugins/plugin_utils/runtime_config.py``), Docker's ``GET /info`` as the daemon's
JSON, ``kubelet --version`` and ``containerd --version`` as printed (``versions.py``).
What only the host can tell is probed here: which files exist, binaries,
whether a kubelet process runs, the cgroup version and the init system, and the
traces of a libvirt on the host (``libvirt_host.py``).

Every path is taken from ``default_paths(root)`` or the caller. Nothing raises for
a host condition: an unreadable file or a silent daemon becomes an ``error``
sentence in its entry and in ``warnings``. Runs on target hosts (Python >= 3.9,
standard library only).
"""

import glob
import os

from ansible_collections.multiarch.kolla.plugins.module_utils import _files, _probe
from ansible_collections.multiarch.kolla.plugins.module_utils.docker_daemon_json import DEFAULT_DAEMON_JSON
from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import libvirt_host
from ansible_collections.multiarch.kolla.plugins.module_utils.runtime.docker_api import (
    DEFAULT_DOCKER_SOCKET,
    DockerApiError,
    docker_api_get,
)
from ansible_collections.multiarch.kolla.plugins.module_utils.runtime.versions import ask_versions

DEFAULT_CONTAINERD_CONFIG = "/etc/containerd/config.toml"
DEFAULT_KUBELET_CONFIG = "/var/lib/kubelet/config.yaml"
DEFAULT_KUBEADM_FLAGS = "/var/lib/kubelet/kubeadm-flags.env"
# containers.conf(5): the vendor file, the admin file, then the admin drop-ins in lexical order.
DEFAULT_CONTAINERS_CONF = (
    "/usr/share/containers/containers.conf",
    "/etc/containers/containers.conf",
    "/etc/containers/containers.conf.d",
)
DOCKER_UNIT_FILES = (
    "/etc/systemd/system/docker.service",
    "/lib/systemd/system/docker.service",
    "/usr/lib/systemd/system/docker.service",
)
BINARIES = ("dockerd", "docker", "containerd", "kubelet", "podman")

# The single files, by the key they have in the result, with the words used in messages.
FILES = (
    ("daemon_json", "daemon_json_path", "Docker daemon config"),
    ("containerd_config", "containerd_config_path", "containerd config"),
    ("kubelet_config", "kubelet_config_path", "kubelet config"),
    ("kubeadm_flags", "kubeadm_flags_path", "kubeadm flags file"),
)


def default_paths(root="/"):
    """Every path ``gather_runtime`` reads, under ``root``."""
    return {
        "daemon_json_path": _probe.under(root, DEFAULT_DAEMON_JSON),
        "docker_socket": _probe.under(root, DEFAULT_DOCKER_SOCKET),
        "containerd_config_path": _probe.under(root, DEFAULT_CONTAINERD_CONFIG),
        "kubelet_config_path": _probe.under(root, DEFAULT_KUBELET_CONFIG),
        "kubeadm_flags_path": _probe.under(root, DEFAULT_KUBEADM_FLAGS),
        "containers_conf_paths": [_probe.under(root, path) for path in DEFAULT_CONTAINERS_CONF],
        "docker_unit_paths": [_probe.under(root, path) for path in DOCKER_UNIT_FILES],
        "proc_path": _probe.under(root, "/proc"),
        **libvirt_host.default_paths(root),
    }


def read_source(path, what, warnings):
    """``{path, exists, text, error}`` for one file; a file that cannot be read gives an ``error`` sentence (also a warning)."""
    try:
        text = _files.read_text(path, what)
    except _files.FileError as exc:
        warnings.append(str(exc))
        return {"path": path, "exists": os.path.lexists(path), "text": None, "error": str(exc)}
    return {"path": path, "exists": text is not None, "text": text, "error": None}


def containers_conf_files(paths):
    """Expand the containers.conf search list: files as given, directories to their ``*.conf`` in lexical order.

    Only files that exist are listed.
    """
    result = []
    for path in paths:
        if os.path.isdir(path):
            result.extend(sorted(glob.glob(os.path.join(glob.escape(path), "*.conf"))))
        elif os.path.lexists(path):
            result.append(path)
    return result


def find_processes(names, proc_root="/proc"):
    """``{name: [pid, ...]}``: the processes whose comm is each of ``names`` (comm is cut to 15 characters), pids in
    ascending order, in one walk of /proc; None when /proc cannot be listed."""
    found = {name: [] for name in names}
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return None
    for entry in sorted((entry for entry in entries if entry.isdigit()), key=int):
        try:
            with open(os.path.join(proc_root, entry, "comm")) as handle:
                comm = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            continue
        for name in names:
            if comm == name[:15]:
                found[name].append(int(entry))
    return found


def process_running(name, proc_root="/proc"):
    """Whether a process whose comm is ``name`` runs (comm is cut to 15 characters); None when /proc cannot be listed."""
    found = find_processes((name,), proc_root)
    return None if found is None else bool(found[name])


def ask_docker(socket_path, installed, timeout, warnings):
    """``{socket, socket_present, asked, info, error}``: the raw ``GET /info`` answer, or why there is none.

    The daemon is asked when its socket exists or Docker looks installed; a daemon
    that does not answer is an ``error`` sentence (and a warning).
    """
    present = os.path.exists(socket_path)
    result = {"socket": socket_path, "socket_present": present, "asked": False, "info": None, "error": None}
    if not (present or installed):
        return result
    result["asked"] = True
    try:
        result["info"] = docker_api_get(socket_path, "/info", timeout)
    except DockerApiError as exc:
        result["error"] = str(exc)
        if present:
            warnings.append(str(exc))
        else:
            warnings.append("Docker is installed but its socket %s does not exist (daemon not running)" % socket_path)
    return result


def gather_runtime(paths, root="/", which=None, timeout=5.0, version_timeout=5.0):
    """The ``runtime`` result of container_runtime_info: raw files, the daemon's answer, binaries, versions, host libvirt and probes.

    ``paths`` is ``default_paths(root)`` with any overrides; ``which(name)`` finds a
    binary (``_probe.find_binary`` under ``root`` by default). ``timeout`` bounds
    Docker's answer, ``version_timeout`` each ``--version`` run.
    """
    if which is None:
        def which(name):
            return _probe.find_binary(name, root)
    warnings = []
    files = {key: read_source(paths[option], what, warnings) for key, option, what in FILES}
    conf = [read_source(path, "containers.conf", warnings) for path in containers_conf_files(paths["containers_conf_paths"])]
    units = [path for path in paths.get("docker_unit_paths", []) if os.path.lexists(path)]
    binaries = {name: which(name) for name in BINARIES}
    installed = bool(binaries["dockerd"] or binaries["docker"] or files["daemon_json"]["exists"] or units)
    docker = ask_docker(paths["docker_socket"], installed, timeout, warnings)
    processes = find_processes(("kubelet", *libvirt_host.DAEMONS), paths["proc_path"])
    return {
        "files": files,
        "containers_conf": conf,
        "docker_units": units,
        "docker_info": docker,
        "binaries": binaries,
        "versions": ask_versions(binaries, root, version_timeout, warnings),
        "kubelet_running": None if processes is None else bool(processes["kubelet"]),
        "libvirt": libvirt_host.read_libvirt(paths, processes, docker, timeout, warnings),
        "host": {"cgroup_version": _probe.cgroup_version(root), "systemd": _probe.systemd_booted(root)},
        "warnings": warnings,
    }
