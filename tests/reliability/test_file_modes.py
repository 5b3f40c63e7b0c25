"""Every file the collection writes gets a least-privilege mode, and an existing file's narrower mode is never widened.

The roles run for real into tmp trees: site.yml on this machine (kolla_multiarch's inventory dir and nova overrides,
the capability map), role gpu_passthrough on pcitree's A100 host (``gpu_passthrough_root``), role container_runtime with
its files under ``tmp_path`` (``container_runtime_daemon_json``, ``container_runtime_podman_dropin``; Docker's restart,
tagged ``container_runtime_restart``, is skipped, so this machine's Docker is left alone). Each run also finds files
the operator had narrowed to 0600 and must leave them so.

The modes (docs/written-keys.md):
- kolla-ansible's inventory dir and custom config dir (``kolla_multiarch_file_mode``/``_dir_mode``): files 0640, created
  directories 0750. kolla-ansible's own config files are root-owned 0600/0660 (its ``config.yml`` tasks), and the
  operator's inventory may hold connection secrets: only the owner and its group (the deploy user's) read them.
- the capability map: 0644 files in a 0755 directory when it creates it. It holds no secret (test_secrets.py proves it)
  and is meant to be read by whoever plans the cloud, as the HTML page in a browser.
- on the hosts: daemon.json 0644 (Docker's own default; kolla-ansible's docker role writes it 0644 too), the Podman
  drop-in 0644, the modprobe.d, modules-load.d, udev and GRUB drop-in files 0644 (what the distributions ship there,
  read by non-root tools such as ``modinfo`` and ``udevadm``), the initramfs hook 0755 (initramfs-tools runs it);
  created directories 0755.
"""

from __future__ import annotations

import platform
import sys

import pcitree
import pytest
from reliability_testlib import gpu_play, modes, run_play
from site_testlib import Site

NARROW = 0o600


def _narrowed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(NARROW)
    return path


def _relative(found, root):
    return {str(path.relative_to(root)): mode for path, mode in found.items()}


def test_site_writes_the_kolla_files_0640_the_map_0644_and_keeps_narrower_modes(tmp_path):
    site = Site(tmp_path)
    host_vars = _narrowed(tmp_path / "inventory" / "host_vars" / "cx1.yml", "my_setting: 1\n")
    override = _narrowed(tmp_path / "kolla" / "config" / "nova" / "cx1" / "nova-compute.conf", "[DEFAULT]\ndebug = True\n")
    markdown = _narrowed(tmp_path / "report" / "capability-map.md", "old map\n")
    for folder in (host_vars.parent, override.parent, markdown.parent):
        folder.chmod(0o700)
    before = set(modes(tmp_path))
    rc, changed, out = site.run()
    assert rc == 0 and changed, out
    assert "virt_type" in override.read_text() and "| cx1 |" in markdown.read_text()  # written ...
    for path in (host_vars, override, markdown):
        assert path.stat().st_mode & 0o777 == NARROW, path  # ... and not widened
        assert path.parent.stat().st_mode & 0o777 == 0o700, path.parent  # an existing directory keeps its mode
    arch = "arch_" + {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine(), platform.machine())
    assert _relative({p: m for p, m in modes(tmp_path / "inventory").items() if p not in before}, tmp_path / "inventory") == {
        "multinode": 0o640, "multiarch-groups.yml": 0o640, "group_vars": 0o750, "group_vars/%s.yml" % arch: 0o640}
    written = _relative({p: m for p, m in modes(tmp_path / "kolla" / "config").items() if p not in before}, tmp_path / "kolla" / "config")
    backups = [name for name in written if name.startswith("nova/cx1/nova-compute.conf.")]
    assert len(backups) == 1 and written.pop(backups[0]) == NARROW  # the backup is no wider than the file it copies
    assert written == {".multiarch-kolla.json": 0o640}
    assert _relative({p: m for p, m in modes(tmp_path / "report").items() if p not in before}, tmp_path / "report") == {
        "capability-map.json": 0o644, "capability-map.html": 0o644}


def test_site_creates_the_kolla_dirs_0750_and_the_report_dir_0755(tmp_path):
    site = Site(tmp_path)
    rc, changed, out = site.run("--tags", "nova_compute,kolla_render,report")
    assert rc == 0 and changed, out
    assert _relative(modes(tmp_path / "kolla" / "config"), tmp_path / "kolla" / "config") == {
        "nova": 0o750, "nova/cx1": 0o750, "nova/cx1/nova-compute.conf": 0o640, ".multiarch-kolla.json": 0o640}
    assert modes(tmp_path / "inventory")[tmp_path / "inventory" / "host_vars" / "cx1.yml"] == 0o640
    assert (tmp_path / "report").stat().st_mode & 0o777 == 0o755


GPU_PLAY = gpu_play()
VFIO = "etc/modprobe.d/multiarch-kolla-vfio.conf"


def test_gpu_passthrough_writes_0644_files_a_0755_hook_and_keeps_a_narrower_mode(tmp_path):
    root = tmp_path / "a100"
    root.mkdir()
    pcitree.sriov_a100(root)
    pcitree.pci_ids(root)
    before = set(modes(root))
    rc, out = run_play(tmp_path, GPU_PLAY, {"a100": {"gpu_passthrough_root": str(root), "gpu_passthrough_all_gpus": True}}, {})
    assert rc == 0, out[-6000:]
    written = _relative({p: m for p, m in modes(root).items() if p not in before}, root)
    assert written == {"etc/modprobe.d": 0o755, VFIO: 0o644, "etc/modules-load.d": 0o755, "etc/modules-load.d/multiarch-kolla-vfio.conf": 0o644,
                       "etc/default/grub.d/99-multiarch-kolla-gpu.cfg": 0o644, "etc/initramfs-tools/hooks": 0o755,
                       "etc/initramfs-tools/hooks/multiarch-kolla-vfio": 0o755}, written
    # The operator narrows the owned file; a run that rewrites it (another device ID) keeps the narrower mode.
    (root / VFIO).chmod(NARROW)
    (root / VFIO).write_text("options vfio-pci ids=10de:0000\n")
    rc, out = run_play(tmp_path, GPU_PLAY, {"a100": {"gpu_passthrough_root": str(root), "gpu_passthrough_all_gpus": True}}, {})
    assert rc == 0, out[-6000:]
    assert "ids=10de:20f1" in (root / VFIO).read_text() and (root / VFIO).stat().st_mode & 0o777 == NARROW


RUNTIME_PLAY = """
- hosts: all
  gather_facts: false
  roles:
    - role: multiarch.kolla.container_runtime
"""


@pytest.mark.parametrize("engine", ["docker", "podman"])
def test_container_runtime_writes_0644_and_keeps_a_narrower_mode(tmp_path, engine):
    daemon_json = tmp_path / "etc" / "docker" / "daemon.json"
    dropin = tmp_path / "etc" / "containers" / "containers.conf.d" / "90-multiarch-kolla-cgroup.conf"
    host = {"container_runtime_engine": engine, "container_runtime_cgroup_driver": "cgroupfs", "container_runtime_daemon_json": str(daemon_json),
            "container_runtime_podman_dropin": str(dropin), "ansible_python_interpreter": sys.executable}
    written = daemon_json if engine == "docker" else dropin
    rc, out = run_play(tmp_path, RUNTIME_PLAY, {"rt1": host}, {}, "--skip-tags", "container_runtime_restart")
    assert rc == 0, out[-6000:]
    assert "cgroupfs" in written.read_text() and written.stat().st_mode & 0o777 == 0o644
    # A file the operator narrowed, which the run must change (systemd instead of cgroupfs), stays narrow.
    written.chmod(NARROW)
    rc, out = run_play(tmp_path, RUNTIME_PLAY, {"rt1": dict(host, container_runtime_cgroup_driver="systemd")}, {}, "--skip-tags",
                       "container_runtime_restart")
    assert rc == 0, out[-6000:]
    assert "systemd" in written.read_text() and written.stat().st_mode & 0o777 == NARROW
