"""plugins/module_utils/registry.py: the registry client on its own (references, challenges, tokens, options).

Against the token-service double of registry_testlib (the Bearer flow quay.io and Docker
Hub use) and canned answers; the module's tests run it against a real registry
(Debian's docker-registry, tests/lab/lab_registry.py).
"""

from __future__ import annotations

import json
import math

import pytest
from registry_testlib import Answer, bearer_registry

from ansible_collections.multiarch.kolla.plugins.module_utils import registry as reg


def test_image_refs_parse_as_docker_does():
    assert reg.parse_image_ref("quay.io/openstack.kolla/nova-compute:2026.2-debian-trixie-aarch64") == (
        "quay.io",
        "openstack.kolla/nova-compute",
        "2026.2-debian-trixie-aarch64",
    )
    assert reg.parse_image_ref("registry.lab:4000/kolla/nova-compute") == ("registry.lab:4000", "kolla/nova-compute", "latest")
    assert reg.parse_image_ref("localhost/nova") == ("localhost", "nova", "latest")
    assert reg.parse_image_ref("kolla/nova-compute:1") == ("docker.io", "kolla/nova-compute", "1")
    assert reg.parse_image_ref("debian") == ("docker.io", "library/debian", "latest")
    digest = "sha256:" + "a" * 64
    assert reg.parse_image_ref("r.example:5000/x/y@" + digest) == ("r.example:5000", "x/y", digest)
    for bad in ["", "Quay.io/UPPER/case:1", "quay.io/x:tag with space", "x/y@notadigest"]:
        with pytest.raises(reg.ImageRefError):
            reg.parse_image_ref(bad)


def test_challenges_of_real_registries_parse():
    # quay.io and Docker Hub answer /v2/ with these (service and realm as they send them).
    assert reg.parse_challenge('Bearer realm="https://quay.io/v2/auth",service="quay.io"') == (
        "bearer",
        {"realm": "https://quay.io/v2/auth", "service": "quay.io"},
    )
    scheme, params = reg.parse_challenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"')
    assert scheme == "bearer" and params["scope"] == "repository:library/debian:pull"
    assert reg.parse_challenge('Basic realm="lab-registry"') == ("basic", {"realm": "lab-registry"})
    assert reg.parse_challenge(None) == (None, {})


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([b"<html>proxy login</html>"], "the manifest is not a JSON object"),
        ([b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}'], "names no image config"),
        ([b'{"schemaVersion": 2, "config": {"digest": "sha256:' + b"0" * 64 + b'"}}', b"[]"], "its image config is not a JSON object"),
    ],
)
def test_answers_that_are_not_registry_answers(answers, message):
    queue = list(answers)
    client = reg.RegistryClient(opener=lambda url, **kwargs: Answer(queue.pop(0)))
    result = client.image_platforms("registry.example:5000/kolla/nova-compute:1")
    assert result["status"] == "error" and message in result["msg"] and not queue


# ------------------------------------------------------------- bearer tokens


def recording_client(opened, **kwargs):
    def opener(url, **open_kwargs):
        opened.append(url)
        return reg.open_url(url, **open_kwargs)

    return reg.RegistryClient(opener=opener, **kwargs)


def test_a_bearer_token_is_asked_once_per_repository():
    opened = []
    with bearer_registry() as server:
        client = recording_client(opened, insecure=[server.host])
        first = client.image_platforms(server.host + "/openstack.kolla/nova-compute:t")
        second = client.image_platforms(server.host + "/openstack.kolla/nova-compute:t2")
    assert first["status"] == second["status"] == "found" and first["platforms"] == [{"architecture": "arm64", "variant": None, "os": "linux"}]
    assert len(server.token_requests) == 1
    path, auth = server.token_requests[0]
    assert "service=fake-quay" in path and "scope=repository%3Aopenstack.kolla%2Fnova-compute%3Apull" in path and auth is None
    assert [url.split("/", 3)[3] for url in opened] == [
        "v2/openstack.kolla/nova-compute/manifests/t", path[1:], "v2/openstack.kolla/nova-compute/manifests/t", "v2/openstack.kolla/nova-compute/manifests/t2",
    ]


@pytest.mark.parametrize(
    "realm",
    ["file:///etc/passwd", "ftp://127.0.0.1/token", "gopher://127.0.0.1:70/_token", "data:,token", "jar:http://x/t.jar!/", "//127.0.0.1/token",
     "http:///token", "/token", "http://[::1/token"],
)
def test_a_token_realm_that_is_not_http_is_refused_and_never_opened(realm):
    opened = []
    with bearer_registry() as server:
        server.realm = realm
        result = recording_client(opened, insecure=[server.host]).image_platforms(server.host + "/openstack.kolla/nova-compute:t")
    assert result["status"] == "unauthorized"
    assert "is not an http or https URL with a host; it was not opened" in result["msg"] and repr(realm) in result["msg"]
    assert opened == ["http://%s/v2/openstack.kolla/nova-compute/manifests/t" % server.host]  # the manifest only
    assert server.token_requests == []


def test_a_file_realm_is_not_read(tmp_path):
    token = tmp_path / "token.json"
    token.write_text(json.dumps({"token": "T-repository%3Aopenstack.kolla%2Fnova-compute%3Apull"}))
    with bearer_registry() as server:
        server.realm = token.as_uri() + "#"  # the query the client adds becomes a fragment: the file itself would be read
        result = reg.RegistryClient(insecure=[server.host]).image_platforms(server.host + "/openstack.kolla/nova-compute:t")
    assert result["status"] == "unauthorized"
    assert server.manifest_authorizations == [None]  # the file's token never reached the registry


def test_an_https_realm_of_an_http_registry_is_allowed():
    with bearer_registry() as server:
        server.realm = "https://127.0.0.1:1/token"
        result = reg.RegistryClient(insecure=[server.host], timeout=2).image_platforms(server.host + "/openstack.kolla/nova-compute:t")
    assert result["status"] == "unauthorized" and "the token service https://127.0.0.1:1/token answered nothing" in result["msg"]


# ------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": -1}, "timeout=-1: give the seconds to wait for each answer, a number above 0"),
        ({"timeout": 0}, "timeout=0: give the seconds"),
        ({"timeout": math.nan}, "timeout=nan"),
        ({"timeout": math.inf}, "timeout=inf"),
        ({"timeout": "10"}, "timeout='10'"),
        ({"timeout": True}, "timeout=True"),
        ({"credentials": {"https://quay.io": {"username": "u", "password": "p"}}}, "credentials: registry 'https://quay.io' is not a registry"),
        ({"credentials": {"quay.io/openstack.kolla": {"username": "u", "password": "p"}}}, "credentials: registry 'quay.io/openstack.kolla' is not"),
        ({"credentials": {"": {"username": "u", "password": "p"}}}, "credentials: registry '' is not"),
        ({"credentials": {"quay.io": {"username": "", "password": "p"}}}, "credentials: give a user name (username) for quay.io"),
        ({"credentials": {"quay.io": {"username": "u", "password": None}}}, "credentials: give a password (password) for quay.io"),
        ({"credentials": {"quay.io": "u:p"}}, "credentials: give {registry, username, password} as a dict, got str"),
        ({"insecure": ["http://registry.lab:5000"]}, "insecure_registries: 'http://registry.lab:5000' is not"),
    ],
)
def test_option_errors_name_the_option(kwargs, message):
    with pytest.raises(reg.RegistryOptionError) as excinfo:
        reg.RegistryClient(**kwargs)
    assert message in str(excinfo.value)


def test_a_ca_file_that_is_missing_or_not_a_ca_bundle_is_an_option_error(tmp_path):
    with pytest.raises(reg.RegistryOptionError, match=r"ca_path=.*/missing\.pem: no such file"):
        reg.RegistryClient(ca_path=str(tmp_path / "missing.pem"))
    with pytest.raises(reg.RegistryOptionError, match=r"ca_path=.*: not a regular file"):
        reg.RegistryClient(ca_path=str(tmp_path))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(reg.RegistryOptionError, match=r"ca_path=.*garbage\.pem: not a PEM CA bundle"):
        reg.RegistryClient(ca_path=str(garbage))


def test_logins_are_one_per_registry():
    assert reg.logins([{"registry": "r.lab", "username": "u", "password": "p"}, {"registry": "docker.io", "username": "v", "password": "q"}]) == {
        "r.lab": {"username": "u", "password": "p"}, "docker.io": {"username": "v", "password": "q"}}
    with pytest.raises(reg.RegistryOptionError, match=r"credentials\[1\]: r.lab is given twice \(credentials\[0\]\)"):
        reg.logins([{"registry": "r.lab", "username": "u", "password": "p"}, {"registry": "r.lab", "username": "u", "password": "p"}])


def test_good_options_are_kept():
    client = reg.RegistryClient(credentials={"registry.lab:5000": {"username": "u", "password": "p"}, "[::1]:5000": {"username": "v", "password": ""}},
                                insecure=["localhost:5000", "10.0.0.1"], timeout=2.5)
    assert client.timeout == 2.5 and client.insecure == {"localhost:5000", "10.0.0.1"}
    assert client._creds("[::1]:5000") == ("v", "")
