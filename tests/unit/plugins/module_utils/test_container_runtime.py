"""Tests for plugins/module_utils/container_runtime.py.

Oracles: ``tomllib`` for the fallback TOML reader, PyYAML for the minimal YAML reader,
and the real-world files under ``shared/fixtures/docker`` and ``shared/fixtures/kubernetes``
with their expected values spelled out below.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess

import pytest
import tomllib
from conftest import fixture_file, fixture_files, shared_dir

from ansible_collections.multiarch.kolla.plugins.module_utils import container_runtime as cr

CRI_V2 = 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup'
CRI_V3 = 'plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options.SystemdCgroup'

# One entry per fixture file; a fixture without an entry fails test_fixture_expectations.
EXPECTED = {
    # docker/
    "daemon_json_linux_full_reference_dockerd_docs.json": {
        "kind": "daemon_json", "parsed": True, "keys": 75, "cgroup_driver": None, "containerd_snapshotter": True,
    },
    "daemon_json_nvidia_runtime_no_cgroupdriver_nvidia_docker2.json": {
        "kind": "daemon_json", "parsed": True, "keys": 1, "cgroup_driver": None, "containerd_snapshotter": None,
    },
    "daemon_json_systemd_cgroupdriver_minikube_iso.json": {
        "kind": "daemon_json", "parsed": True, "keys": 4, "cgroup_driver": "systemd", "containerd_snapshotter": None,
    },
    "docker_info_cgroupfs_no_swarm.json": {
        "kind": "docker_info", "parsed": True,
        "facts": {
            "cgroup_driver": "cgroupfs",
            "cgroup_version": None,
            "storage_driver": "overlay2",
            "containerd_image_store": False,
            "containerd_image_store_reason": "storage driver overlay2 without a containerd snapshotter driver-type",
            "server_version": "17.06.1-ce",
        },
    },
    # kubernetes/
    "containerd_config_v2_default_1.7_no_systemdcgroup.toml": {
        "kind": "containerd", "parsed": True, "version": 2, "systemd_cgroup": None, "cgroup_driver": None,
        "cri_disabled": False, "systemd_cgroup_key": CRI_V2, "default_runtime_name": "runc",
    },
    "containerd_config_v2_systemdcgroup_false_minikube_kicbase.toml": {
        "kind": "containerd", "parsed": True, "version": 2, "systemd_cgroup": False, "cgroup_driver": "cgroupfs",
        "cri_disabled": False, "systemd_cgroup_key": CRI_V2, "default_runtime_name": "runc",
    },
    "containerd_config_v2_systemdcgroup_true_kind_node.toml": {
        "kind": "containerd", "parsed": True, "version": 2, "systemd_cgroup": True, "cgroup_driver": "systemd",
        "cri_disabled": False, "systemd_cgroup_key": CRI_V2, "default_runtime_name": "runc",
    },
    "containerd_config_v3_systemdcgroup_true_docs.toml": {
        "kind": "containerd", "parsed": True, "version": 3, "systemd_cgroup": True, "cgroup_driver": "systemd",
        "cri_disabled": False, "systemd_cgroup_key": CRI_V3, "default_runtime_name": None,
    },
    "kubeadm_config_cgroup_driver_systemd_docs.yaml": {
        "kind": "kubelet", "parsed": True, "documents": 2, "kind_found": True, "document_line": 6,
        "cgroup_driver": "systemd", "container_runtime_endpoint": None,
    },
    "kubeadm_config_v1beta4_k8s1.35_containerd_systemd_minikube.yaml": {
        "kind": "kubelet", "parsed": True, "documents": 4, "kind_found": True, "document_line": 50,
        "cgroup_driver": "systemd", "container_runtime_endpoint": "unix:///run/containerd/containerd.sock",
    },
    "kubelet_config_cgroupfs_kubeadm_v1.12_defaulted.yaml": {
        "kind": "kubelet", "parsed": True, "documents": 1, "kind_found": True, "document_line": 1,
        "cgroup_driver": "cgroupfs", "container_runtime_endpoint": None,
    },
}

ALL_FIXTURES = fixture_files("docker") + fixture_files("kubernetes")


def _read(path):
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_fixture_expectations(path):
    fixture_file(path.parent.name, path.name)  # fails under CI / skips when shared/ is absent
    if path.name not in EXPECTED:
        pytest.fail("fixture %s has no entry in EXPECTED; add its expected values" % path.name)
    want = EXPECTED[path.name]
    text = _read(path)
    kind = want["kind"]
    if kind == "daemon_json":
        facts = cr.analyze_daemon_json(text, str(path))
        assert want["parsed"] is True
        assert len(facts["config"]) == want["keys"]
        assert facts["cgroup_driver"] == want["cgroup_driver"]
        assert facts["containerd_snapshotter"] == want["containerd_snapshotter"]
        assert facts["warnings"] == []
    elif kind == "docker_info":
        facts = cr.analyze_docker_info(json.loads(text))
        assert want["parsed"] is True
        assert facts == want["facts"]
    elif kind == "containerd":
        for use_tomllib in (True, False):
            facts = cr.analyze_containerd_config(text, str(path), use_tomllib=use_tomllib)
            got = {key: facts[key] for key in ("version", "systemd_cgroup", "cgroup_driver", "cri_disabled",
                                               "systemd_cgroup_key", "default_runtime_name")}
            expected = {key: want[key] for key in got}
            assert got == expected, "use_tomllib=%s" % use_tomllib
            assert facts["cri_disabled_by"] == []
            assert facts["warnings"] == []
    elif kind == "kubelet":
        for use_pyyaml in (True, False):
            facts = cr.analyze_kubelet_config(text, str(path), use_pyyaml=use_pyyaml)
            got = {key: facts[key] for key in ("documents", "kind_found", "document_line", "cgroup_driver",
                                               "container_runtime_endpoint")}
            expected = {key: want[key] for key in got}
            assert got == expected, "use_pyyaml=%s" % use_pyyaml
            assert facts["warnings"] == []
    else:  # pragma: no cover - table typo
        pytest.fail("unknown kind %r" % kind)


def test_expectation_table_has_no_stale_entries():
    base = shared_dir() / "fixtures"
    fixture_file("docker")
    present = {p.name for sub in ("docker", "kubernetes") for p in (base / sub).iterdir() if p.is_file()}
    assert set(EXPECTED) == present


# ------------------------------------------------------------------ TOML oracle


@pytest.mark.parametrize("path", fixture_files("kubernetes", "*.toml"), ids=lambda p: p.name)
def test_toml_fallback_matches_tomllib_on_fixtures(path):
    text = _read(fixture_file("kubernetes", path.name))
    assert cr.parse_toml_fallback(text, str(path)) == tomllib.loads(text)


TOML_SAMPLE = r'''
# every value form the fallback reader claims to read
title = "TOML \"quoted\" \u00e9 \U0001F600 tab\there"
literal = 'C:\Users\nodejs'
"quoted key" = 1
'literal key' = 2
dotted.key . path = 0x1_0
[numbers]
int = +99
neg = -17
big = 1_000
hex = 0xDEADBEEF
oct = 0o755
bin = 0b1101
exp = 6.626e-34
frac = -0.01
pinf = inf
ninf = -inf
[strings]
ml = """
Roses are red
Violets are blue"""
folded = """The quick brown \
       fox."""
two = """Here are two quotation marks: "". Simple enough."""
ending = """"This," she said, "is just a pointless statement.\""""
lit_ml = XXX
first
  second XXX
[arrays]
simple = [ 1, 2, 3, ]
mixed = [
  "a", # comment inside an array
  'b',
  [1, 2], {x = 1, y.z = 2}
]
inline = { name = "Tom", "last" = 'P', dot.ted = true }
empty = {}
[[products]]
name = "Hammer"
[products.sub]
k = 1
[[products]]
[[products]]
name = "Nail"
[products.sub]
k = 2
[x.y.z.w]
[x]
v = 1
'''.replace("XXX", "'''")


def test_toml_fallback_matches_tomllib_on_every_value_form():
    assert cr.parse_toml_fallback(TOML_SAMPLE) == tomllib.loads(TOML_SAMPLE)


@pytest.mark.parametrize(
    "text, line",
    [
        ("a = 1\na = 2\n", 2),
        ("[t]\n[t]\n", 2),
        ('a = "x\n', 1),
        ("a = [1 2]\n", 1),
        ("a = {x = 1}\na.y = 2\n", 2),
        ("a = 1 b = 2\n", 1),
        ("k = 'x\ny'\n", 1),
        ("x = tru\n", 1),
        ("a = 01\n", 1),
        ("= 1\n", 1),
        ("ok = 1\n\n  bad = 'unterminated\n", 3),
    ],
)
def test_toml_fallback_rejects_what_tomllib_rejects(text, line):
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(cr.ParseError) as info:
        cr.parse_toml_fallback(text, "/etc/containerd/config.toml")
    assert info.value.line == line
    assert info.value.path == "/etc/containerd/config.toml"


def test_toml_dates_are_a_parse_error_not_a_guess():
    with pytest.raises(cr.ParseError) as info:
        cr.parse_toml_fallback("when = 1979-05-27\n")
    assert (info.value.line, info.value.column) == (1, 8)


@pytest.mark.parametrize("use_tomllib", [True, False])
def test_parse_toml_error_has_line_and_column(use_tomllib):
    text = 'version = 2\n[plugins\nx = 1\n'
    with pytest.raises(cr.ParseError) as info:
        cr.parse_toml(text, "/etc/containerd/config.toml", use_tomllib=use_tomllib)
    assert info.value.line == 2
    assert isinstance(info.value.column, int)
    assert str(info.value).startswith("/etc/containerd/config.toml (line 2, column ")


# --------------------------------------------------------------- containerd


@pytest.mark.parametrize("use_tomllib", [True, False])
@pytest.mark.parametrize(
    "disabled, hits",
    [
        ('["cri"]', ["cri"]),
        ('["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.zfs"]', ["io.containerd.grpc.v1.cri"]),
        ('["io.containerd.cri.v1.runtime"]', ["io.containerd.cri.v1.runtime"]),
        ('["io.containerd.snapshotter.v1.aufs"]', []),
        ("[]", []),
    ],
)
def test_cri_disabled(disabled, hits, use_tomllib):
    # the first case is the file the containerd.io package ships and Docker's image-store role writes
    text = "disabled_plugins = %s\n" % disabled
    facts = cr.analyze_containerd_config(text, "/etc/containerd/config.toml", use_tomllib=use_tomllib)
    assert facts["cri_disabled"] is bool(hits)
    assert facts["cri_disabled_by"] == hits
    assert facts["version"] == 1  # no version key: containerd reads it as a version 1 file
    assert facts["systemd_cgroup"] is None


@pytest.mark.parametrize("use_tomllib", [True, False])
def test_containerd_v1_layout_and_commented_key(use_tomllib):
    text = (
        "[plugins.cri.containerd.runtimes.runc.options]\n"
        "  #SystemdCgroup = false\n"
        "  SystemdCgroup = true\n"
    )
    facts = cr.analyze_containerd_config(text, "c.toml", use_tomllib=use_tomllib)
    assert facts["version"] == 1
    assert facts["systemd_cgroup"] is True
    commented = cr.analyze_containerd_config(
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  #SystemdCgroup = true\n",
        "c.toml", use_tomllib=use_tomllib,
    )
    assert commented["systemd_cgroup"] is None


def test_containerd_v2_path_is_not_read_for_a_v3_file():
    text = 'version = 3\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n'
    assert cr.analyze_containerd_config(text, "c.toml")["systemd_cgroup"] is None


def test_containerd_oddities_are_warnings():
    facts = cr.analyze_containerd_config(
        'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = "yes"\n',
        "c.toml",
    )
    assert facts["systemd_cgroup"] is None
    assert any("imports /etc/containerd/conf.d/*.toml" in w for w in facts["warnings"])
    assert any("not a boolean" in w for w in facts["warnings"])
    assert cr.analyze_containerd_config("version = 9\n", "c.toml")["version"] is None


# --------------------------------------------------------------------- YAML


@pytest.mark.parametrize("path", fixture_files("kubernetes", "*.yaml"), ids=lambda p: p.name)
def test_minimal_yaml_matches_pyyaml_top_level_scalars(path):
    text = _read(fixture_file("kubernetes", path.name))
    full = cr.load_yaml_documents(text, str(path), use_pyyaml=True)
    minimal = cr.load_yaml_documents(text, str(path), use_pyyaml=False)
    scalars = [(line, {k: v for k, v in doc.items() if not isinstance(v, (dict, list))}) for line, doc in full]
    assert minimal == scalars


NOT_YAML = [
    # (text, line reported by PyYAML, line reported by the minimal reader)
    ('KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd"\n', 1, 1),
    ("[Service]\nExecStart=/usr/bin/kubelet\n", 1, 1),
    ("kind: KubeletConfiguration\ncgroupDriver: systemd: yes\n", 2, 2),
    ("kind: KubeletConfiguration\n\tcgroupDriver: systemd\n", 2, 2),
    ("- kind: KubeletConfiguration\n", 1, 1),
]


@pytest.mark.parametrize("use_pyyaml", [True, False])
@pytest.mark.parametrize("text, pyyaml_line, minimal_line", NOT_YAML)
def test_kubelet_config_that_is_not_yaml_is_a_parse_error(text, pyyaml_line, minimal_line, use_pyyaml):
    path = "/var/lib/kubelet/config.yaml"
    with pytest.raises(cr.ParseError) as info:
        cr.analyze_kubelet_config(text, path, use_pyyaml=use_pyyaml)
    assert info.value.path == path
    assert info.value.line == (pyyaml_line if use_pyyaml else minimal_line)
    assert path in str(info.value)


@pytest.mark.parametrize("use_pyyaml", [True, False])
def test_kubelet_config_without_kind_or_with_odd_driver(use_pyyaml):
    facts = cr.analyze_kubelet_config("cgroupDriver: systemd\n", "k.yaml", use_pyyaml=use_pyyaml)
    assert facts["kind_found"] is False
    assert facts["cgroup_driver"] is None
    assert facts["warnings"] == ["k.yaml: no document with kind: KubeletConfiguration"]
    facts = cr.analyze_kubelet_config("kind: KubeletConfiguration\ncgroupDriver: SystemD\n", "k.yaml", use_pyyaml=use_pyyaml)
    assert facts["cgroup_driver"] is None
    assert "neither systemd nor cgroupfs" in facts["warnings"][0]


@pytest.mark.parametrize("use_pyyaml", [True, False])
def test_kubelet_config_in_json_form(use_pyyaml):
    text = '{"kind": "KubeletConfiguration", "apiVersion": "kubelet.config.k8s.io/v1beta1", "cgroupDriver": "systemd"}\n'
    assert cr.analyze_kubelet_config(text, "k.json", use_pyyaml=use_pyyaml)["cgroup_driver"] == "systemd"


def test_minimal_yaml_scalar_types_match_pyyaml():
    text = (
        'a: 1\nb: 0.02\nc: true\nd: off\ne: ~\nf: "q\\"x"\ng: \'it\'\'s\'\nh: 10Mi\ni: 2m0s # comment\n'
        "j: unix:///run/containerd/containerd.sock\nk: -999\nl:\n  - x\nm: [1, 2]\nn: |\n  text\n"
        "o: plain\n  continued\np: 0x1F\n"
    )
    full = cr.load_yaml_documents(text, use_pyyaml=True)[0][1]
    minimal = cr.load_yaml_documents(text, use_pyyaml=False)[0][1]
    scalar_keys = [k for k, v in full.items() if not isinstance(v, (dict, list)) and k not in ("n", "o")]
    assert minimal == {k: full[k] for k in scalar_keys}


# ------------------------------------------------------------- kubeadm flags


def test_kubeadm_flags_cgroup_driver():
    text = (
        'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock '
        '--pod-infra-container-image=registry.k8s.io/pause:3.9 --cgroup-driver=systemd"\n'
    )
    facts = cr.analyze_kubeadm_flags(text, "/var/lib/kubelet/kubeadm-flags.env")
    assert facts["cgroup_driver"] == "systemd"
    assert facts["container_runtime_endpoint"] == "unix:///var/run/containerd/containerd.sock"
    assert facts["args"][1] == "--pod-infra-container-image=registry.k8s.io/pause:3.9"


def test_kubeadm_flags_separate_value_and_last_wins():
    facts = cr.analyze_kubeadm_flags("KUBELET_KUBEADM_ARGS='--cgroup-driver cgroupfs --cgroup-driver=systemd'\n", "f.env")
    assert facts["cgroup_driver"] == "systemd"
    facts = cr.analyze_kubeadm_flags("KUBELET_KUBEADM_ARGS=\"--cgroup-driver cgroupfs\"\n", "f.env")
    assert facts["cgroup_driver"] == "cgroupfs"


def test_kubeadm_flags_without_the_variable_or_broken():
    facts = cr.analyze_kubeadm_flags("# empty\nOTHER=1\n", "f.env")
    assert facts["cgroup_driver"] is None
    assert facts["warnings"] == ["f.env: no KUBELET_KUBEADM_ARGS line"]
    with pytest.raises(cr.ParseError) as info:
        cr.analyze_kubeadm_flags('OTHER=1\nKUBELET_KUBEADM_ARGS="--cgroup-driver=systemd\n', "f.env")
    assert (info.value.path, info.value.line) == ("f.env", 2)
    with pytest.raises(cr.ParseError) as info:
        cr.analyze_kubeadm_flags("this is not an env file\n", "f.env")
    assert info.value.line == 1


# --------------------------------------------------------------- daemon.json


def test_daemon_json_syntax_error_line_and_column():
    text = '{\n  "log-driver": "json-file",\n  "exec-opts" ["native.cgroupdriver=systemd"]\n}\n'
    with pytest.raises(cr.ParseError) as info:
        cr.analyze_daemon_json(text, "/etc/docker/daemon.json")
    assert (info.value.line, info.value.column) == (3, 15)
    assert str(info.value).startswith("/etc/docker/daemon.json (line 3, column 15): invalid JSON")


@pytest.mark.parametrize("text", ["[]", '"x"', "NaN", '{"a": NaN}'])
def test_daemon_json_not_an_object(text):
    with pytest.raises(cr.ParseError):
        cr.parse_json_object(text, "d.json")


def test_daemon_json_empty_and_duplicates():
    assert cr.parse_json_object("  \n", "d.json") == ({}, [])
    data, warnings = cr.parse_json_object('{"debug": false, "debug": true}', "d.json")
    assert data == {"debug": True}
    assert warnings == ["d.json: key 'debug' appears more than once; the last value is used"]


@pytest.mark.parametrize(
    "opts, driver, error",
    [
        ([], None, False),
        (["native.cgroupdriver=systemd"], "systemd", False),
        ([" Native.CgroupDriver = cgroupfs "], "cgroupfs", False),
        (["native.cgroupdriver=cgroupfs", "native.cgroupdriver=systemd"], "cgroupfs", False),  # dockerd takes the first
        (["isolation=process", "native.cgroupdriver=none"], None, True),
        ("native.cgroupdriver=systemd", None, True),
    ],
)
def test_cgroup_driver_from_exec_opts(opts, driver, error):
    got, problem = cr.cgroup_driver_from_exec_opts(opts)
    assert got == driver
    assert bool(problem) is error


# ------------------------------------------------------------------- merging


def test_exec_opts_merge_by_name_keeps_others_and_order():
    existing = ["native.umask=normal", "native.cgroupdriver=cgroupfs", "NATIVE.CGROUPDRIVER=cgroupfs", "other=1"]
    merged = cr.merge_exec_opts(existing, ["native.cgroupdriver=systemd", "new.opt=2"])
    assert merged == ["native.umask=normal", "native.cgroupdriver=systemd", "other=1", "new.opt=2"]
    assert cr.merge_exec_opts(None, ["native.cgroupdriver=systemd"]) == ["native.cgroupdriver=systemd"]
    assert cr.merge_exec_opts(["a=1"], []) == ["a=1"]


@pytest.mark.parametrize(
    "new, words",
    [
        ("native.cgroupdriver=systemd", "not the string"),
        ({"native.cgroupdriver": "systemd"}, "must be a list"),
        (["native.cgroupdriver"], "name=value"),
        ([1], "not a string"),
        (["a=1", "A=2"], "more than once"),
    ],
)
def test_exec_opts_bad_input(new, words):
    with pytest.raises(cr.ConfigError) as info:
        cr.merge_exec_opts(["x=1"], new)
    assert words in str(info.value)


def test_existing_exec_opts_string_is_refused():
    with pytest.raises(cr.ConfigError) as info:
        cr.deep_merge({"exec-opts": "native.cgroupdriver=cgroupfs"}, {"exec-opts": ["native.cgroupdriver=systemd"]})
    assert "existing daemon.json" in str(info.value)


def test_deep_merge_keeps_order_and_nested_keys():
    base = json.loads(_read(fixture_file("docker", "daemon_json_systemd_cgroupdriver_minikube_iso.json")))
    merged = cr.deep_merge(base, {"log-opts": {"max-file": "3"}, "live-restore": True, "storage-driver": "overlay2"})
    assert list(merged) == ["exec-opts", "log-driver", "log-opts", "storage-driver", "live-restore"]
    assert merged["log-opts"] == {"max-size": "100m", "max-file": "3"}
    assert base["log-opts"] == {"max-size": "100m"}  # input untouched


def test_nested_exec_opts_are_plain_lists():
    merged = cr.deep_merge({"x": {"exec-opts": ["a=1"]}}, {"x": {"exec-opts": ["b=2"]}})
    assert merged == {"x": {"exec-opts": ["b=2"]}}


@pytest.mark.parametrize("settings", [["a"], "a=b", 3, None, {1: "x"}, {"a": {"b": object()}}])
def test_validate_settings_rejects(settings):
    with pytest.raises(cr.ConfigError):
        cr.validate_settings(settings)


def test_remove_keys_paths():
    base = {"a": 1, "log-opts": {"max-size": "1m", "max-file": "2"}, "b": 2}
    result, removed = cr.remove_keys(base, ["a", ["log-opts", "max-file"], "missing", ["b", "deeper"]])
    assert result == {"log-opts": {"max-size": "1m"}, "b": 2}
    assert removed == [["a"], ["log-opts", "max-file"]]
    with pytest.raises(cr.ConfigError):
        cr.remove_keys(base, [3])


def test_plan_is_idempotent_and_type_strict():
    text = cr.dump_daemon_json({"debug": 1})
    plan = cr.plan_daemon_json(text, settings={"debug": True})
    assert plan["changed"] is True  # 1 and true are different JSON values
    again = cr.plan_daemon_json(plan["content"], settings={"debug": True})
    assert again["changed"] is False
    assert again["content"] is None


def test_plan_new_file_and_absent_on_missing_file():
    plan = cr.plan_daemon_json(None, settings={"exec-opts": ["native.cgroupdriver=systemd"]}, path="/x/daemon.json")
    assert plan["changed"] is True
    assert plan["previous"] is None
    assert plan["content"] == '{\n  "exec-opts": [\n    "native.cgroupdriver=systemd"\n  ]\n}\n'
    assert plan["diff"]["before"] == ""
    gone = cr.plan_daemon_json(None, state="absent", keys=["exec-opts"])
    assert gone["changed"] is False
    assert gone["config"] == {}


# ------------------------------------------------------------------ docker info


def test_docker_info_containerd_image_store():
    info = json.loads(_read(fixture_file("docker", "docker_info_cgroupfs_no_swarm.json")))
    snap = dict(info, Driver="overlayfs", DriverStatus=[["driver-type", "io.containerd.snapshotter.v1"]], CgroupVersion="2")
    facts = cr.analyze_docker_info(snap)
    assert facts["containerd_image_store"] is True
    assert facts["containerd_image_store_reason"] == "DriverStatus driver-type io.containerd.snapshotter.v1"
    assert facts["cgroup_version"] == 2
    bare = dict(info, Driver="overlayfs", DriverStatus=None)
    assert cr.analyze_docker_info(bare)["containerd_image_store"] is True
    assert cr.analyze_docker_info({})["containerd_image_store"] is None


# ---------------------------------------------------------------------- podman


def test_containers_conf_layering(tmp_path):
    usr = tmp_path / "usr.conf"
    usr.write_text('[engine]\n#cgroup_manager = "systemd"\ncgroup_manager = "systemd"\n')
    etc = tmp_path / "etc.conf"
    etc.write_text("[containers]\nlog_driver = \"k8s-file\"\n")
    dropin = tmp_path / "containers.conf.d"
    dropin.mkdir()
    (dropin / "20-late.conf").write_text('[engine]\ncgroup_manager = "cgroupfs"\n')
    (dropin / "10-early.conf").write_text('[engine]\ncgroup_manager = "systemd"\n')
    (dropin / "30-broken.conf").write_text("[engine\n")
    (dropin / "ignored.txt").write_text('[engine]\ncgroup_manager = "systemd"\n')
    files = cr.containers_conf_files([str(usr), str(etc), str(dropin), str(tmp_path / "absent.conf")])
    assert [p.rsplit("/", 1)[1] for p in files] == ["usr.conf", "etc.conf", "10-early.conf", "20-late.conf", "30-broken.conf"]
    for use_tomllib in (True, False):
        facts = cr.analyze_containers_conf([(p, open(p).read()) for p in files], use_tomllib=use_tomllib)
        assert facts["cgroup_manager"] == "cgroupfs"
        assert facts["cgroup_manager_file"] == str(dropin / "20-late.conf")
        assert len(facts["errors"]) == 1
        assert facts["errors"][0]["path"] == str(dropin / "30-broken.conf")
        assert facts["errors"][0]["line"] == 1


# -------------------------------------------------------------------- decision

KCONF = "/var/lib/kubelet/config.yaml"
KFLAGS = "/var/lib/kubelet/kubeadm-flags.env"
CTD = "/etc/containerd/config.toml"


def _src(driver, path):
    return {"driver": driver, "file": path}


def test_kubelet_config_decides_over_containerd():
    got = cr.required_cgroup_driver(kubelet_config=_src("systemd", KCONF), containerd=_src("cgroupfs", CTD), cgroup_version=1)
    assert got["driver"] == "systemd"
    assert got["source"] == "kubelet_config"
    assert got["reason"] == "kubelet cgroupDriver: systemd in %s" % KCONF
    assert got["files"] == [KCONF]
    assert got["conflict"] is None
    assert got["overridden"] == [{"driver": "cgroupfs", "file": CTD, "setting": "SystemdCgroup"}]


def test_kubelet_config_and_flags_disagree_is_a_conflict():
    got = cr.required_cgroup_driver(kubelet_config=_src("systemd", KCONF), kubelet_flags=_src("cgroupfs", KFLAGS))
    assert got["driver"] is None
    assert got["source"] == "conflict"
    assert got["conflict"] == {
        "a": {"driver": "systemd", "file": KCONF, "setting": "cgroupDriver"},
        "b": {"driver": "cgroupfs", "file": KFLAGS, "setting": "--cgroup-driver"},
    }
    assert KCONF in got["reason"]
    assert KFLAGS in got["reason"]


def test_kubelet_config_and_flags_agree():
    got = cr.required_cgroup_driver(kubelet_config=_src("cgroupfs", KCONF), kubelet_flags=_src("cgroupfs", KFLAGS),
                                    cgroup_version=2, systemd=True)
    assert (got["driver"], got["source"], got["files"]) == ("cgroupfs", "kubelet", [KCONF, KFLAGS])


def test_kubelet_flags_alone():
    got = cr.required_cgroup_driver(kubelet_flags=_src("systemd", KFLAGS), kubelet_config=_src(None, KCONF))
    assert (got["driver"], got["source"]) == ("systemd", "kubelet_flags")
    assert got["reason"] == "kubelet --cgroup-driver=systemd in %s" % KFLAGS


@pytest.mark.parametrize("driver, word", [("systemd", "true"), ("cgroupfs", "false")])
def test_containerd_only(driver, word):
    got = cr.required_cgroup_driver(containerd=_src(driver, CTD), cgroup_version=2, systemd=True)
    assert (got["driver"], got["source"]) == (driver, "containerd")
    assert got["reason"] == "containerd runc SystemdCgroup = %s in %s" % (word, CTD)


@pytest.mark.parametrize(
    "version, systemd, driver, source",
    [(2, True, "systemd", "host_default"), (1, True, None, "none"), (2, False, None, "none"), (None, None, None, "none")],
)
def test_nothing_configured(version, systemd, driver, source):
    got = cr.required_cgroup_driver(kubelet_config=_src(None, KCONF), containerd=_src(None, CTD),
                                    cgroup_version=version, systemd=systemd)
    assert (got["driver"], got["source"]) == (driver, source)
    assert got["reason"]


def test_invalid_values_do_not_count():
    got = cr.required_cgroup_driver(kubelet_config=_src("SystemD", KCONF), containerd=_src("cgroupfs", CTD))
    assert got["source"] == "containerd"


# ------------------------------------------------ the target's oldest Python


def _python39():
    candidates = [shutil.which("python3.9"), *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 9)"], check=True,
                           capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        return candidate
    return None


PY39 = _python39()

GATHER_SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("cr", sys.argv[1])
cr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cr)
paths = cr.default_paths(sys.argv[2])
print(json.dumps({"tomllib": cr.HAS_TOMLLIB, "runtime": cr.gather_runtime_info(paths, which=lambda name: None)}))
"""


@pytest.mark.skipif(PY39 is None, reason="no Python 3.9 interpreter on this machine")
def test_same_facts_on_python39_without_tomllib(tmp_path):
    """Modules run on target Python 3.9: no tomllib there, and usually no PyYAML either."""
    files = {
        "etc/containerd/config.toml": ("kubernetes", "containerd_config_v2_default_1.7_no_systemdcgroup.toml"),
        "var/lib/kubelet/config.yaml": ("kubernetes", "kubeadm_config_v1beta4_k8s1.35_containerd_systemd_minikube.yaml"),
        "etc/docker/daemon.json": ("docker", "daemon_json_linux_full_reference_dockerd_docs.json"),
    }
    for rel, parts in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fixture_file(*parts).read_bytes())
    (tmp_path / "var/lib/kubelet/kubeadm-flags.env").write_text('KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd"\n')
    (tmp_path / "etc/containers").mkdir(parents=True)
    (tmp_path / "etc/containers/containers.conf").write_text('[engine]\ncgroup_manager = "cgroupfs"\n')
    module_file = os.path.abspath(cr.__file__)
    proc = subprocess.run([PY39, "-c", GATHER_SCRIPT, module_file, str(tmp_path)], capture_output=True, text=True,
                          timeout=60, check=True)
    old = json.loads(proc.stdout)
    assert old["tomllib"] is False
    here = json.loads(json.dumps(cr.gather_runtime_info(cr.default_paths(str(tmp_path)), which=lambda name: None)))
    assert old["runtime"] == here
    assert here["required_cgroup_driver"]["source"] == "kubelet"
    assert here["podman"]["cgroup_manager"] == "cgroupfs"
