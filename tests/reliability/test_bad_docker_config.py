"""A bad daemon.json on a host of the container_runtime phase: site.yml leaves it, and everything else, as it was.

Each case runs site.yml for real on this machine (tests/lib/site_testlib.py) with cx1 in the container_runtime
phase and ``container_runtime_daemon_json`` pointing at a daemon.json in the tmp tree, so this machine's own Docker
configuration is never read or written. The role refuses the file before it writes (module docker_daemon_config,
whose message names the file, and the link when the path is one), and the run names the host; Docker is never
restarted, since the restart follows a write only.

A 0-byte daemon.json is no bad input: dockerd reads an empty file as an empty configuration (moby
daemon/config/config.go, getConflictFreeConfiguration, v20.10 to v28), and so does the role. That case runs in
check mode and shows the merge the real run would make, with the file left at 0 bytes.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import unavailable
from site_testlib import Site, message_of, refused

MERGE = "multiarch.kolla.container_runtime : Merge the cgroup driver and the operator's settings into daemon.json"


@pytest.fixture(autouse=True)
def _docker_installed():
    if not shutil.which("docker"):
        unavailable("Docker is not installed: the container_runtime phase runs on hosts with Docker only")


def docker_site(tmp_path, content=None):
    """A site whose cx1 runs the container_runtime phase on ``tmp_path/docker/daemon.json`` (written as ``content`` bytes)."""
    daemon_json = tmp_path / "docker" / "daemon.json"
    daemon_json.parent.mkdir()
    if content is not None:
        daemon_json.write_bytes(content)
    site = Site(tmp_path, extra={"multiarch_container_runtime_hosts": "cx1", "container_runtime_daemon_json": str(daemon_json)})
    return site, daemon_json


def test_a_daemon_json_that_is_a_json_array(tmp_path):
    site, daemon_json = docker_site(tmp_path, b'["exec-opts", "native.cgroupdriver=systemd"]\n')
    message_of(refused(site), "cx1", f"{daemon_json} (line 1, column 1): the top level is a JSON list, not an object",
               "fix or remove the file, it was left untouched")


def test_a_daemon_json_with_non_utf8_bytes(tmp_path):
    site, daemon_json = docker_site(tmp_path, '{"labels": ["café"]}\n'.encode("latin-1"))
    message_of(refused(site), "cx1", f"daemon.json {daemon_json} is not UTF-8 text", "byte 0xe9", "it was left untouched")


def test_a_daemon_json_that_links_to_another_file(tmp_path):
    site, daemon_json = docker_site(tmp_path)
    hosts = tmp_path / "docker" / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    daemon_json.symlink_to("hosts")
    message = message_of(refused(site), "cx1", f"{hosts} (where the link {daemon_json} points)", "invalid JSON", "it was left untouched")
    assert daemon_json.is_symlink() and hosts.read_text() == "127.0.0.1 localhost\n", message


def test_a_daemon_json_with_exec_opts_as_a_string(tmp_path):
    site, daemon_json = docker_site(tmp_path, b'{"exec-opts": "native.cgroupdriver=systemd"}\n')
    message_of(refused(site), "cx1", "exec-opts must be a list of strings such as", "not the string 'native.cgroupdriver=systemd'",
               f"{daemon_json} was left untouched")


def test_a_daemon_json_with_nan(tmp_path):
    site, daemon_json = docker_site(tmp_path, b'{"max-concurrent-downloads": NaN}\n')
    message_of(refused(site), "cx1", str(daemon_json), "NaN is not valid JSON", "it was left untouched")


def test_a_zero_byte_daemon_json_is_an_empty_configuration_as_for_docker(tmp_path):
    site, daemon_json = docker_site(tmp_path, b"")
    rc, changed, out = site.run("--check")
    assert rc == 0, out
    assert (MERGE, "cx1") in changed, changed  # the driver would be merged into the empty configuration
    assert daemon_json.read_bytes() == b"" and sorted(p.name for p in daemon_json.parent.iterdir()) == ["daemon.json"]
