"""plugins/plugin_utils/preflight/libvirt.py: no host libvirt daemon next to kolla's nova_libvirt container.

Each host's runtime (``multiarch_host_read.runtime``) is what container_runtime_info's own reader (runtime_testlib.raw_runtime)
returns for a tree built under tmp_path: /proc with comm files and mount-namespace links, libvirt's socket,
the links ``systemctl enable`` leaves; Docker's container list is given as the module would return it.
"""

from __future__ import annotations

import os

import pytest
from kollatestlib import fact
from runtime_testlib import CONTAINER_MNT, HOST_MNT, fake_process, put, raw_runtime

from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight import libvirt
from ansible_collections.multiarch.kolla.plugins.plugin_utils.preflight.context import Context

KOLLA = ["nova_compute", "nova_libvirt", "nova_ssh"]


def tree(root, daemons=(), socket=False, enabled=(), masked=()):
    """A host: ``daemons`` ((pid, name, mnt) with mnt None for an unreadable link), libvirt's socket, enabled and masked units."""
    root.mkdir(parents=True, exist_ok=True)
    fake_process(root, "self")
    for pid, name, mnt in daemons:
        fake_process(root, pid, name, mnt)
    if socket:
        put(root, "/run/libvirt/libvirt-sock", "")
    for unit in enabled:
        wants = root / "etc/systemd/system" / ("sockets.target.wants" if unit.endswith(".socket") else "multi-user.target.wants")
        wants.mkdir(parents=True, exist_ok=True)
        os.symlink("/lib/systemd/system/" + unit, str(wants / unit))
    for unit in masked:
        os.symlink("/dev/null", str(root / "etc/systemd/system" / unit))
    return root


def host(root, containers=None, **layout):
    """A compute host's variables: the fact host_facts publishes and the raw runtime the preflight role reads."""
    runtime = raw_runtime(tree(root, **layout), libvirt={"containers": containers})
    return {"multiarch_host": fact("x86_64", kvm=True), "multiarch_host_read": {"runtime": runtime}}


def check(hostvars, compute=None, **options):
    ctx = Context(list(hostvars), hostvars, {"compute": list(hostvars) if compute is None else compute}, options)
    return libvirt.host_libvirt(ctx)


def test_a_libvirtd_on_the_host_is_an_error_naming_it_and_the_fix(tmp_path):
    found = check({"cx1": host(tmp_path / "cx1", KOLLA, daemons=[(812, "libvirtd", HOST_MNT)], socket=True,
                               enabled=["libvirtd.service", "libvirtd.socket", "libvirtd-tcp.socket"])})
    assert [(f["host"], f["check"], f["severity"]) for f in found] == [("cx1", "host_libvirt", "error")]
    assert found[0]["found"].startswith("libvirtd (pid 812) runs on the host itself, next to kolla's nova_libvirt container")
    assert "enabled at boot: libvirtd-tcp.socket, libvirtd.service, libvirtd.socket" in found[0]["found"]
    assert ("systemctl disable --now libvirtd-admin.socket libvirtd-ro.socket libvirtd-tcp.socket libvirtd.service libvirtd.socket"
            in found[0]["fix"])
    assert "enable_nova_libvirt_container: false" in found[0]["fix"]


def test_modular_virtqemud_on_the_host_too(tmp_path):
    (found,) = check({"cx1": host(tmp_path, KOLLA, daemons=[(4100, "virtqemud", HOST_MNT), (30511, "libvirtd", CONTAINER_MNT)])})
    assert found["found"].startswith("virtqemud (pid 4100) runs on the host itself")
    assert "30511" not in found["found"]  # the nova_libvirt container's own libvirtd is no problem
    assert "systemctl disable --now virtqemud-admin.socket virtqemud-ro.socket virtqemud.service virtqemud.socket" in found["fix"]


def test_a_daemon_only_inside_a_container_is_nothing(tmp_path):
    assert check({"cx1": host(tmp_path, KOLLA, daemons=[(30511, "libvirtd", CONTAINER_MNT)], socket=True)}) == []


def test_hosts_that_keep_host_libvirt_or_run_no_nova_are_not_checked(tmp_path):
    layout = {"daemons": [(812, "libvirtd", HOST_MNT)], "socket": True, "enabled": ["libvirtd.service"]}
    host_libvirt_kolla = ["nova_compute", "nova_ssh"]  # kolla deploys no nova_libvirt on these hosts
    own = host(tmp_path / "own", host_libvirt_kolla, **layout)
    own["enable_nova_libvirt_container"] = "no"
    ctl = host(tmp_path / "ctl", [], **layout)
    assert check({"own": own, "ctl": ctl}, compute=["own"]) == []
    # The same setting for the whole cloud (globals.yml), as the role passes it.
    assert check({"cx1": host(tmp_path / "cx1", host_libvirt_kolla, **layout)}, enable_nova_libvirt_container=False) == []


def test_a_nova_libvirt_container_left_on_a_host_that_keeps_host_libvirt_is_an_error(tmp_path):
    own = host(tmp_path / "own", KOLLA, daemons=[(812, "libvirtd", HOST_MNT)], socket=True, enabled=["libvirtd.service"])
    own["enable_nova_libvirt_container"] = False
    (found,) = check({"own": own})
    assert (found["host"], found["check"], found["severity"]) == ("own", "host_libvirt", "error")
    assert found["found"].startswith("a nova_libvirt container exists although enable_nova_libvirt_container is false")
    assert "kolla-ansible nova-libvirt-cleanup --limit own" in found["fix"]
    assert "enable_nova_libvirt_container: true" in found["fix"]
    # Without the container, host libvirt is nova's libvirt there: nothing to say.
    clean = host(tmp_path / "clean", ["nova_compute", "nova_ssh"], daemons=[(812, "libvirtd", HOST_MNT)], socket=True)
    clean["enable_nova_libvirt_container"] = False
    assert check({"clean": clean}) == []


def test_a_socket_without_nova_libvirt_is_what_kollas_precheck_fails_on(tmp_path):
    (found,) = check({"cx1": host(tmp_path, ["nova_compute"], socket=True, enabled=["libvirtd.socket"])})
    assert found["severity"] == "error"
    socket = tmp_path / "run/libvirt/libvirt-sock"
    assert found["found"].startswith("%s exists and no nova_libvirt container does: kolla-ansible's precheck fails on it" % socket)
    assert "kolla-ansible 23.0.0 ansible/roles/nova-cell/tasks/precheck.yml" in found["found"]
    assert found["found"].endswith("; no libvirt daemon runs: host libvirt left it, or a socket unit holds it; enabled at boot: libvirtd.socket")
    assert found["fix"].startswith("disable host libvirt (systemctl disable --now libvirtd.socket) and remove what is left (rm -f %s)" % socket)


def test_a_socket_from_a_libvirt_in_another_container(tmp_path):
    (found,) = check({"cx1": host(tmp_path, ["my_libvirt"], daemons=[(30511, "libvirtd", CONTAINER_MNT)], socket=True)})
    assert found["found"].endswith("; in another container, libvirtd (pid 30511) runs")
    assert "systemctl disable --now libvirtd-admin.socket libvirtd-ro.socket libvirtd.service libvirtd.socket" in found["fix"]


@pytest.mark.parametrize("socket, containers, failing", [(True, ["nova_compute"], True), (True, [], True), (True, KOLLA, False),
                                                         (False, [], False), (True, None, False)],
                         ids=["no-container", "no-containers", "nova_libvirt-exists", "no-socket", "docker-silent"])
def test_the_socket_rule_is_kolla_ansibles(tmp_path, socket, containers, failing):
    """kolla-ansible 23.0.0 precheck.yml fails when the socket exists and container_facts has no nova_libvirt; unknown containers
    (Docker did not answer, or Podman) are not guessed."""
    found = check({"cx1": host(tmp_path, containers, socket=socket)})
    assert [f["severity"] for f in found] == (["error"] if failing else [])


def test_enabled_units_with_nothing_running_are_a_warning(tmp_path):
    (found,) = check({"cx1": host(tmp_path, KOLLA, socket=True, enabled=["virtqemud.service", "virtqemud.socket", "libvirtd.socket"],
                                  masked=["libvirtd.socket"])})
    assert found["severity"] == "warning"
    assert found["found"].startswith("host libvirt units are enabled (virtqemud.service, virtqemud.socket): nothing runs now")
    assert found["fix"].startswith("systemctl disable --now virtqemud.service virtqemud.socket (or systemctl mask them)")
    # Masked, they cannot start: nothing to say.
    assert check({"cx2": host(tmp_path / "cx2", KOLLA, enabled=["libvirtd.service"], masked=["libvirtd.service"])}) == []


def test_a_daemon_whose_namespace_cannot_be_read_is_a_warning(tmp_path):
    (found,) = check({"cx1": host(tmp_path, KOLLA, daemons=[(812, "libvirtd", None)])})
    assert found["severity"] == "warning"
    assert found["found"].startswith("libvirtd (pid 812) runs, but whether on the host or in a container could not be told")
    assert "become" in found["fix"]


def test_a_clean_host_and_a_host_not_read(tmp_path):
    clean = host(tmp_path / "clean", KOLLA)
    unread = {"multiarch_host": fact("x86_64", kvm=True)}
    old = {"multiarch_host": fact("x86_64", kvm=True), "multiarch_host_read": {"runtime": {"files": {}}}}  # facts of a collection without the section
    assert check({"clean": clean, "unread": unread, "old": old}) == []


def test_no_proc_listing_still_reports_the_socket(tmp_path):
    vars_ = host(tmp_path, [], socket=True)
    vars_["multiarch_host_read"]["runtime"]["libvirt"]["daemons"] = None
    (found,) = check({"cx1": vars_})
    assert found["found"].startswith("%s exists and no nova_libvirt container does: " % (tmp_path / "run/libvirt/libvirt-sock"))
    assert "daemon" not in found["found"]  # /proc could not be listed: nothing is said of daemons
