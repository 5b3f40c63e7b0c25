# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cgroup driver a host's container engine must use, and what the role applies.

Input: the raw ``runtime`` result of ``container_runtime_info`` (parsed here, on the
controller, by ``runtime_facts.parse_runtime``) and the operator's variables.

The required driver (``required_cgroup_driver``), in order:

1. kubelet: ``--cgroup-driver`` in kubeadm's flags file and ``cgroupDriver`` in the
   KubeletConfiguration. kubelet itself lets a command-line flag override the config
   file; here the two must agree, and a disagreement is reported as a conflict
   naming both files rather than silently picking the flag.
2. containerd: ``SystemdCgroup`` of the CRI ``runc`` runtime (true -> systemd,
   false -> cgroupfs), when the key is set (commented-out keys do not count).
3. the host: ``systemd`` when systemd is the init system and the host runs the
   unified cgroup v2 hierarchy (Docker and kubeadm pick the same default there:
   moby daemon/daemon_unix.go v20.10+, kubeadm v1.22+).
4. otherwise no driver is required.

The decision (``cgroup_driver_decision``) adds the operator: an override (``container_runtime_cgroup_driver``)
is honoured unless it contradicts a configured kubelet. It refuses, naming the host, the
files and the fix: a kubelet or containerd file that cannot be read or parsed, kubelet's
own settings disagreeing, an override that contradicts kubelet, nothing to decide from,
and, for Docker, the containerd image store on a host where kubelet runs unless the
operator confirmed that containerd's CRI plugin stays enabled (kolla-ansible's docker
role writes a containerd config with ``disabled_plugins = ["cri"]`` for that store:
ansible-collection-kolla, roles/docker/templates/containerd_config.toml.j2).

For Docker it returns the daemon.json settings to merge: the operator's settings with
``native.cgroupdriver=<driver>`` merged into their ``exec-opts`` by option name, so the
operator's other exec-opts stay.
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils import docker_daemon_json as daemon_json
from ansible_collections.multiarch.kolla.plugins.plugin_utils import runtime_facts

CGROUP_DRIVERS = daemon_json.CGROUP_DRIVERS
ENGINES = ("docker", "podman")
KUBELET_SOURCES = ("kubelet", "kubelet_config", "kubelet_flags")


class CgroupDriverError(AnsibleFilterError):
    """The driver cannot be decided, or the operator's input would break the host; the message says how to fix it."""


# ------------------------------------------------------------------ the requirement


def _source(entry, setting):
    if not entry or entry.get("driver") not in CGROUP_DRIVERS:
        return None
    return {"driver": entry["driver"], "file": entry.get("file"), "setting": setting}


def _describe(src):
    if src["setting"] == "SystemdCgroup":
        return "containerd runc SystemdCgroup = %s in %s" % ("true" if src["driver"] == "systemd" else "false", src["file"])
    if src["setting"] == "--cgroup-driver":
        return "kubelet --cgroup-driver=%s in %s" % (src["driver"], src["file"])
    return "kubelet cgroupDriver: %s in %s" % (src["driver"], src["file"])


def required_cgroup_driver(kubelet_config=None, kubelet_flags=None, containerd=None, cgroup_version=None, systemd=None):
    """Which cgroup driver the host requires, and why.

    ``kubelet_config``, ``kubelet_flags`` and ``containerd`` are dicts
    ``{"driver": "systemd"|"cgroupfs"|None, "file": path}`` (or None).
    Returns ``{driver, source, reason, files, conflict, overridden}`` where
    ``source`` is one of ``kubelet`` (config and flags agree), ``kubelet_config``,
    ``kubelet_flags``, ``containerd``, ``host_default``, ``none`` or ``conflict``.
    On a conflict ``driver`` is None and ``conflict`` is ``{a: {...}, b: {...}}``,
    each side with ``driver``, ``file`` and ``setting``. ``overridden`` lists
    lower-priority settings that disagree with the chosen driver.
    """
    config = _source(kubelet_config, "cgroupDriver")
    flags = _source(kubelet_flags, "--cgroup-driver")
    runtime = _source(containerd, "SystemdCgroup")
    result = {"driver": None, "source": "none", "reason": None, "files": [], "conflict": None, "overridden": []}
    if config and flags and config["driver"] != flags["driver"]:
        result.update(
            source="conflict",
            reason="kubelet's settings disagree: %s, but %s" % (_describe(config), _describe(flags)),
            files=[config["file"], flags["file"]],
            conflict={"a": config, "b": flags},
        )
        return result
    chosen, source = [], None
    if config and flags:
        chosen, source = [config, flags], "kubelet"
    elif flags:
        chosen, source = [flags], "kubelet_flags"
    elif config:
        chosen, source = [config], "kubelet_config"
    elif runtime:
        chosen, source = [runtime], "containerd"
    if chosen:
        driver = chosen[0]["driver"]
        result.update(driver=driver, source=source, reason=" and ".join(_describe(src) for src in chosen),
                      files=[src["file"] for src in chosen])
        if runtime and runtime not in chosen and runtime["driver"] != driver:
            result["overridden"].append(runtime)
        return result
    if systemd and cgroup_version == 2:
        result.update(
            driver="systemd",
            source="host_default",
            reason="no kubelet or containerd setting; systemd is the init system (/run/systemd/system) and the host uses cgroup v2 "
            "(/sys/fs/cgroup/cgroup.controllers), where Docker and kubeadm default to systemd",
        )
        return result
    result["reason"] = "no kubelet or containerd setting names a cgroup driver and the host is not a systemd host with cgroup v2"
    return result


def analyze(raw):
    """The parsed view of a raw ``runtime`` result with ``required_cgroup_driver`` and Docker's agreement with it."""
    view = runtime_facts.parse_runtime(raw)
    kubelet, containerd, docker = view["kubelet"], view["containerd"], view["docker"]
    systemd_cgroup = containerd["systemd_cgroup"]
    required = required_cgroup_driver(
        kubelet_config={"driver": kubelet["config_cgroup_driver"], "file": kubelet["config_path"]},
        kubelet_flags={"driver": kubelet["flags_cgroup_driver"], "file": kubelet["flags_path"]},
        containerd={"driver": None if systemd_cgroup is None else ("systemd" if systemd_cgroup else "cgroupfs"),
                    "file": containerd["config_path"]},
        cgroup_version=view["host"].get("cgroup_version"),
        systemd=view["host"].get("systemd"),
    )
    if (kubelet["present"] and required["source"] not in (*KUBELET_SOURCES, "conflict")
            and not kubelet["config_error"] and not kubelet["flags_error"]):
        view["warnings"].append(
            "kubelet is present but neither %s nor %s sets a cgroup driver; kubelet's own default is cgroupfs unless its "
            "container runtime reports one" % (kubelet["config_path"], kubelet["flags_path"])
        )
    effective = docker["cgroup_driver_effective"]
    docker["agrees_with_required"] = effective == required["driver"] if (required["driver"] and effective) else None
    view["required_cgroup_driver"] = required
    return view


# --------------------------------------------------------------------- the decision


def _check_operator_input(override, engine, where):
    if engine not in ENGINES:
        raise CgroupDriverError("%scontainer_runtime_engine is '%s'; use docker or podman" % (where, engine))
    if override not in (None, "") and override not in CGROUP_DRIVERS:
        raise CgroupDriverError(
            "%scontainer_runtime_cgroup_driver is '%s'; use one of %s, or leave it empty to follow kubelet"
            % (where, override, ", ".join(CGROUP_DRIVERS))
        )


def _refuse_unknown_sources(view, where):
    # A kubelet or containerd file that cannot be read hides the driver it sets: deciding
    # without it could pick the wrong one, so stop and name the file.
    for section, key in (("kubelet", "config_error"), ("kubelet", "flags_error"), ("containerd", "config_error")):
        error = view[section][key]
        if error:
            raise CgroupDriverError(
                "%s%s cannot be read or parsed (%s), so the cgroup driver it sets is unknown. Fix the file, then run again."
                % (where, error.get("path"), error.get("text") or error.get("msg"))
            )


def _choose(required, override, where):
    if required.get("conflict"):
        a, b = required["conflict"]["a"], required["conflict"]["b"]
        raise CgroupDriverError(
            "%s%s. Make kubelet's %s (%s) and %s (%s) agree, then run again."
            % (where, required.get("reason"), a.get("setting"), a.get("file"), b.get("setting"), b.get("file"))
        )
    if override not in (None, ""):
        if required.get("source") in KUBELET_SOURCES and required.get("driver") != override:
            raise CgroupDriverError(
                "%scontainer_runtime_cgroup_driver is '%s' (operator variable), but %s. Docker and kubelet must use the same "
                "driver: drop the override or change kubelet's configuration first." % (where, override, required.get("reason"))
            )
        return override, "operator", "container_runtime_cgroup_driver=%s (operator variable)" % override
    if not required.get("driver"):
        raise CgroupDriverError(
            "%sno cgroup driver can be decided: %s. Set container_runtime_cgroup_driver to systemd or cgroupfs." % (where, required.get("reason"))
        )
    return required["driver"], required.get("source"), required.get("reason")


def _refuse_image_store_next_to_kubelet(view, cri_kept, where):
    docker = view["docker"]
    if view["kubelet"]["present"] and docker["containerd_image_store"] and not cri_kept:
        raise CgroupDriverError(
            "%skubelet runs here and Docker uses the containerd image store (%s). kolla-ansible's docker role writes a "
            "containerd config that disables the CRI plugin kubelet needs. Keep CRI enabled in that config (or turn off "
            "the containerd image store), then set container_runtime_containerd_cri_kept=true to confirm."
            % (where, docker["containerd_image_store_reason"] or "")
        )


def docker_settings(settings, driver, where=""):
    """daemon.json settings to merge: ``settings`` with ``native.cgroupdriver=<driver>`` merged into ``exec-opts`` by name.

    The operator's other exec-opts stay. An operator exec-opt that names another
    cgroup driver is refused (the variable for that is container_runtime_cgroup_driver).
    """
    name = "container_runtime_docker_settings"
    settings = {} if settings is None else settings
    try:
        daemon_json.validate_settings(settings, name)
        given = daemon_json.merge_exec_opts(None, settings.get("exec-opts") or [], where=name)
        for option in given:
            if daemon_json.exec_opt_name(option) == daemon_json.CGROUP_DRIVER_OPT and option.split("=", 1)[1].strip() != driver:
                raise daemon_json.ConfigError(
                    "%s: exec-opts entry %r contradicts the decided cgroup driver %s; remove it there, and set "
                    "container_runtime_cgroup_driver instead if you mean to override the driver" % (name, option, driver)
                )
        exec_opts = daemon_json.merge_exec_opts(given, ["%s=%s" % (daemon_json.CGROUP_DRIVER_OPT, driver)], existing_where=name)
    except daemon_json.ConfigError as exc:
        raise CgroupDriverError("%s%s" % (where, exc)) from None
    return dict(settings, **{"exec-opts": exec_opts})


def cgroup_driver_decision(runtime, override=None, host=None, *, engine="docker", settings=None, cri_kept=False):
    """Decide the cgroup driver for one host from container_runtime_info's raw ``runtime`` and the operator's variables.

    Returns ``{driver, source, reason, engine, docker_settings, required, runtime, warnings, fact}``:
    ``docker_settings`` is what to merge into daemon.json (None for Podman);
    ``runtime`` the parsed view of every engine; ``fact`` the ``multiarch_container_runtime``
    fact without ``docker_custom_config`` (the role adds the merged daemon.json).
    Raises CgroupDriverError, naming the host, the input and the fix.
    """
    where = "host %s: " % host if host else ""
    if not runtime_facts.is_raw_runtime(runtime):
        raise CgroupDriverError(where + "cgroup_driver_decision expects the `runtime` result of multiarch.kolla.container_runtime_info")
    _check_operator_input(override, engine, where)
    view = analyze(runtime)
    _refuse_unknown_sources(view, where)
    driver, source, reason = _choose(view["required_cgroup_driver"], override, where)
    merge = None
    if engine == "docker":
        merge = docker_settings(settings, driver, where)
        _refuse_image_store_next_to_kubelet(view, cri_kept, where)
    return {
        "driver": driver,
        "source": source,
        "reason": reason,
        "engine": engine,
        "docker_settings": merge,
        "required": view["required_cgroup_driver"],
        "runtime": view,
        "warnings": list(view["warnings"]),
        "fact": {"engine": engine, "cgroup_driver": driver, "source": source, "reason": reason, "docker_custom_config": None},
    }
