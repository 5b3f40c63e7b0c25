"""Tests for plugins/module_utils/docker_daemon_json.py.

Oracles: Python's json module for the files' data, and the real daemon.json files under
``shared/fixtures/docker`` with their expected values spelled out below.
"""

from __future__ import annotations

import json

import pytest
from conftest import fixture_expectation, fixture_file, fixture_files, shared_dir

from ansible_collections.multiarch.kolla.plugins.module_utils import docker_daemon_json as dj

# One entry per daemon.json fixture; a fixture without an entry fails test_fixture_expectations.
EXPECTED = {
    "daemon_json_linux_full_reference_dockerd_docs.json": {"keys": 75, "cgroup_driver": None, "containerd_snapshotter": True},
    "daemon_json_nvidia_runtime_no_cgroupdriver_nvidia_docker2.json": {"keys": 1, "cgroup_driver": None, "containerd_snapshotter": None},
    "daemon_json_systemd_cgroupdriver_minikube_iso.json": {"keys": 4, "cgroup_driver": "systemd", "containerd_snapshotter": None},
}


def _read(path):
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", fixture_files("docker", "daemon_json_*.json"), ids=lambda p: p.name)
def test_fixture_expectations(path):
    want = fixture_expectation(path, EXPECTED)
    text = _read(path)
    facts = dj.analyze_daemon_json(text, str(path))
    assert facts["config"] == json.loads(text)
    assert len(facts["config"]) == want["keys"]
    assert facts["cgroup_driver"] == want["cgroup_driver"]
    assert facts["containerd_snapshotter"] == want["containerd_snapshotter"]
    assert facts["warnings"] == []


def test_expectation_table_has_no_stale_entries():
    fixture_file("docker")
    present = {p.name for p in (shared_dir() / "fixtures" / "docker").glob("daemon_json_*.json")}
    assert set(EXPECTED) == present


# --------------------------------------------------------------- daemon.json


def test_daemon_json_syntax_error_line_and_column():
    text = '{\n  "log-driver": "json-file",\n  "exec-opts" ["native.cgroupdriver=systemd"]\n}\n'
    with pytest.raises(dj.ParseError) as info:
        dj.analyze_daemon_json(text, "/etc/docker/daemon.json")
    assert (info.value.line, info.value.column) == (3, 15)
    assert str(info.value).startswith("/etc/docker/daemon.json (line 3, column 15): invalid JSON")
    assert info.value.to_dict() == {
        "path": "/etc/docker/daemon.json", "line": 3, "column": 15, "msg": info.value.msg, "text": str(info.value),
    }


@pytest.mark.parametrize("text", ["[]", '"x"', "NaN", '{"a": NaN}'])
def test_daemon_json_not_an_object(text):
    with pytest.raises(dj.ParseError):
        dj.parse_json_object(text, "d.json")


def test_daemon_json_empty_and_duplicates():
    assert dj.parse_json_object("  \n", "d.json") == ({}, [])
    data, warnings = dj.parse_json_object('{"debug": false, "debug": true}', "d.json")
    assert data == {"debug": True}
    assert warnings == ["d.json: key 'debug' appears more than once; the last value is used"]


def test_daemon_json_unusable_cgroup_driver_is_a_warning():
    facts = dj.analyze_daemon_json('{"exec-opts": ["native.cgroupdriver=none"]}', "d.json")
    assert facts["cgroup_driver"] is None
    assert facts["warnings"] == ["d.json: native.cgroupdriver=none is not a driver dockerd accepts (systemd, cgroupfs)"]


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
    got, problem = dj.cgroup_driver_from_exec_opts(opts)
    assert got == driver
    assert bool(problem) is error


# ------------------------------------------------------------------- merging


def test_exec_opts_merge_by_name_keeps_others_and_order():
    existing = ["native.umask=normal", "native.cgroupdriver=cgroupfs", "NATIVE.CGROUPDRIVER=cgroupfs", "other=1"]
    merged = dj.merge_exec_opts(existing, ["native.cgroupdriver=systemd", "new.opt=2"])
    assert merged == ["native.umask=normal", "native.cgroupdriver=systemd", "other=1", "new.opt=2"]
    assert dj.merge_exec_opts(None, ["native.cgroupdriver=systemd"]) == ["native.cgroupdriver=systemd"]
    assert dj.merge_exec_opts(["a=1"], []) == ["a=1"]


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
    with pytest.raises(dj.ConfigError) as info:
        dj.merge_exec_opts(["x=1"], new)
    assert words in str(info.value)


def test_existing_exec_opts_string_is_refused():
    with pytest.raises(dj.ConfigError) as info:
        dj.deep_merge({"exec-opts": "native.cgroupdriver=cgroupfs"}, {"exec-opts": ["native.cgroupdriver=systemd"]})
    assert "existing daemon.json" in str(info.value)


def test_merge_names_the_inputs_it_was_given():
    with pytest.raises(dj.ConfigError, match=r"^operator list: exec-opts entry 'x' is not of the form name=value$"):
        dj.merge_exec_opts(["x"], ["a=1"], existing_where="operator list")


def test_deep_merge_keeps_order_and_nested_keys():
    base = json.loads(_read(fixture_file("docker", "daemon_json_systemd_cgroupdriver_minikube_iso.json")))
    merged = dj.deep_merge(base, {"log-opts": {"max-file": "3"}, "live-restore": True, "storage-driver": "overlay2"})
    assert list(merged) == ["exec-opts", "log-driver", "log-opts", "storage-driver", "live-restore"]
    assert merged["log-opts"] == {"max-size": "100m", "max-file": "3"}
    assert base["log-opts"] == {"max-size": "100m"}  # input untouched


def test_nested_exec_opts_are_plain_lists():
    merged = dj.deep_merge({"x": {"exec-opts": ["a=1"]}}, {"x": {"exec-opts": ["b=2"]}})
    assert merged == {"x": {"exec-opts": ["b=2"]}}


@pytest.mark.parametrize("settings", [["a"], "a=b", 3, None, {1: "x"}, {"a": {"b": object()}}])
def test_validate_settings_rejects(settings):
    with pytest.raises(dj.ConfigError):
        dj.validate_settings(settings)


def test_validate_settings_names_the_variable():
    with pytest.raises(dj.ConfigError, match=r"^my_var must be a dictionary"):
        dj.validate_settings(["a"], "my_var")


def test_remove_keys_paths():
    base = {"a": 1, "log-opts": {"max-size": "1m", "max-file": "2"}, "b": 2}
    result, removed = dj.remove_keys(base, ["a", ["log-opts", "max-file"], "missing", ["b", "deeper"]])
    assert result == {"log-opts": {"max-size": "1m"}, "b": 2}
    assert removed == [["a"], ["log-opts", "max-file"]]
    with pytest.raises(dj.ConfigError):
        dj.remove_keys(base, [3])


def test_plan_is_idempotent_and_type_strict():
    text = dj.dump_daemon_json({"debug": 1})
    plan = dj.plan_daemon_json(text, settings={"debug": True})
    assert plan["changed"] is True  # 1 and true are different JSON values
    again = dj.plan_daemon_json(plan["content"], settings={"debug": True})
    assert again["changed"] is False
    assert again["content"] is None


def test_plan_new_file_and_absent_on_missing_file():
    plan = dj.plan_daemon_json(None, settings={"exec-opts": ["native.cgroupdriver=systemd"]}, path="/x/daemon.json")
    assert plan["changed"] is True
    assert plan["previous"] is None
    assert plan["content"] == '{\n  "exec-opts": [\n    "native.cgroupdriver=systemd"\n  ]\n}\n'
    assert plan["diff"]["before"] == ""
    gone = dj.plan_daemon_json(None, state="absent", keys=["exec-opts"])
    assert gone["changed"] is False
    assert gone["config"] == {}


@pytest.mark.parametrize("state, keys", [("latest", None), ("absent", "exec-opts")])
def test_plan_bad_state_or_keys(state, keys):
    with pytest.raises(dj.ConfigError):
        dj.plan_daemon_json("{}", state=state, keys=keys, settings={})


# ------------------------------------------------- values dockerd cannot read (issue 12)
# dockerd reads daemon.json with Go's encoding/json, which has no NaN or Infinity; Python's json
# module writes them unless told not to. Each such value is refused, naming its key.

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "settings, where",
    [
        ({"max-concurrent-downloads": NAN}, "settings.max-concurrent-downloads"),
        ({"shutdown-timeout": INF}, "settings.shutdown-timeout"),
        ({"shutdown-timeout": -INF}, "settings.shutdown-timeout"),
        ({"log-opts": {"max-file": NAN}}, "settings.log-opts.max-file"),
        ({"default-ulimits": {"nofile": {"Hard": 1, "Soft": [1, INF]}}}, "settings.default-ulimits.nofile.Soft[1]"),
    ],
    ids=["nan", "inf", "-inf", "nested-nan", "inf-in-a-list"],
)
def test_nan_and_infinity_are_refused_naming_the_key(settings, where):
    with pytest.raises(dj.ConfigError) as info:
        dj.validate_settings(settings)
    assert str(info.value).startswith("%s: " % where)
    assert "JSON has no NaN or Infinity" in str(info.value)
    with pytest.raises(dj.ConfigError):
        dj.plan_daemon_json('{"debug": true}\n', settings=settings)


def test_finite_floats_are_still_written():
    plan = dj.plan_daemon_json(None, settings={"max-download-attempts": 5.0, "x": -0.5})
    assert json.loads(plan["content"]) == {"max-download-attempts": 5.0, "x": -0.5}


@pytest.mark.parametrize("value", [NAN, INF, -INF])
def test_the_writers_never_emit_nan_or_infinity(value):
    # A value that slipped past validation fails the dump instead of reaching the file.
    for dump in (dj.dump_daemon_json, dj.dump_sorted_json):
        with pytest.raises(ValueError):
            dump({"a": [value]})
