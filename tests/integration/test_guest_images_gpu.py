"""The GPU element sets of roles/guest_images (``guest_images_gpu_drivers``) put what a GPU flavor's guest needs into
the image, and the plain image stays without them.

``make test`` (``make guest-images``) builds, besides the emulation tests' images, an x86_64 image with both sets (``[amdgpu, nvidia]``) into
``$MULTIARCH_CACHE/guest-images-gpu`` (scripts/build-guest-images). The test reads that image and the plain x86_64
image in place, without booting or mounting them (tests/lib/guest_rootfs.py: the disk's GPT, then debugfs). Debian's
own records are the oracles:

- dpkg's status: ``firmware-amd-graphics``, ``nvidia-driver`` and ``nvidia-kernel-dkms`` are installed in the GPU
  image, none of them in the plain one;
- dpkg's file list of ``firmware-amd-graphics``: every firmware file it names for ``amdgpu`` is in the image;
- the DKMS-built nvidia modules, read as ``modinfo`` reads them (their ELF ``.modinfo``): their ``vermagic`` is the image's own kernel (the one
  ``/lib/modules`` holds and the manifest records), and their ``version`` is the package's, so the driver loads in
  the guest without a build at first boot;
- the image's apt sources carry the archive components the role adds (``contrib``, ``non-free``,
  ``non-free-firmware``), so the guest's own upgrades find the drivers' updates.
"""

from __future__ import annotations

import re
from pathlib import Path

import guest_kernels
import pytest
import yaml
from conftest import unavailable
from guest_rootfs import GuestRoot, module_info

pytestmark = [pytest.mark.slow]

GPU_PACKAGES = ("firmware-amd-graphics", "nvidia-driver", "nvidia-kernel-dkms")


def _x86_64_image(directory: str) -> dict:
    image = guest_kernels.built_images(directory).get("x86_64")
    if image is None:
        unavailable(f"no x86_64 image in {directory}: {guest_kernels.GUEST_IMAGES_FIX}")
    return image


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """(GPU image root, its manifest, plain image root), each read in place."""
    work = tmp_path_factory.mktemp("gpu-images")
    gpu, plain = _x86_64_image("guest-images-gpu"), _x86_64_image("guest-images")
    manifest = yaml.safe_load(Path(gpu["filename"] + ".json").read_text())
    read = [GuestRoot(Path(gpu["filename"]), work), GuestRoot(Path(plain["filename"]), work)]
    try:
        yield read[0], manifest, read[1]
    finally:
        for root in read:
            root.close()


def test_the_gpu_image_has_the_drivers_packages_and_the_plain_one_has_none(roots):
    gpu, manifest, plain = roots
    assert {"multiarch-gpu-amdgpu", "multiarch-gpu-nvidia"} <= set(manifest["elements"])
    installed = gpu.packages()
    assert set(GPU_PACKAGES) <= set(installed), sorted(set(GPU_PACKAGES) - set(installed))
    assert not set(GPU_PACKAGES) & set(plain.packages())


def test_every_amdgpu_firmware_file_debian_lists_is_in_the_image(roots):
    gpu, _manifest, plain = roots
    listed = gpu.read("/var/lib/dpkg/info/firmware-amd-graphics.list").splitlines()
    amdgpu = sorted({Path(path).name for path in listed if re.match(r"^(/usr)?/lib/firmware/amdgpu/[^/]+\.bin$", path)})
    assert len(amdgpu) > 100, listed[:20]
    present = set(gpu.names("/usr/lib/firmware/amdgpu"))
    assert not set(amdgpu) - present, sorted(set(amdgpu) - present)[:10]
    with pytest.raises(FileNotFoundError):
        plain.names("/usr/lib/firmware/amdgpu")


def test_dkms_built_the_nvidia_modules_for_the_images_own_kernel(roots, tmp_path):
    gpu, manifest, _plain = roots
    kernels = gpu.names("/usr/lib/modules")
    assert kernels == [manifest["kernel_version"]]
    dkms = "/usr/lib/modules/%s/updates/dkms" % kernels[0]
    modules = sorted(name for name in gpu.names(dkms) if name.startswith("nvidia"))
    upstream = gpu.packages()["nvidia-kernel-dkms"].rsplit("-", 1)[0]  # Debian's version less its revision
    names = set()
    for name in modules:
        info = module_info(gpu.copy_out("%s/%s" % (dkms, name), tmp_path / name))
        assert info["vermagic"][0].split()[0] == kernels[0], (name, info["vermagic"])
        assert info["version"] == [upstream], (name, info["version"])
        names.update(info["name"])
    assert {"nvidia", "nvidia_modeset", "nvidia_drm", "nvidia_uvm"} <= names, names


def _components(root: GuestRoot) -> set[str]:
    """The archive components of every ``deb`` line in the image's apt sources (diskimage-builder's debian-minimal
    writes them to sources.list.d)."""
    lines = [line for name in root.names("/etc/apt/sources.list.d") if name.endswith(".list")
             for line in root.read("/etc/apt/sources.list.d/" + name).splitlines()]
    return {word for line in lines if line.startswith("deb ") for word in line.split()[3:]}


def test_the_images_apt_sources_carry_the_components_the_drivers_come_from(roots):
    gpu, _manifest, plain = roots
    assert _components(gpu) == {"main", "contrib", "non-free", "non-free-firmware"}
    assert _components(plain) == {"main"}
