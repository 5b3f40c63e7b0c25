"""plugins/plugin_utils/arch_name.py: every alias to its canonical name, errors naming the value and the fix."""

from __future__ import annotations

import pytest

from ansible_collections.multiarch.kolla.plugins.plugin_utils.arch_name import ArchNameError, canonical_arch


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("amd64", "x86_64"),
        ("x86_64", "x86_64"),
        ("X86-64", "x86_64"),
        ("arm64", "aarch64"),
        ("aarch64", "aarch64"),
        ("ppc64el", "ppc64le"),
        ("powerpc64le", "ppc64le"),
        ("ppc64", "ppc64"),
        ("powerpc64", "ppc64"),
        ("s390x", "s390x"),
        ("riscv64", "riscv64"),
        ("i386", "i686"),
        ("armhf", "armv7l"),
    ],
)
def test_canonical_arch(alias, canonical):
    assert canonical_arch(alias) == canonical


@pytest.mark.parametrize("value", ["sparc64", "", "mips"])
def test_canonical_arch_unknown_names_the_value(value):
    with pytest.raises(ArchNameError) as exc:
        canonical_arch(value)
    assert f"'{value}'" in str(exc.value)
    assert "archtable.py" in str(exc.value)


@pytest.mark.parametrize("value", [None, {"arch": "x86_64"}, ["x86_64"], True])
def test_canonical_arch_wrong_type(value):
    with pytest.raises(ArchNameError, match="expected an architecture name"):
        canonical_arch(value)


def test_canonical_arch_agrees_with_debian_names():
    # dpkg's architecture names (dpkg --print-architecture) of the supported hosts, and the kernel's (uname -m).
    assert [canonical_arch(n) for n in ("amd64", "arm64", "ppc64el")] == ["x86_64", "aarch64", "ppc64le"]
    assert [canonical_arch(n) for n in ("x86_64", "aarch64", "ppc64le")] == ["x86_64", "aarch64", "ppc64le"]
