"""Playbook site.yml run for real on this machine as a small cloud, and proof that a run changed no file.

``Site(tmp_path, extra=..., host_vars=..., hosts=..., multinode=...)`` lays out a cloud in ``tmp_path``: the
hosts (connection local; by default one, ``cx1``, kolla-ansible's control and compute host; ``control`` puts the first
host in the group control of the play's inventory too), their inventory
``hosts.yml``, the run's extra-vars ``extra.yml``, kolla-ansible's inventory ``multinode``, and the kolla config,
inventory and report dirs, so that every phase writes into ``tmp_path``. This machine's own Docker is left alone
(multiarch_container_runtime_hosts names no host unless ``extra`` says otherwise).

``site.run(*options, env=...)`` runs site.yml: ``(rc, changed task names per host, output)``; ``site.last`` keeps the
parsed plays of that run, and ``failures(played)`` lists its failed tasks as ``(host, task, message)``.

``refused(site, *options)`` runs it expecting a refusal (failed, and no file under ``tmp_path`` changed) and returns
those failures; ``message_of(found, host, *needles)`` picks the message of ``host`` that names every needle.

``checksums(root)`` is the sha256 of every file under ``root`` (and ``None`` for each directory and the target of
each link), so that ``checksums(before) == checksums(after)`` means nothing was written, added or removed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO
from playbook_testlib import BINARY, playbook_env, plays

LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}


def base_extra(tmp_path):
    """The run's extra-vars: every phase into ``tmp_path``, no Docker of this machine, no check that needs a network."""
    # host_libvirt is skipped: this machine's own libvirtd (scripts/setup-host) runs next to where kolla's nova_libvirt would.
    return {"multiarch_container_runtime_hosts": "nobody", "container_runtime_cgroup_driver": "cgroupfs", "network_interface": "lo",
            "preflight_skip": ["versions", "host_libvirt"], "preflight_resolve_names": False, "preflight_kolla_globals_file": str(tmp_path / "globals.yml"),
            "kolla_multiarch_inventory_source": str(tmp_path / "multinode"), "kolla_multiarch_inventory_dir": str(tmp_path / "inventory"),
            "kolla_multiarch_config_dir": str(tmp_path / "kolla"), "multiarch_report_dir": str(tmp_path / "report")}


class Site:
    """A cloud of local hosts in ``tmp_path``: ``extra`` is merged over ``base_extra`` (less the names in ``drop``, so that a
    host variable of that name counts: extra-vars win over it), ``host_vars`` (``{host: {name: value}}``) over each host's."""

    def __init__(self, tmp_path, *, extra=None, host_vars=None, hosts=("cx1",), multinode=None, control=True, drop=()):
        self.tmp = Path(tmp_path)
        (self.tmp / "inventory").mkdir()
        (self.tmp / "kolla" / "config").mkdir(parents=True)
        names = "\n".join(hosts)
        (self.tmp / "multinode").write_text(multinode if multinode is not None else f"[control]\n{hosts[0]}\n[compute]\n{names}\n")
        compute = {name: {**LOCAL, **(host_vars or {}).get(name, {})} for name in hosts}
        control = {hosts[0]: None} if control else {}
        inventory = {"all": {"hosts": {"localhost": dict(LOCAL)}, "children": {"compute": {"hosts": compute}, "control": {"hosts": control}}}}
        (self.tmp / "hosts.yml").write_text(yaml.safe_dump(inventory))
        extra_vars = {**base_extra(self.tmp), **(extra or {})}
        (self.tmp / "extra.yml").write_text(yaml.safe_dump({k: v for k, v in extra_vars.items() if k not in drop}))
        self.last = []

    def run(self, *options, env=None):
        """``(rc, changed task names per host, output)``; ``env`` is added to the run's environment (a fact cache, say)."""
        proc = subprocess.run([str(BINARY), "-i", str(self.tmp / "hosts.yml"), "-e", f"@{self.tmp / 'extra.yml'}", *options,
                               str(REPO / "playbooks" / "site.yml")],
                              cwd=str(self.tmp), env=playbook_env(**(env or {})), capture_output=True, text=True, timeout=600, check=False)
        self.last = plays(proc)
        changed = sorted((t["task"]["name"], host) for play in self.last for t in play["tasks"] for host, r in t["hosts"].items() if r.get("changed"))
        return proc.returncode, changed, proc.stdout[-6000:] + proc.stderr[-3000:]


def failures(played):
    """``[(host, task name, message)]`` of every failed task result in ``played`` (the json callback's plays)."""
    out = []
    for play in played:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed"):
                    out.append((host, task["task"]["name"], str(result.get("msg", ""))))
    return out


def checksums(root):
    """``{relative path: sha256}`` of every file under ``root``; a directory maps to None, a link to ``-> target``."""
    root = Path(root)
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[key] = None
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def refused(site, *options):
    """Run ``site`` expecting a refusal: assert that the run failed and that no file under ``site.tmp`` changed, was added or
    was removed (sha256 of every file before and after); return ``failures`` of the run."""
    before = checksums(site.tmp)
    rc, _changed, out = site.run(*options)
    after = checksums(site.tmp)
    assert after == before, "the refused run changed files: %s" % sorted(set(after.items()) ^ set(before.items()))
    found = failures(site.last)
    assert rc != 0 and found, out
    return found


def message_of(found, host, *needles):
    """The message of the failure of ``host`` in ``found`` that holds every one of ``needles``; a test failure listing them otherwise."""
    for failed_host, _task, message in found:
        if failed_host == host and all(needle in message for needle in needles):
            return message
    raise AssertionError("no failure of %s names %s; the failures: %s" % (host, needles, found))


def task_results(played, name):
    """``[(host, result)]`` of every result of the task called ``name`` in ``played``: one per host, or one per loop item
    (the item's result) for a task with a loop, so that delegated tasks show each host they were delegated to as ``item``."""
    out = []
    for play in played:
        for task in play["tasks"]:
            if task["task"]["name"] != name:
                continue
            for host, result in task["hosts"].items():
                out.extend((host, item) for item in result.get("results") or [result])
    return out
