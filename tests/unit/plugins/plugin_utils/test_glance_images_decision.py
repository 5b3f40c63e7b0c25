"""plugins/plugin_utils/glance_images.py: what images.yml creates, updates and refuses, before anything is uploaded.

The existing images are given as openstack.cloud.image_info returns them: openstacksdk's field names (``hash_value``
for Glance's ``os_hash_value``), some properties top-level (``hw_machine_type``), the others under ``properties``.
"""

from __future__ import annotations

import pytest
from conftest import require_import
from image_files import elf, mbr_disk, pe

from ansible_collections.multiarch.kolla.plugins.plugin_utils.glance_images import SDK_RENAMED, glance_fields, glance_images_plan

SHA = "ab" * 64
PROPS = {"hw_architecture": "aarch64", "hw_machine_type": "virt"}


@pytest.fixture
def arm(tmp_path):
    path = tmp_path / "bootaa64.efi"
    path.write_bytes(pe(0xAA64))
    return {"name": "arm", "arch": "arm64", "filename": str(path), "disk_format": "raw", "properties": dict(PROPS)}


def existing(**changes):
    image = {"id": "id-1", "name": "arm", "status": "active", "disk_format": "raw", "container_format": "bare", "visibility": "private",
             "tags": [], "hash_algo": "sha512", "hash_value": SHA, "hw_machine_type": "virt", "properties": {"hw_architecture": "aarch64"}}
    image.update(changes)
    return image


def test_missing_image_is_created_with_defaults(arm):
    plan = glance_images_plan([arm], [], {"arm": SHA})
    assert plan["create"] == [dict(arm, container_format="bare", visibility="private", tags=[])]
    assert (plan["change"], plan["unchanged"], plan["errors"]) == ([], [], [])
    assert plan["notes"] == ["arm: %s is aarch64 (PE header: Machine 0xaa64)" % arm["filename"]]


def test_same_image_is_unchanged(arm):
    plan = glance_images_plan([arm], [existing()], {"arm": SHA})
    assert (plan["create"], plan["change"], plan["unchanged"], plan["errors"]) == ([], [], ["arm"], [])


def test_only_differing_properties_are_updated(arm):
    arm["properties"]["os_shutdown_timeout"] = 240  # the SDK answers an int; Glance stores "240"
    plan = glance_images_plan([arm], [existing(hw_machine_type="virt-8.0", os_shutdown_timeout=240)], {"arm": SHA})
    assert plan["change"] == [{"name": "arm", "id": "id-1", "visibility": "private", "properties": {"hw_machine_type": "virt"}}]
    plan = glance_images_plan([dict(arm, tags=["b", "a"], visibility="public")], [existing(os_shutdown_timeout=240)], {})
    assert plan["change"] == [{"name": "arm", "id": "id-1", "visibility": "public", "properties": {}, "tags": ["a", "b"]}]


def test_renamed_sdk_fields_are_compared_by_glance_name(arm):
    arm["properties"]["hw_boot_menu"] = "true"
    plan = glance_images_plan([arm], [existing(is_hw_boot_menu_enabled=True)], {})
    assert plan["unchanged"] == ["arm"]
    assert glance_fields(existing(is_hidden=False))["os_hidden"] is False


def test_sdk_renames_match_openstacksdk():
    image = require_import("openstack.image.v2.image")
    assert {k: v for k, v in image.Image._body_mapping().items() if k != v} == SDK_RENAMED


@pytest.mark.parametrize(
    ("image", "error"),
    [
        (existing(status="queued"), "arm: exists in Glance (id id-1) with status queued, not active"),
        (existing(disk_format="qcow2"), "arm: exists in Glance (id id-1) with disk_format qcow2, not raw"),
        (existing(hash_value="cd" * 64), "arm: exists in Glance (id id-1) with other data than "),
    ],
)
def test_existing_image_that_cannot_be_updated(arm, image, error):
    plan = glance_images_plan([arm], [image], {"arm": SHA})
    assert (plan["create"], plan["change"]) == ([], [])
    assert len(plan["errors"]) == 1 and plan["errors"][0].startswith(error)


def test_every_problem_is_found_before_any_upload(arm, tmp_path):
    ppc = tmp_path / "vmlinux"
    ppc.write_bytes(elf(21))
    disk = tmp_path / "disk.raw"
    disk.write_bytes(mbr_disk())
    images = [arm, dict(arm), {"name": "wrong", "arch": "aarch64", "filename": str(ppc)},
              {"name": "twice", "arch": "x86_64", "filename": str(disk)}, {"name": "gone", "arch": "sparc", "filename": str(disk)}]
    plan = glance_images_plan(images, [existing(name="twice", id="a"), existing(name="twice", id="b")], {})
    assert plan["errors"] == [
        "arm: listed twice in multiarch_images; image names must be unique",
        "wrong: arch is aarch64 but %s is built for ppc64le (ELF header: e_machine EM_PPC64 (21), little-endian)" % ppc,
        "twice: 2 images in Glance have this name (ids a, b); keep one",
        "gone: arch: unknown architecture 'sparc'" + plan["errors"][3][len("gone: arch: unknown architecture 'sparc'"):],
    ]
    assert "twice: arch not verifiable, skipped: %s is a raw disk image with an MBR with no EFI boot loader" % disk in " ".join(plan["notes"])
