"""registry_image_arch_info against a real registry (Debian's docker-registry, the
CNCF distribution registry) with and without htpasswd auth, images pushed through
its HTTP API and by the Docker CLI; plus the token-service double of registry_testlib
for the token flow quay.io and Docker Hub use. The client's own tests (references,
challenges, realms, option checks) are in tests/unit/plugins/module_utils/test_registry.py."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import tarfile

import pytest
from conftest import run_module, unavailable
from lab_registry import PASSWORD, USER, Registry, RegistryUnavailable, free_port
from registry_testlib import ROBOT, bearer_registry

from ansible_collections.multiarch.kolla.plugins.module_utils import registry as reg
from ansible_collections.multiarch.kolla.plugins.modules import registry_image_arch_info as mod


def _registry(tmp, auth):
    try:
        return Registry(tmp, auth=auth)
    except RegistryUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory):
    r = _registry(tmp_path_factory.mktemp("registry-open"), auth=False)
    try:
        amd = r.image("kolla/nova-compute", "2026.2-debian-trixie", "amd64")
        arm = r.image("kolla/nova-compute", "2026.2-debian-trixie-aarch64", "arm64", oci=True)
        r.image("kolla/nova-compute", "2026.2-debian-trixie-ppc64le", "ppc64le")
        armv7 = r.image("kolla/nova-compute", "armv7-only", "arm", variant="v7")
        r.index(
            "kolla/nova-compute",
            "multi",
            [
                (amd, {"architecture": "amd64", "os": "linux"}),
                (arm, {"architecture": "arm64", "os": "linux", "variant": "v8"}),
                (arm, {"architecture": "unknown", "os": "unknown"}),  # an attestation entry
            ],
        )
        r.index(
            "kolla/nova-compute",
            "list",
            [(amd, {"architecture": "amd64", "os": "linux"}), (armv7, {"architecture": "arm", "os": "linux", "variant": "v7"})],
            docker_list=True,
        )
        yield r
    finally:
        r.stop()


@pytest.fixture(scope="module")
def auth_registry(tmp_path_factory):
    r = _registry(tmp_path_factory.mktemp("registry-auth"), auth=True)
    try:
        r.image("kolla-ppc64le/nova-compute", "2026.2-debian-trixie", "ppc64le")
        yield r
    finally:
        r.stop()


def check(images, **args):
    return run_module(mod, dict({"images": images, "insecure_registries": []}, **args))


def _statuses(result):
    return [(e["image"].rsplit(":", 1)[-1], e["arch"], e["status"]) for e in result["images"]]


def test_each_arch_found_missing_or_wrong(open_registry):
    h = open_registry.host
    result = check(
        [
            {"image": h + "/kolla/nova-compute:2026.2-debian-trixie", "arch": "x86_64", "hosts": ["c1"]},
            {"image": h + "/kolla/nova-compute:2026.2-debian-trixie-aarch64", "arch": "aarch64", "hosts": ["a1"]},
            {"image": h + "/kolla/nova-compute:2026.2-debian-trixie-ppc64le", "arch": "ppc64el", "hosts": ["p1"]},
            # The x86 tag on an aarch64 host: exactly the mistake a global tag suffix makes.
            {"image": h + "/kolla/nova-compute:2026.2-debian-trixie", "arch": "aarch64", "hosts": ["a1"]},
            {"image": h + "/kolla/nova-compute:2026.2-debian-trixie-nope", "arch": "x86_64", "hosts": ["c1"]},
            {"image": h + "/kolla/no-such-repo:1", "arch": "x86_64", "hosts": ["c1"]},
        ],
        insecure_registries=[h],
    )
    assert not result.get("failed"), result
    assert _statuses(result) == [
        ("2026.2-debian-trixie", "x86_64", "ok"),
        ("2026.2-debian-trixie-aarch64", "aarch64", "ok"),
        ("2026.2-debian-trixie-ppc64le", "ppc64le", "ok"),
        ("2026.2-debian-trixie", "aarch64", "wrong_arch"),
        ("2026.2-debian-trixie-nope", "x86_64", "missing"),
        ("1", "x86_64", "missing"),
    ]
    e = result["images"]
    assert e[0]["media_type"] == reg.MT_DOCKER_MANIFEST and e[0]["platforms"] == ["amd64"]
    assert e[1]["media_type"] == reg.MT_OCI_MANIFEST and e[1]["platforms"] == ["arm64"]
    assert e[0]["digest"].startswith("sha256:")
    assert "exists for amd64 only, not arm64 (aarch64)" in e[3]["msg"]
    assert all("no such manifest (HTTP 404, MANIFEST_UNKNOWN" in x["msg"] for x in e[4:])
    assert result["ok"] is False and len(result["problems"]) == 3
    assert "hosts a1" in result["problems"][0] and "wrong_arch" in result["problems"][0]


def test_indexes_and_variants(open_registry):
    h = open_registry.host
    result = check(
        [{"image": h + "/kolla/nova-compute:multi", "arch": a} for a in ("x86_64", "aarch64", "ppc64le")]
        + [{"image": h + "/kolla/nova-compute:list", "arch": a} for a in ("armv7l", "aarch64")]
        + [{"image": h + "/kolla/nova-compute:armv7-only", "arch": "armv7l"}],
        insecure_registries=[h],
    )
    assert [e["status"] for e in result["images"]] == ["ok", "ok", "wrong_arch", "ok", "wrong_arch", "ok"]
    assert result["images"][0]["media_type"] == reg.MT_OCI_INDEX
    assert result["images"][0]["platforms"] == ["amd64", "arm64/v8"]  # the attestation entry is not a platform
    assert result["images"][3]["media_type"] == reg.MT_DOCKER_LIST and result["images"][3]["platform"] == "arm/v7"
    assert result["images"][5]["platforms"] == ["arm/v7"]


def test_duplicates_are_asked_once_and_hosts_merged(open_registry):
    h = open_registry.host
    calls = []

    def counting(url, **kwargs):
        calls.append(url)
        return reg.open_url(url, **kwargs)

    client = reg.RegistryClient(insecure=[h], opener=counting)
    image = h + "/kolla/nova-compute:2026.2-debian-trixie"
    images = [{"image": image, "arch": "x86_64", "hosts": ["c%d" % i]} for i in range(50)]
    images.append({"image": image, "arch": "aarch64", "hosts": ["a1"]})
    entries, problems = mod.check_images(client, images)
    assert len(entries) == 2 and entries[0]["hosts"] == ["c%d" % i for i in range(50)]
    assert len(problems) == 1 and "hosts a1" in problems[0]
    # One manifest and one config blob, for 51 host/image pairs.
    assert len(calls) == 2 and calls[0].endswith("/manifests/2026.2-debian-trixie") and "/blobs/sha256:" in calls[1]


def test_htpasswd_registry_needs_the_right_password(auth_registry):
    h = auth_registry.host
    image = [{"image": h + "/kolla-ppc64le/nova-compute:2026.2-debian-trixie", "arch": "ppc64le", "hosts": ["p1"]}]
    anonymous = check(image, insecure_registries=[h])
    assert anonymous["images"][0]["status"] == "unauthorized"
    assert "wants a user name and password (Basic auth) and none were given" in anonymous["images"][0]["msg"]
    wrong = check(image, insecure_registries=[h], credentials=[{"registry": h, "username": USER, "password": "wrong"}])
    assert wrong["images"][0]["status"] == "unauthorized"
    assert "refused the user name and password given (HTTP 401)" in wrong["images"][0]["msg"]
    assert "wrong" not in json.dumps(wrong)  # the password is never echoed
    right = check(image, insecure_registries=[h], credentials=[{"registry": h, "username": USER, "password": PASSWORD}])
    assert right["images"][0]["status"] == "ok" and right["ok"] is True


def test_fail_on_problems_names_image_host_and_cause(auth_registry):
    h = auth_registry.host
    result = check(
        [{"image": h + "/kolla-ppc64le/nova-compute:2026.2-debian-trixie", "arch": "ppc64le", "hosts": ["p1", "p2"]}],
        insecure_registries=[h],
        fail_on_problems=True,
    )
    assert result["failed"]
    assert "1 of 1 image(s) cannot be used" in result["msg"] and "(ppc64le, hosts p1, p2): unauthorized: " in result["msg"]


def test_registry_that_does_not_answer_or_speaks_http_only(open_registry):
    closed = "127.0.0.1:%d" % free_port()
    result = check([{"image": closed + "/kolla/nova-compute:1", "arch": "x86_64"}], insecure_registries=[closed], timeout=3)
    assert result["images"][0]["status"] == "error" and "did not answer" in result["images"][0]["msg"]
    # HTTPS to a plain-HTTP registry: an error naming the URL, no traceback.
    tls = check([{"image": open_registry.host + "/kolla/nova-compute:multi", "arch": "x86_64"}], timeout=3)
    assert tls["images"][0]["status"] == "error" and "https://" + open_registry.host in tls["images"][0]["msg"]


def test_unknown_arch_is_refused():
    result = check([{"image": "quay.io/openstack.kolla/nova-compute:1", "arch": "sparc"}])
    assert result["failed"] and "images[0]" in result["msg"] and "unknown architecture 'sparc'" in result["msg"]


def _docker_ok() -> bool:
    return shutil.which("docker") is not None and subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def test_an_image_pushed_by_docker(open_registry):
    """Docker's own push is the oracle for the manifest and config it writes."""
    if not _docker_ok():
        unavailable("no Docker engine answers (scripts/setup-host starts one)")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        data = b"multiarch.kolla registry test\n"
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    ref = "%s/lab/pushed:amd64" % open_registry.host
    subprocess.run(["docker", "import", "-", ref], input=buf.getvalue(), check=True, capture_output=True)
    try:
        push = subprocess.run(["docker", "push", ref], capture_output=True, text=True, check=False)
        assert push.returncode == 0, push.stderr
        arch = subprocess.run(["docker", "image", "inspect", "-f", "{{.Architecture}}", ref], capture_output=True, text=True, check=True).stdout.strip()
        result = check([{"image": ref, "arch": "x86_64"}, {"image": ref, "arch": "aarch64"}], insecure_registries=[open_registry.host])
        assert arch == "amd64"
        assert [e["status"] for e in result["images"]] == ["ok", "wrong_arch"]
        assert result["images"][0]["platforms"] == [arch]
    finally:
        subprocess.run(["docker", "rmi", "-f", ref], capture_output=True, check=False)


# ------------------------------------------------------------- bearer tokens


def test_bearer_token_anonymous_and_with_credentials():
    with bearer_registry() as server:
        h = server.host
        public = check(
            [{"image": h + "/openstack.kolla/nova-compute:t", "arch": "aarch64"}, {"image": h + "/openstack.kolla/nova-compute:t2", "arch": "aarch64"}],
            insecure_registries=[h],
        )
        assert [e["status"] for e in public["images"]] == ["ok", "ok"]
        assert len(server.token_requests) == 1  # one anonymous token for the repository, reused for the second tag
        private = [{"image": h + "/private/nova-compute:t", "arch": "aarch64", "hosts": ["a1"]}]
        refused = check(private, insecure_registries=[h])
        wrong = check(private, insecure_registries=[h], credentials=[{"registry": h, "username": ROBOT[0], "password": "no"}])
        right = check(private, insecure_registries=[h], credentials=[{"registry": h, "username": ROBOT[0], "password": ROBOT[1]}])
        last_auth = server.token_requests[-1][1]
    assert refused["images"][0]["status"] == "unauthorized"
    assert "refused an anonymous request (HTTP 401)" in refused["images"][0]["msg"]
    assert "refused the credentials given (HTTP 401)" in wrong["images"][0]["msg"]
    assert right["images"][0]["status"] == "ok"
    assert last_auth == "Basic " + base64.b64encode(("%s:%s" % ROBOT).encode()).decode()


def test_a_token_realm_that_is_not_http_is_reported_not_opened():
    with bearer_registry() as server:
        server.realm = "file:///etc/passwd"
        result = check([{"image": server.host + "/openstack.kolla/nova-compute:t", "arch": "aarch64", "hosts": ["a1"]}], insecure_registries=[server.host])
        asked = list(server.token_requests)
    assert not result.get("failed") and result["images"][0]["status"] == "unauthorized" and asked == []
    assert "token service realm 'file:///etc/passwd' is not an http or https URL with a host; it was not opened" in result["problems"][0]


# ------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"timeout": -1}, "timeout=-1.0: give the seconds to wait for each answer, a number above 0"),
        ({"timeout": 0}, "timeout=0.0"),
        ({"ca_path": "/nonexistent/ca.pem"}, "ca_path=/nonexistent/ca.pem: no such file"),
        ({"credentials": [{"registry": "https://registry.lab:5000", "username": "u", "password": "p"}]},
         "credentials[0]: registry 'https://registry.lab:5000' is not"),
        ({"credentials": [{"registry": "registry.lab:5000", "username": "", "password": "p"}]}, "credentials[0]: give a user name"),
        ({"credentials": [{"registry": "r.lab", "username": "u", "password": "p"}, {"registry": "r.lab", "username": "v", "password": "q"}]},
         "credentials[1]: r.lab is given twice (credentials[0])"),
        ({"insecure_registries": ["registry.lab:5000/kolla"]}, "insecure_registries: 'registry.lab:5000/kolla' is not"),
    ],
)
def test_option_errors_fail_naming_the_option_not_as_an_outage(args, message):
    images = [{"image": "127.0.0.1:%d/kolla/nova-compute:1" % free_port(), "arch": "x86_64", "hosts": ["c1"]}]
    result = check(images, **dict({"insecure_registries": [images[0]["image"].split("/")[0]]}, **args))
    assert result["failed"] and result["msg"].startswith("registry_image_arch_info: ") and message in result["msg"]
    assert "did not answer" not in result["msg"] and result["images"] == [] and result["ok"] is False


def test_a_login_refused_as_an_option_does_not_show_its_password():
    result = check([{"image": "r.lab/kolla/nova-compute:1", "arch": "x86_64"}],
                   credentials=[{"registry": "https://r.lab", "username": "kolla", "password": "s3cret-pw-77"}])
    assert result["failed"] and "credentials[0]: registry 'https://r.lab' is not" in result["msg"]
    assert "s3cret-pw-77" not in json.dumps(result)
