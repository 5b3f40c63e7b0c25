#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: registry_image_arch_info
short_description: Check that container images exist in a registry for the CPU architecture that will run them
version_added: 0.1.0
description:
  - For each image reference and CPU architecture, asks the registry (HTTP API v2, C(GET /v2/<name>/manifests/<tag>))
    whether the tag exists and which platforms it has.
  - A multi-arch index (OCI image index or Docker manifest list) is checked for an entry with the architecture; a
    single-arch manifest is checked through its image config (C(architecture), C(variant)).
  - "Authentication as Docker clients do it: anonymous first; on C(401) a C(Bearer) challenge is answered with a token
    from the registry's token service (anonymous, or with the user name and password given for that registry), a
    C(Basic) challenge with the user name and password."
  - Each distinct image is asked once, whatever the number of hosts that use it; tokens are reused per repository.
  - Read-only. The module fails only on invalid options, or when O(fail_on_problems=true) and an image is not usable.
    An option that cannot work (O(timeout) not above 0, a O(ca_path) that is missing or not a PEM bundle, a login whose
    O(credentials[].registry) is not a registry name or that repeats one, an O(insecure_registries) entry with a scheme
    or path, an unknown O(images[].arch)) fails the module naming that option, before any registry is asked; it is
    never reported as a registry that does not answer.
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.info_module
attributes:
  platform:
    details: Runs wherever the registry can be reached from, usually the kolla-ansible deploy host.
notes:
  - "Architecture names are the collection's (C(x86_64), C(aarch64), C(ppc64le), aliases such as C(amd64)
    accepted); they are compared with the registry's Go-style names (C(amd64), C(arm64), C(ppc64le))."
  - "Image references follow Docker's rules: the first path component is a registry when it contains C(.) or C(:) or
    is C(localhost); otherwise the image is on Docker Hub."
  - Redirects (registries that serve blobs from object storage) are followed without the C(Authorization) header.
  - "The token service a C(Bearer) challenge names (its C(realm)) is asked only when it is an http or https URL with a
    host; any other realm (C(file:), C(ftp:), C(data:) ...) is refused without being opened, and the image is
    reported C(unauthorized) with that reason."
  - The role C(multiarch.kolla.kolla_multiarch) runs this check for every image kolla-ansible would pull on every host
    (its variable C(kolla_multiarch_registry_check)).
options:
  images:
    description: The images to check.
    type: list
    elements: dict
    required: true
    suboptions:
      image:
        description: Image reference, C([registry/]repository[:tag|@digest]).
        type: str
        required: true
      arch:
        description: CPU architecture the image must have.
        type: str
        required: true
      hosts:
        description: Hosts that would run the image; only copied to the result, for the report.
        type: list
        elements: str
        default: []
  credentials:
    description: User names and passwords per registry. A registry not listed is asked anonymously.
    type: list
    elements: dict
    default: []
    suboptions:
      registry:
        description: Registry as it appears in image references (C(host[:port]); C(docker.io) for Docker Hub), without
          a scheme or path; each registry once.
        type: str
        required: true
      username:
        description: User name.
        type: str
        required: true
      password:
        description: Password or access token.
        type: str
        required: true
  insecure_registries:
    description: Registries spoken to over plain HTTP (kolla-ansible's C(docker_registry_insecure)).
    type: list
    elements: str
    default: []
  validate_certs:
    description: Verify the registries' TLS certificates.
    type: bool
    default: true
  ca_path:
    description: CA bundle (a PEM file) to verify the registries' certificates with; it must exist and be readable.
    type: path
  timeout:
    description: Seconds to wait for each answer, a number above 0.
    type: float
    default: 10
  fail_on_problems:
    description: Fail, listing every image and host concerned, when an image is missing, has no entry for its
      architecture, cannot be read with the credentials given, or the registry does not answer.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Check the nova-compute images of an aarch64 and an x86_64 host
  multiarch.kolla.registry_image_arch_info:
    images:
      - image: quay.io/openstack.kolla/nova-compute:2025.1-debian-bookworm-aarch64
        arch: aarch64
        hosts: [compute-arm-01]
      - image: quay.io/openstack.kolla/nova-compute:2025.1-debian-bookworm
        arch: x86_64
        hosts: [compute-x86-01]
  register: checked

- name: An operator-built ppc64le registry that needs a login, failing on any problem
  multiarch.kolla.registry_image_arch_info:
    images:
      - image: registry.example.com:4000/kolla-ppc64le/nova-compute:2025.1-debian-bookworm
        arch: ppc64le
    credentials:
      - registry: registry.example.com:4000
        username: kolla
        password: "{{ vault_registry_password }}"
    fail_on_problems: true
"""

RETURN = r"""
images:
  description: One entry per image and architecture asked, in the order given (duplicates merged, their hosts joined).
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: The image reference as given.
      type: str
      sample: quay.io/openstack.kolla/nova-compute:2025.1-debian-bookworm-aarch64
    arch:
      description: The architecture asked, canonical name.
      type: str
      sample: aarch64
    platform:
      description: The registry's name of that architecture (C(architecture[/variant])).
      type: str
      sample: arm64
    hosts:
      description: The hosts given for this image.
      type: list
      elements: str
    status:
      description:
        - C(ok) the tag exists and has the architecture;
          C(wrong_arch) it exists without that architecture;
          C(missing) the registry has no such tag or repository;
          C(unauthorized) the registry answered 401/403 (no or wrong credentials);
          C(error) the registry did not answer or answered something else.
      type: str
      sample: ok
    platforms:
      description: The platforms the registry has under the tag (C(architecture[/variant]) names).
      type: list
      elements: str
      sample: [arm64]
    media_type:
      description: Media type of the manifest (index, manifest list or single manifest).
      type: str
      sample: application/vnd.oci.image.index.v1+json
    digest:
      description: Digest the registry gave for the manifest, when it gave one.
      type: str
    msg:
      description: What went wrong, when the status is not C(ok).
      type: str
problems:
  description: One line per image whose status is not C(ok), naming the image, the hosts and the cause.
  returned: always
  type: list
  elements: str
ok:
  description: Whether every image is usable.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, UnknownArchError, canonical_arch
from ansible_collections.multiarch.kolla.plugins.module_utils.registry import RegistryClient, RegistryOptionError, has_platform, logins, platform_name


def check_images(client, images):
    """Ask the registry about each distinct image once; returns (entries, problems)."""
    entries, index = [], {}
    for item in images:
        key = (item["image"], item["arch"])
        if key in index:
            merged = entries[index[key]]["hosts"]
            merged.extend(h for h in item.get("hosts") or [] if h not in merged)
            continue
        index[key] = len(entries)
        architecture, variant = ARCHES[item["arch"]]["oci_platform"]
        entries.append(
            {
                "image": item["image"],
                "arch": item["arch"],
                "platform": platform_name(architecture, variant),
                "hosts": list(item.get("hosts") or []),
                "status": None,
                "platforms": [],
                "media_type": None,
                "digest": None,
                "msg": "",
            }
        )
    answers = {}
    problems = []
    for entry in entries:
        if entry["image"] not in answers:
            answers[entry["image"]] = client.image_platforms(entry["image"])
        answer = answers[entry["image"]]
        architecture, variant = ARCHES[entry["arch"]]["oci_platform"]
        entry["platforms"] = [platform_name(p.get("architecture"), p.get("variant")) for p in answer["platforms"]]
        entry["media_type"] = answer["media_type"]
        entry["digest"] = answer["digest"]
        if answer["status"] != "found":
            entry["status"], entry["msg"] = answer["status"], answer["msg"]
        elif has_platform(answer["platforms"], architecture, variant):
            entry["status"] = "ok"
        else:
            entry["status"] = "wrong_arch"
            entry["msg"] = "%s exists for %s only, not %s (%s)" % (
                entry["image"],
                ", ".join(entry["platforms"]) or "no named platform",
                entry["platform"],
                entry["arch"],
            )
        if entry["status"] != "ok":
            who = ("hosts %s" % ", ".join(entry["hosts"])) if entry["hosts"] else "no host given"
            problems.append("%s (%s, %s): %s: %s" % (entry["image"], entry["arch"], who, entry["status"], entry["msg"]))
    return entries, problems


def main():
    module = AnsibleModule(
        argument_spec=dict(
            images=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    image=dict(type="str", required=True),
                    arch=dict(type="str", required=True),
                    hosts=dict(type="list", elements="str", default=[]),
                ),
            ),
            credentials=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    registry=dict(type="str", required=True),
                    username=dict(type="str", required=True),
                    password=dict(type="str", required=True, no_log=True),
                ),
            ),
            insecure_registries=dict(type="list", elements="str", default=[]),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            timeout=dict(type="float", default=10),
            fail_on_problems=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    images, bad = [], []
    for number, item in enumerate(module.params["images"]):
        try:
            arch = canonical_arch(item["arch"])
        except UnknownArchError as err:
            bad.append("images[%d] (%s): %s" % (number, item["image"], err))
            continue
        images.append(dict(item, arch=arch))
    try:
        client = RegistryClient(
            credentials=logins(module.params["credentials"]),
            insecure=module.params["insecure_registries"],
            timeout=module.params["timeout"],
            validate_certs=module.params["validate_certs"],
            ca_path=module.params["ca_path"],
        )
    except RegistryOptionError as err:
        bad.append(str(err))
    if bad:
        module.fail_json(msg="registry_image_arch_info: " + "; ".join(bad), images=[], problems=bad, ok=False)
    entries, problems = check_images(client, images)
    result = dict(changed=False, images=entries, problems=problems, ok=not problems)
    if problems and module.params["fail_on_problems"]:
        module.fail_json(msg="%d of %d image(s) cannot be used:\n- %s" % (len(problems), len(entries), "\n- ".join(problems)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
