"""Tests for plugins/plugin_utils/nova/libvirt_values.py: [libvirt] values nova reads back as they were meant.

Oracles: nova 34's own option definitions (oslo.config reads every value the filter
accepts back, from a file written by a writer that splits lines as str.splitlines does),
Python's str.splitlines for the set of line breaks, and the names QEMU (-cpu help) and
libvirt's CPU map (daemon-less test:///default) give CPU models.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from nova_testlib import cpu_map, load_libvirt_section, make_host, nova_value

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import ARCHES, SUPPORTED_HOST_ARCHES
from ansible_collections.multiarch.kolla.plugins.module_utils.host.qemu_probe import parse_cpu_help
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova import libvirt_values as values
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova.libvirt import (
    NOVA_LIBVIRT_KEYS,
    NovaLibvirtError,
    nova_libvirt_settings,
    render_nova_compute_libvirt,
)

# --------------------------------------------------------------------------- the functions


@pytest.mark.parametrize(
    ("value", "found"),
    [("q35", None), (["a", "b\u2028c"], "\u2028"), ({"x86_64\x85": "q35"}, "\x85"), ({"x86_64": ["q35\r"]}, "\r"), (8, None), (None, None)],
)
def test_line_break_in_looks_into_every_string(value, found):
    assert values.line_break_in(value) == found


@pytest.mark.parametrize(
    ("value", "items", "problem"),
    [
        (None, [], None),
        ("Nehalem, Westmere,", ["Nehalem", "Westmere"], None),
        (["Nehalem ", "Westmere"], ["Nehalem", "Westmere"], None),
        (["Nehalem,Westmere"], [], "holds a comma"),
        (["Nehalem", ""], [], "non-empty string"),
        (["Nehalem", 4], [], "non-empty string"),
        ({"Nehalem": 1}, [], "give a list"),
    ],
)
def test_list_items(value, items, problem):
    got, why = values.list_items(value)
    assert got == items
    assert (why is None) if problem is None else (problem in why)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (values.model_problem, ["Skylake-Client-IBRS", "power7+", "power9_v2.2", "486", "cortex-a57"], ["-Nehalem", "Neh alem", "a/b", '"Nehalem"', ""]),
        (values.flag_problem, ["+pcid", "-hle", "avx512-vp2intersect", "vmx"], ["+", "pc id", "pcid;", "'pcid'"]),
        (values.machine_problem, ["pc-q35-7.2", "virt", "s390-ccw-virtio"], ["q35,aarch64=virt", "q35 ", None, 35]),
        (values.count_problem, [0, 28, "16"], ["0x8", "1_0", " 8", "\u0663", 8.5, True, None]),
    ],
)
def test_name_and_count_checks(check, good, bad):
    assert [g for g in good if check(g) is not None] == []
    assert [b for b in bad if check(b) is None] == []


@pytest.mark.parametrize(("text", "words"), [("Nehalem", None), ("a\u2029b", "line break"), (" q35", "whitespace"), ('"q35"', "quotes")])
def test_rendered_problem(text, words):
    problem = values.rendered_problem(text)
    assert (problem is None) if words is None else (words in problem)


# --------------------------------------------------------------------------- through the decision, nova as the oracle


# Every character str.splitlines treats as a line break.
LINE_BREAKS = ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_line_breaks_are_exactly_what_splitlines_splits_on():
    found = [chr(c) for c in range(0x110000) if len(("a%sb" % chr(c)).splitlines()) == 2]
    assert sorted(found) == sorted(LINE_BREAKS)


def _hostile(brk):
    injected = "%svirt_type = kvm" % brk
    return [
        ("cpu_models", {"virt_type": "qemu", "cpu_models": ["Nehalem" + injected]}),
        ("cpu_models", {"virt_type": "qemu", "cpu_models": "Nehalem" + injected}),
        ("cpu_models", {"virt_type": "qemu", "cpu_models": ["Nehalem" + brk]}),
        ("cpu_model_extra_flags", {"cpu_mode": "custom", "cpu_models": ["Nehalem"], "cpu_model_extra_flags": ["+pcid" + injected]}),
        ("cpu_model_extra_flags", {"cpu_mode": "custom", "cpu_models": ["Nehalem"], "cpu_model_extra_flags": ["pcid" + brk]}),
        ("hw_machine_type", {"hw_machine_type": {"x86_64": "q35" + injected}}),
        ("hw_machine_type", {"hw_machine_type": "x86_64=q35" + injected}),
        ("hw_machine_type", {"hw_machine_type": {"x86_64" + brk: "q35"}}),
        ("virt_type", {"virt_type": "qemu" + brk}),
        ("cpu_mode", {"cpu_mode": "none" + brk}),
        ("num_pcie_ports", {"num_pcie_ports": "8" + brk}),
    ]


HOSTILE = [pytest.param(key, over, id="%s-%s-%d" % (key, "U+%04X" % ord(brk), i)) for brk in LINE_BREAKS for i, (key, over) in enumerate(_hostile(brk))]


@pytest.mark.parametrize(("key", "overrides"), HOSTILE)
def test_every_line_break_is_refused_in_every_libvirt_override(key, overrides):
    host = make_host("x86_64", True, guests=["x86_64", "aarch64"])
    host["guests"]["x86_64"]["cpu_models"] = []  # the emulator's list unknown: only the pattern can refuse a model
    with pytest.raises(NovaLibvirtError) as err:
        nova_libvirt_settings(host, overrides)
    message = str(err.value)
    assert "web-1" in message and key in message and "line break" in message


READ_DIFFERENTLY = [
    ("cpu_models", ["Nehalem,Westmere"]),  # a comma inside a ListOpt item splits it in two
    ("cpu_models", ['"Nehalem"']),  # oslo's String strips the quotes
    ("cpu_models", ["Neh alem"]),
    ("cpu_models", ["Nehalem;rm"]),
    ("cpu_models", ["-Nehalem"]),
    ("cpu_models", ["Nehalem#x"]),
    ("cpu_model_extra_flags", ["pcid,vmx"]),
    ("cpu_model_extra_flags", ["'pcid'"]),
    ("hw_machine_type", {"x86_64": "q35,aarch64=virt"}),
    ("hw_machine_type", {"x86_64": '"q35"'}),
    ("num_pcie_ports", "0x8"),
    ("num_pcie_ports", "1_0"),
    ("num_pcie_ports", " 8"),
    ("num_pcie_ports", "\u0663"),  # ARABIC-INDIC DIGIT THREE: int() reads it, an INI reader sees text
    ("num_pcie_ports", 8.5),
    ("virt_type", "KVM"),
    ("virt_type", "kvm "),
    ("cpu_mode", "Custom"),
]


@pytest.mark.parametrize(("key", "value"), READ_DIFFERENTLY, ids=[f"{k}-{v!r}" for k, v in READ_DIFFERENTLY])
def test_values_nova_would_read_differently_are_refused(key, value):
    host = make_host("x86_64", True, guests=["x86_64", "aarch64"])
    host["guests"]["x86_64"]["cpu_models"] = []
    overrides = {key: value}
    if key in ("cpu_models", "cpu_model_extra_flags"):
        overrides.setdefault("cpu_mode", "custom")
        overrides.setdefault("cpu_models", ["Nehalem"])
    with pytest.raises(NovaLibvirtError) as err:
        nova_libvirt_settings(host, overrides)
    assert "web-1" in str(err.value) and key in str(err.value)


def _splitting_writer(path, rendered):
    """An INI writer that normalises lines with str.splitlines, as line-oriented INI tools do."""
    text = "[libvirt]\n" + "".join("%s = %s\n" % (k, v) for k, v in rendered.items())
    path.write_text("\n".join(text.splitlines()) + "\n", encoding="utf-8")
    return path


ACCEPTED = [
    {"virt_type": "qemu", "cpu_models": "nehalem, Westmere"},
    {"virt_type": "qemu", "cpu_models": ["Westmere"], "num_pcie_ports": "12"},
    {"cpu_mode": "custom", "cpu_models": ["Skylake-Client-IBRS", "Cascadelake-Server-v4"], "cpu_model_extra_flags": ["+pcid", "-hle", "avx512-vp2intersect"]},
    {"hw_machine_type": "x86_64=pc-q35-7.2,aarch64=virt-7.2", "num_pcie_ports": 0},
    {"cpu_mode": "custom", "cpu_models": ["power7+"]},
]


@pytest.mark.parametrize("overrides", [o for _k, o in _hostile("\u2028")] + [{k: v} for k, v in READ_DIFFERENTLY] + ACCEPTED)
def test_what_the_filter_accepts_nova_reads_back_exactly(overrides, tmp_path):
    """oslo.config with nova 34's own option definitions reads back exactly what was decided, or the filter refused."""
    host = make_host("x86_64", True, guests=["x86_64", "aarch64"])
    host["guests"]["x86_64"]["cpu_models"] = []
    try:
        settings = nova_libvirt_settings(host, overrides)
    except NovaLibvirtError:
        return
    conf = load_libvirt_section(_splitting_writer(tmp_path / "nova-compute.conf", render_nova_compute_libvirt(settings)))
    for key in NOVA_LIBVIRT_KEYS:
        assert getattr(conf.libvirt, key) == nova_value(settings, key), key


@pytest.mark.parametrize("overrides", ACCEPTED)
def test_safe_values_still_pass(overrides):
    host = make_host("x86_64", True, guests=["x86_64", "aarch64"])
    host["guests"]["x86_64"]["cpu_models"] = []
    assert nova_libvirt_settings(host, overrides)["virt_type"] in ("kvm", "qemu")


@pytest.mark.parametrize(
    "settings",
    [{"cpu_models": ["Nehalem\u2028virt_type = kvm"]}, {"hw_machine_type": "x86_64=q35\x85virt_type = lxc"}, {"virt_type": "qemu\rvirt_type = kvm"}],
)
def test_render_refuses_every_line_break(settings):
    with pytest.raises(NovaLibvirtError, match="line break"):
        render_nova_compute_libvirt(settings)


@pytest.mark.parametrize("arch", SUPPORTED_HOST_ARCHES)
def test_every_model_qemu_and_libvirt_name_matches_the_safe_pattern(arch):
    """The names libvirt's CPU map and QEMU (-cpu help) use are what the pattern must let through.

    QEMU also lists a few aliases with a '/' (PowerPC conan/doyle); libvirt's map, which nova checks x86 and POWER
    names against, has none of them, so nova could not use them either.
    """
    listed = set(ARCHES[arch]["tcg_cpu_models"]) | set(ARCHES[arch]["compat_cpu_models"]) | set(ARCHES[arch]["cpu_model_families"])
    try:
        libvirt_names = set(cpu_map(arch))
    except Exception:  # libvirt has no CPU map for aarch64 before 10.x
        libvirt_names = set()
    binary = shutil.which(ARCHES[arch]["qemu_binary"])
    qemu_names = set()
    if binary:
        out = subprocess.run([binary, "-cpu", "help"], capture_output=True, text=True, check=False, timeout=60).stdout
        qemu_names = set(parse_cpu_help(out))
    assert len(listed | libvirt_names | qemu_names) > 5
    assert [n for n in sorted(listed | libvirt_names) if not values.CPU_MODEL_RE.fullmatch(n)] == []
    odd = sorted(n for n in qemu_names if not values.CPU_MODEL_RE.fullmatch(n))
    assert all("/" in n for n in odd), odd
    if odd:
        assert libvirt_names and not set(odd) & libvirt_names
