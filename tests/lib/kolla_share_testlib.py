"""kolla-ansible 23.0.0's own files (kolla_share_excerpt), and Ansible itself as the oracle of what `kolla-ansible pull` asks for.

``share_files`` gives the excerpt as the role reads kolla-ansible's share directory;
``inventory_groups`` kolla's multinode groups for some top groups.

``ansible_pulls`` runs those files with the real ansible-playbook: each role's
tasks/main.yml is service-images-pull's loop (ansible/roles/service-images-pull/tasks/main.yml)
with ``debug`` in place of ``kolla_container``, and kolla's filter
``select_services_enabled_and_mapped_to_host`` is given as kolla_ansible/filters.py
defines it. Ansible's own precedence and templating then say which image each host pulls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from kolla_share_excerpt import GROUP_VARS, MARIADB_YML, NOVA_YML, RABBITMQ_YML, ROLES, SITE_YML

# kolla-ansible 23.0.0 ansible/inventory/multinode: the service groups these roles use, as children of the top groups.
CHILDREN = {
    "common": ["control", "network", "compute", "storage", "monitoring"],
    "cron": ["common"],
    "fluentd": ["common"],
    "loadbalancer": ["network"],
    "mariadb": ["control"],
    "rabbitmq": ["control"],
    "openvswitch": ["network", "compute", "manila-share"],
    "neutron": ["network"],
    "neutron-dhcp-agent": ["neutron"],
    "neutron-l3-agent": ["neutron"],
    "neutron-metadata-agent": ["neutron"],
    "manila-share": ["network"],
    "nova": ["control"],
    "nova-api": ["nova"],
    "nova-scheduler": ["nova"],
    "nova-super-conductor": ["nova"],
    "nova-metadata": ["nova"],
    "nova-conductor": ["nova"],
    "nova-novncproxy": ["nova"],
    "nova-serialproxy": ["nova"],
    "nova-spicehtml5proxy": ["nova"],
    "nova-compute-ironic": ["nova"],
}

# The mariadb role's first task (kolla-ansible 23.0.0 ansible/roles/mariadb/tasks/main.yml).
_MARIADB_TASK = """\
- name: Group MariaDB hosts based on shards
  ansible.builtin.add_host:
    name: "{{ item }}"
    groups: "{{ hostvars[item]['mariadb_shard_group'] }}"
  loop: "{{ groups['mariadb'] }}"
  changed_when: false
"""

# service-images-pull's loop (ansible/roles/service-images-pull/tasks/main.yml), debug in place of kolla_container.
_PULL_TASK = """\
- name: Pull (recorded)
  vars:
    service: "{{ item.value }}"
  ansible.builtin.debug:
    msg: "{{ service.image }}"
  with_dict: "{{ lookup('vars', (kolla_role_name | default(project_name)) + '_services') | select_services_enabled_and_mapped_to_host }}"
  loop_control:
    label: "{{ item.key }}"
"""

# kolla_ansible/filters.py (23.0.0): service_enabled, service_mapped_to_host, select_services_enabled_and_mapped_to_host.
_FILTER_PLUGIN = '''\
import jinja2


def _bool(context, value):
    return context.environment.call_filter("bool", value, context=context)


@jinja2.pass_context
def select_services_enabled_and_mapped_to_host(context, services):
    result = {}
    for name, service in services.items():
        if not _bool(context, service["enabled"]):
            continue
        if service.get("host_in_groups") is not None:
            mapped = _bool(context, service["host_in_groups"])
        else:
            mapped = service["group"] in context.get("group_names") or service["group"] == "all"
        if mapped:
            result[name] = service
    return result


class FilterModule:
    def filters(self):
        return {"select_services_enabled_and_mapped_to_host": select_services_enabled_and_mapped_to_host}
'''


def share_files():
    """``{path under <share>/ansible: text}`` of the excerpt, as the role reads kolla-ansible's files."""
    files = {"site.yml": SITE_YML, "nova.yml": NOVA_YML, "mariadb.yml": MARIADB_YML, "rabbitmq.yml": RABBITMQ_YML}
    files.update(GROUP_VARS)
    for role, (role_vars, defaults) in ROLES.items():
        files["roles/%s/vars/main.yml" % role] = "---\n" + role_vars
        if defaults is not None:
            files["roles/%s/defaults/main.yml" % role] = "---\n" + defaults
    return files


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


def ansible_pulls(tmp_path: Path, top, the_plan, globals_values, files=None):
    """``{host: [image, ...]}`` as the real ansible-playbook pulls with the excerpt and the plan's inventory files."""
    binary = Path(sys.executable).with_name("ansible-playbook")
    if not binary.exists():
        pytest.skip("ansible-playbook is not installed next to %s" % sys.executable)
    share = tmp_path / "share" / "ansible"
    for path, text in (files or share_files()).items():
        (share / path).parent.mkdir(parents=True, exist_ok=True)
        (share / path).write_text(text)
    for role in ROLES:
        tasks = share / "roles" / role / "tasks" / "main.yml"
        tasks.parent.mkdir(parents=True, exist_ok=True)
        tasks.write_text("---\n" + (_MARIADB_TASK if role == "mariadb" else "") + _PULL_TASK)
    # The loadbalancer play includes nova's tasks_from: loadbalancer (haproxy settings, no pull).
    (share / "roles" / "nova" / "tasks" / "loadbalancer.yml").write_text("- name: Nothing to pull here\n  ansible.builtin.meta: noop\n")
    (share / "filter_plugins").mkdir()
    (share / "filter_plugins" / "services.py").write_text(_FILTER_PLUGIN)
    inventory = tmp_path / "inventory"
    for sub, values in (("group_vars", the_plan["group_vars"]), ("host_vars", the_plan["host_vars"])):
        (inventory / sub).mkdir(parents=True)
        for name, content in values.items():
            (inventory / sub / ("%s.yml" % name)).write_text(yaml.safe_dump(content))
    (inventory / "hosts.yml").write_text(yaml.safe_dump(_inventory(top, the_plan)))
    (tmp_path / "globals.yml").write_text(yaml.safe_dump(dict(globals_values)))
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"))
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    proc = subprocess.run(
        [str(binary), "-i", str(inventory / "hosts.yml"), str(share / "site.yml"), "-e", "@%s" % (tmp_path / "globals.yml"), "-e", "kolla_action=pull"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        plays = json.loads(proc.stdout)["plays"]
    except (ValueError, KeyError):
        pytest.fail("ansible-playbook gave no JSON (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    assert proc.returncode == 0, textwrap.shorten(proc.stdout, 4000)
    pulled = {}
    for play in plays:
        for task in play["tasks"]:
            if not task["task"]["name"].endswith("Pull (recorded)"):
                continue
            for host, result in task["hosts"].items():
                pulled.setdefault(host, []).extend(item["msg"] for item in result.get("results", []) if not item.get("skipped"))
    return {host: list(dict.fromkeys(images)) for host, images in pulled.items()}
