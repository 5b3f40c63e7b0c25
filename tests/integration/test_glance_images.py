"""playbooks/images.yml against a real Glance (tests/lib/glance_testlib.py): what it uploads, that a second run uploads
nothing, and that bad input leaves Glance as it was.

The images are tiny files whose own headers say their arch: an arm64 EFI binary (PE ``Machine`` 0xAA64), a ppc64le
ELF file (``e_machine`` EM_PPC64, little-endian), a qcow2 disk whose EFI system partition holds ``BOOTAA64.EFI``, and a
raw disk with an MBR and no boot loader (arch not verifiable). Every image is read
back through Glance's API, and its properties compared with ``glance_arch_properties`` (the filter's own Python).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from glance_testlib import image_properties, run_images
from image_files import elf, fat_esp, gpt_disk, mbr_disk, pe, qcow2
from site_testlib import checksums, failures

from ansible_collections.multiarch.kolla.plugins.plugin_utils.disk_image import ESP
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.glance import glance_arch_properties

pytestmark = [pytest.mark.slow]


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def changed_tasks(played):
    return sorted({t["task"]["name"] for play in played for t in play["tasks"] for r in t["hosts"].values() if r.get("changed")})


def expected_properties(image):
    emulated = bool(image.get("emulated"))
    return glance_arch_properties(image["arch"], emulated, host_arch=image.get("host_arch"), require_emulation_trait=emulated)


def by_name(glance_server):
    return {image["name"]: image for image in glance_server.images()}


def state(glance_server):
    """What bad input must not change: every image record and every byte of the file store."""
    return sorted((i["id"], i["name"], i["status"], i["updated_at"]) for i in glance_server.images()), checksums(glance_server.store)


def good_images(tmp_path):
    return [
        {"name": "t-arm64", "arch": "arm64", "filename": write(tmp_path, "bootaa64.efi", pe(0xAA64)), "disk_format": "raw"},
        {"name": "t-ppc64le-emulated", "arch": "ppc64le", "emulated": True, "host_arch": "x86_64", "tags": ["multiarch"],
         "filename": write(tmp_path, "vmlinux-ppc64le", elf(21)), "disk_format": "raw"},
        {"name": "t-arm64-disk", "arch": "aarch64", "filename": write(tmp_path, "arm64.qcow2", qcow2(gpt_disk([(ESP, fat_esp("BOOTAA64.EFI", pe(0xAA64)))]))),
         "disk_format": "qcow2"},
        {"name": "t-x86-disk", "arch": "x86_64", "filename": write(tmp_path, "disk.raw", mbr_disk()), "disk_format": "raw"},
    ]


def check_uploaded(glance_server, images):
    found = by_name(glance_server)
    assert sorted(found) == sorted(i["name"] for i in images)
    for image in images:
        got, data = found[image["name"]], Path(image["filename"]).read_bytes()
        expected = expected_properties(image)
        assert image_properties(got) == expected, image["name"]
        assert got["status"] == "active" and got["visibility"] == "private"
        assert (got["disk_format"], got["container_format"]) == (image["disk_format"], "bare")
        assert got["os_hash_algo"] == "sha512" and got["os_hash_value"] == hashlib.sha512(data).hexdigest()
        assert got["checksum"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert sorted(got["tags"]) == sorted(image.get("tags", []))
        assert glance_server.data(got["id"]) == data


def test_upload_then_nothing_to_do(tmp_path, glance):
    images = good_images(tmp_path)
    rc, played, out = run_images(tmp_path, glance, images)
    assert rc == 0, out
    assert changed_tasks(played) == ["Upload each missing image with its properties"], out
    notes = str([t["hosts"] for play in played for t in play["tasks"] if t["task"]["name"] == "Show what each image file is built for"])
    assert "t-arm64: " in notes and "(PE header: Machine 0xaa64)" in notes
    assert "t-arm64-disk: " in notes and "BOOTAA64.EFI on the EFI system partition" in notes
    assert "t-x86-disk: arch not verifiable, skipped" in notes
    check_uploaded(glance, images)

    before = state(glance)
    rc, played, out = run_images(tmp_path, glance, images)
    assert rc == 0, out
    assert changed_tasks(played) == [], out
    assert state(glance) == before

    # A property changed behind the play's back: the next run PATCHes that image alone, back to the filter's value.
    arm = by_name(glance)["t-arm64"]
    answer = glance.patch(arm["id"], [{"op": "replace", "path": "/hw_machine_type", "value": "virt-8.0"}])
    assert answer.status_code == 200, answer.text
    rc, played, out = run_images(tmp_path, glance, images)
    assert rc == 0, out
    assert changed_tasks(played) == ["Update the properties that differ on existing images"], out
    check_uploaded(glance, images)
    assert by_name(glance)["t-ppc64le-emulated"]["updated_at"] == dict((n, u) for _i, n, _s, u in before[0])["t-ppc64le-emulated"]


def refused(tmp_path, glance_server, images):
    """Run expecting a failure that changes nothing in Glance; the failed tasks' messages."""
    before = state(glance_server)
    rc, played, out = run_images(tmp_path, glance_server, images)
    assert rc != 0, out
    assert state(glance_server) == before
    return " ".join(message for _host, _task, message in failures(played))


def test_missing_file(tmp_path, glance):
    images = [*good_images(tmp_path)[:1], {"name": "t-gone", "arch": "aarch64", "filename": str(tmp_path / "nowhere.qcow2")}]
    message = refused(tmp_path, glance, images)
    assert f"t-gone: {tmp_path / 'nowhere.qcow2'}" in message
    assert glance.images() == []


def test_wrong_arch(tmp_path, glance):
    ppc = write(tmp_path, "vmlinux-ppc64le", elf(21))
    x86 = write(tmp_path, "x86.qcow2", qcow2(gpt_disk([(ESP, fat_esp("BOOTX64.EFI", pe(0x8664)))])))
    images = [*good_images(tmp_path)[:1], {"name": "t-claims-arm64", "arch": "aarch64", "filename": ppc, "disk_format": "raw"},
              {"name": "t-disk-claims-arm64", "arch": "arm64", "filename": x86}]
    message = refused(tmp_path, glance, images)
    assert f"t-claims-arm64: arch is aarch64 but {ppc} is built for ppc64le" in message
    assert f"t-disk-claims-arm64: arch is arm64 but {x86} is built for x86_64 (a qcow2 disk image, \\EFI\\BOOT\\BOOTX64.EFI" in message
    assert "Nothing was uploaded" in message
    assert glance.images() == []


def test_property_glance_refuses(tmp_path, glance):
    # Glance reserves the os_glance_ prefix for itself (glance/api/v2/images.py, "Attribute '%s' is reserved").
    image = dict(good_images(tmp_path)[0], properties={"os_glance_mine": "1"})
    message = refused(tmp_path, glance, [image])
    assert "t-arm64: Glance answered:" in message and "os_glance_mine" in message and "reserved" in message
    assert "the failed new images were deleted" in message
    assert glance.images() == []


def test_property_glance_refuses_on_an_existing_image(tmp_path, glance):
    image = good_images(tmp_path)[0]
    rc, _played, out = run_images(tmp_path, glance, [image])
    assert rc == 0, out
    message = refused(tmp_path, glance, [dict(image, properties={"os_glance_mine": "1"})])
    assert "Update the properties that differ on existing images: t-arm64: Glance answered:" in message and "reserved" in message
    assert "deleted" not in message
    check_uploaded(glance, [image])
