"""kolla-ansible 23.0.0's own files, and Ansible itself as the oracle of what `kolla-ansible pull` asks for.

The files are the real ones: kolla-ansible's wheel from PyPI, unpacked by scripts/setup-host
under ``$MULTIARCH_CACHE/kolla-ansible-23.0.0`` (``MULTIARCH_KOLLA_ANSIBLE_DIR`` names
another place). ``share_files`` gives them as roles/kolla_multiarch/tasks/images.yml reads
them; ``CHILDREN`` and ``inventory_groups`` are the groups of the wheel's
ansible/inventory/multinode.

``ansible_pulls`` runs a copy of kolla-ansible's playbooks with the real ansible-playbook
and kolla-ansible's real filter plugins (the wheel's ``kolla_ansible`` package on
PYTHONPATH). Each role's tasks/main.yml becomes its own inventory tasks (group_by,
add_host: mariadb's shard groups) followed by service-images-pull's loop
(ansible/roles/service-images-pull/tasks/main.yml, read from the wheel) with ``debug``
in place of ``kolla_container`` where the role's pull.yml imports it; every other tasks file of a role does nothing, and so
does gather-facts.yml (the hosts do not exist; pulling reads no facts). Ansible's own
precedence and templating then say which image each host pulls.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import unavailable

KOLLA_ANSIBLE_VERSION = "23.0.0"
KOLLA_ANSIBLE_DIR = Path(os.environ.get("MULTIARCH_KOLLA_ANSIBLE_DIR")
                         or Path(os.environ.get("MULTIARCH_CACHE", "/var/cache/multiarch-kolla")) / ("kolla-ansible-" + KOLLA_ANSIBLE_VERSION))
_INVENTORY_ACTIONS = {"group_by", "add_host", "ansible.builtin.group_by", "ansible.builtin.add_host"}
_RECORDED = " (recorded)"
# In place of gather-facts.yml (the hosts do not exist): the facts the services' definitions read, the
# host name (glance) and the address of network_interface (kolla_ansible/kolla_address.py reads ansible_facts[<interface>]).
_FACTS_PLAY = {"name": "Facts of hosts that do not exist", "hosts": "all", "gather_facts": False, "tasks": [{
    "name": "Give each host an address on its interface",
    "ansible.builtin.set_fact": {"cacheable": True, "hostname": "{{ inventory_hostname }}", "{{ network_interface | replace('-', '_') }}": {
        "ipv4": {"address": "192.0.2.{{ groups['all'].index(inventory_hostname) + 1 }}"}}}}]}


def kolla_ansible_dir() -> Path:
    """The unpacked wheel (``kolla_ansible/`` and ``share/kolla-ansible/``); skips (fails under CI) when it is missing."""
    if not (KOLLA_ANSIBLE_DIR / "share" / "kolla-ansible" / "ansible" / "site.yml").is_file():
        unavailable("kolla-ansible %s's files are not unpacked at %s: run scripts/setup-host (or set MULTIARCH_KOLLA_ANSIBLE_DIR)"
                    % (KOLLA_ANSIBLE_VERSION, KOLLA_ANSIBLE_DIR))
    return KOLLA_ANSIBLE_DIR


def _ansible_dir() -> Path:
    return kolla_ansible_dir() / "share" / "kolla-ansible" / "ansible"


@functools.lru_cache(maxsize=1)
def _share_files():
    root = _ansible_dir()
    paths = [*root.glob("*.y*ml"), *root.glob("group_vars/all/*.y*ml"), *root.glob("roles/*/defaults/main.y*ml"), *root.glob("roles/*/vars/main.y*ml")]
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(paths) if p.suffix in (".yml", ".yaml")}


def share_files():
    """``{path under <share>/ansible: text}``: kolla-ansible's playbooks, group_vars/all and role defaults and vars."""
    return dict(_share_files())


@functools.lru_cache(maxsize=1)
def _children():
    children, section = {}, None
    for raw in (_ansible_dir() / "inventory" / "multinode").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("["):
            name = line.strip("[]")
            section = children.setdefault(name[: -len(":children")], []) if name.endswith(":children") else None
        elif line and section is not None:
            section.append(line.split()[0])
    return children


class _Children(dict):
    """kolla-ansible's multinode inventory: ``{group: [child groups]}``, read when first used."""

    def _load(self):
        if not self:
            self.update(_children())

    def __iter__(self):
        self._load()
        return super().__iter__()

    def get(self, key, default=None):
        self._load()
        return super().get(key, default)

    def items(self):
        self._load()
        return super().items()

    def keys(self):
        self._load()
        return super().keys()


CHILDREN = _Children()


def inventory_groups(top):
    """``{group: [hosts]}`` with children resolved, as kolla_multiarch_inventory_groups returns it, for ``top`` ({group: hosts})."""
    groups = {name: list(hosts) for name, hosts in top.items()}

    def members(name, seen=()):
        hosts = list(groups.get(name, []))
        for child in CHILDREN.get(name, []):
            if child not in seen:
                hosts += [h for h in members(child, (*seen, name)) if h not in hosts]
        return hosts

    resolved = {name: members(name) for name in [*top, *(c for c in CHILDREN if c not in top)]}
    resolved["all"] = list(dict.fromkeys(h for hosts in top.values() for h in hosts))
    resolved["ungrouped"] = []
    return resolved


def _inventory(top, the_plan):
    groups = {name: {"hosts": dict.fromkeys(hosts)} for name, hosts in top.items()}
    for name, children in CHILDREN.items():
        groups.setdefault(name, {})["children"] = dict.fromkeys(children)
    for name, hosts in the_plan["arch_groups"].items():
        groups[name] = {"hosts": dict.fromkeys(hosts)}
    return {"all": {"children": groups}}


def _pull_task():
    """service-images-pull's task as kolla-ansible has it, with debug in place of kolla_container (no become, no retries)."""
    (task,) = yaml.safe_load((_ansible_dir() / "roles" / "service-images-pull" / "tasks" / "main.yml").read_text(encoding="utf-8"))
    task = {k: v for k, v in task.items() if k in ("name", "vars", "with_dict", "loop_control")}
    task["name"] += _RECORDED
    task["ansible.builtin.debug"] = {"msg": "{{ service.image }}"}
    # Roles without <role>_services (prechecks, the ones for other actions) pull nothing.
    task["with_dict"] = task["with_dict"].replace("+ '_services')", "+ '_services', default={})")
    assert "default={}" in task["with_dict"], task["with_dict"]
    return task


def _role_tasks(role: Path, pull):
    """A role's tasks/main.yml: its own inventory tasks (group_by, add_host), then the recorded pull if its pull.yml imports service-images-pull."""
    main, pulls = role / "tasks" / "main.yml", role / "tasks" / "pull.yml"
    own = yaml.safe_load(main.read_text(encoding="utf-8")) if main.is_file() else None
    tasks = [t for t in own or [] if isinstance(t, dict) and _INVENTORY_ACTIONS & set(t)]
    if pulls.is_file() and "service-images-pull" in pulls.read_text(encoding="utf-8"):
        tasks.append(pull)
    return tasks or [{"name": "Nothing to pull here", "ansible.builtin.meta": "noop"}]


def _copy_share(share: Path, files):
    """The playbooks, vars and filter plugins of kolla-ansible, and tasks that only record what is pulled."""
    real = _ansible_dir()
    for path, text in files.items():
        (share / path).parent.mkdir(parents=True, exist_ok=True)
        (share / path).write_text(text)
    (share / "gather-facts.yml").write_text(yaml.safe_dump([_FACTS_PLAY], sort_keys=False))
    (share / "filter_plugins").mkdir()
    for plugin in (real / "filter_plugins").glob("*.py"):
        (share / "filter_plugins" / plugin.name).write_text(plugin.read_text(encoding="utf-8"))
    pull = _pull_task()
    noop = yaml.safe_dump([{"name": "Nothing to pull here", "ansible.builtin.meta": "noop"}])
    for role in (p for p in (real / "roles").iterdir() if p.is_dir()):
        tasks = share / "roles" / role.name / "tasks"
        tasks.mkdir(parents=True)
        for other in role.glob("tasks/*.y*ml"):
            (tasks / other.name).write_text(noop)
        (tasks / "main.yml").write_text(yaml.safe_dump(_role_tasks(role, copy.deepcopy(pull)), sort_keys=False))


def _filled(value, name):
    """passwords.yml as kolla-genpwd leaves it: every empty value given one (the ones in dicts too)."""
    if isinstance(value, dict):
        return {key: _filled(sub, "%s-%s" % (name, key)) for key, sub in value.items()}
    return "secret-%s" % name if value is None else value


def _passwords(path: Path):
    """kolla-ansible passes /etc/kolla/passwords.yml as extra vars; the wheel's example, filled in."""
    example = yaml.safe_load((kolla_ansible_dir() / "share" / "kolla-ansible" / "etc_examples" / "kolla" / "passwords.yml").read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({key: _filled(value, key) for key, value in example.items()}))


def _write_inventory(inventory: Path, top, the_plan):
    for sub, values in (("group_vars", the_plan["group_vars"]), ("host_vars", the_plan["host_vars"])):
        (inventory / sub).mkdir(parents=True)
        for name, content in values.items():
            (inventory / sub / ("%s.yml" % name)).write_text(yaml.safe_dump(content))
    (inventory / "hosts.yml").write_text(yaml.safe_dump(_inventory(top, the_plan)))


def _failures(plays):
    """Each failed task, with its play, host and message."""
    return ["%s: %s: %s: %s" % (play["play"]["name"], task["task"]["name"], host, result.get("msg") or result)
            for play in plays for task in play["tasks"] for host, result in task["hosts"].items()
            if result.get("failed") or result.get("unreachable")]


def _recorded(plays):
    pulled = {}
    for play in plays:
        for task in play["tasks"]:
            if not task["task"]["name"].endswith(_RECORDED):
                continue
            for host, result in task["hosts"].items():
                pulled.setdefault(host, []).extend(item["msg"] for item in result.get("results", []) if not item.get("skipped"))
    return {host: list(dict.fromkeys(images)) for host, images in pulled.items()}


def ansible_pulls(tmp_path: Path, top, the_plan, globals_values, files=None):
    """``{host: [image, ...]}`` as the real ansible-playbook pulls with kolla-ansible's files and the plan's inventory files."""
    binary = Path(sys.executable).with_name("ansible-playbook")
    if not binary.exists():
        unavailable("ansible-playbook is not installed next to %s (it comes with requirements-dev.txt)" % sys.executable)
    share = tmp_path / "share" / "ansible"
    _copy_share(share, files or share_files())
    inventory = tmp_path / "inventory"
    _write_inventory(inventory, top, the_plan)
    (tmp_path / "globals.yml").write_text(yaml.safe_dump(dict(globals_values)))
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    _passwords(tmp_path / "passwords.yml")
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(kolla_ansible_dir()), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(
        [str(binary), "-i", str(inventory / "hosts.yml"), str(share / "site.yml"), "-e", "@%s" % (tmp_path / "globals.yml"),
         "-e", "@%s" % (tmp_path / "passwords.yml"), "-e", "kolla_action=pull"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        plays = json.loads(proc.stdout)["plays"]
    except (ValueError, KeyError):
        pytest.fail("ansible-playbook gave no JSON (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    assert proc.returncode == 0, "ansible-playbook failed (rc %s): %s" % (proc.returncode, _failures(plays) or textwrap.shorten(proc.stdout, 4000))
    return _recorded(plays)
