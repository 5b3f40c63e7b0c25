"""No secret of the operator's appears in a run at -vvv, in the capability map, or in a world-readable file the collection writes.

Every run here is real (ansible-playbook, connection local, tmp dirs) and at ``-vvv``, with canary values where an
operator keeps secrets:
- kolla-ansible's ``passwords.yml`` in the kolla config dir, and a secret host variable in the inventory (site.yml, whole);
- ``OS_PASSWORD`` in ``kolla_multiarch_environment`` (given to ansible-inventory and kolla-ansible ``genconfig``) and in
  the controller's own environment next to a ``clouds.yaml`` (site.yml);
- the registry login of ``kolla_multiarch_registry_credentials``, sent for real to a token registry that refuses it;
- the cloud credentials of role gpu_passthrough's flavors (an auth dict, a clouds.yaml name, ``OS_*``), given to the
  real ``openstack.cloud.compute_flavor``. This machine's openstacksdk (4.x) no longer has the ``openstack.version``
  attribute that openstack.cloud 2.x reads (plugins/module_utils/openstack.py, ``openstack_cloud_from_module``), so the
  module would die with an AttributeError before it parses its options; a ``sitecustomize`` on the delegated host's
  interpreter sets that version to 0.1.0, which the module refuses with ``fail_json``: the path on which an
  AnsibleModule prints its ``invocation`` (every option that is not ``no_log``) at -vvv.
A secret also counts as printed when it is inside a base64 token (``slurp``'s output).
"""

from __future__ import annotations

import base64
import json
import platform

import pcitree
import pytest
import yaml
from kolla_share_testlib import kolla_ansible_dir
from registry_testlib import ROBOT, bearer_registry
from reliability_testlib import VerboseSite, gpu_play, kolla_venv, leaks, modes, python_with, run_play

PASSWORDS = {"database_password": "canary-db-Zq81", "keystone_admin_password": "canary-admin-Wx27", "nova_keystone_password": "canary-nova-Pm55",
             "docker_registry_password": "canary-registry-Kd90"}
OS_PASSWORD = "canary-os-password-Ty63"
ENV_PASSWORD = "canary-controller-env-Hb14"
CLOUDS_PASSWORD = "canary-clouds-yaml-Lu48"
HOST_SECRET = "canary-host-var-Rf72"
BECOME_PASSWORD = "canary-become-Ja59"  # in the operator's kolla-ansible inventory
CONFIG_PASSWORD = "canary-nova-conf-Ew84"  # in the operator's nova.conf override
REGISTRY_PASSWORD = "canary-registry-login-Vc03"
FLAVOR_PASSWORD = "canary-flavor-auth-Ng36"
FLAVOR = {"name": "g1.a100", "alias": "a100", "vcpus": 8, "ram": 65536, "disk": 80}


def _clouds_yaml(tmp_path, password):
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"lab": {"auth": {"auth_url": "http://127.0.0.1:9/v3", "username": "admin", "password": password,
                                                                "project_name": "admin", "user_domain_name": "Default",
                                                                "project_domain_name": "Default"}, "region_name": "RegionOne"}}}))
    return path


def _written_by_the_collection(tmp_path):
    """Every file under the dirs the collection writes in (inventory dir, custom config dir, report dir)."""
    return [path for path in modes(tmp_path / "inventory", tmp_path / "kolla" / "config", tmp_path / "report") if path.is_file()]


def _world_readable(paths):
    return [path for path in paths if path.stat().st_mode & 0o004]


def test_a_whole_site_run_at_vvv_prints_no_password_and_writes_none(tmp_path):
    venv = kolla_venv(tmp_path)
    extra = {"kolla_multiarch_venv": str(venv), "kolla_multiarch_action": "genconfig", "kolla_multiarch_environment": {"OS_PASSWORD": OS_PASSWORD}}
    site = VerboseSite(tmp_path, extra=extra, host_vars={"cx1": {"vault_nova_password": HOST_SECRET}})
    (tmp_path / "kolla" / "passwords.yml").write_text(yaml.safe_dump(PASSWORDS))
    (tmp_path / "kolla" / "globals.yml").write_text("kolla_base_distro: debian\nnetwork_interface: lo\n")
    environment = {"OS_PASSWORD": ENV_PASSWORD, "OS_CLIENT_CONFIG_FILE": str(_clouds_yaml(tmp_path, CLOUDS_PASSWORD)), "OS_CLOUD": "lab"}
    secrets = [*PASSWORDS.values(), OS_PASSWORD, ENV_PASSWORD, CLOUDS_PASSWORD, HOST_SECRET]

    rc, out = site.verbose("-vvv", env=environment)
    assert rc == 0, out[-6000:]
    assert "<localhost> EXEC" in out and "Run kolla-ansible with the generated inventory - genconfig" in out  # -vvv, every phase
    assert leaks(out, secrets) == []
    written = _written_by_the_collection(tmp_path)
    assert tmp_path / "report" / "capability-map.json" in written and tmp_path / "inventory" / "multinode" in written
    for path in written:
        assert leaks(path.read_text(errors="replace"), secrets) == [], path
    (row,) = json.loads((tmp_path / "report" / "capability-map.json").read_text())["hosts"]
    assert HOST_SECRET not in json.dumps(row) and "vault_nova_password" not in json.dumps(row)  # the map never dumps hostvars


def test_secrets_in_the_operators_inventory_and_overrides_are_never_printed(tmp_path):
    site = VerboseSite(tmp_path, multinode="[control]\ncx1 ansible_become_password=%s\n[compute]\ncx1\n" % BECOME_PASSWORD)
    (tmp_path / "kolla" / "config" / "nova.conf").write_text("[DEFAULT]\ndebug = True\n[neutron]\npassword = %s\n" % CONFIG_PASSWORD)
    rc, out = site.verbose("-vvv", "--tags", "nova_compute,kolla_render")
    assert rc == 0, out[-6000:]
    copy = tmp_path / "inventory" / "multinode"
    assert BECOME_PASSWORD in copy.read_text() and _world_readable([copy]) == []  # kolla-ansible needs the copy; only its group reads it
    assert leaks(out, [BECOME_PASSWORD, CONFIG_PASSWORD]) == []


def test_the_registry_login_is_used_but_never_printed(tmp_path):
    share = kolla_ansible_dir() / "share" / "kolla-ansible"
    with bearer_registry() as registry:
        sources = {platform.machine(): {"registry": registry.host, "namespace": "private"}}
        extra = {"kolla_multiarch_registry_check": True, "kolla_multiarch_kolla_ansible_share": str(share), "kolla_multiarch_image_sources": sources,
                 "kolla_multiarch_registry_insecure": [registry.host], "kolla_multiarch_registry_timeout": 5,
                 "kolla_multiarch_registry_credentials": [{"registry": registry.host, "username": ROBOT[0], "password": REGISTRY_PASSWORD}]}
        # kolla-ansible's own all-in-one inventory, on the one host cx1: every group its services need.
        all_in_one = (share / "ansible" / "inventory" / "all-in-one").read_text().replace("localhost       ansible_connection=local", "cx1")
        site = VerboseSite(tmp_path, extra=extra, multinode=all_in_one)
        rc, out = site.verbose("-vvv", "--tags", "nova_compute,kolla_render")
        sent = [auth for _path, auth in registry.token_requests if auth]
    assert rc != 0 and "image(s) would fail on the hosts named below; nothing" in out, out[-6000:]
    assert sent and all(base64.b64decode(auth.split(" ", 1)[1]).decode() == "%s:%s" % (ROBOT[0], REGISTRY_PASSWORD) for auth in sent)  # used ...
    assert leaks(out, [REGISTRY_PASSWORD]) == []  # ... and printed nowhere


FLAVOR_PLAY = gpu_play("all:!localhost")


def _flavor_cloud(tmp_path):
    """A GPU host (pcitree's A100) and localhost, whose Python reports an openstacksdk version compute_flavor refuses."""
    root = tmp_path / "a100"
    root.mkdir()
    pcitree.sriov_a100(root)
    pcitree.pci_ids(root)
    shim = tmp_path / "sdk-version"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import openstack.version\n\nopenstack.version.__version__ = '0.1.0'\n")
    return {"localhost": {"ansible_python_interpreter": str(python_with(tmp_path, shim))},
            "a100": {"gpu_passthrough_root": str(root), "gpu_passthrough_all_gpus": True,
                     "gpu_passthrough_aliases": {"10de:20f1": {"name": "a100", "count": 2}}}}


@pytest.mark.parametrize("how", ["an auth dict", "a clouds.yaml name", "OS_ variables"])
def test_the_flavors_cloud_credentials_are_never_printed_and_the_failure_says_what_to_fix(tmp_path, how):
    hosts = _flavor_cloud(tmp_path)
    extra = {"gpu_passthrough_flavors": [FLAVOR]}
    env = {"OS_CLOUD": "", "OS_AUTH_URL": ""}
    if how == "an auth dict":
        extra["gpu_passthrough_cloud"] = yaml.safe_load(_clouds_yaml(tmp_path, FLAVOR_PASSWORD).read_text())["clouds"]["lab"]
    elif how == "a clouds.yaml name":
        extra["gpu_passthrough_cloud"] = "lab"
        env["OS_CLIENT_CONFIG_FILE"] = str(_clouds_yaml(tmp_path, FLAVOR_PASSWORD))
    else:
        env.update(OS_AUTH_URL="http://127.0.0.1:9/v3", OS_USERNAME="admin", OS_PASSWORD=FLAVOR_PASSWORD, OS_PROJECT_NAME="admin")
    rc, out = run_play(tmp_path, FLAVOR_PLAY, hosts, extra, "-vvv", env=env)
    assert rc != 0, out[-6000:]
    # The real module ran, refused, and the role still says which flavor, why, and what to do.
    assert "GPU flavor g1.a100 was not created: Incompatible openstacksdk library found" in out, out[-6000:]
    assert "Fix the cloud credentials or openstacksdk on the controller" in out
    assert leaks(out, [FLAVOR_PASSWORD]) == []
