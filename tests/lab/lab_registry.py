"""A real container registry for tests: Debian's docker-registry (the CNCF
distribution registry), optionally with htpasswd auth, and images pushed to it
through the registry HTTP API with the architecture each one should have.

Used by the unit tests (import) and by the Molecule scenario kolla_multiarch (CLI):

    lab_registry.py start --dir D --addr IP [--auth] [--image REF=ARCH ...]  # prints host:port
    lab_registry.py stop --dir D
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
HTPASSWD_BIN = shutil.which("htpasswd")
USER, PASSWORD = "kolla", "s3cret-pw"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
# The collection's arch names as registries spell them.
OCI_ARCH = {"x86_64": ("amd64", None), "aarch64": ("arm64", None), "ppc64le": ("ppc64le", None), "armv7l": ("arm", "v7")}


class RegistryUnavailable(RuntimeError):
    """docker-registry or htpasswd is not installed."""


def free_port(addr="127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


class Pusher:
    """Pushes synthetic images (a config blob with the architecture, one layer) through the HTTP API."""

    def __init__(self, host: str, auth: bool):
        self.host = host
        self.auth = auth

    def _req(self, method, path, data=None, headers=None):
        url = path if path.startswith("http") else "http://%s%s" % (self.host, path)
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
        if self.auth:
            request.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode())
        return urllib.request.urlopen(request, timeout=10)

    def blob(self, repo, data: bytes) -> dict:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        location = self._req("POST", "/v2/%s/blobs/uploads/" % repo).headers["Location"]
        if not location.startswith("http"):
            location = "http://%s%s" % (self.host, location)
        sep = "&" if "?" in location else "?"
        self._req("PUT", location + sep + "digest=" + digest, data=data, headers={"Content-Type": "application/octet-stream"})
        return {"digest": digest, "size": len(data)}

    def manifest(self, repo, tag, media_type, body: dict) -> dict:
        data = json.dumps(body).encode()
        self._req("PUT", "/v2/%s/manifests/%s" % (repo, tag), data=data, headers={"Content-Type": media_type})
        return {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}

    def image(self, repo, tag, architecture, variant=None, oci=False) -> dict:
        config = {"architecture": architecture, "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "config": {}}
        if variant:
            config["variant"] = variant
        cfg = self.blob(repo, json.dumps(config).encode())
        layer = self.blob(repo, b"layer of %s/%s" % (repo.encode(), tag.encode()))
        if oci:
            mt_cfg, mt_layer, mt = "application/vnd.oci.image.config.v1+json", "application/vnd.oci.image.layer.v1.tar", MT_OCI_MANIFEST
        else:
            mt_cfg, mt_layer, mt = ("application/vnd.docker.container.image.v1+json", "application/vnd.docker.image.rootfs.diff.tar.gzip", MT_DOCKER_MANIFEST)
        body = {"schemaVersion": 2, "mediaType": mt, "config": dict(cfg, mediaType=mt_cfg), "layers": [dict(layer, mediaType=mt_layer)]}
        return self.manifest(repo, tag, mt, body)

    def index(self, repo, tag, entries, docker_list=False):
        mt = MT_DOCKER_LIST if docker_list else MT_OCI_INDEX
        manifests = [dict(m, platform=p) for m, p in entries]
        return self.manifest(repo, tag, mt, {"schemaVersion": 2, "mediaType": mt, "manifests": manifests})


class Registry(Pusher):
    """A docker-registry process on a free port of ``addr``."""

    def __init__(self, tmp: Path, auth: bool, addr: str = "127.0.0.1"):
        if not os.access(REGISTRY_BIN, os.X_OK):
            raise RegistryUnavailable("docker-registry is not installed (scripts/setup-host installs it)")
        tmp.mkdir(parents=True, exist_ok=True)
        self.port = free_port(addr)
        self.host = "%s:%d" % (addr, self.port)
        self.auth = auth
        lines = [
            "version: 0.1",
            "log: {level: warn}",
            "storage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}" % (tmp / "data"),
            "http: {addr: '%s'}" % self.host,
        ]
        if auth:
            if not HTPASSWD_BIN:
                raise RegistryUnavailable("htpasswd (apache2-utils) is not installed")
            subprocess.run([HTPASSWD_BIN, "-Bbc", str(tmp / "htpasswd"), USER, PASSWORD], check=True, capture_output=True)
            lines.append("auth: {htpasswd: {realm: lab-registry, path: %s}}" % (tmp / "htpasswd"))
        (tmp / "config.yml").write_text("\n".join(lines) + "\n")
        self.log = open(tmp / "registry.log", "wb")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", str(tmp / "config.yml")], stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen("http://%s/v2/" % self.host, timeout=1)
                return
            except urllib.error.HTTPError:
                return  # 401 with auth: it answers
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise AssertionError("docker-registry did not start: %s" % (tmp / "registry.log").read_text())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    start = sub.add_parser("start")
    start.add_argument("--dir", required=True, type=Path)
    start.add_argument("--addr", default="127.0.0.1")
    start.add_argument("--auth", action="store_true")
    start.add_argument("--image", action="append", default=[], help="REF=ARCH, REF without the registry (kolla/nova-compute:tag)")
    push = sub.add_parser("push")
    push.add_argument("--host", required=True, help="host:port of a running registry")
    push.add_argument("--auth", action="store_true")
    push.add_argument("--image", action="append", default=[])
    stop = sub.add_parser("stop")
    stop.add_argument("--dir", required=True, type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "stop":
        pid_file = args.dir / "registry.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
            pid_file.unlink()
        return 0
    if args.cmd == "push":
        _push(Pusher(args.host, args.auth), args.image)
        return 0
    registry = Registry(args.dir, auth=args.auth, addr=args.addr)
    _push(registry, args.image)
    (args.dir / "registry.pid").write_text(str(registry.proc.pid))
    print(registry.host)
    return 0


def _push(pusher, specs):
    for spec in specs:
        ref, _sep, arch = spec.rpartition("=")
        repo, _sep, tag = ref.rpartition(":")
        architecture, variant = OCI_ARCH[arch]
        pusher.image(repo, tag, architecture, variant)


if __name__ == "__main__":
    sys.exit(_main())
