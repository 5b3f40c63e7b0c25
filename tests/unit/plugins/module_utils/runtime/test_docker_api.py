"""Tests for plugins/module_utils/runtime/docker_api.py.

A fake dockerd on a unix socket answers with the real ``docker info`` fixture; one test
compares with the live Docker daemon and its own CLI when the test machine has them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile

import pytest
from conftest import fixture_file, unavailable
from runtime_testlib import FakeDockerd, containers_json

from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import docker_api

DOCKER_INFO = ("docker", "docker_info_cgroupfs_no_swarm.json")


def test_info_is_the_daemons_json():
    body = fixture_file(*DOCKER_INFO).read_bytes()
    with FakeDockerd(body) as dockerd:
        answer = docker_api.docker_api_get(dockerd.socket, "/info", 5)
        assert dockerd.requests == ["/info"]
    assert answer == json.loads(body)


@pytest.mark.parametrize(
    "body, status, words",
    [(b"<html>", 200, "non-JSON"), (b'{"message": "boom"}', 500, "answered 500"), (b"[1, 2]", 200, "sent a list for /info, not an object")],
)
def test_daemon_answers_badly(body, status, words):
    with FakeDockerd(body, status) as dockerd, pytest.raises(docker_api.DockerApiError) as info:
        docker_api.docker_api_get(dockerd.socket, "/info", 5)
    assert words in str(info.value)
    assert dockerd.socket in str(info.value)


def test_a_list_endpoint_answers_an_array():
    body = containers_json("nova_libvirt", "nova_compute")
    with FakeDockerd(b"{}", routes={"/containers/json?all=1": body}) as dockerd:
        answer = docker_api.docker_api_get(dockerd.socket, "/containers/json?all=1", 5, expect=list)
        assert dockerd.requests == ["/containers/json?all=1"]
    assert answer == json.loads(body)
    assert [c["Names"] for c in answer] == [["/nova_libvirt"], ["/nova_compute"]]


def test_a_list_endpoint_that_answers_an_object_is_refused():
    with FakeDockerd(b"{}", routes={"/containers/json?all=1": b'{"message": "not a list"}'}) as dockerd, \
            pytest.raises(docker_api.DockerApiError) as info:
        docker_api.docker_api_get(dockerd.socket, "/containers/json?all=1", 5, expect=list)
    assert str(info.value) == "Docker daemon on %s sent a dict for /containers/json?all=1, not an array" % dockerd.socket


def test_expect_names_a_json_kind():
    with pytest.raises(ValueError, match="expect must be dict or list"):
        docker_api.docker_api_get("/nonexistent.sock", "/info", 1, expect=str)


def test_other_endpoint_not_found():
    with FakeDockerd(b"{}") as dockerd, pytest.raises(docker_api.DockerApiError, match="404"):
        docker_api.docker_api_get(dockerd.socket, "/version", 5)


def test_no_socket(tmp_path):
    path = str(tmp_path / "absent.sock")
    with pytest.raises(docker_api.DockerApiError) as info:
        docker_api.docker_api_get(path, "/info", 1)
    assert str(info.value).startswith("no answer from the Docker daemon on %s: " % path)


def test_stale_socket():
    workdir = tempfile.mkdtemp(prefix="fd", dir="/tmp")
    try:
        path = os.path.join(workdir, "docker.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.close()  # the file stays, nobody listens: what a crashed dockerd leaves
        with pytest.raises(docker_api.DockerApiError) as info:
            docker_api.docker_api_get(path, "/info", 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert path in str(info.value)


def _live_socket():
    path = docker_api.DEFAULT_DOCKER_SOCKET
    if not os.path.exists(path) or not os.access(path, os.R_OK | os.W_OK):
        return None
    if shutil.which("docker") is None:
        return None
    return path


def test_live_docker_daemon_matches_docker_cli():
    """Oracle: the docker CLI's own `docker info` against the same daemon."""
    if _live_socket() is None:
        unavailable("no Docker daemon and CLI on this machine")
    try:
        cli = subprocess.run(
            ["docker", "info", "--format", "{{json .}}"], capture_output=True, text=True, timeout=30, check=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        unavailable("docker info failed: %s" % exc)
    expected = json.loads(cli.stdout)
    ours = docker_api.docker_api_get(docker_api.DEFAULT_DOCKER_SOCKET, "/info", 10)
    assert ours["CgroupDriver"] == expected["CgroupDriver"]
    assert ours["Driver"] == expected["Driver"]
    assert ours["ServerVersion"] == expected["ServerVersion"]
    assert ours["DriverStatus"] == expected["DriverStatus"]


def test_live_container_list_matches_docker_cli():
    """Oracle: `docker ps --all` names the same containers as GET /containers/json?all=1."""
    if _live_socket() is None:
        unavailable("no Docker daemon and CLI on this machine")
    try:
        cli = subprocess.run(["docker", "ps", "--all", "--no-trunc", "--format", "{{.Names}}"], capture_output=True, text=True,
                             timeout=30, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        unavailable("docker ps failed: %s" % exc)
    expected = sorted(name for line in cli.stdout.splitlines() for name in line.split(",") if name)
    ours = docker_api.docker_api_get(docker_api.DEFAULT_DOCKER_SOCKET, "/containers/json?all=1", 10, expect=list)
    assert sorted(name.lstrip("/") for container in ours for name in container["Names"]) == expected
