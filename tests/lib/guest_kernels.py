"""Debian guest kernels for the emulation tests and benchmarks, cached on this machine.

``scripts/fetch-guest-kernels`` fetches them (aarch64 and ppc64le by default; ``--arch x86_64``,
``--abi`` and ``--busybox`` for tests/bench/bench_tcg_slowdown.py); ``find_kernel(arch)`` is the
newest kernel of ``arch`` under ``$MULTIARCH_CACHE/kernels/<arch>``, ``read_source`` reads the
SOURCE file the script writes beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES

# Kernel file name in the package's /boot and in the cache, and the serial console of each arch's guest kernel on the
# machine nova gives it: the arch table's guest_boot (kernel, console), the same the guest images use.
_GUEST_ARCHES = [arch for arch, entry in ARCHES.items() if entry["guest_boot"]]
KERNEL_GLOB = {arch: ARCHES[arch]["guest_boot"]["kernel"] + "-*" for arch in _GUEST_ARCHES}
CONSOLE = {arch: ARCHES[arch]["guest_boot"]["console"] for arch in _GUEST_ARCHES}


# What to run when the guest images the integration tests read are missing.
GUEST_IMAGES_FIX = "run make guest-images (scripts/build-guest-images; MULTIARCH_CACHE selects the cache directory)"


def built_images(directory: str = "guest-images") -> dict:
    """The images scripts/build-guest-images listed in ``$MULTIARCH_CACHE/<directory>/multiarch_images.yml``, by arch;
    reported unavailable (a failure under CI) when the list or an image is missing."""
    import yaml  # noqa: PLC0415
    from conftest import unavailable  # noqa: PLC0415

    listing = cache_dir() / directory / "multiarch_images.yml"
    if not listing.is_file():
        unavailable(f"no guest images ({listing} is missing): {GUEST_IMAGES_FIX}")
    images = {image["arch"]: image for image in yaml.safe_load(listing.read_text())["multiarch_images"]}
    for image in images.values():
        if not Path(image["filename"]).is_file():
            unavailable(f"{image['filename']} is missing: {GUEST_IMAGES_FIX}")
    return images


def cache_dir() -> Path:
    return Path(os.environ.get("MULTIARCH_CACHE", "/var/cache/multiarch-kolla"))


def find_kernel(arch: str) -> Path | None:
    """The newest cached kernel of ``arch`` (canonical name), or None."""
    found = sorted((cache_dir() / "kernels" / arch).glob(KERNEL_GLOB[arch]))
    return found[-1] if found else None


def read_source(path: Path) -> dict:
    """A SOURCE file (``key=value`` lines) as a dict; {} when missing."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in lines if "=" in line)
