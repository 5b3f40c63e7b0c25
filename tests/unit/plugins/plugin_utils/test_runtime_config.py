"""Tests for plugins/plugin_utils/runtime_config.py (the controller's parsing).

Oracles: ``tomllib`` and PyYAML for the data, and the real-world files under
``shared/fixtures/kubernetes`` and Docker's ``docker info`` under ``shared/fixtures/docker``
with their expected values spelled out below.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import tomllib
import yaml
from conftest import fixture_expectation, fixture_file, fixture_files, shared_dir, unavailable

from ansible_collections.multiarch.kolla.plugins.module_utils.docker_daemon_json import ParseError
from ansible_collections.multiarch.kolla.plugins.module_utils.runtime import docker_api
from ansible_collections.multiarch.kolla.plugins.plugin_utils import runtime_config as rc

CRI_V2 = 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup'
CRI_V3 = 'plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options.SystemdCgroup'

# One entry per kubernetes/ fixture and per docker info fixture (daemon.json fixtures are
# tested with module_utils/docker_daemon_json.py); a fixture without an entry fails.
EXPECTED = {
    "docker_info_cgroupfs_no_swarm.json": {
        "kind": "docker_info",
        "facts": {
            "cgroup_driver": "cgroupfs",
            "cgroup_version": None,
            "storage_driver": "overlay2",
            "containerd_image_store": False,
            "containerd_image_store_reason": "storage driver overlay2 without a containerd snapshotter driver-type",
            "server_version": "17.06.1-ce",
        },
    },
    "containerd_config_v2_default_1.7_no_systemdcgroup.toml": {
        "kind": "containerd", "version": 2, "systemd_cgroup": None, "cgroup_driver": None,
        "cri_disabled": False, "systemd_cgroup_key": CRI_V2, "default_runtime_name": "runc", "runc_runtime": "options",
    },
    "containerd_config_v2_systemdcgroup_false_minikube_kicbase.toml": {
        "kind": "containerd", "version": 2, "systemd_cgroup": False, "cgroup_driver": "cgroupfs",
        "cri_disabled": False, "systemd_cgroup_key": CRI_V2, "default_runtime_name": "runc", "runc_runtime": "options",
    },
    "containerd_config_v2_systemdcgroup_true_kind_node.toml": {
        "kind": "containerd", "version": 2, "systemd_cgroup": True, "cgroup_driver": "systemd",
        "cri_disabled": False, "systemd_cgroup_key": CRI_V2, "default_runtime_name": "runc", "runc_runtime": "options",
    },
    "containerd_config_v3_systemdcgroup_true_docs.toml": {
        "kind": "containerd", "version": 3, "systemd_cgroup": True, "cgroup_driver": "systemd",
        "cri_disabled": False, "systemd_cgroup_key": CRI_V3, "default_runtime_name": None, "runc_runtime": "options",
    },
    "kubeadm_config_cgroup_driver_systemd_docs.yaml": {
        "kind": "kubelet", "documents": 2, "kind_found": True, "document_line": 6,
        "cgroup_driver": "systemd", "container_runtime_endpoint": None,
    },
    "kubeadm_config_v1beta4_k8s1.35_containerd_systemd_minikube.yaml": {
        "kind": "kubelet", "documents": 4, "kind_found": True, "document_line": 50,
        "cgroup_driver": "systemd", "container_runtime_endpoint": "unix:///run/containerd/containerd.sock",
    },
    "kubelet_config_cgroupfs_kubeadm_v1.12_defaulted.yaml": {
        "kind": "kubelet", "documents": 1, "kind_found": True, "document_line": 1,
        "cgroup_driver": "cgroupfs", "container_runtime_endpoint": None,
    },
}

FIXTURES = fixture_files("docker", "docker_info_*.json") + fixture_files("kubernetes")


def _read(path):
    return path.read_text(encoding="utf-8")


def _check_containerd(text, path, want):
    facts = rc.analyze_containerd_config(text, path)
    keys = ("version", "systemd_cgroup", "cgroup_driver", "cri_disabled", "systemd_cgroup_key", "default_runtime_name", "runc_runtime")
    got = {key: facts[key] for key in keys}
    assert got == {key: want[key] for key in got}
    assert facts["cri_disabled_by"] == []
    assert facts["warnings"] == []
    # Oracle: the key it names holds the value tomllib reads there.
    node = tomllib.loads(text)
    for part in rc.RUNC_OPTIONS_PATHS[want["version"]]:
        node = node.get(part, {})
    assert node.get("SystemdCgroup") == want["systemd_cgroup"]


def _check_kubelet(text, path, want):
    facts = rc.analyze_kubelet_config(text, path)
    got = {key: facts[key] for key in ("documents", "kind_found", "document_line", "cgroup_driver", "container_runtime_endpoint")}
    assert got == {key: want[key] for key in got}
    assert facts["warnings"] == []
    assert facts["documents"] == len([doc for doc in yaml.safe_load_all(text) if doc is not None])


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_expectations(path):
    want = fixture_expectation(path, EXPECTED)
    text = _read(path)
    if want["kind"] == "docker_info":
        assert rc.analyze_docker_info(json.loads(text)) == want["facts"]
    elif want["kind"] == "containerd":
        _check_containerd(text, str(path), want)
    else:
        _check_kubelet(text, str(path), want)


def test_expectation_table_has_no_stale_entries():
    base = shared_dir() / "fixtures"
    fixture_file("kubernetes")
    present = {p.name for p in (base / "kubernetes").iterdir() if p.is_file()} | {p.name for p in (base / "docker").glob("docker_info_*.json")}
    assert set(EXPECTED) == present


# --------------------------------------------------------------------- TOML


@pytest.mark.parametrize("path", fixture_files("kubernetes", "*.toml"), ids=lambda p: p.name)
def test_toml_fixtures_parse_as_tomllib_reads_them(path):
    text = _read(fixture_file("kubernetes", path.name))
    assert rc.parse_toml(text, str(path)) == tomllib.loads(text)


TOML_SAMPLE = r'''
# every value form the TOML files of containerd and containers.conf may use
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
when = 1979-05-27
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


def test_toml_every_value_form():
    data = rc.parse_toml(TOML_SAMPLE)
    assert data == tomllib.loads(TOML_SAMPLE)
    assert data["strings"]["folded"] == "The quick brown fox."
    assert [product.get("name") for product in data["products"]] == ["Hammer", None, "Nail"]


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
        ("ok = 1\n\n  bad = 'unterminated\n", 3),  # at the end of the document: the last line with content
    ],
)
def test_toml_errors_name_the_file_and_line(text, line):
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(ParseError) as info:
        rc.parse_toml(text, "/etc/containerd/config.toml")
    assert info.value.line == line
    assert info.value.path == "/etc/containerd/config.toml"
    assert info.value.msg.startswith("invalid TOML: ")
    assert "(at line" not in info.value.msg  # the position is in line/column, not repeated in the message


def test_toml_error_has_line_and_column():
    with pytest.raises(ParseError) as info:
        rc.parse_toml('version = 2\n[plugins\nx = 1\n', "/etc/containerd/config.toml")
    assert (info.value.line, info.value.column) == (2, 9)
    assert str(info.value) == "/etc/containerd/config.toml (line 2, column 9): invalid TOML: Expected ']' at the end of a table declaration"


# --------------------------------------------------------------- containerd


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
def test_cri_disabled(disabled, hits):
    # the first case is the file the containerd.io package ships and kolla-ansible's docker role writes
    text = "disabled_plugins = %s\n" % disabled
    facts = rc.analyze_containerd_config(text, "/etc/containerd/config.toml")
    assert facts["cri_disabled"] is bool(hits)
    assert facts["cri_disabled_by"] == hits
    assert facts["disabled_plugins"] == tomllib.loads(text)["disabled_plugins"]
    assert facts["version"] == 1  # no version key: containerd reads it as a version 1 file
    assert facts["systemd_cgroup"] is None


def test_containerd_v1_layout_and_commented_key():
    text = "[plugins.cri.containerd.runtimes.runc.options]\n  #SystemdCgroup = false\n  SystemdCgroup = true\n"
    facts = rc.analyze_containerd_config(text, "c.toml")
    assert facts["version"] == 1
    assert facts["systemd_cgroup"] is True
    commented = rc.analyze_containerd_config(
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  #SystemdCgroup = true\n", "c.toml",
    )
    assert commented["systemd_cgroup"] is None


def test_containerd_v2_path_is_not_read_for_a_v3_file():
    text = 'version = 3\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n'
    assert rc.analyze_containerd_config(text, "c.toml")["systemd_cgroup"] is None


def test_containerd_oddities_are_warnings():
    facts = rc.analyze_containerd_config(
        'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\ndisabled_plugins = "cri"\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = "yes"\n',
        "c.toml",
    )
    assert facts["systemd_cgroup"] is None
    assert any("imports /etc/containerd/conf.d/*.toml" in w for w in facts["warnings"])
    assert any("not a boolean" in w for w in facts["warnings"])
    assert "c.toml: disabled_plugins is not a list" in facts["warnings"]
    unknown = rc.analyze_containerd_config("version = 9\n", "c.toml")
    assert unknown["version"] is None
    assert unknown["warnings"] == ["c.toml: unknown containerd config version 9"]


# --------------------------------------------------------------------- YAML


NOT_YAML = [
    # (text, line PyYAML reports)
    ('KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd"\n', 1),
    ("[Service]\nExecStart=/usr/bin/kubelet\n", 1),
    ("kind: KubeletConfiguration\ncgroupDriver: systemd: yes\n", 2),
    ("kind: KubeletConfiguration\n\tcgroupDriver: systemd\n", 2),
    ("- kind: KubeletConfiguration\n", 1),
]


@pytest.mark.parametrize("text, line", NOT_YAML)
def test_kubelet_config_that_is_not_yaml_is_a_parse_error(text, line):
    path = "/var/lib/kubelet/config.yaml"
    with pytest.raises(ParseError) as info:
        rc.analyze_kubelet_config(text, path)
    assert info.value.path == path
    assert info.value.line == line
    assert path in str(info.value)


def test_kubelet_config_without_kind_or_with_odd_driver():
    facts = rc.analyze_kubelet_config("cgroupDriver: systemd\n", "k.yaml")
    assert facts["kind_found"] is False
    assert facts["cgroup_driver"] is None
    assert facts["warnings"] == ["k.yaml: no document with kind: KubeletConfiguration"]
    facts = rc.analyze_kubelet_config("kind: KubeletConfiguration\ncgroupDriver: SystemD\n", "k.yaml")
    assert facts["cgroup_driver"] is None
    assert "neither systemd nor cgroupfs" in facts["warnings"][0]


def test_kubelet_config_twice_uses_the_last():
    text = "kind: KubeletConfiguration\ncgroupDriver: cgroupfs\n---\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"
    facts = rc.analyze_kubelet_config(text, "k.yaml")
    assert (facts["cgroup_driver"], facts["document_line"]) == ("systemd", 4)
    assert facts["warnings"] == ["k.yaml: 2 KubeletConfiguration documents; the last one is used"]


def test_kubelet_config_in_json_form():
    text = '{"kind": "KubeletConfiguration", "apiVersion": "kubelet.config.k8s.io/v1beta1", "cgroupDriver": "systemd"}\n'
    assert rc.analyze_kubelet_config(text, "k.json")["cgroup_driver"] == "systemd"


def test_yaml_documents_keep_their_first_line():
    docs = rc.load_yaml_documents("# head\na: 1\n---\n---\nb: 2\n", "f.yaml")
    assert docs == [(2, {"a": 1}), (5, {"b": 2})]


# ------------------------------------------------------------- kubeadm flags


def test_kubeadm_flags_cgroup_driver():
    text = (
        'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock '
        '--pod-infra-container-image=registry.k8s.io/pause:3.9 --cgroup-driver=systemd"\n'
    )
    facts = rc.analyze_kubeadm_flags(text, "/var/lib/kubelet/kubeadm-flags.env")
    assert facts["cgroup_driver"] == "systemd"
    assert facts["container_runtime_endpoint"] == "unix:///var/run/containerd/containerd.sock"
    assert facts["args"][1] == "--pod-infra-container-image=registry.k8s.io/pause:3.9"


def test_kubeadm_flags_separate_value_and_last_wins():
    facts = rc.analyze_kubeadm_flags("KUBELET_KUBEADM_ARGS='--cgroup-driver cgroupfs --cgroup-driver=systemd'\n", "f.env")
    assert facts["cgroup_driver"] == "systemd"
    facts = rc.analyze_kubeadm_flags("KUBELET_KUBEADM_ARGS=\"--cgroup-driver cgroupfs\"\n", "f.env")
    assert facts["cgroup_driver"] == "cgroupfs"
    facts = rc.analyze_kubeadm_flags("export KUBELET_KUBEADM_ARGS=\"--cgroup-driver=none\"\n", "f.env")
    assert facts["cgroup_driver"] is None
    assert facts["warnings"] == ["f.env: --cgroup-driver=none is neither systemd nor cgroupfs"]


def test_kubeadm_flags_without_the_variable_or_broken():
    facts = rc.analyze_kubeadm_flags("# empty\nOTHER=1\n", "f.env")
    assert facts["cgroup_driver"] is None
    assert facts["warnings"] == ["f.env: no KUBELET_KUBEADM_ARGS line"]
    with pytest.raises(ParseError) as info:
        rc.analyze_kubeadm_flags('OTHER=1\nKUBELET_KUBEADM_ARGS="--cgroup-driver=systemd\n', "f.env")
    assert (info.value.path, info.value.line) == ("f.env", 2)
    with pytest.raises(ParseError) as info:
        rc.analyze_kubeadm_flags("this is not an env file\n", "f.env")
    assert info.value.line == 1


# ------------------------------------------------------------------ docker info


def test_docker_info_containerd_image_store():
    info = json.loads(_read(fixture_file("docker", "docker_info_cgroupfs_no_swarm.json")))
    snap = dict(info, Driver="overlayfs", DriverStatus=[["driver-type", "io.containerd.snapshotter.v1"]], CgroupVersion="2")
    facts = rc.analyze_docker_info(snap)
    assert facts["containerd_image_store"] is True
    assert facts["containerd_image_store_reason"] == "DriverStatus driver-type io.containerd.snapshotter.v1"
    assert facts["cgroup_version"] == 2
    bare = dict(info, Driver="overlayfs", DriverStatus=None)
    assert rc.analyze_docker_info(bare)["containerd_image_store"] is True
    assert rc.analyze_docker_info({})["containerd_image_store"] is None
    assert rc.analyze_docker_info({"CgroupVersion": "v2"})["cgroup_version"] is None


def test_live_docker_daemon_matches_docker_cli():
    """Oracle: the docker CLI's own `docker info` against the daemon whose answer is parsed."""
    path = docker_api.DEFAULT_DOCKER_SOCKET
    if not os.access(path, os.R_OK | os.W_OK) or shutil.which("docker") is None:
        unavailable("no Docker daemon and CLI on this machine")
    try:
        cli = subprocess.run(["docker", "info", "--format", "{{json .}}"], capture_output=True, text=True, timeout=30, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        unavailable("docker info failed: %s" % exc)
    expected = json.loads(cli.stdout)
    facts = rc.analyze_docker_info(docker_api.docker_api_get(path, "/info", 10))
    assert facts["cgroup_driver"] == expected["CgroupDriver"]
    assert facts["storage_driver"] == expected["Driver"]
    assert facts["server_version"] == expected["ServerVersion"]
    assert facts["containerd_image_store"] is (["driver-type", "io.containerd.snapshotter.v1"] in (expected["DriverStatus"] or [])
                                               or expected["Driver"] in rc.SNAPSHOTTER_ONLY_DRIVERS)


# ---------------------------------------------------------------------- podman


def test_containers_conf_layering():
    files = [
        ("/usr/share/containers/containers.conf", '[engine]\n#cgroup_manager = "systemd"\ncgroup_manager = "systemd"\n'),
        ("/etc/containers/containers.conf", '[containers]\nlog_driver = "k8s-file"\n'),
        ("/etc/containers/containers.conf.d/10-early.conf", '[engine]\ncgroup_manager = "systemd"\n'),
        ("/etc/containers/containers.conf.d/20-late.conf", '[engine]\ncgroup_manager = "cgroupfs"\n'),
        ("/etc/containers/containers.conf.d/30-broken.conf", "[engine\n"),
    ]
    facts = rc.analyze_containers_conf(files)
    assert facts["cgroup_manager"] == "cgroupfs"
    assert facts["cgroup_manager_file"] == "/etc/containers/containers.conf.d/20-late.conf"
    assert facts["files"] == [path for path, _text in files[:4]]
    assert len(facts["errors"]) == 1
    assert facts["errors"][0]["path"] == "/etc/containers/containers.conf.d/30-broken.conf"
    assert facts["errors"][0]["line"] == 1


# ------------------------------------------------- what kubelet's cgroup driver depends on (issue 12)


@pytest.mark.parametrize(
    "text, runc",
    [
        ("version = 3\n", "absent"),
        ("version = 3\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\nruntime_type = 'io.containerd.runc.v2'\n", "no_options"),
        ("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n", "options"),
        ("version = 7\n", None),
    ],
)
def test_runc_runtime_declared_or_not(text, runc):
    assert rc.analyze_containerd_config(text, "c.toml")["runc_runtime"] == runc


def test_kubelet_feature_gates_from_the_config():
    text = "kind: KubeletConfiguration\nfeatureGates:\n  KubeletCgroupDriverFromCRI: false\n  NodeSwap: true\n  Bad: maybe\n"
    facts = rc.analyze_kubelet_config(text, "k.yaml")
    assert facts["feature_gates"] == {"KubeletCgroupDriverFromCRI": False, "NodeSwap": True}
    assert facts["warnings"] == ["k.yaml: featureGates.Bad is not true or false"]
    assert rc.analyze_kubelet_config("kind: KubeletConfiguration\nfeatureGates: [a]\n", "k.yaml")["warnings"] == ["k.yaml: featureGates is not a mapping"]


def test_kubelet_feature_gates_from_the_flags():
    text = 'KUBELET_KUBEADM_ARGS="--feature-gates=KubeletCgroupDriverFromCRI=False,NodeSwap=t,Broken --container-runtime-endpoint=unix:///run/crio/crio.sock"\n'
    facts = rc.analyze_kubeadm_flags(text, "f.env")
    assert facts["feature_gates"] == {"KubeletCgroupDriverFromCRI": False, "NodeSwap": True}
    assert facts["container_runtime_endpoint"] == "unix:///run/crio/crio.sock"
    assert facts["warnings"] == ["f.env: --feature-gates entry 'Broken' is not name=true or name=false"]
    assert rc.kubelet_flag_values(["--feature-gates", "A=true", "--cgroup-driver=systemd"]) == {
        "--cgroup-driver": "systemd", "--container-runtime-endpoint": None, "--feature-gates": "A=true"}


def _answer(stdout, binary="/usr/bin/x", error=None):
    return {"binary": binary, "ran": True, "rc": 0, "stdout": stdout, "stderr": "", "error": error}


@pytest.mark.parametrize(
    "name, stdout, release",
    [
        ("kubelet", "Kubernetes v1.31.2\n", "1.31.2"),
        ("kubelet", "Kubernetes v1.30.14-eks-1234567\n", "1.30.14"),
        ("kubelet", "Kubernetes v1.33.3+k3s1\n", "1.33.3"),
        ("containerd", "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n", "1.6.20"),
        ("containerd", "containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da\n", "1.7.27"),
        ("containerd", "containerd github.com/containerd/containerd/v2 v2.0.0 207ad711eabd375a01713109a8a197d197ff6542\n", "2.0.0"),
        ("containerd", "containerd github.com/k3s-io/containerd v1.7.23-k3s2\n", "1.7.23"),
    ],
)
def test_releases_as_the_binaries_print_them(name, stdout, release):
    assert rc.parse_release(name, _answer(stdout)) == (release, None)


@pytest.mark.parametrize(
    "name, answer, words",
    [
        ("kubelet", None, "reported no kubelet --version answer"),
        ("kubelet", {"binary": None, "ran": False, "rc": None, "stdout": None, "stderr": None, "error": None}, "no kubelet binary was found"),
        ("containerd", _answer(None, error="/usr/bin/containerd --version did not answer within 5.0 seconds"), "did not answer within"),
        ("kubelet", _answer("Usage: kubelet [flags]\n"), "printed 'Usage: kubelet [flags]', which names no kubelet version"),
        ("containerd", _answer("Kubernetes v1.31.2\n"), "which names no containerd version"),
    ],
)
def test_unknown_releases_say_why(name, answer, words):
    release, error = rc.parse_release(name, answer)
    assert release is None
    assert words in error
