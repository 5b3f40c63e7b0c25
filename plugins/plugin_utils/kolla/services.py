# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The images kolla-ansible would pull on each host, read from kolla-ansible's own files.

Controller side. ``kolla-ansible pull`` runs ``ansible/site.yml``; every role it applies
to a host pulls through the role service-images-pull (kolla-ansible 23.0.0,
ansible/roles/service-images-pull/tasks/main.yml)::

    with_dict: "{{ lookup('vars', (kolla_role_name | default(project_name)) + '_services')
                   | select_services_enabled_and_mapped_to_host }}"     # image: "{{ service.image }}"

A service is enabled when its ``enabled`` passes Ansible's ``bool`` filter, and mapped
to a host by ``host_in_groups`` when it has one, else when its ``group`` is one of the
host's groups or ``all`` (kolla_ansible/filters.py: service_enabled,
service_mapped_to_host). A play applies its roles to the hosts of its ``hosts:``
patterns; ``&enable_<name>_True`` are the groups site.yml's first play builds from the
``enable_*`` flags (group_by), and a role entry may have a ``when:``. Roles included
with ``tasks_from`` (the loadbalancer play) run no pull.

Read here: site.yml and the playbooks it imports, ``group_vars/all/*.yml`` (merged in
file-name order, as Ansible loads a group_vars directory), and each role's
``defaults/main.yml`` and ``vars/main.yml``. Every expression is kolla-ansible's own,
evaluated in a sandbox (``_template``) with Ansible's variable precedence: the
operator's globals (extra-vars) > task vars and role params > role vars > play vars >
the plan's host_vars > the plan's group_vars/arch_<arch>.yml > kolla-ansible's
group_vars/all > role defaults. Linear in hosts x services: what does not depend on
the host is evaluated once per arch group.
"""

import json
import posixpath

import yaml

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla._template import (
    HostSpecific,
    Members,
    TemplateProblem,
    Unsafe,
)

_IMPORT_PLAYBOOK = ("import_playbook", "ansible.builtin.import_playbook")
_ROLE_TASKS = ("import_role", "include_role", "ansible.builtin.import_role", "ansible.builtin.include_role")
_ROLE_KEYWORDS = ("role", "name", "when", "tags", "vars", "become", "delegate_to", "environment", "ignore_errors", "no_log")
_TASK_LISTS = ("pre_tasks", "tasks", "post_tasks")
# Groups a role adds hosts to while it runs, so the inventory cannot have them: role -> the variable naming the
# host's group. kolla-ansible 23.0.0 ansible/roles/mariadb/tasks/main.yml adds each mariadb host to
# "{{ hostvars[item]['mariadb_shard_group'] }}", the group its mariadb service names.
RUNTIME_GROUPS = {"mariadb": "mariadb_shard_group"}
# Host patterns this reader does not evaluate (Ansible's wildcards, regular expressions, slices and templates).
_PATTERN_SPECIALS = ("*", "?", "~", "[", "{")


class _KollaLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader plus Ansible's ``!unsafe`` tag (a string never templated)."""


_KollaLoader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))


def split_files(bundle):
    """``{path relative to the root: text}`` of what the role read.

    ``bundle`` is that dict already, or ``{root, files, text}``: ``files`` as
    ``ansible.builtin.find`` returns them (``path``, ``size`` in bytes) and ``text``
    what ``cat`` printed for them in that order (``strip_empty_ends: false``).
    """
    if not isinstance(bundle, dict) or not {"root", "files", "text"} <= set(bundle):
        return {str(path): str(text) for path, text in (bundle or {}).items()}  # plain str: Ansible may hand str subclasses
    root = posixpath.normpath(str(bundle["root"])) + "/"
    data = (bundle["text"] or "").encode("utf-8", "surrogateescape")
    sizes = [(posixpath.normpath(str(entry["path"])), int(entry["size"])) for entry in bundle["files"]]
    total = sum(size for _path, size in sizes)
    if len(data) != total:
        raise ValueError("kolla-ansible's files changed while they were read, or are not UTF-8 text (%d bytes read, %d expected from "
                         "their sizes); run the role again" % (len(data), total))
    files, offset = {}, 0
    for path, size in sizes:
        rel = path[len(root) :] if path.startswith(root) else path
        files[rel] = data[offset : offset + size].decode("utf-8", "replace")
        offset += size
    return files


def _load(path, text, problems):
    try:
        return yaml.load(text, Loader=_KollaLoader)  # a safe loader: SafeLoader plus !unsafe
    except yaml.YAMLError as exc:
        problems.append("kolla-ansible's %s cannot be parsed: %s" % (path, str(exc).replace("\n", " ")))
        return None


def parse_share(files, problems):
    """kolla-ansible's files, parsed: ``{playbooks, group_vars, roles}`` (see the module docstring)."""
    share = {"playbooks": {}, "group_vars": {}, "roles": {}}
    for path in sorted(files):
        parts = path.split("/")
        if len(parts) == 1 and path.endswith((".yml", ".yaml")):
            share["playbooks"][path] = _load(path, files[path], problems)
        elif parts[:2] == ["group_vars", "all"] and len(parts) == 3 and path.endswith((".yml", ".yaml")):
            data = _load(path, files[path], problems)
            if isinstance(data, dict):
                share["group_vars"].update(data)
        elif len(parts) == 4 and parts[0] == "roles" and parts[2] in ("defaults", "vars") and parts[3] in ("main.yml", "main.yaml"):
            data = _load(path, files[path], problems)
            share["roles"].setdefault(parts[1], {"defaults": {}, "vars": {}})[parts[2]] = data if isinstance(data, dict) else {}
    if "site.yml" not in share["playbooks"]:
        problems.append("kolla-ansible's ansible/site.yml was not read; fix: point kolla_multiarch_kolla_ansible_share at kolla-ansible's share directory")
    return share


# ------------------------------------------------------------------ site.yml: which roles run where


def _patterns(hosts):
    if isinstance(hosts, str):
        hosts = [hosts]
    result = []
    for item in hosts or []:
        result.extend(p.strip() for p in str(item).replace(":", ",").split(",") if p.strip())
    return result


def _enable_conditions(pattern):
    """``enable_openvswitch_True_enable_ovs_dpdk_False`` -> ``[("enable_openvswitch", True), ("enable_ovs_dpdk", False)]``."""
    conditions = []
    for chunk in pattern.replace("_enable_", "\0enable_").split("\0"):
        name, _sep, value = chunk.rpartition("_")
        if not name.startswith("enable_") or value not in ("True", "False"):
            return None
        conditions.append((name, value == "True"))
    return conditions


def _whens(*values):
    result = []
    for value in values:
        if value is None:
            continue
        result.extend(value if isinstance(value, list) else [value])
    return result


def _role_entries(play):
    """``(role, when list, params)`` of each role a play runs in full (its main tasks, hence its pull)."""
    for item in play.get("roles") or []:
        entry = {"role": item} if isinstance(item, str) else item
        if isinstance(entry, dict) and (entry.get("role") or entry.get("name")):
            params = {k: v for k, v in entry.items() if k not in _ROLE_KEYWORDS}
            params.update(entry.get("vars") or {})
            yield entry.get("role") or entry.get("name"), _whens(entry.get("when")), params
    for key in _TASK_LISTS:
        yield from _task_roles(play.get(key) or [], [])


def _task_roles(tasks, whens):
    for task in tasks:
        if not isinstance(task, dict):
            continue
        if isinstance(task.get("block"), list):
            yield from _task_roles(task["block"], whens + _whens(task.get("when")))
            continue
        spec = next((task[k] for k in _ROLE_TASKS if k in task), None)
        if isinstance(spec, str):
            spec = {"name": spec}
        if isinstance(spec, dict) and spec.get("name") and spec.get("tasks_from", "main") in ("main", "main.yml"):
            yield spec["name"], whens + _whens(task.get("when")), dict(task.get("vars") or {})


def applications(playbooks, problems):
    """Each role site.yml applies: ``{role, play, patterns, flags, whens, play_vars, params}``, in site.yml's order."""
    result = []

    def walk(name, stack):
        plays = playbooks.get(name)
        if not isinstance(plays, list):
            problems.append("kolla-ansible's %s (imported by %s) was not read or is not a list of plays" % (name, " <- ".join(stack) or "kolla-ansible"))
            return
        for play in plays:
            if not isinstance(play, dict):
                continue
            imported = next((play[k] for k in _IMPORT_PLAYBOOK if k in play), None)
            if imported:
                walk(str(imported), [name, *stack])
                continue
            patterns, flags = [], []
            for pattern in _patterns(play.get("hosts")):
                conditions = _enable_conditions(pattern[1:]) if pattern.startswith("&") else None
                if conditions:
                    flags.extend(conditions)
                else:
                    patterns.append(pattern)
            for role, whens, params in _role_entries(play):
                result.append({"role": role, "play": "%s: %s" % (name, play.get("name") or "a play"), "patterns": patterns, "flags": flags,
                               "whens": whens, "play_vars": play.get("vars") or {}, "params": params})

    walk("site.yml", [])
    return result


def play_hosts(patterns, groups, hosts, play, problems):
    """The hosts of ``hosts`` a play's patterns select (union, ``&`` intersection, ``!`` exclusion)."""
    selected, narrow, exclude = set(), [], set()

    def members(name):
        if name == "all":
            return set(hosts)
        if name in groups:
            return set(groups[name]) & hosts
        return {name} & hosts

    for pattern in patterns:
        if any(ch in pattern for ch in _PATTERN_SPECIALS):
            problems.append("%s: the host pattern %r is not evaluated by this check; its hosts are left out" % (play, pattern))
        elif pattern.startswith("&"):
            narrow.append(members(pattern[1:]))
        elif pattern.startswith("!"):
            exclude |= members(pattern[1:])
        else:
            selected |= members(pattern)
    for subset in narrow:
        selected &= subset
    return frozenset(selected - exclude)


# ------------------------------------------------------------------ the pulls of each host


class _Problems:
    """What cannot be worked out, one line per cause, with what needs it and where (whatever the host count)."""

    def __init__(self):
        self._causes = {}

    def add(self, cause, needed=None, where=None):
        entry = self._causes.setdefault(cause, ({}, {}))
        if needed:
            entry[0][needed] = None
        if where:
            entry[1][where] = None

    @staticmethod
    def _listing(items, limit):
        items = list(items)
        return ", ".join(items[:limit]) + (" and %d more" % (len(items) - limit) if len(items) > limit else "")

    def lines(self, limit=5):
        result = []
        for cause, (needed, where) in self._causes.items():
            details = []
            if needed:
                details.append("needed for %s" % self._listing(needed, limit))
            if where:
                details.append("on %s" % self._listing(where, limit))
            result.append("%s (%s)" % (cause, "; ".join(details)) if details else cause)
        return result


_HOST = object()  # a value that depends on the host


class _RoleRun:
    """One role application in one scope: the hosts of one arch group with the same host_vars."""

    def __init__(self, app, scope, problems, where):
        self.app, self.scope, self._problems, self._where = app, scope, problems, where
        self.services = None  # [(name, entry)], read once the role is found active
        self._values = {}

    def _report(self, key, exc, host=None):
        role = self.app["role"]
        if key[0] == "service":
            needed = "the %s of service %s (role %s)" % (key[-1], key[1], role)
        elif key[-1] == "whether it runs":
            needed = "whether role %s runs (%s)" % (role, self.app["play"])
        else:
            needed = "%s of role %s" % (key[-1], role)
        self._problems.add(exc.cause, needed, "host %s" % host if host else self._where)

    def value(self, key, compute, host):
        """``compute(scope)`` once for this run, or for ``host`` (a ``(name, scope factory)``) when it depends on the host.

        None after a problem, which is reported once.
        """
        cached = self._values.get(key, _HOST if key[-1] == "host_in_groups" else None)
        if cached is _HOST:
            try:
                return compute(host[1]())
            except TemplateProblem as exc:
                self._report(key, exc, host[0])
                return None
        if key in self._values:
            return cached
        try:
            result = compute(self.scope)
        except HostSpecific:
            self._values[key] = _HOST
            return self.value(key, compute, host)
        except TemplateProblem as exc:
            self._report(key, exc)
            result = None
        self._values[key] = result
        return result

    def _active(self, host):
        def compute(scope):
            flags = all(scope.condition("%s | bool" % name) is expected for name, expected in self.app["flags"])
            return flags and all(scope.condition(when) for when in self.app["whens"])

        if not self.value(("role", "whether it runs"), compute, host):
            return False
        if self.services is None:
            self.services = self._read_services()
        return True

    def _read_services(self):
        try:
            name = self.scope.evaluate("{{ kolla_role_name | default(project_name) }}_services")
        except (TemplateProblem, HostSpecific):
            return []  # no project_name: a role that pulls nothing (prechecks, logs)
        services = self.scope.raw(name)
        if services is None:
            return []
        if not isinstance(services, dict) or not all(isinstance(v, dict) for v in services.values()):
            self._report(("role", "the services"), TemplateProblem("%s is not a dict of service definitions" % name))
            return []
        return list(services.items())

    def _mapped(self, name, entry, host, host_groups):
        if entry.get("host_in_groups") is not None:
            return bool(self.value(("service", name, "host_in_groups"), lambda s: s.flag(entry["host_in_groups"]), host))
        group = self.value(("service", name, "group"), lambda s: _field(s, entry, "group", str), host)
        if group is None:
            return False
        if group == "all" or group in host_groups:
            return True
        runtime = RUNTIME_GROUPS.get(self.app["role"])
        return bool(runtime) and group == self.value(("role", "the group %s names" % runtime), lambda s: s[runtime], host)

    def pulls(self, host, host_groups):
        """The image references this role pulls on ``host``."""
        if not self._active(host):
            return []
        refs = []
        for name, entry in self.services:
            if entry.get("image") is None:
                continue  # a service without a container image (ceph-rgw)
            if not self.value(("service", name, "enabled"), lambda s, e=entry: s.flag(_field(s, e, "enabled")), host):
                continue
            if not self._mapped(name, entry, host, host_groups):
                continue
            image = self.value(("service", name, "image"), lambda s, e=entry: _field(s, e, "image", str), host)
            if image:
                refs.append(image)
        return refs


def _field(scope, entry, key, kind=None):
    """A service's field, templated; missing or of the wrong type is a problem (kolla_ansible/filters.py raises too)."""
    if key not in entry:
        raise TemplateProblem("the service definition has no %r" % key)
    value = scope.evaluate(entry[key])
    if kind is not None and not (isinstance(value, kind) and value):
        raise TemplateProblem("%r gives %r, not a non-empty %s" % (entry[key], value, kind.__name__))
    return value


def _inventory(the_plan, groups):
    """``(hosts in order, {group: Members}, {host: set of groups})`` with the plan's arch groups added."""
    hosts = list((the_plan.get("host_arch") or {}).keys())
    merged = {name: list(members) for name, members in (groups or {}).items()}
    for name, members in (the_plan.get("arch_groups") or {}).items():
        merged[name] = list(members)
    merged["all"] = list(dict.fromkeys([*merged.get("all", []), *hosts]))
    host_groups = {host: set() for host in hosts}
    for name, members in merged.items():
        if name in ("all", "ungrouped"):
            continue
        for member in members:
            if member in host_groups:
                host_groups[member].add(name)
    return hosts, {name: Members(members) for name, members in merged.items()}, host_groups


def pulls(share, the_plan, groups, globals_values, evaluator):
    """``({host: [image reference, ...]}, [problem, ...])``: what ``kolla-ansible pull`` would ask for on each planned host."""
    problems = _Problems()
    found = []
    apps = applications(share["playbooks"], found)
    hosts, members, host_groups = _inventory(the_plan, groups)
    host_set = set(hosts)
    selected = {}
    for app in apps:
        key = tuple(app["patterns"])
        if key not in selected:
            selected[key] = play_hosts(app["patterns"], members, host_set, app["play"], found)
        app["hosts"] = selected[key]
    for text in found:
        problems.add(text)
    group_of = {host: group for group, group_hosts in (the_plan.get("arch_groups") or {}).items() for host in group_hosts}
    group_vars, host_vars = the_plan.get("group_vars") or {}, the_plan.get("host_vars") or {}
    magic = {"groups": members}
    runs, by_host = {}, {}
    for host in hosts:
        context = (group_of.get(host), json.dumps(host_vars.get(host) or {}, sort_keys=True, default=str))
        names = sorted(host_groups[host])
        refs = []
        for index, app in enumerate(apps):
            if host not in app["hosts"]:
                continue
            run = runs.get((index, context))
            if run is None:
                role = share["roles"].get(app["role"]) or {}
                scope = evaluator.scope([globals_values or {}, app["params"], role.get("vars"), app["play_vars"], host_vars.get(host),
                                         group_vars.get(context[0]), share["group_vars"], role.get("defaults")], magic=magic)
                run = runs[(index, context)] = _RoleRun(app, scope, problems, "the hosts of %s" % (context[0] or "no arch group"))
            scope_of_host = _memo(lambda run=run, host=host, names=names: run.scope.for_host(host, names))
            refs.extend(run.pulls((host, scope_of_host), host_groups[host]))
        by_host[host] = list(dict.fromkeys(refs))
    return by_host, problems.lines()


def _memo(factory):
    made = []

    def get():
        if not made:
            made.append(factory())
        return made[0]

    return get
