# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the traces of a libvirt on the host, for ``container_runtime_info`` (the ``libvirt`` section).

kolla-ansible runs libvirt in its ``nova_libvirt`` container unless a host sets
``enable_nova_libvirt_container: false`` (kolla-ansible 23.0.0, ansible/group_vars/all/nova.yml); a
libvirtd or virtqemud on the host would fight that container for /run/libvirt and the guests. kolla
mounts /run into the container, so the socket alone cannot tell the two apart: what tells them apart
is the mount namespace of the daemon's process. This file reads, the controller decides
(``plugins/plugin_utils/preflight/libvirt.py``):

* the libvirt daemons that run, each with whether it shares this process's mount namespace;
* which of libvirt's sockets exist; which libvirt units are enabled or masked in /etc/systemd/system;
* the names of the Docker containers (``GET /containers/json?all=1``), when Docker answered ``/info``.

Every path comes from ``default_paths(root)``. Nothing raises for a host condition. Runs on target
hosts (Python >= 3.9, standard library only).
"""

import glob
import os

from ansible_collections.multiarch.kolla.plugins.module_utils import _probe
from ansible_collections.multiarch.kolla.plugins.module_utils.runtime.docker_api import DockerApiError, docker_api_get

# The daemons that drive QEMU guests: the monolithic libvirtd, and the modular virtqemud that replaces
# it (libvirt docs/daemons.rst). Their process names (comm) are the binaries' names.
DAEMONS = ("libvirtd", "virtqemud")
# The read-write socket kolla-ansible's precheck looks at (ansible/roles/nova-cell/tasks/precheck.yml,
# "Checking that host libvirt is not running": /var/run/libvirt/libvirt-sock), and /run, where /var/run points.
SOCKETS = ("/run/libvirt/libvirt-sock", "/var/run/libvirt/libvirt-sock")
SYSTEMD_SYSTEM_DIR = "/etc/systemd/system"
CONTAINERS_ENDPOINT = "/containers/json?all=1"
# The unit kinds that start a daemon: the service, and its sockets (socket activation starts it on connection).
UNIT_KINDS = ("service", "socket")


def default_paths(root="/"):
    """The paths ``read_libvirt`` reads, under ``root``."""
    return {
        "libvirt_sockets": [_probe.under(root, path) for path in SOCKETS],
        "systemd_system_dir": _probe.under(root, SYSTEMD_SYSTEM_DIR),
    }


def libvirt_unit(name):
    """Whether the unit file ``name`` is a service or socket of a libvirt daemon (libvirtd.socket, virtqemud-ro.socket, ...)."""
    stem, _dot, kind = name.rpartition(".")
    return kind in UNIT_KINDS and any(stem == daemon or stem.startswith(daemon + "-") for daemon in DAEMONS)


def mount_namespace(proc_root, pid):
    """The target of ``<proc_root>/<pid>/ns/mnt`` (``mnt:[4026531840]``); None when it cannot be read (another user's process)."""
    try:
        return os.readlink(os.path.join(proc_root, str(pid), "ns", "mnt"))
    except OSError:
        return None


def daemons(processes, proc_root):
    """``[{pid, name, host_namespace}]`` of the libvirt daemons in ``processes`` (``gather.find_processes``), by pid.

    ``host_namespace``: the daemon shares this process's mount namespace (True), has another one, as a
    process in a container does (False), or either cannot be read (None). None when /proc could not be listed.
    """
    if processes is None:
        return None
    own = mount_namespace(proc_root, "self")
    found = []
    for name in DAEMONS:
        for pid in processes.get(name) or []:
            theirs = mount_namespace(proc_root, pid)
            found.append({"pid": pid, "name": name, "host_namespace": None if own is None or theirs is None else theirs == own})
    return sorted(found, key=lambda daemon: daemon["pid"])


def units(system_dir):
    """``(enabled, masked)``: the libvirt units linked in ``<system_dir>/*.wants`` (they start at boot), and those
    linked to /dev/null in ``system_dir`` (``systemctl mask``); each sorted."""
    enabled = set()
    for wants in glob.glob(os.path.join(glob.escape(system_dir), "*.wants")):
        try:
            enabled.update(name for name in os.listdir(wants) if libvirt_unit(name))
        except OSError:
            continue
    try:
        names = [name for name in os.listdir(system_dir) if libvirt_unit(name)]
    except OSError:
        names = []
    masked = []
    for name in names:
        try:
            if os.readlink(os.path.join(system_dir, name)) == "/dev/null":
                masked.append(name)
        except OSError:
            continue
    return sorted(enabled), sorted(masked)


def containers(docker, timeout, warnings):
    """``(names, error)``: the names of every Docker container (``/nova_libvirt`` comes back as ``nova_libvirt``).

    Asked only when Docker answered ``/info`` (``docker`` is ``ask_docker``'s result); otherwise ``(None, None)``.
    """
    if not docker or docker.get("info") is None:
        return None, None
    try:
        answer = docker_api_get(docker["socket"], CONTAINERS_ENDPOINT, timeout, expect=list)
    except DockerApiError as exc:
        warnings.append(str(exc))
        return None, str(exc)
    names = set()
    for container in answer:
        if isinstance(container, dict):
            names.update(name.lstrip("/") for name in container.get("Names") or [] if isinstance(name, str))
    return sorted(names), None


def read_libvirt(paths, processes, docker, timeout, warnings):
    """The ``libvirt`` section of container_runtime_info's result.

    ``paths`` holds ``default_paths``' keys and ``proc_path``; ``processes`` is what ``gather.find_processes``
    found (names of ``DAEMONS`` among them); ``docker`` is ``ask_docker``'s result; ``timeout`` bounds Docker's answer.
    """
    enabled, masked = units(paths["systemd_system_dir"])
    names, error = containers(docker, timeout, warnings)
    return {
        "daemons": daemons(processes, paths["proc_path"]),
        "sockets": [path for path in paths["libvirt_sockets"] if os.path.exists(path)],
        "units_enabled": enabled,
        "units_masked": masked,
        "containers": names,
        "containers_error": error,
    }
