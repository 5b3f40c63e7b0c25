"""guest_image: refused inputs name the fix, check mode builds nothing, a cached key builds nothing, a failed build leaves no image.

diskimage-builder is replaced by a script here (``fake_dib``): the real build, its cache and its boot are proven by
``make test``'s guest images step and tests/integration/test_guest_images_boot.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, run_module

from ansible_collections.multiarch.kolla.plugins.modules import guest_image

ELEMENTS_SRC = REPO / "roles" / "guest_images" / "files" / "elements"


def fake_dib(tmp_path, body='echo "diskimage-builder is broken here" >&2; exit 1'):
    script = tmp_path / "disk-image-create"
    script.write_text('#!/bin/sh\nif [ "$1" = --version ]; then echo 3.43.0; exit 0; fi\n%s\n' % body)
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def args(tmp_path, monkeypatch):
    monkeypatch.setattr(guest_image, "tool_problems", lambda *_a, **_k: [])
    elements = tmp_path / "elements"
    shutil.copytree(ELEMENTS_SRC, elements)
    return {"arch": "x86_64", "dest": str(tmp_path / "images"), "elements_path": [str(elements)], "assembly": "files",
            "disk_image_create": fake_dib(tmp_path)}


def run(args, **kwargs):
    return run_module(guest_image, args, **kwargs)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arch": "sparc"}, "arch: unknown architecture 'sparc'"),
        ({"arch": "s390x"}, "arch s390x: no guest image layout is known for it; supported: aarch64, ppc64le, x86_64"),
        ({"elements_path": ["/nonexistent"]}, "elements_path: /nonexistent is not a directory"),
        ({"elements_path": []}, "assembly=files needs the element multiarch-deferred-initramfs in elements_path"),
        ({"disk_image_create": "no-such-disk-image-create"}, "pip install -r requirements-dib.txt"),
    ],
)
def test_bad_input_is_refused_with_the_fix(args, change, message):
    result = run(dict(args, **change))
    assert result["failed"] and message in result["msg"]


def test_dib_assembly_without_device_mapper_is_refused(args, monkeypatch):
    monkeypatch.setattr(guest_image, "device_mapper_available", lambda: False)
    result = run(dict(args, assembly="dib"))
    assert result["failed"] and "load dm_mod, or use assembly=files" in result["msg"]


def test_check_mode_predicts_a_build_and_writes_nothing(args, tmp_path):
    result = run(args, check_mode=True)
    assert result["changed"] and result["source"] == "would-build" and result["assembly"] == "files"
    assert result["path"].startswith(args["dest"] + "/debian-x86_64-") and result["path"].endswith(".qcow2")
    assert not (tmp_path / "images").exists()
    # The disk boots through \\EFI\\BOOT only: x86_64 (BIOS by nova's default) must ask for UEFI; the others need nothing.
    assert result["properties"] == {"hw_firmware_type": "uefi"}
    for arch in ("aarch64", "ppc64le"):
        assert run(dict(args, arch=arch), check_mode=True)["properties"] == {}
    # The key follows the inputs.
    assert run(dict(args, release="trixie"), check_mode=True)["key"] != result["key"]


def test_an_image_with_its_key_is_reused(args):
    path = Path(run(args, check_mode=True)["path"])
    path.parent.mkdir()
    path.write_bytes(b"disk")
    Path(str(path) + ".json").write_text(json.dumps({"seconds": 12.5}))
    for check_mode in (True, False):
        result = run(args, check_mode=check_mode)
        assert not result["changed"] and result["source"] == "cache" and result["manifest"] == {"seconds": 12.5}


def test_a_failed_build_names_the_step_and_leaves_no_image(args):
    result = run(args)
    assert result["failed"]
    assert "disk-image-create failed (rc 1" in result["msg"] and "diskimage-builder is broken here" in result["msg"]
    assert "build.log" in result["msg"]
    assert not [p for p in Path(args["dest"]).iterdir() if p.is_file()]


def test_a_root_without_a_kernel_fails_the_assembly_and_leaves_no_image(args, tmp_path):
    # diskimage-builder "succeeds" with an empty root tar: the assembly names what is missing, no traceback.
    body = 'while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done; tar -cf "$out.tar" -T /dev/null'
    result = run(dict(args, disk_image_create=fake_dib(tmp_path, body)))
    assert result["failed"]
    assert "assembling the disk: the root tree has no /boot/vmlinuz-*: the image needs a kernel package" in result["msg"]
    assert not [p for p in Path(args["dest"]).iterdir() if p.is_file()]


def _built(path, **_kwargs):
    Path(path).write_bytes(b"new disk")
    return {"kernel_version": "6.1.0-50-amd64"}


def test_a_build_removes_the_images_it_supersedes_and_nothing_else(args, monkeypatch):
    dest = Path(args["dest"])
    dest.mkdir()
    stale = [dest / "debian-x86_64-0123456789ab.qcow2", dest / "debian-x86_64-0123456789ab.qcow2.json",
             dest / "debian-x86_64-ba9876543210.qcow2"]
    # Another name, arch or format, a file that is not a keyed image, and the directories: all stay.
    kept = [dest / "debian-gpu-x86_64-0123456789ab.qcow2", dest / "debian-aarch64-0123456789ab.qcow2",
            dest / "debian-x86_64-0123456789ab.raw", dest / "debian-x86_64-latest.qcow2", dest / "multiarch_images.yml"]
    for path in stale + kept:
        path.write_bytes(b"old")
    predicted = run(args, check_mode=True)
    assert predicted["removed"] == [str(p) for p in stale]
    assert all(p.exists() for p in stale)
    monkeypatch.setattr(guest_image, "build_image", lambda _m, _d, _a, _b, *, path, **kw: _built(path))
    result = run(args)
    assert result["changed"] and result["source"] == "built" and result["removed"] == predicted["removed"]
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    assert Path(result["path"]).read_bytes() == b"new disk" and Path(result["path"] + ".json").is_file()
    # Reused from the cache: nothing to remove. prune=false keeps the old images of a new build.
    assert run(args)["removed"] == [] and not run(args)["changed"]
    stale[0].write_bytes(b"old")
    assert run(dict(args, release="trixie", prune=False), check_mode=True)["removed"] == []
