"""libvirt_cost: which QEMU capability cache entries libvirt rewrote, /dev/kvm's mode, and the warnings that say so.

Oracle for the cache layout: the cache of the libvirt daemon on this machine
(/var/cache/libvirt/qemu/capabilities, read when it is there); the rest on trees the tests build.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hosttree import write

from ansible_collections.multiarch.kolla.plugins.module_utils.host import libvirt_cost


def cache_entry(root, name, emulator, mtime=1):
    path = write(root, "%s/%s" % (libvirt_cost.CACHE_DIR, name), "<qemuCaps>\n  <emulator>%s</emulator>\n</qemuCaps>\n" % emulator)
    os.utime(path, (mtime, mtime))
    return path


def test_rewritten_names_the_emulators_of_changed_and_new_entries(tmp_path):
    cache_entry(tmp_path, "a.xml", "/usr/bin/qemu-system-x86_64")
    cache_entry(tmp_path, "b.xml", "/usr/bin/qemu-system-ppc64")
    write(tmp_path, "%s/notes.txt" % libvirt_cost.CACHE_DIR, "not a cache entry")
    before = libvirt_cost.cache_stamps(str(tmp_path))
    assert set(before) == {"a.xml", "b.xml"}
    cache_entry(tmp_path, "a.xml", "/usr/bin/qemu-system-x86_64", mtime=2)
    cache_entry(tmp_path, "c.xml", "/usr/bin/qemu-system-i386", mtime=2)
    assert libvirt_cost.rewritten(str(tmp_path), before) == ["/usr/bin/qemu-system-i386", "/usr/bin/qemu-system-x86_64"]
    assert libvirt_cost.rewritten(str(tmp_path), libvirt_cost.cache_stamps(str(tmp_path))) == []


def test_an_entry_without_an_emulator_is_named_by_its_file(tmp_path):
    before = libvirt_cost.cache_stamps(str(tmp_path))
    assert before == {}  # no cache directory at all
    write(tmp_path, "%s/d.xml" % libvirt_cost.CACHE_DIR, "<qemuCaps/>")
    assert libvirt_cost.rewritten(str(tmp_path), before) == ["%s/d.xml" % libvirt_cost.CACHE_DIR]


def test_the_cache_of_this_machines_libvirt_names_its_emulators():
    directory = Path(libvirt_cost.CACHE_DIR)
    if not directory.is_dir() or not os.access(directory, os.R_OK):
        pytest.skip("no readable libvirt QEMU capability cache on this machine")
    stamps = libvirt_cost.cache_stamps("/")
    if not stamps:
        pytest.skip("libvirt's QEMU capability cache is empty on this machine")
    emulators = libvirt_cost.rewritten("/", {})
    assert emulators and all(e.startswith("/") and "qemu" in e for e in emulators)


@pytest.mark.parametrize(("mode", "hinted"), [(0o600, True), (0o660, False), (0o666, False), (0o640, True)])
def test_dev_kvm_hint_only_when_group_and_others_may_not_open_it(tmp_path, mode, hinted):
    path = write(tmp_path, "/dev/kvm")
    os.chmod(path, mode)
    hint = libvirt_cost.dev_kvm_hint(str(tmp_path))
    assert bool(hint) is hinted
    if hinted:
        assert "%04o" % mode in hint and "kvm group" in hint and "0660" in hint


def test_no_dev_kvm_no_hint(tmp_path):
    assert libvirt_cost.dev_kvm_hint(str(tmp_path)) == ""


def test_cost_warning_cheap_slow_and_reprobed(tmp_path):
    assert libvirt_cost.cost_warning("qemu:///system", 0.4, [], str(tmp_path), slow=5, timeout=20) is None
    slow = libvirt_cost.cost_warning("qemu:///system", 7.25, [], str(tmp_path), slow=5, timeout=20)
    assert slow == "libvirt at qemu:///system answered in 7.2 s; bound the cost with libvirt_timeout (now 20 s) or use_libvirt: false"
    reprobed = libvirt_cost.cost_warning("qemu:///system", 17.9, ["/usr/bin/qemu-system-x86_64"], str(tmp_path), slow=5, timeout=0)
    assert "answered in 17.9 s and re-probed QEMU" in reprobed and "/usr/bin/qemu-system-x86_64" in reprobed
    assert "libvirt_timeout (now no limit)" in reprobed


def test_timeout_warning(tmp_path):
    text = libvirt_cost.timeout_warning("qemu:///system", 20.0, [], str(tmp_path))
    assert text.startswith("libvirt: no answer from qemu:///system within 20 s (libvirt_timeout); guests come from probing QEMU binaries")
    assert "meanwhile" not in text
    text = libvirt_cost.timeout_warning("qemu:///system", 20.0, ["/usr/bin/qemu-system-i386"], str(tmp_path))
    assert "meanwhile libvirt re-probed QEMU" in text and "/usr/bin/qemu-system-i386" in text
