"""plugins/plugin_utils/kolla/services.py: reading kolla-ansible's files and the pulls of each host.

The files are kolla-ansible 23.0.0's own, from its wheel (kolla_share_testlib); what a
whole run pulls is compared with the real ansible-playbook in test_images.py.
"""

from __future__ import annotations

import subprocess

import pytest
from kolla_share_testlib import CHILDREN, inventory_groups, share_files

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla._template import Evaluator, Unsafe
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.services import (
    applications,
    parse_share,
    play_hosts,
    pulls,
    split_files,
)

# --------------------------------------------------------------------------- reading


def test_find_and_cat_give_back_each_file(tmp_path):
    files = {"site.yml": "- hosts: all\n", "group_vars/all/common.yml": "a: \"é\"\n", "roles/cron/defaults/main.yml": "---\nx: 1\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    paths = [str(tmp_path / rel) for rel in files]
    found = [{"path": p, "size": (tmp_path / rel).stat().st_size} for p, rel in zip(paths, files)]
    text = subprocess.run(["cat", "--", *paths], capture_output=True, text=True, check=True).stdout
    assert split_files({"root": str(tmp_path), "files": found, "text": text}) == files


def test_files_that_changed_while_read_are_refused():
    found = [{"path": "/s/ansible/site.yml", "size": 10}]
    with pytest.raises(ValueError, match="changed while they were read"):
        split_files({"root": "/s/ansible", "files": found, "text": "0123456789 and more"})
    with pytest.raises(ValueError, match="changed while they were read"):
        split_files({"root": "/s/ansible", "files": found, "text": "012345678"})


def test_a_dict_of_files_is_taken_as_it_is():
    assert split_files({"site.yml": "x"}) == {"site.yml": "x"}


def test_group_vars_merge_in_file_name_order_and_roles_keep_their_own():
    problems = []
    share = parse_share(
        {
            "site.yml": "[]",
            "group_vars/all/b.yml": "x: from-b\n",
            "group_vars/all/a.yml": "x: from-a\ny: from-a\n",
            "roles/nova/defaults/main.yml": "nova_tag: t\n",
            "roles/nova/vars/main.yml": "project_name: nova\n",
            "roles/nova/tasks/main.yml": "- debug: {}\n",  # not read
            "group_vars/all/unsafe.yml": "z: !unsafe '{{ not templated }}'\n",
        },
        problems,
    )
    assert problems == []
    assert share["group_vars"]["x"] == "from-b" and share["group_vars"]["y"] == "from-a"
    assert isinstance(share["group_vars"]["z"], Unsafe)
    assert share["roles"] == {"nova": {"defaults": {"nova_tag": "t"}, "vars": {"project_name": "nova"}}}


def test_unparsable_files_and_a_missing_site_yml_are_named():
    problems = []
    parse_share({"group_vars/all/common.yml": "a: [unclosed\n"}, problems)
    assert problems[0].startswith("kolla-ansible's group_vars/all/common.yml cannot be parsed")
    assert "ansible/site.yml was not read" in problems[1] and "kolla_multiarch_kolla_ansible_share" in problems[1]


# --------------------------------------------------------------------------- site.yml


def apps():
    problems = []
    result = applications(parse_share(share_files(), problems)["playbooks"], problems)
    assert problems == []
    return result


def test_site_yml_gives_each_role_with_its_conditions_in_order():
    result = {app["role"]: app for app in apps()}
    some = ["prechecks", "cron", "fluentd", "mariadb", "loadbalancer", "rabbitmq", "openvswitch", "ovs-dpdk", "nova", "nova-cell"]
    assert [role for role in result if role in some] == some  # site.yml's order
    assert len(result) > 50  # every role of site.yml, not a chosen few
    assert result["cron"]["flags"] == [] and result["cron"]["patterns"] == ["cron"]
    assert result["fluentd"]["flags"] == [("enable_fluentd", True)]
    assert result["ovs-dpdk"]["flags"] == [("enable_openvswitch", True), ("enable_ovs_dpdk", True)]
    assert result["ovs-dpdk"]["whens"] == ["(enable_openvswitch | bool) and (enable_ovs_dpdk | bool)"]
    assert result["rabbitmq"]["params"]["role_rabbitmq_groups"] == "rabbitmq"  # the import_role task's vars
    assert result["nova-cell"]["play"] == "nova.yml: Apply role nova-cell"


def test_a_role_included_for_other_tasks_pulls_nothing():
    # The loadbalancer play includes nova with tasks_from: loadbalancer; only the play of nova.yml pulls nova's images.
    assert [app["play"] for app in apps() if app["role"] == "nova"] == ["nova.yml: Apply role nova"]


def test_a_playbook_site_yml_imports_but_that_was_not_read_is_named():
    problems = []
    applications({"site.yml": [{"import_playbook": "nova.yml"}]}, problems)
    assert problems == ["kolla-ansible's nova.yml (imported by site.yml) was not read or is not a list of plays"]


def test_play_host_patterns():
    groups = {"compute": ["c1", "c2"], "control": ["ctl1"], "monitoring": ["c2", "ctl1"]}
    hosts = {"c1", "c2", "ctl1"}
    problems = []
    assert play_hosts(["compute", "control"], groups, hosts, "p", problems) == {"c1", "c2", "ctl1"}
    assert play_hosts(["compute", "&monitoring"], groups, hosts, "p", problems) == {"c2"}
    assert play_hosts(["all", "!compute"], groups, hosts, "p", problems) == {"ctl1"}
    assert play_hosts(["c1", "no-such-group"], groups, hosts, "p", problems) == {"c1"}
    assert problems == []
    assert play_hosts(["comp*"], groups, hosts, "site.yml: x", problems) == set()
    assert play_hosts(["{{ kolla_hosts }}"], groups, hosts, "site.yml: y", problems) == set()
    assert problems == ["site.yml: x: the host pattern 'comp*' is not evaluated by this check; its hosts are left out",
                        "site.yml: y: the host pattern '{{ kolla_hosts }}' is not evaluated by this check; its hosts are left out"]


# --------------------------------------------------------------------------- pulls


def plan_of(top, arch_of):
    hosts = [h for h in dict.fromkeys(h for hs in top.values() for h in hs) if h != "localhost"]
    arch_groups = {}
    for host in hosts:
        arch_groups.setdefault("arch_" + arch_of.get(host, "x86_64"), []).append(host)
    suffix = {"arch_aarch64": {"openstack_tag_suffix": "-aarch64"}}
    return {"host_arch": {h: arch_of.get(h, "x86_64") for h in hosts}, "arch_groups": arch_groups,
            "group_vars": {g: suffix.get(g, {"openstack_tag_suffix": ""}) for g in arch_groups}, "host_vars": {}}


def run(top, arch_of=None, globals_values=None, files=None):
    problems = []
    share = parse_share(files or share_files(), problems)
    assert problems == []
    return pulls(share, plan_of(top, arch_of or {}), inventory_groups(top), globals_values or {}, Evaluator())


def names(refs):
    return [ref.rsplit("/", 1)[1].split(":")[0] for ref in refs]


def test_host_in_groups_is_evaluated_per_host():
    top = {"control": ["ctl1"], "network": ["net1"], "compute": ["c1"]}
    by_host, problems = run(top)
    assert problems == []
    # openvswitch's play runs on network and compute hosts; its services only where host_in_groups says so.
    assert "openvswitch-db-server" in names(by_host["net1"]) and "openvswitch-db-server" in names(by_host["c1"])
    assert "openvswitch-db-server" not in names(by_host["ctl1"])


def test_mariadb_runs_on_its_hosts_though_its_shard_group_is_made_at_run_time():
    top = {"control": ["ctl1", "ctl2"], "compute": ["c1"]}
    assert "mariadb_shard_0" not in inventory_groups(top)
    by_host, _problems = run(top)
    assert "mariadb-server" in names(by_host["ctl1"]) and "mariadb-server" in names(by_host["ctl2"])
    assert "mariadb-server" not in names(by_host["c1"])


def test_values_per_host_vars_are_evaluated_with_them():
    top = {"control": ["ctl1"], "compute": ["c1", "c2"]}
    plan = plan_of(top, {})
    plan["host_vars"] = {"c1": {"nova_compute_virt_type": "qemu"}, "c2": {"nova_compute_virt_type": "vmware"}}
    problems = []
    share = parse_share(share_files(), problems)
    by_host, problems = pulls(share, plan, inventory_groups(top), {}, Evaluator())
    assert "nova-libvirt" in names(by_host["c1"]) and "nova-libvirt" not in names(by_host["c2"])  # enable_nova_libvirt_container


def test_an_unknown_variable_is_one_problem_for_every_host():
    top = {"control": ["ctl1"], "compute": ["c%d" % i for i in range(20)]}
    files = share_files()
    files["roles/cron/defaults/main.yml"] = files["roles/cron/defaults/main.yml"].replace('cron_tag: "{{ openstack_tag }}"', 'cron_tag: "{{ cron_release }}"')
    by_host, problems = run(top, files=files)
    assert problems == ["cron_tag: '{{ cron_release }}': 'cron_release' is undefined "
                        "(needed for the image of service cron (role cron); on the hosts of arch_x86_64)"]
    assert "cron" not in names(by_host["c3"]) and "fluentd" in names(by_host["c3"])


def test_a_per_host_problem_names_the_hosts():
    top = {"control": ["ctl1"], "network": ["n1", "n2"], "compute": []}
    files = share_files()
    files["roles/openvswitch/defaults/main.yml"] = files["roles/openvswitch/defaults/main.yml"].replace(
        "inventory_hostname in groups['compute']", "inventory_hostname in groups['no-such-group']")
    _by_host, problems = run(top, files=files)
    assert len(problems) == 1
    assert "'dict object' has no attribute 'no-such-group'" in problems[0]
    assert problems[0].endswith("(needed for the host_in_groups of service openvswitch-db-server (role openvswitch), "
                                "the host_in_groups of service openvswitch-vswitchd (role openvswitch); on host n1, host n2)")


def test_a_services_entry_without_enabled_is_a_problem_as_in_kolla():
    files = share_files()
    files["roles/cron/defaults/main.yml"] = files["roles/cron/defaults/main.yml"].replace("    enabled: true\n", "", 1)
    _by_host, problems = run({"control": ["ctl1"], "network": [], "compute": [], "storage": [], "monitoring": []}, files=files)
    assert problems == ["the service definition has no 'enabled' (needed for the enabled of service cron (role cron); on the hosts of arch_x86_64)"]


def test_the_groups_are_those_of_kollas_multinode_inventory():
    # A check of the test data itself: the group tree read from the wheel's ansible/inventory/multinode.
    groups = inventory_groups({"control": ["a"], "network": ["b"], "compute": ["c"], "storage": [], "monitoring": []})
    assert groups["nova-conductor"] == ["a"] and groups["openvswitch"] == ["b", "c"] and set(CHILDREN) <= set(groups)
    assert CHILDREN["common"] == ["control", "network", "compute", "storage", "monitoring"] and CHILDREN["nova-api"] == ["nova"]
    problems = []
    share = parse_share(share_files(), problems)
    service_groups = {service["group"] for role in share["roles"].values()
                      for services in (role["defaults"] or {}).values() if isinstance(services, dict)
                      for service in services.values() if isinstance(service, dict) and isinstance(service.get("group"), str) and "{" not in service["group"]}
    assert len(service_groups) > 100
    assert service_groups - set(groups) <= {"mariadb_shard_0"}, sorted(service_groups - set(groups))  # made at run time
