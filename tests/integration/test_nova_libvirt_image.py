"""The emulation-ready nova-libvirt image, built for real (issue 15 part 1).

The base is kolla's own nova-libvirt image, built by kolla-build 23.0.0 (Debian trixie base) from Debian's archive
only (scripts/build-kolla-nova-libvirt; roles/lab/files/kolla-build/offline-override.j2 leaves out the OpenStack
backports repository and the vendor apt keys, which these machines cannot reach). It is pushed to a real registry
(Debian's docker-registry, tests/lab/lab_registry.py) under kolla-ansible's name for it. Role nova_compute_arch then
runs on this machine as an x86_64 host that emulates aarch64 and ppc64le: check mode builds nothing, the first run
builds, checks and pushes ``<base>-emu-aarch64-ppc64le``, the second changes nothing. The registry's own manifest and
image config are the oracle for what was pushed, and libvirt's domain capabilities inside the derived image (a real
libvirtd) for what its guests get: the aarch64 UEFI firmware that the plain image lacks.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

import pytest
from conftest import unavailable
from lab_registry import Registry, RegistryUnavailable
from playbook_testlib import BINARY, playbook_env, plays

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import libvirt_image as li

pytestmark = [pytest.mark.slow]

LAB_IMAGE = "multiarch-kolla-kolla/nova-libvirt:lab"
REPOSITORY = "openstack.kolla/nova-libvirt"
TAG = "2026.2-debian-trixie"
ARCHES = ["aarch64", "ppc64le"]


def docker(*args, check=True, timeout=900):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


def manifest(host, tag):
    """The registry's manifest of the tag (Docker v2 or OCI), or None when it has none."""
    accept = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"
    request = urllib.request.Request("http://%s/v2/%s/manifests/%s" % (host, REPOSITORY, tag), headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def image_config(host, tag):
    digest = manifest(host, tag)["config"]["digest"]
    with urllib.request.urlopen("http://%s/v2/%s/blobs/%s" % (host, REPOSITORY, digest), timeout=30) as answer:
        return json.load(answer)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    if docker("info", check=False).returncode != 0:
        unavailable("the Docker engine does not answer (scripts/setup-host starts dockerd)")
    if docker("image", "inspect", LAB_IMAGE, check=False).returncode != 0:
        unavailable("%s is missing: make test builds it (scripts/build-kolla-nova-libvirt)" % LAB_IMAGE)
    try:
        reg = Registry(tmp_path_factory.mktemp("libvirt-registry"), auth=False)
    except RegistryUnavailable as exc:
        unavailable(str(exc))
    base = "%s/%s:%s" % (reg.host, REPOSITORY, TAG)
    start = time.monotonic()
    docker("tag", LAB_IMAGE, base)
    docker("push", base)
    print("\nkolla-build's nova-libvirt pushed to the lab registry in %.1f s" % (time.monotonic() - start))
    yield reg, base
    docker("rmi", base, base + li.TAG_INFIX + "-".join(ARCHES), check=False)
    reg.stop()


def run_role(tmp_path, registry_host, base, check=False):
    playbook = tmp_path / "emulation-host.yml"
    playbook.write_text(json.dumps([{
        "name": "This machine as an x86_64 compute host that emulates aarch64 and ppc64le in kolla's nova_libvirt",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {
            "nova_compute_arch_emulated_arches": ARCHES,
            "nova_compute_arch_emulation_mode": "shared",
            "kolla_base_distro": "debian",
            "nova_compute_arch_libvirt_image": base,
            "nova_compute_arch_registry_insecure": [registry_host],
            # This machine's Docker bridge has no way out to the Debian mirror; the host network has.
            "nova_compute_arch_libvirt_image_build_network": "host",
        },
        "roles": ["multiarch.kolla.host_facts", "multiarch.kolla.nova_compute_arch"],
        "post_tasks": [{"name": "Keep the decision", "check_mode": False, "ansible.builtin.copy": {
            "dest": str(tmp_path / "decision.json"), "content": "{{ multiarch_nova_compute | to_json }}", "mode": "0644"}}],
    }]))
    args = [str(BINARY), "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=%s" % BINARY.with_name("python"), str(playbook)]
    start = time.monotonic()
    proc = subprocess.run(args + (["--check"] if check else []), env=playbook_env(), capture_output=True, text=True, timeout=1800, check=False)
    played = plays(proc)
    failed = ["%s: %s %s" % (t["task"]["name"], r.get("msg"), [i.get("msg") or i.get("stderr") for i in r.get("results", []) if i.get("failed")])
              for p in played for t in p["tasks"] for r in t["hosts"].values() if r.get("failed")]
    assert proc.returncode == 0, failed or proc.stdout[-4000:]
    changed = sorted({t["task"]["name"] for p in played for t in p["tasks"] for r in t["hosts"].values()
                      if r.get("changed") and t["task"]["name"] != "Keep the decision"})
    return changed, json.loads((tmp_path / "decision.json").read_text()), time.monotonic() - start


def domcapabilities(image, arch):
    """libvirt's domain capabilities for ``arch`` under TCG, asked of a libvirtd started inside ``image``."""
    name = "multiarch-kolla-domcaps-%s" % arch
    docker("rm", "-f", name, check=False)
    docker("run", "-d", "--name", name, "--entrypoint", "", image, "sleep", "900")
    try:
        docker("exec", name, "libvirtd", "-d")
        for _attempt in range(60):
            if docker("exec", name, "test", "-S", "/run/libvirt/libvirt-sock", check=False).returncode == 0:
                break
            time.sleep(1)
        return docker("exec", name, "virsh", "-c", "qemu:///system", "domcapabilities", "--arch", arch, "--virttype", "qemu").stdout
    finally:
        docker("rm", "-f", name, check=False)


def test_an_emulation_host_gets_its_nova_libvirt_image_with_the_emulators(tmp_path, registry):
    reg, base = registry
    derived = base + li.TAG_INFIX + "-".join(ARCHES)
    derived_tag = derived.rsplit(":", 1)[1]
    docker("rmi", derived, check=False)

    # Check mode: says it would build and push, builds and pushes nothing.
    changed, decision, seconds = run_role(tmp_path, reg.host, base, check=True)
    assert "multiarch.kolla.nova_compute_arch : Say what would be built and pushed (check mode builds nothing)" in changed
    assert decision["libvirt_image"]["image"] == derived
    assert manifest(reg.host, derived_tag) is None
    assert docker("image", "inspect", derived, check=False).returncode != 0
    print("check mode: %.1f s" % seconds)

    changed, decision, seconds = run_role(tmp_path, reg.host, base)
    assert {"multiarch.kolla.nova_compute_arch : Build each image from the operator's nova-libvirt image (pulled when the builder lacks it)",
            "multiarch.kolla.nova_compute_arch : Push each image"} <= set(changed)
    assert decision["libvirt_image"] == {"base": base, "image": derived, "packages": ["qemu-system-arm", "qemu-efi-aarch64", "qemu-system-ppc"],
                                         "arches": ARCHES}
    print("first run (build, check inside, push): %.1f s" % seconds)
    # The registry's own view: the tag, for this host's arch, from that base, with those packages.
    config = image_config(reg.host, derived_tag)
    assert config["architecture"] == "amd64"
    labels = config["config"]["Labels"]
    assert labels[li.LABEL_PREFIX + "base"] == base and labels[li.LABEL_PREFIX + "packages"] == "qemu-system-arm qemu-efi-aarch64 qemu-system-ppc"
    assert labels["kolla_version"] == "23.0.0"  # kolla-build's own image underneath
    base_layers = [layer["digest"] for layer in manifest(reg.host, TAG)["layers"]]
    assert [layer["digest"] for layer in manifest(reg.host, derived_tag)["layers"]][: len(base_layers)] == base_layers

    changed, _decision, seconds = run_role(tmp_path, reg.host, base)
    assert changed == []
    print("second run: %.1f s, nothing changed" % seconds)

    # What libvirt offers the guests inside each image: AAVMF (UEFI) for aarch64 only in the derived one.
    start = time.monotonic()
    caps = domcapabilities(derived, "aarch64")
    assert "<path>/usr/bin/qemu-system-aarch64</path>" in caps
    assert "<value>efi</value>" in caps and "/usr/share/AAVMF/" in caps, caps
    plain = domcapabilities(base, "aarch64")
    assert "<value>efi</value>" not in plain and "/usr/share/AAVMF/" not in plain
    ppc = domcapabilities(derived, "ppc64le")
    assert "<path>/usr/bin/qemu-system-ppc64le</path>" in ppc and ">pseries" in ppc
    print("domain capabilities in the images: %.1f s" % (time.monotonic() - start))
    # The role's own checks fail on the plain image for the aarch64 firmware alone (the negative control of that step).
    missing = docker("run", "--rm", "--entrypoint", "/bin/sh", base, "-c", "; ".join(li.image_checks(ARCHES))).stdout.splitlines()
    assert len(missing) == 1 and "aarch64" in missing[0], missing
