"""Test data for plugin_utils/kolla: facts as the decide roles publish them, kolla's multinode layout;
file-system helpers for the writers' tests (a read-only mount, a fingerprint of directories)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.compute_arch import compute_arch_plan

PPC_SOURCE = {"ppc64le": {"registry": "registry.example.com:4000", "namespace": "kolla-ppc64le"}}
GLOBALS = "/etc/kolla/globals.yml"


def fact(arch, kvm=False, guests=None, hostname=None):
    """A multiarch_host as host_arch_info returns it on a kolla compute host (docs/multiarch_host.md).

    Under kolla-ansible QEMU lives in the nova_libvirt container, so guests is {} by default.
    """
    return {
        "arch": arch,
        "kernel_arch": arch,
        "hostname": hostname,
        "cpu": {"vendor": None, "model": None, "count": 8, "ids": {}, "cores": [], "platform": None, "machine": None, "virt_flag": None},
        "kvm": {"usable": kvm, "device": kvm, "rw": kvm, "module": None, "nested": None, "reason": None if kvm else "/dev/kvm is missing"},
        "guests": guests or {},
        "guest_source": "none",
        "host_cpu_xml": None,
        "iommu": {"enabled": False, "groups": 0, "kind": None, "cmdline": []},
        "cgroup_version": 2,
        "init_system": "systemd",
        "nova_traits": {},
        "warnings": [],
    }


def decided(host, arch, kvm=False, guests=None, compute=True, **plan_args):
    """A host's variables after host_facts and (when ``compute``) nova_compute_arch ran on it."""
    hv = {"multiarch_host": fact(arch, kvm=kvm, guests=guests), "multiarch_groups": {"arch": "arch_%s" % arch}}
    if compute:
        plan = compute_arch_plan(hv["multiarch_host"], host=host, **plan_args)
        assert not plan["errors"], plan["errors"]
        hv["multiarch_nova_compute"] = plan["decision"]
    return hv


def multinode(controls=("ctl1", "ctl2", "ctl3"), computes=("cx1", "ca1", "cp1")):
    """kolla's multinode layout (top groups plus a few service groups that are their children)."""
    return {
        "all": [*controls, *computes, "localhost"],
        "ungrouped": [],
        "control": list(controls),
        "network": list(controls),
        "monitoring": list(controls),
        "storage": list(controls),
        "compute": list(computes),
        "deployment": ["localhost"],
        "bifrost": ["localhost"],  # [bifrost:children] deployment
        "baremetal": [*controls, *computes],
        "nova-api": list(controls),
        "openvswitch": [*controls, *computes],
    }


def mixed():
    """Host variables of multinode(): three x86_64 controllers, one compute host per arch."""
    hostvars = {host: decided(host, "x86_64", compute=False) for host in ("ctl1", "ctl2", "ctl3")}
    hostvars.update(cx1=decided("cx1", "x86_64"), ca1=decided("ca1", "aarch64"), cp1=decided("cp1", "ppc64le"))
    return hostvars


class LazyHostvars(Mapping):
    """Behaves like Ansible's hostvars: a Mapping of host to a Mapping, values on access."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return dict(self._data[key])

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def problems_of(excinfo):
    text = str(excinfo.value)
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


@contextmanager
def read_only_mount(path):
    """Make the directory ``path`` a read-only bind mount of itself for the ``with`` block (root only; skips elsewhere)."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    if subprocess.run(["mount", "--bind", str(path), str(path)], check=False, capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True, capture_output=True)
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def fingerprint(*dirs):
    """Every path under ``dirs`` with its content digest, mode and owner (equal before and after: nothing was written)."""
    found = []
    for top in dirs:
        for path in [Path(top), *sorted(Path(top).rglob("*"))] if Path(top).exists() else []:
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else None
            found.append((str(path), digest, stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid))
    return found
