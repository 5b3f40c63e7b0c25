"""Bad inputs of the nova and kolla phases: site.yml refuses them before anything is written, naming the host and the value.

Each case runs site.yml for real on this machine (tests/lib/site_testlib.py: local hosts, every phase into tmp dirs)
with one bad input. The refusal comes from the owner of the rule: the preflight (image sources), nova_compute_arch
(the [libvirt] overrides, which end up in an INI file), kolla_multiarch (its directories, inventory, PCI aliases,
modes) or a role's argument specs. The deploy host (``localhost``) is the host of kolla_multiarch's refusals.
No file under the tmp tree changes, and a ``..`` path points inside the tmp tree, so that a write there would be seen.
"""

from __future__ import annotations

import pytest
from site_testlib import Site, message_of, refused

TABLE = "preflight: "


@pytest.mark.parametrize(("sources", "needle"), [
    ({"armv9x": {"registry": "quay.io"}}, "kolla_multiarch_image_sources: unknown arch 'armv9x'; known: x86_64, aarch64, ppc64le"),
    ({"aarch64": {"registry": "https://reg.example/x;id"}},
     "kolla_multiarch_image_sources.aarch64.registry='https://reg.example/x;id': give host[:port] without a scheme or path"),
    ({"aarch64": {"tag_suffix": "-aarch64/../x"}}, "kolla_multiarch_image_sources.aarch64.tag_suffix='-aarch64/../x': a Docker tag allows"),
    ("quay.io/openstack.kolla", "kolla_multiarch_image_sources must be a dict {arch: {tag_suffix, registry, namespace}}, got 'quay.io/openstack.kolla'"),
], ids=["unknown-arch-alias", "registry-with-scheme-and-shell", "tag-suffix-with-slash", "not-a-mapping"])
def test_bad_image_sources_are_a_preflight_finding(tmp_path, sources, needle):
    found = refused(Site(tmp_path, extra={"kolla_multiarch_image_sources": sources}))
    message_of(found, "cx1", TABLE, "image_source", needle, "fix kolla_multiarch_image_sources")


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"cpu_mode": "custom", "cpu_models": ["Haswell\nvirt_type = qemu"]},
     "host cx1: override cpu_models=['Haswell\\nvirt_type = qemu'] holds a line break ('\\n')"),
    ({"cpu_mode": "custom", "cpu_models": ["Haswell noTSX"]}, "host cx1: override cpu_models: 'Haswell noTSX' is not a CPU model name"),
    ({"cpu_mode": "custom", "cpu_models": ['Haswell"x']}, "host cx1: override cpu_models: 'Haswell\"x' is not a CPU model name"),
    ({"virt_type": "xen"}, "host cx1: override virt_type='xen': this collection writes one of kvm, qemu"),
], ids=["cpu-models-newline", "cpu-models-space", "cpu-models-quote", "virt-type-unknown"])
def test_libvirt_overrides_that_would_break_the_ini_file(tmp_path, overrides, needle):
    found = refused(Site(tmp_path, extra={"nova_compute_arch_overrides": overrides}))
    message_of(found, "cx1", needle)
    assert not (tmp_path / "kolla" / "config" / "nova").exists()


def test_an_emulation_mode_that_is_no_choice(tmp_path):
    found = refused(Site(tmp_path, extra={"nova_compute_arch_emulation_mode": "both"}))
    message_of(found, "cx1", "nova_compute_arch_emulation_mode must be one of: dedicated, shared, got: both")


def test_a_kolla_action_with_a_shell_command(tmp_path):
    found = refused(Site(tmp_path, extra={"kolla_multiarch_action": "deploy; rm -rf /"}))
    message_of(found, "localhost", "kolla_multiarch_action must be one of: none, genconfig", "got: deploy; rm -rf /")


def test_a_pci_alias_with_shell_metacharacters(tmp_path):
    alias = [{"name": "gpu", "vendor_id": "10de", "product_id": "1db6`id`"}]
    found = refused(Site(tmp_path, extra={"kolla_multiarch_pci_alias": alias}))
    message_of(found, "localhost", "kolla_multiarch_pci_alias: alias", "product_id='1db6`id`' is not a 4-digit hex PCI ID", "nothing was written")


def test_a_config_dir_with_dotdot(tmp_path):
    config = f"{tmp_path}/kolla/../elsewhere"
    found = refused(Site(tmp_path, extra={"kolla_multiarch_config_dir": config}))
    message_of(found, "localhost", f"kolla_multiarch_config_dir={config} has a '..' component",
               f"would read and write in {tmp_path}/elsewhere instead", "fix: give the path without '..'")


def test_an_inventory_dir_with_dotdot(tmp_path):
    inventory = f"{tmp_path}/inventory/../kolla/config"
    found = refused(Site(tmp_path, extra={"kolla_multiarch_inventory_dir": inventory}))
    message_of(found, "localhost", f"kolla_multiarch_inventory_dir={inventory} has a '..' component", "nothing was written")


def test_an_inventory_dir_equal_to_the_config_dir(tmp_path):
    found = refused(Site(tmp_path, extra={"kolla_multiarch_inventory_dir": str(tmp_path / "kolla")}))
    message_of(found, "localhost", f"kolla_multiarch_inventory_dir={tmp_path}/kolla is or holds kolla_multiarch_config_dir={tmp_path}/kolla",
               "passwords.yml", f"such as {tmp_path}/kolla/inventory")


def test_a_missing_kolla_inventory_source(tmp_path):
    found = refused(Site(tmp_path, extra={"kolla_multiarch_inventory_source": str(tmp_path / "nope")}))
    message_of(found, "localhost", f"kolla_multiarch_inventory_source={tmp_path}/nope must be the operator's kolla-ansible inventory file on localhost",
               "it does not exist", "Nothing was written")


def test_a_file_mode_that_is_no_number(tmp_path):
    found = refused(Site(tmp_path, extra={"kolla_multiarch_file_mode": "rwx"}))
    message_of(found, "localhost", "kolla_multiarch on localhost: mode='rwx' is not an octal mode such as '0640'", "Nothing was written")
