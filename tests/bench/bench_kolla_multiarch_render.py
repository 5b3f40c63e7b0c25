"""Benchmark: decide (nova_compute_arch) + plan and render (kolla_multiarch) for synthetic clouds of 10 to 5,000 hosts.

For each size, builds a kolla-ansible inventory shaped like kolla's multinode
example (3 controllers; the other hosts compute, 50% x86_64, 30% aarch64, 20%
ppc64le; every compute host also in the service groups that include `compute`;
one GPU host in 50 with a [pci] device_spec), as the JSON `ansible-inventory
--list --export` prints, plus a `multiarch_host` fact per host in the shape
`host_arch_info` returns. Then times, with tracemalloc's peak memory:

  groups   kolla_multiarch_inventory_groups over the inventory JSON
  decide   nova_compute_arch_plan of every compute host (the decision role
           nova_compute_arch publishes as multiarch_nova_compute; in a real run
           each host decides its own, in parallel)
  plan     kolla_multiarch_plan (every check, every host's decision read) and
           kolla_multiarch_images (the images of every host; "checks" is the
           number of distinct image/arch pairs the registry check would ask)
  render   kolla_multiarch_render: every INI edit, the text of multiarch-groups.yml,
           group_vars and host_vars, and the ledger (what the role writes)

and prints a table with the growth ratio per 10x hosts (linear: about 10).
"write" and "rewrite" time module ini_batch itself (its main(), argument checks
included, as the role's one task for every host runs it): every override file
written into an empty directory, then the same edits again (must change
nothing), outside the total.
Target: 5,000 hosts in under 60 s on a 2-core machine, nothing quadratic.
A script that prints a table, not a test; it asserts nothing unless --check.

    .venv/bin/python tests/bench/bench_kolla_multiarch_render.py
    .venv/bin/python tests/bench/bench_kolla_multiarch_render.py --sizes 10 100 --repeat 1
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import math
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _collection():
    """Import the collection from this work tree (as tests/unit/conftest.py arranges it)."""
    sys.path.insert(0, str(REPO / "tests" / "lib"))
    from collection_link import import_collection  # noqa: PLC0415  pylint: disable=import-outside-toplevel

    import_collection()
    from ansible_collections.multiarch.kolla.plugins.modules import ini_batch  # noqa: PLC0415  pylint: disable=import-outside-toplevel
    from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla import (  # noqa: PLC0415  pylint: disable=import-outside-toplevel
        images,
        inventory,
        plan,
        render,
    )
    from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import compute_arch  # noqa: PLC0415  pylint: disable=import-outside-toplevel

    return inventory, plan, images, render, compute_arch, ini_batch


kinv, kplan, ki, krender, nca, ib = _collection()
KOLLA_DEFAULTS = {"docker_registry": "quay.io", "docker_namespace": "openstack.kolla", "docker_image_name_prefix": "",
                  "openstack_release": "2026.2", "kolla_base_distro": "rocky",
                  "kolla_base_distro_version_default_map": {"debian": "trixie", "rocky": "10", "ubuntu": "noble"}}
IMAGE_NAMES = {"all": ["cron", "fluentd", "kolla-toolbox"], "control": ["nova-api", "nova-conductor", "nova-novncproxy", "nova-scheduler"],
               "compute": ["nova-compute", "nova-libvirt", "nova-ssh"]}


def run_ini_batch(edits, base_dir: Path) -> dict:
    """One run of module ini_batch over every edit, as the role's task runs it; returns the module's result."""
    from ansible.module_utils.testing import patch_module_args  # noqa: PLC0415  pylint: disable=import-outside-toplevel

    args = {"base_dir": str(base_dir), "edits": edits, "mode": "0640", "_ansible_remote_tmp": str(base_dir), "_ansible_keep_remote_files": False}
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        try:
            ib.main()
        except SystemExit:
            pass
    result = json.loads(out.getvalue())
    if result.get("failed"):
        sys.exit("bench: ini_batch failed: %s" % result.get("msg"))
    return result


TARGET_SECONDS = 60.0
ARCH_MIX = (("x86_64", 5), ("aarch64", 3), ("ppc64le", 2))  # per 10 compute hosts
# Service groups of kolla's multinode example and the top group each one takes its hosts from.
SERVICE_GROUPS = {
    "control": ["nova-api", "nova-scheduler", "nova-conductor", "nova-super-conductor", "nova-novncproxy", "keystone", "glance-api",
                "neutron-server", "placement-api", "horizon", "rabbitmq", "mariadb", "memcached", "heat-api", "cinder-api"],
    "network": ["neutron-dhcp-agent", "neutron-l3-agent", "neutron-metadata-agent", "octavia-worker"],
    "monitoring": ["prometheus", "grafana", "opensearch"],
    "storage": ["cinder-volume", "cinder-backup"],
    "compute": ["nova-libvirt", "nova-ssh", "collectd", "ceilometer-compute", "prometheus-libvirt-exporter", "masakari-instancemonitor"],
}
MULTI = {  # groups that take hosts from several top groups
    "openvswitch": ["network", "compute"],
    "prometheus-node-exporter": ["control", "network", "compute", "storage", "monitoring"],
    "cron": ["control", "network", "compute", "storage", "monitoring"],
    "fluentd": ["control", "network", "compute", "storage", "monitoring"],
    "kolla-toolbox": ["control", "network", "compute", "storage", "monitoring"],
}


def host_fact(arch: str, index: int) -> dict:
    """A multiarch_host as host_arch_info returns it on a kolla compute host (no QEMU on the host)."""
    kvm = index % 7 != 0  # some TCG-only hosts
    return {
        "arch": arch,
        "kernel_arch": arch,
        "hostname": None,
        "cpu": {"vendor": {"x86_64": "GenuineIntel", "aarch64": "ARM", "ppc64le": "IBM"}[arch], "model": None, "count": 64,
                "ids": {}, "cores": [], "platform": "PowerNV" if arch == "ppc64le" else None, "machine": None, "virt_flag": None},
        "kvm": {"usable": kvm, "device": kvm, "rw": kvm, "module": None, "nested": False, "reason": None if kvm else "/dev/kvm is missing"},
        "guests": {},
        "guest_source": "none",
        "host_cpu_xml": None,
        "iommu": {"enabled": True, "groups": 80, "kind": None, "cmdline": ["iommu=pt"]},
        "cgroup_version": 2,
        "init_system": "systemd",
        "nova_traits": {"kvm": ["HW_ARCH_%s" % arch.upper()]} if kvm else {},
        "warnings": [],
    }


def synthetic(n: int) -> tuple[dict, dict]:
    """(ansible-inventory --list --export JSON, hostvars) for a cloud of n hosts."""
    controls = ["ctl%02d" % i for i in range(1, 4)]
    computes = []
    archs = {c: "x86_64" for c in controls}
    mix = [a for a, count in ARCH_MIX for _index in range(count)]
    for i in range(max(n - len(controls), 0)):
        name = "cmp%05d" % i
        computes.append(name)
        archs[name] = mix[i % len(mix)]
    top = {"control": controls, "network": controls, "monitoring": controls, "storage": controls, "compute": computes,
           "deployment": ["localhost"]}
    inventory = {"_meta": {"hostvars": {}}, "all": {"children": ["ungrouped", *top, *MULTI]}, "ungrouped": {}}
    for name, hosts in top.items():
        inventory[name] = {"hosts": list(hosts)}
    for parent, groups in SERVICE_GROUPS.items():
        for group in groups:
            inventory[group] = {"children": [parent]}
    for group, parents in MULTI.items():
        inventory[group] = {"children": list(parents)}
    hostvars = {}
    for i, (name, arch) in enumerate(archs.items()):
        hv = {"multiarch_host": host_fact(arch, i), "multiarch_groups": {"arch": "arch_" + arch}}
        if name in controls:
            hv["multiarch_container_runtime"] = {"docker_custom_config": {"exec-opts": ["native.cgroupdriver=systemd"], "log-opts": {"max-size": "50m"}}}
        if name.startswith("cmp") and i % 50 == 0:
            hv["kolla_multiarch_pci_device_spec"] = [{"vendor_id": "10de", "product_id": "20b5"}]
        hostvars[name] = hv
    return inventory, hostvars


def decide(hostvars: dict, computes) -> None:
    """What role nova_compute_arch publishes on every compute host (multiarch_nova_compute)."""
    for host in computes:
        decision = nca.compute_arch_plan(hostvars[host]["multiarch_host"], host=host)
        hostvars[host]["multiarch_nova_compute"] = decision["decision"]


def run_once(inventory_json: str, hostvars: dict, write_root=None) -> dict:
    timings = {}
    start = time.perf_counter()
    groups = kinv.inventory_groups(inventory_json)
    timings["groups"] = time.perf_counter() - start
    start = time.perf_counter()
    decide(hostvars, groups["compute"])
    timings["decide"] = time.perf_counter() - start
    start = time.perf_counter()
    the_plan = kplan.plan(
        groups,
        hostvars,
        image_sources_override={"ppc64le": {"registry": "registry.example.com:4000", "namespace": "kolla-ppc64le"}},
        globals_files={"/etc/kolla/globals.yml": {"kolla_base_distro": "ubuntu", "network_interface": "eth0"}},
        pci_alias=[{"name": "a100", "vendor_id": "10de", "product_id": "20b5", "device_type": "type-PF"}],
    )
    images = ki.images(the_plan, IMAGE_NAMES, KOLLA_DEFAULTS, {"kolla_base_distro": "ubuntu", "network_interface": "eth0"})
    timings["plan"] = time.perf_counter() - start
    timings["checks"] = len(images["checks"])
    start = time.perf_counter()
    out = krender.render(the_plan, {"nova.conf": "[filter_scheduler]\nenabled_filters = ComputeFilter,ImagePropertiesFilter\n"}, {}, None)
    timings["render"] = time.perf_counter() - start
    edits = out["ini_edits"]
    timings["edits"] = len(edits)
    timings["files"] = len(out["files"]) + len({e["path"] for e in edits})
    if write_root is not None:
        start = time.perf_counter()
        timings["written"] = len(run_ini_batch(edits, write_root)["changed_files"])
        timings["write"] = time.perf_counter() - start
        start = time.perf_counter()
        timings["rewritten"] = len(run_ini_batch(edits, write_root)["changed_files"])
        timings["rewrite"] = time.perf_counter() - start
    return timings


def measure(n: int, repeat: int) -> dict:
    inventory, hostvars = synthetic(n)
    inventory_json = json.dumps(inventory)
    runs = []
    for _run in range(repeat):
        gc.collect()
        runs.append(run_once(inventory_json, hostvars))
    gc.collect()
    tracemalloc.start()
    run_once(inventory_json, hostvars)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {key: min(r[key] for r in runs) for key in ("groups", "decide", "plan", "render")}
    result["total"] = result["groups"] + result["decide"] + result["plan"] + result["render"]
    result.update(hosts=n, edits=runs[0]["edits"], files=runs[0]["files"], checks=runs[0]["checks"], peak_mib=peak / 2**20)
    # Writing the nova overrides with module ini_batch, into an empty dir then again (nothing to change).
    with tempfile.TemporaryDirectory() as tmp:
        wrote = run_once(inventory_json, hostvars, write_root=Path(tmp))
    assert wrote["rewritten"] == 0, "a second write changed %d files" % wrote["rewritten"]
    result.update(write=wrote["write"], rewrite=wrote["rewrite"])
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per size (best is kept); one more run measures memory")
    parser.add_argument("--check", action="store_true", help="exit 1 when the largest size misses the target or growth is superlinear")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        run_ini_batch([], Path(tmp))  # the first module run of a process pays one-off costs: not in the table
    rows = [measure(n, args.repeat) for n in args.sizes]
    print("nova_compute_arch decide + kolla_multiarch plan and render, best of %d run(s) (the least disturbed by other load)" % args.repeat)
    print("peak memory by tracemalloc; Python %s" % sys.version.split()[0])
    columns = ("hosts", "groups s", "decide s", "plan s", "render s", "total s", "peak MiB", "edits", "files", "checks", "growth/10x",
               "write s", "rewrite s")
    header = "%7s %9s %9s %9s %9s %9s %10s %8s %8s %7s %12s %9s %9s" % columns
    print(header)
    print("-" * len(header))
    previous = None
    worst = 0.0
    for row in rows:
        growth = ""
        if previous and previous["total"] > 0:
            per10 = (row["total"] / previous["total"]) ** (1.0 / math.log10(row["hosts"] / previous["hosts"]))
            growth = "%.1fx" % per10
            if previous["hosts"] >= 100:
                worst = max(worst, per10)
        print("%7d %9.3f %9.3f %9.3f %9.3f %9.3f %10.1f %8d %8d %7d %12s %9.3f %9.3f" % (
            row["hosts"], row["groups"], row["decide"], row["plan"], row["render"], row["total"], row["peak_mib"], row["edits"], row["files"],
            row["checks"], growth, row["write"], row["rewrite"]))
        previous = row
    largest = rows[-1]
    verdict = largest["total"] < TARGET_SECONDS
    print("target: %d hosts in < %.0f s: %s (%.2f s); growth per 10x from 100 hosts up: %.1fx (linear ~10x, quadratic ~100x)"
          % (largest["hosts"], TARGET_SECONDS, "met" if verdict else "MISSED", largest["total"], worst))
    if args.check and (not verdict or worst > 20):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
