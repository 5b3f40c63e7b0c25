"""A real Glance for a test: Glance 33 from PyPI, served by gunicorn on 127.0.0.1, with no Keystone.

The fixture ``glance`` yields a ``Glance``: ``url`` (the API endpoint), ``store`` (the file store's directory),
``clouds_yaml`` (a clouds.yaml whose cloud ``GLANCE_CLOUD`` reaches it with ``auth_type: none``), ``images()`` (every
image as the API lists it), ``patch(image_id, operations)`` and ``data(image_id)`` (an image's bytes). Everything it writes is under the test's
tmp dir; the server stops at teardown.

The image files the tests upload are made by tests/lib/image_files.py.

Glance's venv is the one scripts/setup-host makes from requirements-glance.txt (cached by that file's hash) and links
as .cache/glance-venv. A missing venv fails the test under CI=true and skips it elsewhere.

What the configuration rests on (observed with Glance 33, ../shared/notes/glance.md):
- there is no standalone glance-api any more; the WSGI app ``glance.wsgi.api:application`` reads ``glance-api.conf``
  (and its paste ini) from ``$OS_GLANCE_CONFIG_DIR`` (glance/common/wsgi_app.py ``_get_config_files``);
- the paste ini's default composite ``glance-api`` has no auth filter (unauthenticated context); that context has no
  roles, so the policy file makes everyone admin (``context_is_admin: "@"``, oslo.policy's "always true");
- the database is made by ``glance-manage db_sync`` before the server starts.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from conftest import REPO, unavailable
from playbook_testlib import BINARY, playbook_env, plays
from site_testlib import LOCAL, failures

GLANCE_CLOUD = "multiarch-glance"
IMAGES_PLAYBOOK = REPO / "playbooks" / "images.yml"
# Fields Glance answers for every image (glance/api/v2/images.py get_base_properties) and the SDK's own
# owner_specified.openstack.* properties (openstacksdk cloud/_image.py create_image): not the play's properties.
BASE_FIELDS = {"id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo", "os_hash_value", "owner",
               "size", "virtual_size", "min_ram", "min_disk", "created_at", "updated_at", "tags", "self", "file", "schema",
               "disk_format", "container_format", "stores", "direct_url", "locations"}
START_TIMEOUT = 60  # seconds for gunicorn to answer /versions (about 2 s observed)


def glance_venv() -> Path:
    """Glance's venv: scripts/setup-host makes it from requirements-glance.txt and links it here."""
    return REPO / ".cache" / "glance-venv"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(root: Path) -> str:
    dirs = {name: root / name for name in ("images", "staging", "tasks", "cache", "locks")}
    for path in dirs.values():
        path.mkdir(parents=True)
    return f"""[DEFAULT]
enabled_backends = local:file
node_staging_uri = file://{dirs['staging']}
image_cache_dir = {dirs['cache']}
use_stderr = true
[database]
connection = sqlite:///{root / 'glance.sqlite'}
[glance_store]
default_backend = local
[local]
filesystem_store_datadir = {dirs['images']}
[os_glance_staging_store]
filesystem_store_datadir = {dirs['staging']}
[os_glance_tasks_store]
filesystem_store_datadir = {dirs['tasks']}
[oslo_concurrency]
lock_path = {dirs['locks']}
[oslo_policy]
policy_file = {root / 'etc' / 'policy.yaml'}
[paste_deploy]
config_file = {root / 'etc' / 'glance-api-paste.ini'}
"""


class Glance:
    """A running Glance under ``root``; ``stop()`` ends it."""

    def __init__(self, venv: Path, root: Path):
        self.root = root
        self.store = root / "images"
        etc = root / "etc"
        etc.mkdir(parents=True)
        (etc / "glance-api.conf").write_text(_config(root))
        (etc / "policy.yaml").write_text('"context_is_admin": "@"\n')
        shutil.copy(venv / "etc" / "glance" / "glance-api-paste.ini", etc)
        self.log = root / "glance.log"
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR=str(etc))
        with self.log.open("w") as log:
            subprocess.run([str(venv / "bin" / "glance-manage"), "--config-file", str(etc / "glance-api.conf"), "db_sync"],
                           env=env, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=120)
        self.url = f"http://127.0.0.1:{_free_port()}"
        self._log = self.log.open("a")
        # gthread workers, as observed working with keystoneauth (no "connection reset" as with uwsgi's defaults).
        self._proc = subprocess.Popen([str(venv / "bin" / "gunicorn"), "--bind", self.url[len("http://"):], "--workers", "1",
                                       "--threads", "4", "--worker-class", "gthread", "--timeout", "120",
                                       "glance.wsgi.api:application"],
                                      cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait()
        self.clouds_yaml = root / "clouds.yaml"
        cloud = {"auth_type": "none", "auth": {"endpoint": self.url}, "image_api_version": "2", "image_endpoint_override": self.url}
        self.clouds_yaml.write_text(yaml.safe_dump({"clouds": {GLANCE_CLOUD: cloud}}))

    def _wait(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                pytest.fail("gunicorn exited %s before Glance answered: %s" % (self._proc.returncode, self.log.read_text()[-3000:]))
            try:
                if requests.get(self.url + "/versions", timeout=5).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        self.stop()
        pytest.fail("Glance did not answer %s/versions within %d s: %s" % (self.url, START_TIMEOUT, self.log.read_text()[-3000:]))

    def images(self) -> list[dict]:
        """Every image, as GET /v2/images answers (one page is enough for a test)."""
        answer = requests.get(self.url + "/v2/images", params={"limit": 1000}, timeout=30)
        answer.raise_for_status()
        return answer.json()["images"]

    def patch(self, image_id: str, operations: list[dict]) -> requests.Response:
        """PATCH an image with JSON-patch ``operations`` (Glance's images v2.1 media type)."""
        return requests.patch(f"{self.url}/v2/images/{image_id}", json=operations, timeout=30,
                              headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})

    def data(self, image_id: str) -> bytes:
        answer = requests.get(f"{self.url}/v2/images/{image_id}/file", timeout=60)
        answer.raise_for_status()
        return answer.content

    def download(self, image_id: str, path: Path) -> Path:
        """Stream an image's data into ``path`` (as nova-compute fetches it into its image cache)."""
        with requests.get(f"{self.url}/v2/images/{image_id}/file", timeout=120, stream=True) as answer:
            answer.raise_for_status()
            with open(path, "wb") as handle:
                for chunk in answer.iter_content(chunk_size=1 << 20):
                    handle.write(chunk)
        return path

    def stop(self):
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()


def running_glance(tmp_path):
    """A Glance of this test's own (state under ``tmp_path / 'glance'``), stopped afterwards (conftest's fixture ``glance``)."""
    sdk = importlib.metadata.version("openstacksdk")
    if tuple(int(part) for part in sdk.split(".")[:2]) >= (4, 15):
        # openstack.cloud 2.5.0 (ansible 12.3.0) fails with "module 'openstack' has no attribute 'version'" from 4.15 on.
        unavailable(f"openstacksdk {sdk} in {sys.prefix} breaks openstack.cloud 2.5.0; requirements-dev.txt pins 4.14.0 (rerun scripts/setup-host)")
    venv = glance_venv()
    if not (venv / ".complete").exists() or not (venv / "bin" / "gunicorn").exists():
        unavailable(f"Glance's venv is missing at {venv}; scripts/setup-host makes it from requirements-glance.txt")
    server = Glance(venv, tmp_path / "glance")
    try:
        yield server
    finally:
        server.stop()


def image_properties(record: dict) -> dict:
    """The properties of an image record the play set: everything but Glance's base fields and the SDK's own."""
    return {k: v for k, v in record.items() if k not in BASE_FIELDS and not k.startswith("owner_specified.openstack.")}


def run_images(tmp_path, glance_server, images):
    """Run playbooks/images.yml with ``multiarch_images: images`` against ``glance_server``: ``(rc, plays, its failures)``."""
    extra = tmp_path / "images.yml"
    extra.write_text(yaml.safe_dump({"multiarch_images": images}))
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": LOCAL}}}))
    env = playbook_env(OS_CLOUD=GLANCE_CLOUD, OS_CLIENT_CONFIG_FILE=str(glance_server.clouds_yaml))
    proc = subprocess.run([str(BINARY), "-i", str(inventory), "-e", f"@{extra}", str(IMAGES_PLAYBOOK)], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    played = plays(proc)
    return proc.returncode, played, "failed: %s\nstderr: %s" % (failures(played), proc.stderr[-3000:])
