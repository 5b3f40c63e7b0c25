"""Playbook site.yml with --limit: the hosts left out are read read-only (or taken from the fact cache) for the render.

Two local hosts, cx1 and cx2 (kolla-ansible's compute hosts; cx2 also runs aarch64 guests emulated, from its own
host variable). One full run (with a JSON fact cache and the roles' *_cacheable true), then runs with
``--limit cx1,localhost`` (the ``--check`` run reads it from a file, ``--limit @file``): without the cache
(``--check``, then for real) cx2's facts come from host_arch_info
delegated to it and its nova decision is made on the controller; with the cache, cx2 is not read at all. Oracle: the
full run's render - every file of the inventory dir and of the config overrides is the same after each limited run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gpu_testlib import host_pci
from kollatestlib import decided, fact
from site_testlib import LOCAL, Site, base_extra, checksums, failures, message_of, refused, task_results

from ansible_collections.multiarch.kolla.plugins.plugin_utils.gpu.plan import gpu_passthrough_plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.render import ALIAS_FILES, render

LIMIT = ("--limit", "cx1,localhost")
READ = "multiarch.kolla.host_facts : Read each host with host_arch_info (read-only)"
# Every task of the render play that may act for a host outside the limit, all read-only or controller-side.
OUTSIDE_TASKS = {
    READ,
    "multiarch.kolla.host_facts : Set multiarch_host on each host read",
    "multiarch.kolla.host_facts : Set multiarch_groups on each host outside this run that has none",
    "multiarch.kolla.nova_compute_arch : Read the host name and OS family of each host outside this run (read-only)",
    "multiarch.kolla.nova_compute_arch : Decide each host outside this run (strict - no emulator is installed there)",
    "multiarch.kolla.nova_compute_arch : Set multiarch_nova_compute on each host outside this run (docs/decisions.md)",
}
# The base run's skips, and hostnames: both local hosts are this machine, with its one hostname.
EXTRA = {"preflight_skip": [*base_extra(Path())["preflight_skip"], "hostnames"]}


def rendered(site):
    """Every file of the render (inventory dir and config overrides), with its sha256."""
    return {"inventory": checksums(site.tmp / "inventory"), "kolla": checksums(site.tmp / "kolla")}


def read_or_none(path):
    return path.read_text() if path.exists() else None


def for_host(played, host):
    """``[(task name, item result)]`` of every loop item of ``played`` whose item is ``host`` (the tasks delegated to it)."""
    found = []
    for play in played:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                found.extend((task["task"]["name"], item) for item in result.get("results") or [] if item.get("item") == host)
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site-limit")
    site = Site(tmp, hosts=("cx1", "cx2"), extra=EXTRA, host_vars={"cx2": {"nova_compute_arch_emulated_arches": ["aarch64"]}})
    cache = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp / "facts")}
    cacheable = ("-e", "host_facts_cacheable=true", "-e", "nova_compute_arch_cacheable=true")
    found = {}
    # The check run gives the same limit as a file (a retry file, say): ansible-playbook reads @file limits itself.
    (tmp / "limit.txt").write_text("cx1\nlocalhost\n")
    limit_file = ("--limit", f"@{tmp / 'limit.txt'}")
    for name, options, env in (("full", cacheable, cache), ("check", (*limit_file, "--check"), None), ("limit", LIMIT, None),
                               ("cached", LIMIT, cache)):
        rc, changed, out = site.run(*options, env=env)
        found[name] = {"rc": rc, "changed": changed, "out": out, "played": site.last, "files": rendered(site),
                       **{f"{host}_host_vars": read_or_none(tmp / "inventory" / "host_vars" / f"{host}.yml") for host in ("cx1", "cx2")}}
    return found


def test_the_full_run_renders_cx2_from_its_own_variables(runs):
    full = runs["full"]
    assert full["rc"] == 0, full["out"]
    assert any(name == READ for name, _item in for_host(full["played"], "cx2")) is False  # no read-only path without --limit
    assert "config/nova/cx2/nova-compute.conf" in full["files"]["kolla"]
    assert "host_vars/cx2.yml" in full["files"]["inventory"]
    assert "CUSTOM_EMULATES_AARCH64" in full["cx2_host_vars"] and "CUSTOM_EMULATES" not in full["cx1_host_vars"]


def test_a_limited_run_reads_the_host_outside_read_only_and_renders_it_as_the_full_run(runs):
    limit = runs["limit"]
    assert limit["rc"] == 0, limit["out"]
    (read,) = [item for host, item in task_results(limit["played"], READ) if item.get("item") == "cx2"]
    assert read["host"]["arch"] and not read.get("changed")
    assert [item.get("item") for _host, item in task_results(limit["played"], READ)] == ["cx2"]  # cx1 was detected in its play
    assert limit["files"] == runs["full"]["files"]
    assert limit["cx2_host_vars"] == runs["full"]["cx2_host_vars"]
    assert not [c for c in limit["changed"] if "kolla_multiarch" in c[0]], limit["changed"]  # the same render: nothing to write


def test_nothing_changes_on_the_host_outside_the_limit(runs):
    played = runs["limit"]["played"]
    assert not [c for c in runs["limit"]["changed"] if c[1] == "cx2"]
    assert not [host for play in played for task in play["tasks"] for host in task["hosts"] if host == "cx2"]  # cx2 ran no task itself
    delegated = for_host(played, "cx2")
    assert {name for name, _item in delegated} <= OUTSIDE_TASKS, delegated
    assert not [name for name, item in delegated if item.get("changed")]
    assert not [t for play in played for t in play["tasks"] if "Install qemu-system" in t["task"]["name"]
                and any(r.get("changed") for r in t["hosts"].values())]


def test_check_mode_predicts_the_limited_run(runs):
    check, limit = runs["check"], runs["limit"]
    assert check["rc"] == 0, check["out"]
    assert "supplied host pattern, ignoring: @" not in check["out"]  # the @file limit was read, not matched as a host name
    assert check["changed"] == limit["changed"], (check["changed"], limit["changed"])
    assert check["files"] == runs["full"]["files"]  # check mode wrote nothing
    assert [item.get("item") for _host, item in task_results(check["played"], READ)] == ["cx2"]


def test_a_host_in_the_fact_cache_is_not_read_again(runs):
    cached = runs["cached"]
    assert cached["rc"] == 0, cached["out"]
    assert for_host(cached["played"], "cx2") == []  # no host_arch_info (nor any other task) for cx2: the cache had its facts
    assert cached["files"] == runs["full"]["files"]


def test_an_unreachable_host_outside_the_limit_stops_the_render(tmp_path):
    unreachable = {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_user": "nobody"}
    site = Site(tmp_path, hosts=("cx1", "cx3"), extra=EXTRA, host_vars={"cx3": {**LOCAL, **unreachable}})
    found = refused(site, *LIMIT, "--tags", "kolla_render")
    message_of(found, "localhost", "cx3 (outside --limit", "include cx3 in --limit", "cache their facts")
    assert not [f for f in failures(site.last) if "kolla_multiarch" in f[1]]  # stopped before the render
    assert not (tmp_path / "kolla" / "config" / "nova").exists()


def test_a_host_outside_the_limit_that_would_need_emulators_is_refused(tmp_path):
    # cx2's facts are known (an inventory value stands in for the fact cache), so it is not read again; it asks for aarch64
    # guests it cannot run, and nothing is installed outside the limit.
    known = {"multiarch_host": fact("x86_64", kvm=True), "nova_compute_arch_emulated_arches": ["aarch64"]}
    site = Site(tmp_path, hosts=("cx1", "cx2"), extra=EXTRA, host_vars={"cx2": known})
    found = refused(site, *LIMIT, "--tags", "kolla_render")
    message_of(found, "localhost", "host cx2: aarch64 guests are not runnable", "cx2 is outside --limit", "run without --limit, or include cx2")
    assert "cx2" not in [item.get("item") for _host, item in task_results(site.last, READ)]  # known facts are not read again
    assert not (tmp_path / "kolla" / "config" / "nova").exists()

# --- what the render does with a GPU host left out by --limit (plugins/plugin_utils/kolla, role kolla_multiarch) ---------
# The render reads multiarch_gpu_passthrough of every compute host; a host outside the limit has none unless the fact
# cache has it (gpu_passthrough_cacheable), and the read-only path above does not decide GPUs. Today the render then
# takes the host's GPUs out of nova: its [pci] device_spec is removed and its aliases leave the one [pci] alias list.
# The fix proposed for kolla_multiarch (a list of hosts whose undecided keys are kept) is /work/helpers/h19-kolla.patch.


def _gpu_cloud(tmp_path):
    hostvars = {"gx": decided("gx", "x86_64", kvm=True), "plain": decided("plain", "x86_64", kvm=True)}
    hostvars["gx"]["multiarch_gpu_passthrough"] = gpu_passthrough_plan(host_pci(tmp_path, "two_gtx1060"), host="gx", arch="x86_64",
                                                                       cpu_vendor="GenuineIntel", all_gpus=True)
    return hostvars


def _edits_for(out, path, option):
    return [e for e in out["ini_edits"] if e["path"] == path and e["option"] == option]


def test_today_a_render_without_the_gpu_fact_of_a_host_removes_its_gpus(tmp_path):
    groups = {"control": ["plain"], "compute": ["gx", "plain"]}
    hostvars = _gpu_cloud(tmp_path)
    full = render(plan(groups, hostvars), {}, {}, None)
    (spec,) = _edits_for(full, "nova/gx/nova-compute.conf", "device_spec")
    assert spec["state"] == "present" and spec["value_list"]
    del hostvars["gx"]["multiarch_gpu_passthrough"]  # gx outside --limit, no fact cache
    limited = render(plan(groups, hostvars), {}, {}, full["ledger"])
    assert [e["state"] for e in _edits_for(limited, "nova/gx/nova-compute.conf", "device_spec")] == ["absent"]
    assert {e["state"] for path in ALIAS_FILES for e in _edits_for(limited, path, "alias")} == {"absent"}


def test_a_render_keeps_the_gpus_of_a_host_outside_the_limit(tmp_path):
    groups = {"control": ["plain"], "compute": ["gx", "plain"]}
    hostvars = _gpu_cloud(tmp_path)
    full = render(plan(groups, hostvars), {}, {}, None)
    del hostvars["gx"]["multiarch_gpu_passthrough"]
    limited = render(plan(groups, hostvars, keep_hosts=["gx"]), {}, {}, full["ledger"])
    assert _edits_for(limited, "nova/gx/nova-compute.conf", "device_spec") == []  # no edit: the earlier value stays
    assert [e for path in ALIAS_FILES for e in _edits_for(limited, path, "alias")] == []
    assert limited["ledger"] == full["ledger"]
