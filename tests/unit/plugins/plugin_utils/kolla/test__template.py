"""plugins/plugin_utils/kolla/_template.py: kolla-ansible's expressions evaluated as Ansible evaluates them, in a sandbox.

The oracle is Ansible itself: the same variables given to a real ``ansible`` run as
extra vars, the same expressions templated by its debug task.
"""

from __future__ import annotations

import pytest
from filterdocs import through_ansible

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla._template import Evaluator, HostSpecific, Members, TemplateProblem, Unsafe

# kolla-ansible 23.0.0 group_vars/all lines (common.yml, nova.yml, loadbalancer.yml), with an operator's values.
VARIABLES = {
    "docker_registry": "",
    "docker_namespace": "kolla",
    "docker_image_name_prefix": "",
    "docker_image_url": "{{ docker_registry ~ '/' if docker_registry else '' }}{{ docker_namespace }}/{{ docker_image_name_prefix }}",
    "kolla_base_distro": "debian",
    "kolla_base_distro_version_default_map": {"debian": "trixie", "rocky": "10", "ubuntu": "noble"},
    "kolla_base_distro_version": "{{ kolla_base_distro_version_default_map[kolla_base_distro] }}",
    "openstack_release": "2026.2",
    "openstack_tag": "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}",
    "openstack_tag_suffix": "-aarch64",
    "enable_openstack_core": "yes",
    "enable_nova": "{{ enable_openstack_core | bool }}",
    "nova_compute_virt_type": "qemu",
    "enable_nova_libvirt_container": "{{ nova_compute_virt_type in ['kvm', 'qemu'] }}",
    "enable_haproxy": "no",
    "enable_keepalived": "{{ enable_haproxy | bool }}",
    "enable_proxysql": "{{ enable_mariadb }}",
    "enable_mariadb": True,
    "enable_loadbalancer": "{{ enable_haproxy | bool or enable_keepalived | bool or enable_proxysql | bool }}",
    "nova_console": "novnc",
    "cinder_backends": [{"name": "lvm-1", "enabled": "{{ enable_haproxy | bool }}"}, {"name": "nfs-1", "enabled": True}],
    "nova_compute_image_full": "{{ docker_image_url }}nova-compute:{{ openstack_tag }}",
}
EXPRESSIONS = {
    "image": "nova_compute_image_full",
    "tag": "openstack_tag",
    "native_bool": "enable_nova",
    "libvirt": "enable_nova_libvirt_container",
    "loadbalancer": "enable_loadbalancer",
    "keepalived_bool": "enable_keepalived | bool",
    "console": "nova_console == 'novnc'",
    "backends": "cinder_backends | selectattr('enabled') | map(attribute='name') | list",
    "union": "[1, 2] | union([3, 2])",  # ints: Ansible's union goes through a set, strings would come back in hash order
    "ternary": "(enable_haproxy | bool) | ternary('on', 'off')",
}


def scope(**extra):
    return Evaluator().scope([extra, VARIABLES])


def test_values_are_what_ansible_templates():
    oracle = through_ansible("{%s}" % ", ".join("%r: %s" % item for item in EXPRESSIONS.items()), VARIABLES)
    assert not oracle.get("failed"), oracle
    evaluated = {key: scope().evaluate("{{ %s }}" % expression) for key, expression in EXPRESSIONS.items()}
    assert evaluated == oracle["msg"]
    assert evaluated["image"] == "kolla/nova-compute:2026.2-debian-trixie-aarch64"
    assert evaluated["native_bool"] is True and evaluated["loadbalancer"] is True  # one expression: its native value


def test_a_template_with_text_gives_a_string():
    assert scope().evaluate("{{ enable_nova }}") is True
    assert scope().evaluate("{{ enable_nova }} ") == "True "
    assert scope().evaluate("x{% if enable_nova %}-on{% endif %}") == "x-on"


def test_only_the_variables_used_are_templated_and_each_once():
    calls = []
    layer = {"broken": "{{ lookup('pipe', 'id') }}", "a": "{{ b }}-{{ b }}", "b": "{{ counted('b') }}"}
    ev = Evaluator()
    ev.env.globals["counted"] = lambda name: calls.append(name) or name
    s = ev.scope([layer])
    assert s.evaluate("{{ a }}") == "b-b" and calls == ["b"]
    assert s["a"] == "b-b" and calls == ["b"]


def test_the_first_layer_wins():
    s = Evaluator().scope([{"openstack_tag_suffix": ""}, {"openstack_tag_suffix": "-aarch64"}, VARIABLES])
    assert s.evaluate("{{ openstack_tag }}") == "2026.2-debian-trixie"
    assert s.raw("openstack_tag_suffix") == "" and s.raw("missing", "default") == "default"


@pytest.mark.parametrize(
    ("layer", "expression", "message"),
    [
        ({}, "{{ lookup('env', 'HOME') }}", "'lookup' is undefined"),
        ({}, "{{ query('pipe', 'id') }}", "'query' is undefined"),
        ({}, "{{ '' | fileglob }}", "No filter named 'fileglob'"),
        ({}, "{{ ''.__class__.__mro__ }}", "unsafe"),
        ({}, "{{ [].append(1) }}", "unsafe"),
        ({}, "{{ x", "unexpected end of template"),
        ({"a": "{{ b }}", "b": "{{ a }}"}, "{{ a }}", "a: b: a: its value refers to itself"),
        ({"a": "{{ missing }}"}, "{{ a }}", "a: '{{ missing }}': 'missing' is undefined"),
        ({"a": {"k": "v"}}, "{{ a.nothere }}", "has no attribute 'nothere'"),
    ],
)
def test_what_cannot_be_evaluated_is_a_problem_naming_the_variables(layer, expression, message):
    with pytest.raises(TemplateProblem) as excinfo:
        Evaluator().scope([layer]).evaluate(expression)
    assert message in str(excinfo.value)


def test_the_cause_is_the_innermost_variable():
    with pytest.raises(TemplateProblem) as excinfo:
        Evaluator().scope([{"a": "{{ b }}x", "b": "{{ c }}", "c": "{{ lookup('env', 'X') }}"}]).evaluate("{{ a }}")
    assert excinfo.value.chain == ["a", "b", "c"]
    assert excinfo.value.cause == "c: \"{{ lookup('env', 'X') }}\": 'lookup' is undefined"


def test_host_values_are_evaluated_per_host_and_the_rest_once():
    groups = {"compute": Members(["c1", "c2"]), "control": Members(["ctl1"])}
    layer = {"groups": groups, "on_compute": "{{ inventory_hostname in groups['compute'] }}", "tag": "{{ 'x' ~ counted() }}",
             "both": "{{ tag }}-{{ on_compute }}"}
    calls = []
    ev = Evaluator()
    ev.env.globals["counted"] = lambda: calls.append(1) or len(calls)
    parent = ev.scope([layer])
    with pytest.raises(HostSpecific):
        parent.evaluate("{{ both }}")
    assert parent.for_host("c1", ["compute"]).evaluate("{{ both }}") == "x1-True"
    assert parent.for_host("ctl1", ["control"]).evaluate("{{ both }}") == "x1-False"
    assert parent.for_host("c2", ["compute"]).evaluate("{{ group_names }}") == ["compute"]
    assert calls == [1]  # tag does not depend on the host: evaluated once for every host


def test_members_answer_in_without_a_scan():
    members = Members(["h%d" % i for i in range(10)])
    assert "h3" in members and "h10" not in members and list(members)[:2] == ["h0", "h1"] and len(members) == 10


def test_unsafe_strings_are_never_templated():
    s = Evaluator().scope([{"a": Unsafe("{{ lookup('pipe', 'id') }}")}])
    assert s.evaluate("{{ a }}") == "{{ lookup('pipe', 'id') }}"


@pytest.mark.parametrize(("raw", "expected"), [(True, True), ("yes", True), ("no", False), ("{{ enable_nova }}", True), ("{{ 'False' }}", False)])
def test_flags_pass_ansibles_bool(raw, expected):
    assert scope().flag(raw) is expected


@pytest.mark.parametrize(("raw", "expected"), [("enable_nova | bool", True), ("enable_haproxy | bool", False), (False, False),
                                               ("(enable_nova | bool) and not (enable_keepalived | bool)", True)])
def test_conditions_are_expressions_as_ansibles_when(raw, expected):
    assert scope().condition(raw) is expected


def test_a_scope_is_a_mapping_of_its_layers():
    s = Evaluator().scope([{"a": 1}, {"a": 2, "b": "{{ a }}"}])
    assert sorted(s) == ["a", "b"] and len(s) == 2 and s["b"] == 1 and "a" in s and "nope" not in s
    with pytest.raises(KeyError):
        s["nope"]
