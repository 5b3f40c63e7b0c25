"""``pci`` results for the gpu_passthrough decision tests: the real module run over pcitree's hosts.

``host_pci(tmp_path, builder)`` builds the host with a pcitree builder (``two_gtx1060``,
``amd_w5500``, ...), adds the real pci.ids excerpt and returns module pci_passthrough_info's ``pci``.
A host is built once per ``tmp_path``; build variants (``vendor_reset=True``) under their own folder.
"""

from __future__ import annotations

import pcitree
from conftest import run_module

from ansible_collections.multiarch.kolla.plugins.modules import pci_passthrough_info

# Every built host and its architecture.
HOSTS = {
    "two_gtx1060": "x86_64",
    "amd_w5500": "x86_64",
    "gpu_with_nic": "x86_64",
    "sriov_a100": "x86_64",
    "aarch64_a10": "aarch64",
    "ppc64le_v100": "ppc64le",
}


def host_pci(tmp_path, builder, **kwargs):
    """The module's ``pci`` for the pcitree host ``builder`` (a name or the function) built under ``tmp_path``."""
    build = getattr(pcitree, builder) if isinstance(builder, str) else builder
    root = tmp_path / build.__name__
    if not root.exists():  # built once per tmp_path: a second call reads the same host again
        root.mkdir(parents=True)
        build(root, **kwargs)
        pcitree.pci_ids(root)
    result = run_module(pci_passthrough_info, {"root": str(root)})
    assert "failed" not in result, result
    return result["pci"]


def captured_pci(tmp_path, name):
    """The module's ``pci`` for a captured tree of ../shared/fixtures/pci."""
    result = run_module(pci_passthrough_info, {"root": str(pcitree.captured(tmp_path, name))})
    assert "failed" not in result, result
    return result["pci"]
