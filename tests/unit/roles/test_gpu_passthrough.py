"""Role gpu_passthrough, run for real with ansible-playbook on local hosts whose root is a pcitree host.

Each host's ``gpu_passthrough_root`` is a tmp tree built by tests/lib/pcitree.py (its /sys, /proc and
the boot tools); the role writes /etc under the same root, and skips the commands that act on the
running system (regeneration, reboot), naming them. A refusal on any host must leave every host's
tree byte-for-byte as it was (a fingerprint of contents, modes, owners and every path).
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pcitree
import pytest
import yaml
from conftest import COLLECTIONS_ROOT, REPO
from kollatestlib import fingerprint
from playbook_testlib import BINARY, playbook_env
from playbook_testlib import plays as parse_plays

ROLE = REPO / "roles" / "gpu_passthrough"
PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: The fact host_facts publishes
      ansible.builtin.set_fact:
        multiarch_host: {arch: x86_64, cpu: {vendor: "{{ cpu_vendor | default('GenuineIntel') }}"}}

    - ansible.builtin.include_role:
        name: multiarch.kolla.gpu_passthrough
"""
VFIO = "/etc/modprobe.d/multiarch-kolla-vfio.conf"
UDEV = "/etc/udev/rules.d/61-multiarch-kolla-vfio.rules"
MODULES = "/etc/modules-load.d/multiarch-kolla-vfio.conf"
HOOK = "/etc/initramfs-tools/hooks/multiarch-kolla-vfio"
GRUB = "/etc/default/grub.d/99-multiarch-kolla-gpu.cfg"
BLACKLIST = "/etc/modprobe.d/multiarch-kolla-blacklist.conf"


class Cloud:
    """Local hosts, each with its pcitree root under ``tmp_path``; ``run`` plays the role on them."""

    def __init__(self, tmp_path, **hosts):
        self.tmp = tmp_path
        self.env = {}  # more environment for ansible-playbook (the test doubles)
        self.hosts = {}
        for name, (builder, variables) in hosts.items():
            root = tmp_path / name
            root.mkdir()
            (getattr(pcitree, builder) if isinstance(builder, str) else builder)(root)
            pcitree.pci_ids(root)
            self.hosts[name] = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "gpu_passthrough_root": str(root), **variables}

    def root(self, host):
        return Path(self.hosts[host]["gpu_passthrough_root"])

    def trees(self):
        return fingerprint(*(self.root(host) for host in self.hosts))

    def run(self, *options, **extra):
        """Run the role; returns a Run: rc, changed (host -> changed task names), failed (host -> message), facts, results, out."""
        (self.tmp / "play.yml").write_text(PLAYBOOK)
        (self.tmp / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": self.hosts}}))
        (self.tmp / "extra.yml").write_text(yaml.safe_dump(extra or {"unused": 1}))
        env = playbook_env(**self.env)
        proc = subprocess.run(
            [str(BINARY), "-i", str(self.tmp / "hosts.yml"), "-e", f"@{self.tmp / 'extra.yml'}", *options, str(self.tmp / "play.yml")],
            cwd=str(self.tmp), env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        plays = parse_plays(proc)
        run = Run(proc.returncode, proc.stdout + proc.stderr)
        for task in plays[0]["tasks"]:
            name = task["task"]["name"].split(" : ", 1)[-1]
            for host, result in task["hosts"].items():
                if result.get("changed"):
                    run.changed.setdefault(host, []).append(name)
                if result.get("failed"):
                    run.failed[host] = result.get("msg")
                run.facts.setdefault(host, {}).update(result.get("ansible_facts") or {})
                run.results.setdefault(host, {})[name] = result
        return run


class Run:
    """One ansible-playbook run: rc, changed (host -> changed task names), failed (host -> message), facts, results, out."""

    def __init__(self, rc, out):
        self.rc, self.out = rc, out
        self.changed, self.failed, self.facts, self.results = {}, {}, {}, {}

    def note(self, host, task):
        return (self.results[host].get(task) or {}).get("msg")


def _text(root, path):
    return (root / path.lstrip("/")).read_text()


def _mode(root, path):
    return stat.S_IMODE((root / path.lstrip("/")).stat().st_mode)


def test_defaults_equal_the_argument_specs():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
    options = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]
    assert set(defaults) == set(options)
    assert {name: spec.get("default") for name, spec in options.items()} == defaults


def test_a_first_run_writes_the_owned_files_whole_then_a_second_changes_nothing(tmp_path):
    cloud = Cloud(tmp_path, gpu1=("two_gtx1060", {"gpu_passthrough_addresses": ["0000:02:00.0"]}))
    run = cloud.run()
    assert run.rc == 0, run.out[-4000:]
    root = cloud.root("gpu1")
    published = run.facts["gpu1"]["multiarch_gpu_passthrough"]
    assert sorted(published["files"]) == sorted([VFIO, UDEV, MODULES, HOOK, GRUB])
    for path, content in published["files"].items():  # the decision's files, written whole
        assert _text(root, path) == content
        assert _mode(root, path) == int(published["file_modes"][path], 8)
    assert _mode(root, HOOK) == 0o755 and _mode(root, VFIO) == 0o644
    # Identical cards split between host and guests: per-address override for the second card only.
    assert 'KERNEL=="0000:02:00.0"' in _text(root, UDEV) and 'KERNEL=="0000:02:00.1"' in _text(root, UDEV)
    assert "0000:01:00" not in _text(root, UDEV) and "ids=" not in _text(root, VFIO)
    assert "intel_iommu=on iommu=pt" in _text(root, GRUB)
    assert published["device_spec"] == ['{"address": "0000:02:00.0", "product_id": "1c03", "vendor_id": "10de"}']
    # Off the running system the commands are named, not run.
    note = run.note("gpu1", "Note the commands left to run")
    assert "update-initramfs -u -k all" in note and "update-grub" in note
    assert run.facts["gpu1"]["gpu_passthrough_hosts_needing_reboot"] == []  # arguments in place, cards on vfio-pci
    before = cloud.trees()
    again = cloud.run()
    assert again.rc == 0 and again.changed == {}, again.changed
    assert again.note("gpu1", "Note the commands left to run") is None  # nothing changed: nothing to regenerate
    assert cloud.trees() == before


def test_check_mode_on_a_fresh_tree_predicts_the_real_run_and_writes_nothing(tmp_path):
    variables = {"gpu_passthrough_all_gpus": True, "gpu_passthrough_blacklist_drivers": ["nouveau"], "cpu_vendor": "AuthenticAMD"}
    cloud = Cloud(tmp_path, gpu1=("sriov_a100", variables))
    before = cloud.trees()
    check = cloud.run("--check")
    assert check.rc == 0, check.out[-4000:]
    assert cloud.trees() == before
    real = cloud.run()
    assert real.rc == 0, real.out[-4000:]
    assert check.changed == real.changed
    assert real.changed["gpu1"] == ["Create the missing ones (existing directories keep their mode)", "Write the owned files"]
    assert cloud.trees() != before
    assert _text(cloud.root("gpu1"), BLACKLIST).endswith("blacklist nouveau\n")
    assert "options vfio-pci ids=10de:20f1" in _text(cloud.root("gpu1"), VFIO)


def test_an_amd_host_gets_no_iommu_argument_and_is_listed_as_needing_a_reboot(tmp_path):
    cloud = Cloud(tmp_path, a100=("sriov_a100", {"gpu_passthrough_all_gpus": True, "cpu_vendor": "AuthenticAMD"}),
                  gtx=("two_gtx1060", {"gpu_passthrough_addresses": ["0000:02:00.0"]}))
    run = cloud.run()
    assert run.rc == 0, run.out[-4000:]
    # The A100 is still on nvidia: it needs the reboot; the GTX host has its arguments and vfio-pci already.
    assert run.facts["a100"]["gpu_passthrough_hosts_needing_reboot"] == ["a100"]
    assert "a100" in run.note("a100", "Name the hosts that still need a reboot")
    grub = _text(cloud.root("a100"), GRUB)
    assert "iommu=pt" in grub and "amd_iommu" not in grub and "intel_iommu" not in grub
    assert any("amd_iommu=on" in w for w in run.facts["a100"]["multiarch_gpu_passthrough"]["warnings"])


REFUSALS = {
    "boot_vga": ("two_gtx1060", {"gpu_passthrough_addresses": ["0000:01:00.0"]}, ["0000:01:00.0", "boot VGA"]),
    "iommu_group_shared": ("gpu_with_nic", {"gpu_passthrough_all_gpus": True}, ["0000:04:00.0", "0000:05:00.0 (8086:1521, driver igb)"]),
    "no_reset_recovery": ("amd_w5500", {"gpu_passthrough_ids": ["1002:7341"], "gpu_passthrough_vendor_reset_installed": True},
                          ["0000:0b:00.0", "does not recover"]),
    "vendor_reset_missing": ("amd_w5500", {"gpu_passthrough_ids": ["1002:7341"], "gpu_passthrough_no_reset_recovery_ids": []},
                             ["0000:0b:00.0", "AMD_NAVI14"]),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_refusal_changes_nothing_on_any_host_and_forcing_lifts_it(tmp_path, name):
    builder, variables, words = REFUSALS[name]
    cloud = Cloud(tmp_path, bad=(builder, variables), good=("sriov_a100", {"gpu_passthrough_all_gpus": True}))
    before = cloud.trees()
    run = cloud.run()
    assert run.rc != 0
    message = run.failed["bad"]
    for word in [*words, "host bad:", "Fix:", "gpu_passthrough_force: [%s]" % name]:
        assert word in message, message
    assert run.failed["good"] == "stopped because bad was refused (see there); nothing was changed on any host"
    assert cloud.trees() == before  # byte for byte, on both hosts
    assert "multiarch_gpu_passthrough" not in run.facts["good"]
    if name not in ("boot_vga", "iommu_group_shared"):  # the two reset refusals lift the same way: keep the suite short
        return
    cloud.hosts["bad"]["gpu_passthrough_force"] = [name]
    forced = cloud.run()
    assert forced.rc == 0, forced.out[-4000:]
    assert forced.facts["bad"]["multiarch_gpu_passthrough"]["forced"][0]["name"] == name
    assert (cloud.root("bad") / MODULES.lstrip("/")).exists()


def _iommu_off(root):
    """A GTX 1060 on a host booted with intel_iommu=on whose IOMMU is still off (VT-d off in the firmware): no groups."""
    pcitree.device(root, "0000:02:00.0", "10de:1c03", "0x030000", driver="nouveau", boot_vga=False)
    pcitree.kernel(root, cmdline="BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt quiet")
    pcitree.debian_boot(root)


def test_an_iommu_still_off_with_the_arguments_in_place_is_refused(tmp_path):
    cloud = Cloud(tmp_path, off=(_iommu_off, {"gpu_passthrough_all_gpus": True}))
    before = cloud.trees()
    run = cloud.run()
    assert run.rc != 0 and "gpu_passthrough_force: [iommu_off]" in run.failed["off"], run.failed
    assert cloud.trees() == before
    # The same host before its arguments are on the command line is not refused: it needs its reboot first.
    (cloud.root("off") / "proc/cmdline").write_text("BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet\n")
    run = cloud.run()
    assert run.rc == 0, run.out[-4000:]
    assert run.facts["off"]["gpu_passthrough_hosts_needing_reboot"] == ["off"]


def test_a_host_with_running_instances_is_not_rebooted(tmp_path):
    cloud = Cloud(tmp_path, a100=("sriov_a100", {"gpu_passthrough_all_gpus": True, "cpu_vendor": "AuthenticAMD",
                                                 "gpu_passthrough_instances_command": ["echo", "instance-0000002a"]}))
    run = cloud.run("-e", "gpu_passthrough_reboot=true")
    assert run.rc != 0
    assert "runs instances (instance-0000002a)" in run.failed["a100"] and "gpu_passthrough_reboot_with_instances" in run.failed["a100"]
    assert "Reboot the host" not in run.results["a100"]


def test_after_the_reboot_a_function_not_on_vfio_pci_fails_naming_its_driver(tmp_path):
    # Off the running system the reboot is left out (named) and the check reads the tree again: still on nvidia.
    cloud = Cloud(tmp_path, a100=("sriov_a100", {"gpu_passthrough_all_gpus": True, "cpu_vendor": "AuthenticAMD",
                                                 "gpu_passthrough_instances_command": ["false"]}))
    run = cloud.run("-e", "gpu_passthrough_reboot=true")
    assert run.rc != 0
    assert "not rebooted" in run.note("a100", "Note the reboot left out")
    message = run.failed["a100"]
    assert "0000:c1:00.0 (driver nvidia, IOMMU group 91)" in message and "not on vfio-pci" in message
    assert "multiarch_gpu_passthrough" not in run.facts["a100"]


FLAVOR = {"name": "g1.a100", "alias": "a100", "vcpus": 8, "ram": 65536, "disk": 80}


def _flavor_cloud(tmp_path):
    cloud = Cloud(tmp_path, a100=("sriov_a100", {"gpu_passthrough_all_gpus": True, "gpu_passthrough_aliases": {"10de:20f1": {"name": "a100", "count": 2}}}),
                  gtx=("two_gtx1060", {"gpu_passthrough_addresses": ["0000:02:00.0"]}))
    log = tmp_path / "doubles.log"
    cloud.env = {"ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (REPO / "tests" / "kolla_doubles" / "collections", COLLECTIONS_ROOT), "KOLLA_DOUBLES_LOG": str(log),
                 "OS_CLOUD": "", "OS_AUTH_URL": ""}
    return cloud, log


def _recorded(log):
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_flavors_are_created_once_from_the_controller_with_the_alias_extra_spec(tmp_path):
    cloud, log = _flavor_cloud(tmp_path)
    run = cloud.run(gpu_passthrough_flavors=[FLAVOR, {"name": "g1.gtx", "alias": "gpu-10de-1c03", "vcpus": 4, "ram": 8192, "disk": 40}],
                    gpu_passthrough_cloud="lab")
    assert run.rc == 0, run.out[-4000:]
    made = [(r["name"], r["extra_specs"], r["cloud"], r["delegate_to"]) for r in _recorded(log)]
    assert made == [("g1.a100", {"pci_passthrough:alias": "a100:2"}, "lab", "localhost"),  # the alias's own count
                    ("g1.gtx", {"pci_passthrough:alias": "gpu-10de-1c03:1"}, "lab", "localhost")]


def test_without_credentials_the_flavors_are_named_not_created(tmp_path):
    cloud, log = _flavor_cloud(tmp_path)
    run = cloud.run(gpu_passthrough_flavors=[FLAVOR])
    assert run.rc == 0, run.out[-4000:]
    assert _recorded(log) == []
    assert "GPU flavors g1.a100 not created: no cloud credentials" in run.note("a100", "Say why no flavor is created")


def test_a_bad_flavor_changes_nothing_on_any_host(tmp_path):
    cloud, log = _flavor_cloud(tmp_path)
    before = cloud.trees()
    run = cloud.run(gpu_passthrough_flavors=[dict(FLAVOR, alias="h100"), dict(FLAVOR, name="g1.b", ram=0)], gpu_passthrough_cloud="lab")
    assert run.rc != 0
    message = json.dumps(list(run.failed.values()))
    assert "gpu_passthrough_flavors[0] (g1.a100): alias='h100' is not an alias a host of the play decided (a100, gpu-10de-1c03)" in message
    assert "gpu_passthrough_flavors[1] (g1.b): ram=0" in message
    assert cloud.trees() == before and _recorded(log) == []


def _all_tasks(tasks):
    for task in tasks:
        yield task
        yield from _all_tasks(task.get("block", []) + task.get("rescue", []) + task.get("always", []))


def test_a_rebooted_host_publishes_the_decision_over_what_it_reads_after_the_reboot():
    # The reboot cannot run here (it would reboot this machine); the order of the tasks is what keeps the fact true.
    tasks = list(_all_tasks(yaml.safe_load((ROLE / "tasks" / "reboot.yml").read_text(encoding="utf-8"))))
    names = [task.get("name") for task in tasks]
    reboot = next(t for t in tasks if "ansible.builtin.reboot" in t)
    again = names.index("Decide again on the rebooted host (the published fact then lists no kernel argument as pending)")
    assert names.index("Read the GPUs again") < again and reboot["register"] == "_gpu_passthrough_rebooted"
    assert tasks[again]["ansible.builtin.set_fact"] == {"_gpu_passthrough_plan": "{{ _gpu_passthrough_decided }}"}
    assert "_gpu_passthrough_rebooted is changed" in tasks[again]["when"]
    # The first decision is the same rule over the first read (one place: vars/main.yml _gpu_passthrough_decided).
    main = list(_all_tasks(yaml.safe_load((ROLE / "tasks" / "main.yml").read_text(encoding="utf-8"))))
    assert [t["ansible.builtin.set_fact"] for t in main if "_gpu_passthrough_plan" in t.get("ansible.builtin.set_fact", {})] == [
        {"_gpu_passthrough_plan": "{{ _gpu_passthrough_decided }}"}]
    assert "multiarch.kolla.gpu_passthrough_plan(" in yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8"))["_gpu_passthrough_decided"]
