"""Tests for plugins/module_utils/runtime/libvirt_host.py.

Hosts are trees built under tmp_path: /proc with comm files and ``ns/mnt`` links as the kernel shows them
(``mnt:[4026531841]``), /etc/systemd/system with the links ``systemctl enable`` and ``mask`` make, libvirt's
socket; Docker is a fake dockerd on a unix socket.
"""

from __future__ import annotations

import json
import os
import socket

from runtime_testlib import CONTAINER_MNT, FakeDockerd, containers_json, fake_process, put

from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import gather, libvirt_host

# The units Debian 12's libvirt-daemon-system enables (its postinst: deb-systemd-helper), and Fedora's modular ones.
DEBIAN_ENABLED = {"multi-user.target.wants": ["libvirtd.service", "libvirt-guests.service", "docker.service"],
                  "sockets.target.wants": ["libvirtd.socket", "libvirtd-ro.socket", "libvirtd-admin.socket", "virtlogd.socket",
                                           "virtlockd.socket"]}
MODULAR_ENABLED = {"multi-user.target.wants": ["virtqemud.service"], "sockets.target.wants": ["virtqemud.socket", "virtqemud-ro.socket"]}


def enable(root, wanted):
    """What ``systemctl enable`` leaves: links in /etc/systemd/system/<target>.wants to the vendor unit files."""
    for target, names in wanted.items():
        wants = root / "etc/systemd/system" / target
        wants.mkdir(parents=True, exist_ok=True)
        for name in names:
            os.symlink("/lib/systemd/system/" + name, str(wants / name))


def mask(root, *names):
    """What ``systemctl mask`` leaves: a link to /dev/null in /etc/systemd/system."""
    system = root / "etc/systemd/system"
    system.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.symlink("/dev/null", str(system / name))


def read(root, docker=None, timeout=1):
    paths = gather.default_paths(str(root))
    warnings = []
    processes = gather.find_processes(("kubelet", *libvirt_host.DAEMONS), paths["proc_path"])
    return libvirt_host.read_libvirt(paths, processes, docker, timeout, warnings), warnings


def test_default_paths_under_root(tmp_path):
    paths = libvirt_host.default_paths(str(tmp_path))
    assert paths == {"libvirt_sockets": [str(tmp_path / "run/libvirt/libvirt-sock"), str(tmp_path / "var/run/libvirt/libvirt-sock")],
                     "systemd_system_dir": str(tmp_path / "etc/systemd/system")}
    assert libvirt_host.default_paths("/")["libvirt_sockets"][1] == "/var/run/libvirt/libvirt-sock"  # kolla-ansible's precheck path


def test_libvirt_units_are_the_daemons_services_and_sockets():
    for name in ("libvirtd.service", "libvirtd.socket", "libvirtd-ro.socket", "libvirtd-tcp.socket", "virtqemud.service",
                 "virtqemud-admin.socket"):
        assert libvirt_host.libvirt_unit(name), name
    for name in ("libvirt-guests.service", "virtlogd.socket", "virtlockd.service", "libvirtd.conf", "virtqemud", "libvirtdx.service",
                 "virtqemud.timer"):
        assert not libvirt_host.libvirt_unit(name), name


def test_daemons_on_the_host_in_a_container_and_unreadable(tmp_path):
    fake_process(tmp_path, "self")
    fake_process(tmp_path, 812, "libvirtd")  # the host's own
    fake_process(tmp_path, 30511, "libvirtd", CONTAINER_MNT)  # kolla's nova_libvirt, seen from the host's pid namespace
    fake_process(tmp_path, 4100, "virtqemud", None)  # another user's process: ns/mnt cannot be read
    fake_process(tmp_path, 77, "virtlogd")
    libvirt, warnings = read(tmp_path)
    assert libvirt["daemons"] == [{"pid": 812, "name": "libvirtd", "host_namespace": True},
                                  {"pid": 4100, "name": "virtqemud", "host_namespace": None},
                                  {"pid": 30511, "name": "libvirtd", "host_namespace": False}]
    assert warnings == []


def test_own_namespace_unreadable_tells_nothing(tmp_path):
    fake_process(tmp_path, 812, "libvirtd")
    processes = gather.find_processes(libvirt_host.DAEMONS, str(tmp_path / "proc"))
    assert libvirt_host.daemons(processes, str(tmp_path / "proc")) == [{"pid": 812, "name": "libvirtd", "host_namespace": None}]


def test_no_proc_no_daemons_known(tmp_path):
    libvirt, _warnings = read(tmp_path)
    assert libvirt["daemons"] is None
    assert libvirt_host.daemons({"libvirtd": []}, str(tmp_path / "proc")) == []


def test_mount_namespace_is_the_links_text(tmp_path):
    fake_process(tmp_path, 812, "libvirtd", CONTAINER_MNT)
    assert libvirt_host.mount_namespace(str(tmp_path / "proc"), 812) == CONTAINER_MNT
    assert libvirt_host.mount_namespace(str(tmp_path / "proc"), 9) is None
    # On this machine: the kernel's own link, the same for the module's process and for this test's.
    assert libvirt_host.mount_namespace("/proc", "self") == os.readlink("/proc/%d/ns/mnt" % os.getpid())


def test_sockets_that_exist(tmp_path, monkeypatch):
    (tmp_path / "run/libvirt").mkdir(parents=True)
    (tmp_path / "var").mkdir()
    os.symlink("../run", str(tmp_path / "var/run"))  # Debian's /var/run -> /run
    monkeypatch.chdir(tmp_path / "run/libvirt")  # socket paths are limited to 108 bytes: bind a relative name
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind("libvirt-sock")
    finally:
        listener.close()
    libvirt, _warnings = read(tmp_path)
    assert libvirt["sockets"] == [str(tmp_path / "run/libvirt/libvirt-sock"), str(tmp_path / "var/run/libvirt/libvirt-sock")]
    assert read(tmp_path / "empty")[0]["sockets"] == []


def test_units_enabled_and_masked(tmp_path):
    enable(tmp_path, DEBIAN_ENABLED)
    libvirt, _warnings = read(tmp_path)
    assert libvirt["units_enabled"] == ["libvirtd-admin.socket", "libvirtd-ro.socket", "libvirtd.service", "libvirtd.socket"]
    assert libvirt["units_masked"] == []
    modular = tmp_path / "modular"
    enable(modular, MODULAR_ENABLED)
    mask(modular, "libvirtd.service", "libvirtd.socket", "virtlogd.service")
    put(modular, "/etc/systemd/system/virtqemud.service.d/override.conf", "[Service]\n")  # a drop-in directory is no mask
    libvirt, _warnings = read(modular)
    assert libvirt["units_enabled"] == ["virtqemud-ro.socket", "virtqemud.service", "virtqemud.socket"]
    assert libvirt["units_masked"] == ["libvirtd.service", "libvirtd.socket"]


def test_unreadable_wants_directory_is_skipped(tmp_path):
    put(tmp_path, "/etc/systemd/system/broken.wants", "not a directory\n")
    enable(tmp_path, MODULAR_ENABLED)
    assert read(tmp_path)[0]["units_enabled"] == ["virtqemud-ro.socket", "virtqemud.service", "virtqemud.socket"]
    assert libvirt_host.units(str(tmp_path / "absent")) == ([], [])


def test_containers_asked_only_when_docker_answered(tmp_path):
    with FakeDockerd(b"{}", routes={"/containers/json?all=1": containers_json("nova_ssh", "nova_libvirt", "nova_compute")}) as dockerd:
        docker = {"socket": dockerd.socket, "info": {"ServerVersion": "28.2.2"}}
        libvirt, warnings = read(tmp_path, docker)
        silent, _warnings = read(tmp_path, dict(docker, info=None))
        assert dockerd.requests == ["/containers/json?all=1"]
    assert (libvirt["containers"], libvirt["containers_error"]) == (["nova_compute", "nova_libvirt", "nova_ssh"], None)
    assert warnings == []
    assert (silent["containers"], silent["containers_error"]) == (None, None)
    assert read(tmp_path, None)[0]["containers"] is None


def test_a_container_list_that_fails_is_a_warning(tmp_path):
    with FakeDockerd(b"{}") as dockerd:  # /containers/json answers 404
        libvirt, warnings = read(tmp_path, {"socket": dockerd.socket, "info": {}})
    assert libvirt["containers"] is None
    assert "answered 404" in libvirt["containers_error"] and dockerd.socket in libvirt["containers_error"]
    assert warnings == [libvirt["containers_error"]]


def test_odd_entries_of_the_list_are_passed_over():
    body = json.dumps([{"Names": ["/nova_libvirt", "/compute1/alias"]}, {"Names": None}, "junk", {"Id": "x"}, {"Names": [7]}]).encode()
    warnings = []
    with FakeDockerd(b"{}", routes={"/containers/json?all=1": body}) as dockerd:
        names, error = libvirt_host.containers({"socket": dockerd.socket, "info": {}}, 1, warnings)
    assert (names, error, warnings) == (["compute1/alias", "nova_libvirt"], None, [])


def test_a_whole_host_is_json(tmp_path):
    fake_process(tmp_path, "self")
    fake_process(tmp_path, 812, "libvirtd")
    enable(tmp_path, DEBIAN_ENABLED)
    libvirt, _warnings = read(tmp_path)
    assert set(libvirt) == {"daemons", "sockets", "units_enabled", "units_masked", "containers", "containers_error"}
    assert json.loads(json.dumps(libvirt)) == libvirt
