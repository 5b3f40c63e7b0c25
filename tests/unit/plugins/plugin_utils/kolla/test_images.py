"""plugins/plugin_utils/kolla/images.py: where each arch's images come from, and the references kolla-ansible would pull.

With kolla-ansible's files (kolla_share_testlib: kolla-ansible 23.0.0's own site.yml,
group_vars and role defaults, from its wheel), the oracle is the real ansible-playbook
running those files with service-images-pull's loop; without them (fixed names), kolla-ansible's own
expressions (common.yml, quoted below) evaluated with Jinja2. The Molecule scenario
kolla_multiarch compares the result with what the real `kolla-ansible pull` asks for.
"""

from __future__ import annotations

import jinja2
import pytest
from ansible.errors import AnsibleFilterError
from kolla_share_testlib import ansible_pulls, inventory_groups, share_files
from kollatestlib import PPC_SOURCE, decided, mixed, multinode, problems_of

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.images import KollaImagesError, image_name, image_sources, images, registry_report
from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.plan import plan as make_plan


def hosts_of(**arches):
    """Host variables after host_facts and nova_compute_arch, for hosts named after their role (ctl* are controllers)."""
    return {host: decided(host, arch, compute=not host.startswith("ctl")) for host, arch in arches.items()}


# --------------------------------------------------------------------------- image sources


def test_default_sources_follow_the_arch_table():
    sources = image_sources()
    for arch in ("x86_64", "aarch64", "ppc64le"):
        suffix = ARCHES[arch]["kolla_tag_suffix"]
        if suffix is None:
            assert arch not in sources
        else:
            assert sources[arch] == {"tag_suffix": suffix, "registry": None, "namespace": None}
    assert sources["aarch64"]["tag_suffix"] == "-aarch64"
    assert "ppc64le" not in sources


def test_operator_sources_merge_over_defaults_and_can_remove_one():
    sources = image_sources({"arm64": {"registry": "mirror.example:5000"}, "ppc64el": {"namespace": "kolla/ppc"}, "x86_64": None})
    assert sources == {
        "aarch64": {"tag_suffix": "-aarch64", "registry": "mirror.example:5000", "namespace": None},
        "ppc64le": {"tag_suffix": "", "registry": None, "namespace": "kolla/ppc"},
    }


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"sparc": {}}, "unknown arch 'sparc'"),
        ({"aarch64": "-aarch64"}, r"kolla_multiarch_image_sources.aarch64='-aarch64': give a dict"),
        ({"aarch64": {"tag": "x"}}, r"unknown key\(s\) tag; valid keys: tag_suffix, registry, namespace"),
        ({"aarch64": {"registry": "https://quay.io"}}, "give host\\[:port\\] without a scheme"),
        ({"aarch64": {"namespace": "Kolla"}}, "lower-case path components"),
        ({"aarch64": {"tag_suffix": "-arm 64"}}, "a Docker tag allows"),
        ({"aarch64": {"registry": 5000}}, "give a string"),
        (["aarch64"], "must be a dict"),
    ],
)
def test_bad_sources_are_refused(given, message):
    with pytest.raises(AnsibleFilterError, match=message):
        image_sources(given)


def test_every_bad_source_is_reported_at_once():
    with pytest.raises(AnsibleFilterError) as excinfo:
        image_sources({"sparc": {}, "aarch64": {"namespace": "Kolla", "registry": "https://x"}})
    assert "(3 problems)" in str(excinfo.value)


# --------------------------------------------------------------------------- images per host

# kolla-ansible 23.0.0 defaults, as its common.yml has them (literal ones; the templates follow).
KOLLA_DEFAULTS = {
    "docker_registry": "quay.io",
    "docker_namespace": "openstack.kolla",
    "docker_image_name_prefix": "",
    "openstack_release": "2026.2",
    "kolla_base_distro": "rocky",
    "kolla_base_distro_version_default_map": {"debian": "trixie", "rocky": "10", "ubuntu": "noble"},
    "kolla_base_distro_version": "{{ kolla_base_distro_version_default_map[kolla_base_distro] }}",
    "openstack_tag": "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}",
    "openstack_tag_suffix": "",
}
KOLLA_TEMPLATES = {
    "docker_image_url": "{{ docker_registry ~ '/' if docker_registry else '' }}{{ docker_namespace }}/{{ docker_image_name_prefix }}",
    "kolla_base_distro_version": "{{ kolla_base_distro_version_default_map[kolla_base_distro] }}",
    "openstack_tag": "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}",
}
NAMES = {"all": ["cron"], "control": ["nova-api"], "compute": ["nova-compute", "nova-libvirt"]}


def kolla_oracle(plan, host, name, globals_values):
    """Resolve <name>_image:<tag> for one host as Ansible would: defaults < group_vars < extra-vars."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    values = {k: v for k, v in KOLLA_DEFAULTS.items() if k not in KOLLA_TEMPLATES}
    group = next(g for g, hosts in plan["arch_groups"].items() if host in hosts)
    values.update(plan["group_vars"][group])
    values.update(globals_values)

    def resolve(key):
        if key in globals_values:
            return globals_values[key]
        return env.from_string(KOLLA_TEMPLATES[key]).render(**values)

    values["kolla_base_distro_version"] = resolve("kolla_base_distro_version")
    values["openstack_tag"] = resolve("openstack_tag")
    values["docker_image_url"] = resolve("docker_image_url")
    return "%s%s:%s" % (values["docker_image_url"], name, values["openstack_tag"])


def assert_matches_kolla(plan, result, globals_values):
    for host, refs in result["by_host"].items():
        prefix = globals_values.get("docker_image_name_prefix", "")
        names = [r.rsplit("/", 1)[1].split(":")[0][len(prefix) :] for r in refs]
        assert refs == [kolla_oracle(plan, host, n, globals_values) for n in names], host


def test_mixed_cloud_with_kolla_defaults():
    plan = make_plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    result = images(plan, NAMES, KOLLA_DEFAULTS, {})
    by_host = result["by_host"]
    assert sorted(by_host) == ["ca1", "cp1", "ctl1", "ctl2", "ctl3", "cx1"]  # not the deploy host
    assert by_host["ctl1"] == ["quay.io/openstack.kolla/cron:2026.2-rocky-10", "quay.io/openstack.kolla/nova-api:2026.2-rocky-10"]
    assert by_host["cx1"] == [
        "quay.io/openstack.kolla/cron:2026.2-rocky-10",
        "quay.io/openstack.kolla/nova-compute:2026.2-rocky-10",
        "quay.io/openstack.kolla/nova-libvirt:2026.2-rocky-10",
    ]
    assert by_host["ca1"][1] == "quay.io/openstack.kolla/nova-compute:2026.2-rocky-10-aarch64"
    assert by_host["cp1"][1] == "registry.example.com:4000/kolla-ppc64le/nova-compute:2026.2-rocky-10"
    assert_matches_kolla(plan, result, {})
    # One check per distinct image and arch; the three controllers and cx1 share cron.
    cron = [c for c in result["checks"] if c["image"].endswith("/cron:2026.2-rocky-10") and c["arch"] == "x86_64"]
    assert cron == [{"image": "quay.io/openstack.kolla/cron:2026.2-rocky-10", "arch": "x86_64", "hosts": ["ctl1", "ctl2", "ctl3", "cx1"]}]
    assert len(result["checks"]) == 4 + 3 + 3  # x86: cron, nova-api, nova-compute, nova-libvirt; aarch64: 3; ppc64le: 3
    assert {c["arch"] for c in result["checks"] if "-aarch64" in c["image"]} == {"aarch64"}


@pytest.mark.parametrize(
    "globals_values",
    [
        {"kolla_base_distro": "debian"},
        {"kolla_base_distro": "ubuntu", "openstack_release": "2026.1", "docker_registry": "registry.lab:4000"},
        {"kolla_base_distro": "debian", "docker_registry": "", "docker_namespace": "kolla"},  # Docker Hub
        {"docker_image_name_prefix": "centos-binary-", "kolla_base_distro_version": "9"},
    ],
)
def test_operator_globals_follow_kollas_precedence(globals_values):
    plan = make_plan(multinode(computes=("cx1", "ca1")), hosts_of(ctl1="x86_64", ctl2="x86_64", ctl3="x86_64", cx1="x86_64", ca1="aarch64"))
    result = images(plan, NAMES, KOLLA_DEFAULTS, globals_values)
    assert_matches_kolla(plan, result, globals_values)
    assert all(r.endswith("-aarch64") for r in result["by_host"]["ca1"])


def test_a_fixed_openstack_tag_on_one_arch_is_used_as_it_is():
    plan = make_plan(multinode(computes=("cx1",)), hosts_of(ctl1="x86_64", ctl2="x86_64", ctl3="x86_64", cx1="x86_64"))
    result = images(plan, NAMES, KOLLA_DEFAULTS, {"openstack_tag": "my-build-7"})
    assert result["by_host"]["cx1"][1] == "quay.io/openstack.kolla/nova-compute:my-build-7"
    assert_matches_kolla(plan, result, {"openstack_tag": "my-build-7"})


def test_templated_operator_value_is_refused_with_the_fix():
    plan = make_plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    with pytest.raises(KollaImagesError, match=r"openstack_release=.\{\{ lookup.*kolla_multiarch_registry_check: false"):
        images(plan, NAMES, KOLLA_DEFAULTS, {"openstack_release": "{{ lookup('env', 'REL') }}"})


def test_missing_defaults_name_the_variable_and_the_fix():
    plan = make_plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    with pytest.raises(KollaImagesError, match=r"need openstack_release, kolla_base_distro, kolla_base_distro_version.*kolla_multiarch_kolla_ansible_share"):
        images(plan, NAMES, {"docker_namespace": "openstack.kolla"}, {})


@pytest.mark.parametrize("names", [["nova-compute"], {"computes": ["x"]}, {"compute": "nova-compute"}, {"compute": [""]}])
def test_bad_image_names_are_refused(names):
    plan = make_plan(multinode(), mixed(), image_sources_override=PPC_SOURCE)
    with pytest.raises(KollaImagesError, match="kolla_multiarch_registry_check_images"):
        images(plan, names, KOLLA_DEFAULTS, {})


def test_many_hosts_share_few_checks():
    computes = ["c%04d" % i for i in range(3000)]
    arches = {h: ("x86_64", "aarch64", "ppc64le")[i % 3] for i, h in enumerate(computes)}
    plan = make_plan(multinode(computes=computes), hosts_of(ctl1="x86_64", ctl2="x86_64", ctl3="x86_64", **arches), image_sources_override=PPC_SOURCE)
    result = images(plan, NAMES, KOLLA_DEFAULTS, {})
    assert len(result["by_host"]) == 3003
    assert len(result["checks"]) == 10  # independent of the host count
    assert sum(len(c["hosts"]) for c in result["checks"]) == sum(len(v) for v in result["by_host"].values())


# --------------------------------------------------------------------------- images of the enabled services

# kolla's multinode layout: two controllers (also network hosts), one compute host per arch.
TOP = {"control": ["ctl1", "ctl2"], "network": ["ctl1", "ctl2"], "monitoring": ["ctl1"], "storage": ["ctl1"],
       "compute": ["cx1", "ca1", "cp1"], "deployment": ["localhost"]}


def share_plan(top=None):
    top = TOP if top is None else top
    groups = inventory_groups(top)
    arches = {"cx1": "x86_64", "ca1": "aarch64", "cp1": "ppc64le"}
    hostvars = {host: decided(host, arches.get(host, "x86_64"), compute=host in top["compute"]) for host in groups["all"] if host != "localhost"}
    return make_plan(groups, hostvars, image_sources_override=PPC_SOURCE), groups


def pulled(globals_values, image_names=None, strict=True, files=None):
    the_plan, groups = share_plan()
    return images(the_plan, image_names, globals_values=globals_values, kolla_share=files or share_files(), groups=groups, strict=strict)


def names_of(refs):
    return [image_name(ref) for ref in refs]


@pytest.mark.parametrize(
    "globals_values",
    [
        pytest.param({"kolla_base_distro": "debian"}, id="defaults"),
        # Per-service and per-role overrides (defect: they were ignored).
        pytest.param({"nova_compute_image": "registry.example.com:5000/custom/nova-compute", "nova_libvirt_tag": "9.0-fixed",
                      "nova_tag": "2026.2-patched", "cron_tag": "cron-7"}, id="per-service overrides"),
        # Services switched on and off (defect: a fixed list of 10 images was checked).
        pytest.param({"enable_fluentd": "no", "enable_ovs_dpdk": "yes", "nova_console": "spice", "enable_cells": True,
                      "enable_haproxy": False, "enable_nova_serialconsole_proxy": "yes"}, id="enabled services"),
        pytest.param({"docker_registry": "", "docker_namespace": "kolla", "docker_image_name_prefix": "centos-binary-",
                      "openstack_tag": "my-build-7", "enable_mariadb": "no"}, id="docker hub, prefix, fixed tag"),
    ],
)
def test_the_images_are_those_ansible_pulls_with_kollas_own_files(tmp_path, globals_values):
    the_plan, groups = share_plan()
    result = images(the_plan, None, globals_values=globals_values, kolla_share=share_files(), groups=groups)
    assert result["problems"] == []
    assert result["by_host"] == ansible_pulls(tmp_path, TOP, the_plan, globals_values)


def test_per_service_overrides_are_used():
    by_host = pulled({"nova_compute_image": "registry.example.com:5000/custom/nova-compute", "nova_libvirt_tag": "9.0-fixed",
                      "nova_tag": "2026.2-patched"})["by_host"]
    assert "registry.example.com:5000/custom/nova-compute:2026.2-patched" in by_host["ca1"]  # the image, and the role's tag
    assert "quay.io/openstack.kolla/nova-libvirt:9.0-fixed" in by_host["ca1"]  # the service's tag over the arch's
    assert "quay.io/openstack.kolla/nova-ssh:2026.2-patched" in by_host["ca1"]
    assert "quay.io/openstack.kolla/cron:2026.2-rocky-10-aarch64" in by_host["ca1"]  # other roles keep openstack_tag
    assert "quay.io/openstack.kolla/nova-api:2026.2-patched" in by_host["ctl1"]


# kolla-ansible 23.0.0's default services (enable_* in group_vars/all), in site.yml's order; the whole
# lists are compared with ansible-playbook's in test_the_images_are_those_ansible_pulls_with_kollas_own_files.
COMPUTE_IMAGES = ["kolla-toolbox", "cron", "fluentd", "openvswitch-db-server", "openvswitch-vswitchd", "nova-libvirt", "nova-ssh", "nova-compute",
                  "neutron-openvswitch-agent"]
CONTROL_IMAGES = ["kolla-toolbox", "cron", "fluentd", "mariadb-server", "haproxy", "proxysql", "keepalived", "memcached", "rabbitmq", "keystone-api",
                  "keystone-fernet", "keystone-ssh", "glance-api", "placement-api", "openvswitch-db-server", "openvswitch-vswitchd", "nova-api",
                  "nova-scheduler", "nova-novncproxy", "nova-conductor", "neutron-server", "neutron-openvswitch-agent", "neutron-dhcp-agent",
                  "neutron-l3-agent", "neutron-metadata-agent", "heat-api", "heat-api-cfn", "heat-engine", "horizon"]
# One check per image and arch: the controllers' x86_64 images, the 3 more of cx1 (nova-libvirt, nova-ssh, nova-compute),
# and the compute images of ca1 (aarch64) and cp1 (ppc64le).
CHECKS = len(CONTROL_IMAGES) + 3 + 2 * len(COMPUTE_IMAGES)


def test_the_images_follow_the_enabled_services_and_their_hosts():
    result = pulled({})
    by_host = result["by_host"]
    assert names_of(by_host["ca1"]) == COMPUTE_IMAGES
    assert names_of(by_host["ctl1"]) == CONTROL_IMAGES
    assert set(names_of(by_host["cx1"])) - set(CONTROL_IMAGES) == {"nova-libvirt", "nova-ssh", "nova-compute"}
    assert all(ref.endswith("-aarch64") for ref in by_host["ca1"])
    assert all(ref.startswith("registry.example.com:4000/kolla-ppc64le/") for ref in by_host["cp1"])
    assert len(result["checks"]) == CHECKS == 50
    cron = next(c for c in result["checks"] if c["image"] == "quay.io/openstack.kolla/cron:2026.2-rocky-10")
    assert cron == {"image": "quay.io/openstack.kolla/cron:2026.2-rocky-10", "arch": "x86_64", "hosts": ["ctl1", "ctl2", "cx1"]}
    off = names_of(pulled({"enable_fluentd": "no", "enable_ovs_dpdk": True, "enable_nova_fake": "yes"})["by_host"]["ca1"])
    assert off == ["kolla-toolbox", "cron", "ovsdpdk-db", "ovsdpdk-vswitchd", "nova-libvirt", "nova-ssh", "neutron-openvswitch-agent"]


def test_a_host_of_no_service_group_pulls_only_what_its_groups_run():
    top = dict(TOP, compute=["cx1"], storage=["st1"])
    the_plan, groups = share_plan(top)
    by_host = images(the_plan, None, kolla_share=share_files(), groups=groups)["by_host"]
    assert names_of(by_host["st1"]) == ["kolla-toolbox", "cron", "fluentd"]  # [common:children] storage; cinder and swift are off by default


@pytest.mark.parametrize("restriction", [["nova-compute", "cron"], {"compute": ["nova-compute"], "all": ["cron"]}])
def test_the_check_can_be_restricted_to_some_images(restriction):
    result = pulled({}, restriction)
    assert sorted({image_name(c["image"]) for c in result["checks"]}) == ["cron", "nova-compute"]
    assert len(result["checks"]) == 3 + 3  # cron: x86_64, aarch64, ppc64le; nova-compute on each compute host
    assert len(result["by_host"]["ctl1"]) == len(CONTROL_IMAGES)  # by_host still lists everything pulled


def test_a_restriction_to_an_image_nobody_pulls_is_refused():
    with pytest.raises(KollaImagesError) as excinfo:
        pulled({}, ["nova-compute", "nova-serialproxy"])
    problems = problems_of(excinfo)
    assert problems[0].startswith("kolla_multiarch_registry_check_images names nova-serialproxy, which no enabled service pulls")
    assert "nova-compute, nova-conductor" in problems[0]
    assert "kolla_multiarch_registry_check: false" in str(excinfo.value)


def test_the_restriction_matches_names_without_the_image_name_prefix():
    result = pulled({"docker_image_name_prefix": "centos-binary-"}, ["nova-compute"])
    assert [c["image"] for c in result["checks"]][:1] == ["quay.io/openstack.kolla/centos-binary-nova-compute:2026.2-rocky-10"]


@pytest.mark.parametrize("names", ["nova-compute", [""], [1], {"computes": ["x"]}])
def test_bad_restrictions_are_refused(names):
    with pytest.raises(KollaImagesError, match="kolla_multiarch_registry_check_images"):
        pulled({}, names)


def test_what_cannot_be_evaluated_is_named_once_with_what_needs_it():
    with pytest.raises(KollaImagesError) as excinfo:
        pulled({"openstack_release": "{{ lookup('env', 'REL') }}"})
    problems = problems_of(excinfo)
    assert len(problems) == 1  # one cause, however many services and hosts need it
    assert problems[0].startswith("openstack_release: \"{{ lookup('env', 'REL') }}\": 'lookup' is undefined (needed for the image of service kolla-toolbox")
    assert "the image of service nova-compute (role nova-cell)" not in problems[0]  # listed up to 5, then counted
    assert " more; on the hosts of arch_x86_64, the hosts of arch_aarch64" in problems[0]
    assert "give a literal value in globals.yml" in str(excinfo.value)


def test_without_strict_the_problems_are_returned_and_the_rest_is_kept():
    result = pulled({"nova_compute_image": "{{ lookup('pipe', 'id') }}"}, strict=False)
    assert len(result["problems"]) == 1 and "needed for the image of service nova-compute (role nova-cell)" in result["problems"][0]
    assert "nova-compute" not in names_of(result["by_host"]["ca1"]) and "nova-libvirt" in names_of(result["by_host"]["ca1"])


def test_the_share_needs_the_inventory_groups():
    the_plan, _groups = share_plan()
    with pytest.raises(KollaImagesError, match="give groups"):
        images(the_plan, None, kolla_share=share_files())


def test_many_hosts_share_few_checks_with_kollas_files():
    computes = ["c%04d" % i for i in range(3000)]
    top = dict(TOP, compute=computes)
    groups = inventory_groups(top)
    arches = ("x86_64", "aarch64", "ppc64le")
    hostvars = {h: decided(h, arches[i % 3]) for i, h in enumerate(computes)}
    hostvars.update({h: decided(h, "x86_64", compute=False) for h in ("ctl1", "ctl2")})
    the_plan = make_plan(groups, hostvars, image_sources_override=PPC_SOURCE)
    result = images(the_plan, None, kolla_share=share_files(), groups=groups)
    assert len(result["by_host"]) == 3002
    assert len(result["checks"]) == CHECKS  # independent of the host count
    assert sum(len(c["hosts"]) for c in result["checks"]) == sum(len(v) for v in result["by_host"].values())


# --------------------------------------------------------------------------- registry report


def test_registry_report_gives_one_fix_per_kind_of_answer():
    result = {
        "images": [
            {"image": "a", "status": "ok"},
            {"image": "b", "status": "unauthorized"},
            {"image": "c", "status": "wrong_arch"},
        ],
        "problems": ["b: unauthorized ...", "c: wrong_arch ..."],
    }
    report = registry_report(result, {"by_host": {"h1": [], "h2": []}}, "deploy1")
    assert report["summary"] == "registry check: 1 of 3 image/arch pairs usable, for 2 hosts"
    assert report["problems"] == result["problems"]
    assert report["fix"].startswith("Fix: unauthorized: give kolla_multiarch_registry_credentials")
    assert "wrong_arch: the tag has no image for that architecture" in report["fix"]
    assert "missing:" not in report["fix"] and "error:" not in report["fix"]
    assert report["fix"].endswith("or turn the check off with kolla_multiarch_registry_check: false.")


def test_registry_report_names_the_deploy_host_for_unreachable_registries():
    report = registry_report({"images": [{"status": "error"}], "problems": ["x"]}, {}, "deploy1")
    assert "that it answers from deploy1" in report["fix"]


def test_registry_report_has_no_fix_when_every_image_is_usable():
    report = registry_report({"images": [{"status": "ok"}], "problems": []}, {"by_host": {"h": []}})
    assert report["fix"] == "" and report["problems"] == []


# --------------------------------------------------------------------------- the emulation-ready nova-libvirt image

LIBVIRT_BASE = "registry.example.com:5000/openstack.kolla/nova-libvirt:2026.2-debian-trixie"


def test_an_emulation_host_pulls_its_derived_nova_libvirt_image_and_the_others_the_plain_one(tmp_path):
    """nova_compute_arch's decision (libvirt_image) goes to host_vars as nova_libvirt_image_full; kolla-ansible's own
    site.yml (kolla_action=pull, run by ansible-playbook) then pulls the derived image on that host only."""
    groups = inventory_groups(TOP)
    arches = {"cx1": "x86_64", "ca1": "aarch64", "cp1": "ppc64le"}
    hostvars = {host: decided(host, arches.get(host, "x86_64"), compute=host in TOP["compute"]) for host in groups["all"] if host != "localhost"}
    hostvars["cx1"] = decided("cx1", "x86_64", emulated_arches=["aarch64", "ppc64le"], kolla_base_distro="debian", libvirt_image=LIBVIRT_BASE,
                              guests={"x86_64": {}, "aarch64": {"accel": "tcg", "machines": ["virt"], "cpu_models": ["cortex-a72"], "uefi": True},
                                      "ppc64le": {"accel": "tcg", "machines": ["pseries"], "cpu_models": ["POWER9"], "uefi": None}})
    the_plan = make_plan(groups, hostvars, image_sources_override=PPC_SOURCE)
    derived = LIBVIRT_BASE + "-emu-aarch64-ppc64le"
    assert the_plan["host_vars"]["cx1"]["nova_libvirt_image_full"] == derived
    assert all("nova_libvirt_image_full" not in the_plan["host_vars"][host] for host in ("ca1", "cp1"))
    result = images(the_plan, None, globals_values={"kolla_base_distro": "debian"}, kolla_share=share_files(), groups=groups)
    assert result["problems"] == []
    assert [ref for ref in result["by_host"]["cx1"] if "/nova-libvirt:" in ref] == [derived]
    assert [ref for ref in result["by_host"]["ca1"] if "/nova-libvirt:" in ref] == ["quay.io/openstack.kolla/nova-libvirt:2026.2-debian-trixie-aarch64"]
    assert result["by_host"] == ansible_pulls(tmp_path, TOP, the_plan, {"kolla_base_distro": "debian"})
