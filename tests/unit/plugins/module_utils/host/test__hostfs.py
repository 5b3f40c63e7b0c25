"""_hostfs: reading the host tree under a root, failures turned into one warning each."""

from __future__ import annotations

import errno

from hosttree import write

from ansible_collections.multiarch.kolla.plugins.module_utils import _files
from ansible_collections.multiarch.kolla.plugins.module_utils.host._hostfs import list_dir, read_text


def test_read_text_under_root(tmp_path):
    write(tmp_path, "/proc/1/comm", "systemd\n")
    warnings = []
    assert read_text(str(tmp_path), "/proc/1/comm", warnings, "init system") == "systemd\n"
    assert warnings == []


def test_missing_file_warns_unless_missing_ok(tmp_path):
    warnings = []
    assert read_text(str(tmp_path), "/proc/cpuinfo", warnings, "CPU vendor") is None
    assert warnings == ["/proc/cpuinfo does not exist: CPU vendor unknown"]
    warnings = []
    assert read_text(str(tmp_path), "/sys/module/kvm_amd/parameters/nested", warnings, missing_ok=True) is None
    assert warnings == []


def test_directory_and_non_utf8_become_warnings(tmp_path):
    (tmp_path / "proc/cmdline").mkdir(parents=True)
    (tmp_path / "proc/cpuinfo").write_bytes(b"model name\t: \xff\xfe\n")
    warnings = []
    assert read_text(str(tmp_path), "/proc/cmdline", warnings, "IOMMU kernel arguments") is None
    assert read_text(str(tmp_path), "/proc/cpuinfo", warnings) is None
    assert len(warnings) == 2
    assert "/proc/cmdline" in warnings[0] and "directory" in warnings[0] and warnings[0].endswith("IOMMU kernel arguments unknown")
    assert "/proc/cpuinfo" in warnings[1] and "UTF-8" in warnings[1]


def test_unreadable_file_warns(tmp_path, monkeypatch):
    write(tmp_path, "/proc/cpuinfo", "processor : 0\n")

    def refuse(path, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    # _files opens the file; refusing there is what an unprivileged user meets (root reads whatever the mode).
    monkeypatch.setattr(_files, "open", refuse, raising=False)
    warnings = []
    assert read_text(str(tmp_path), "/proc/cpuinfo", warnings, "CPU count") is None
    assert len(warnings) == 1 and "/proc/cpuinfo" in warnings[0] and "Permission denied" in warnings[0] and warnings[0].endswith("CPU count unknown")


def test_list_dir_sorted_and_missing(tmp_path):
    for name in ("kvm_intel", "kvm", "bridge"):
        (tmp_path / "sys/module" / name).mkdir(parents=True)
    warnings = []
    assert list_dir(str(tmp_path), "/sys/module", warnings, "KVM module") == ["bridge", "kvm", "kvm_intel"]
    assert list_dir(str(tmp_path), "/sys/class/iommu", warnings, "IOMMU kind") is None
    assert warnings == []


def test_list_dir_error_warns(tmp_path):
    write(tmp_path, "/sys/kernel/iommu_groups", "not a directory")
    warnings = []
    assert list_dir(str(tmp_path), "/sys/kernel/iommu_groups", warnings, "IOMMU groups") is None
    assert warnings == ["/sys/kernel/iommu_groups cannot be listed (Not a directory): IOMMU groups unknown"]
    warnings = []
    assert list_dir(str(tmp_path), "/sys/missing", warnings, "something", missing_ok=False) is None
    assert warnings == ["/sys/missing cannot be listed (No such file or directory): something unknown"]
