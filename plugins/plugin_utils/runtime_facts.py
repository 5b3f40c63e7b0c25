# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the raw ``runtime`` result of ``container_runtime_info`` says about each engine.

``parse_runtime(raw)`` turns the files' text and Docker's answer into one section per
engine (docker, containerd, kubelet, podman), with the settings each file makes and
the error of each file that cannot be read or parsed. It decides nothing: the
cgroup driver the host requires is worked out from these sections by
``cgroup_driver.py``. Controller side.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.docker_daemon_json import ParseError, analyze_daemon_json
from ansible_collections.multiarch.kolla.plugins.plugin_utils import runtime_config

RAW_KEYS = ("files", "containers_conf", "docker_info", "binaries", "host")
# kubelet's feature gate for taking the cgroup driver from the CRI runtime (see kubelet_driver.KUBELET_RULES).
CRI_GATE = "KubeletCgroupDriverFromCRI"


def _read_error(record):
    return {"path": record["path"], "line": None, "column": None, "msg": record["error"], "text": record["error"]}


def parse_source(record, analyze, warnings):
    """``(facts, error)`` of one raw file entry ``{path, exists, text, error}``.

    ``facts`` is None when the file is absent, unreadable or unparsable; ``error``
    is a dict (path, line, column, msg, text) for the last two. Parse errors and the
    parser's own warnings are added to ``warnings`` (read errors were already
    warnings on the host).
    """
    if record.get("error"):
        return None, _read_error(record)
    if record.get("text") is None:
        return None, None
    try:
        facts = analyze(record["text"], record["path"])
    except ParseError as exc:
        warnings.append(str(exc))
        return None, exc.to_dict()
    warnings.extend(facts.pop("warnings", []))
    return facts, None


# ------------------------------------------------------------------------- docker


def _docker_running(docker, api):
    docker.update(running=False, info_error=api.get("error"), cgroup_driver=None, cgroup_version=None, storage_driver=None,
                  server_version=None, containerd_image_store=None, containerd_image_store_reason=None)
    if api.get("info") is not None:
        docker["running"] = True
        docker["installed"] = True
        docker.update(runtime_config.analyze_docker_info(api["info"]))


def _docker_image_store(docker, warnings):
    docker["containerd_image_store_source"] = None
    configured = docker["containerd_snapshotter_configured"]
    if docker["running"] and docker["containerd_image_store"] is not None:
        docker["containerd_image_store_source"] = "docker_info"
        if configured is not None and configured != docker["containerd_image_store"]:
            warnings.append(
                "%s sets features.containerd-snapshotter=%s but the running daemon %s the containerd image store (restart pending?)"
                % (docker["daemon_json_path"], str(configured).lower(), "uses" if docker["containerd_image_store"] else "does not use")
            )
    elif configured is not None:
        docker["containerd_image_store"] = configured
        docker["containerd_image_store_source"] = "daemon_json"
        docker["containerd_image_store_reason"] = "features.containerd-snapshotter is %s in %s" % (
            str(configured).lower(), docker["daemon_json_path"])


def _docker_effective(docker, host, warnings):
    """The driver Docker uses or will use: the daemon's report, else daemon.json, else Docker's default."""
    configured = docker["cgroup_driver_configured"]
    if docker["running"] and docker["cgroup_driver"]:
        docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"] = docker["cgroup_driver"], "docker_info"
        if configured and configured != docker["cgroup_driver"]:
            warnings.append(
                "%s sets native.cgroupdriver=%s but the running daemon uses %s (restart pending?)"
                % (docker["daemon_json_path"], configured, docker["cgroup_driver"])
            )
    elif configured:
        docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"] = configured, "daemon_json"
    elif docker["installed"]:
        # moby daemon/daemon_unix.go (v20.10+): systemd by default where systemd runs the host on cgroup v2.
        default = "systemd" if (host.get("systemd") and host.get("cgroup_version") == 2) else "cgroupfs"
        docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"] = default, "docker_default"
    else:
        docker["cgroup_driver_effective"] = docker["cgroup_driver_effective_source"] = None


def docker_section(raw, warnings):
    """Docker: daemon.json's settings, the running daemon's report, the image store and the effective cgroup driver."""
    record = raw["files"]["daemon_json"]
    api = raw["docker_info"]
    binaries = raw["binaries"]
    facts, error = parse_source(record, analyze_daemon_json, warnings)
    facts = facts or {}
    docker = {
        "installed": bool(binaries.get("dockerd") or binaries.get("docker") or record["exists"] or raw.get("docker_units")),
        "binary": binaries.get("dockerd") or binaries.get("docker"),
        "daemon_json_path": record["path"],
        "daemon_json_present": bool(record["exists"]),
        "daemon_json": facts.get("config"),
        "daemon_json_error": error,
        "cgroup_driver_configured": facts.get("cgroup_driver"),
        "containerd_snapshotter_configured": facts.get("containerd_snapshotter"),
        "socket": api.get("socket"),
    }
    _docker_running(docker, api)
    # A daemon that answers while nothing of Docker's is on the host (no dockerd, no unit, no daemon.json) runs on
    # another machine and is reached through a bind-mounted socket (a deploy or CI container): not managed here.
    docker["daemon_elsewhere"] = docker["running"] and not (binaries.get("dockerd") or raw.get("docker_units") or record["exists"])
    _docker_image_store(docker, warnings)
    _docker_effective(docker, raw["host"], warnings)
    return docker


# ------------------------------------------------------------- containerd, kubelet, podman


def containerd_section(raw, warnings):
    """containerd: config version, the runc runtime's SystemdCgroup, whether the CRI plugin is disabled, its release (``containerd --version``)."""
    record = raw["files"]["containerd_config"]
    facts, error = parse_source(record, runtime_config.analyze_containerd_config, warnings)
    containerd = {
        "installed": bool(raw["binaries"].get("containerd") or record["exists"]),
        "binary": raw["binaries"].get("containerd"),
        "config_path": record["path"],
        "config_present": bool(record["exists"]),
        "config_error": error,
        "version": None,
        "systemd_cgroup": None,
        "systemd_cgroup_key": None,
        # containerd's built-in defaults load the CRI plugin when there is no config file.
        "cri_disabled": False if not record["exists"] else None,
        "cri_disabled_by": [],
        "disabled_plugins": [],
        "default_runtime_name": None,
        "runc_runtime": None,
    }
    if facts:
        facts.pop("cgroup_driver")
        containerd.update(facts)
    containerd["release"], containerd["release_error"] = runtime_config.parse_release("containerd", (raw.get("versions") or {}).get("containerd"))
    return containerd


def kubelet_section(raw, warnings):
    """kubelet: cgroupDriver of its configuration, --cgroup-driver of kubeadm's flags file, whether it runs, its release
    (``kubelet --version``) and the KubeletCgroupDriverFromCRI gate where a file sets it (``cri_gate``)."""
    config = raw["files"]["kubelet_config"]
    flags = raw["files"]["kubeadm_flags"]
    config_facts, config_error = parse_source(config, runtime_config.analyze_kubelet_config, warnings)
    flags_facts, flags_error = parse_source(flags, runtime_config.analyze_kubeadm_flags, warnings)
    config_facts = config_facts or {}
    flags_facts = flags_facts or {}
    kubelet = {
        "binary": raw["binaries"].get("kubelet"),
        "running": raw.get("kubelet_running"),
        "config_path": config["path"],
        "config_present": bool(config["exists"]),
        "config_error": config_error,
        "config_cgroup_driver": config_facts.get("cgroup_driver"),
        "kind_found": config_facts.get("kind_found"),
        "flags_path": flags["path"],
        "flags_present": bool(flags["exists"]),
        "flags_error": flags_error,
        "flags_cgroup_driver": flags_facts.get("cgroup_driver"),
        "container_runtime_endpoint": flags_facts.get("container_runtime_endpoint") or config_facts.get("container_runtime_endpoint"),
    }
    kubelet["present"] = bool(kubelet["binary"] or kubelet["config_present"] or kubelet["flags_present"] or kubelet["running"])
    kubelet["release"], kubelet["release_error"] = runtime_config.parse_release("kubelet", (raw.get("versions") or {}).get("kubelet"))
    # Flags override the config file gate by gate (kubernetes cmd/kubelet/app/server.go, kubeletConfigFlagPrecedence).
    kubelet["cri_gate"] = None
    for facts, setting, path in ((config_facts, "featureGates", config["path"]), (flags_facts, "--feature-gates", flags["path"])):
        if CRI_GATE in (facts.get("feature_gates") or {}):
            kubelet["cri_gate"] = {"value": facts["feature_gates"][CRI_GATE], "setting": setting, "file": path}
    return kubelet


def podman_section(raw, warnings):
    """Podman: ``[engine] cgroup_manager`` of the last containers.conf that sets it."""
    texts = [(entry["path"], entry["text"]) for entry in raw.get("containers_conf") or [] if entry.get("text") is not None]
    facts = runtime_config.analyze_containers_conf(texts)
    warnings.extend(error["text"] for error in facts["errors"])
    return {
        "installed": bool(raw["binaries"].get("podman")),
        "cgroup_manager": facts["cgroup_manager"],
        "cgroup_manager_file": facts["cgroup_manager_file"],
        "config_files": facts["files"],
    }


def is_raw_runtime(raw):
    """Whether ``raw`` has the shape of container_runtime_info's ``runtime`` result."""
    return isinstance(raw, dict) and all(key in raw for key in RAW_KEYS) and isinstance(raw["files"], dict)


def parse_runtime(raw):
    """``{docker, containerd, kubelet, podman, host, warnings}`` from container_runtime_info's ``runtime``.

    ``warnings`` holds one sentence per file that does not parse or looks wrong.
    """
    warnings = []
    return {
        "docker": docker_section(raw, warnings),
        "containerd": containerd_section(raw, warnings),
        "kubelet": kubelet_section(raw, warnings),
        "podman": podman_section(raw, warnings),
        "host": dict(raw["host"]),
        "warnings": warnings,
    }
