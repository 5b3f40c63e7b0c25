"""Test helpers for the container runtime code: host trees, a fake dockerd, and raw results.

* ``put(root, path, text)`` writes a file of a host tree built under tmp_path.
* ``FakeDockerd(body, status, routes)`` answers ``GET /info`` on a unix socket with ``body``
  (the real ``docker info`` fixture in most tests), as dockerd does, and any other path of
  ``routes`` (``{path: body}``, such as ``containers_json(...)`` for ``/containers/json?all=1``);
  a context manager.
* ``containers_json(*names)`` is Docker's answer to ``GET /containers/json?all=1`` for containers
  of those names (moby api/swagger.yaml, ``ContainerSummary``).
* ``raw_runtime(root, info=None, versions=None)`` is what ``container_runtime_info``
  returns for the tree under ``root`` (the real gather code; no Docker asked, no binary
  run), with ``info`` as the daemon's answer and ``versions`` (``{"kubelet": "Kubernetes
  v1.31.2", "containerd": "containerd ... v2.0.0 ..."}``) as what ``<binary> --version``
  printed, when given, and ``libvirt`` (a dict) over the ``libvirt`` section the tree gave.
* ``fake_process(root, pid, comm, mnt)`` adds a process to the tree's /proc: its comm and its
  ``ns/mnt`` link (``mnt:[...]``, as the kernel shows it; ``HOST_MNT`` is this module's own,
  ``CONTAINER_MNT`` a container's). ``pid`` "self" is the reading process (no comm).
* ``KUBELET``, ``CONTAINERD``: real ``--version`` answers of the releases the tests use.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socketserver
import tempfile
import threading

from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import gather


def put(root, relpath, content):
    path = root / relpath.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return str(path)


def systemd_v2(root):
    """Make the tree under ``root`` a systemd host on cgroup v2 (what the gather code probes for both)."""
    (root / "run/systemd/system").mkdir(parents=True, exist_ok=True)
    put(root, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        if self.path == "/info" and server.info is not None:
            status, body = server.status, server.info
        elif self.path in server.routes:
            status, body = 200, server.routes[self.path]
        else:
            status, body = 404, b'{"message": "page not found"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeDockerd:
    """A dockerd stand-in on a unix socket under /tmp (socket paths are limited to 108 bytes)."""

    def __init__(self, body, status=200, routes=None):
        self.body = body
        self.status = status
        self.routes = dict(routes or {})
        self.workdir = None
        self.server = None
        self.socket = None

    @property
    def requests(self):
        return self.server.requests

    def __enter__(self):
        self.workdir = tempfile.mkdtemp(prefix="fd", dir="/tmp")
        self.socket = os.path.join(self.workdir, "docker.sock")
        self.server = _Server(self.socket, _Handler)
        self.server.info = self.body
        self.server.status = self.status
        self.server.routes = self.routes
        self.server.requests = []
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.workdir, ignore_errors=True)


HOST_MNT = "mnt:[4026531841]"
CONTAINER_MNT = "mnt:[4026532517]"


def fake_process(root, pid, comm=None, mnt=HOST_MNT):
    """A process in ``root``'s /proc: ``<pid>/comm`` (unless None) and a ``<pid>/ns/mnt`` link to ``mnt`` (unless None)."""
    if comm is not None:
        put(root, "/proc/%s/comm" % pid, comm + "\n")
    if mnt is not None:
        ns = root / "proc" / str(pid) / "ns"
        ns.mkdir(parents=True, exist_ok=True)
        os.symlink(mnt, str(ns / "mnt"))


def containers_json(*names):
    """Docker's answer to ``GET /containers/json?all=1``: one ContainerSummary per name (Docker prefixes names with /)."""
    return json.dumps([{"Id": "%064x" % index, "Names": ["/" + name], "Image": "quay.io/openstack.kolla/%s:2025.1-debian-bookworm" % name,
                        "State": "running", "Status": "Up 2 hours"} for index, name in enumerate(names, 1)]).encode()


# What `kubelet --version` and `containerd --version` print (kubernetes component-base/version,
# containerd version/version.go; the Debian package puts its own version in the third field).
KUBELET = {release: "Kubernetes v%s" % release for release in ("1.27.16", "1.30.4", "1.31.0", "1.33.1", "1.34.0")}
CONTAINERD = {
    "1.6.20": "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3",
    "1.7.27": "containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da",
    "2.0.0": "containerd github.com/containerd/containerd/v2 v2.0.0 207ad711eabd375a01713109a8a197d197ff6542",
    "2.1.4": "containerd containerd.io v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376",
}


def raw_runtime(root, info=None, versions=None, socket_only=False, libvirt=None, **paths):
    """container_runtime_info's ``runtime`` for the tree under ``root``; ``info`` stands for Docker's answer (from a
    dockerd at /usr/bin, unless ``socket_only``: a socket bind-mounted from another machine's daemon),
    ``versions`` for what each binary printed for ``--version`` (the binary is then found at /usr/bin)."""
    given = gather.default_paths(str(root))
    given["docker_socket"] = str(root / "no-docker.sock")
    given.update(paths)
    raw = gather.gather_runtime(given, root=str(root))
    if info is not None:
        raw["docker_info"].update(asked=True, info=info, error=None)
        raw["warnings"] = [w for w in raw["warnings"] if "no-docker.sock" not in w]
        if not socket_only:
            raw["binaries"]["dockerd"] = raw["binaries"].get("dockerd") or "/usr/bin/dockerd"
    for name, text in (versions or {}).items():
        binary = "/usr/bin/%s" % name
        raw["binaries"][name] = binary
        raw.setdefault("versions", {})[name] = {"binary": binary, "ran": True, "rc": 0, "stdout": text + "\n", "stderr": "", "error": None}
    raw["libvirt"].update(libvirt or {})
    return raw
