# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cgroup driver a host's container engine must use, and what the role applies.

Input: the raw ``runtime`` result of ``container_runtime_info`` (parsed here, on the
controller, by ``runtime_facts.parse_runtime``) and the operator's variables.

The required driver is kubelet's, by kubelet's own rules (``kubelet_driver.py``,
``required_cgroup_driver``), or containerd's and the host's where no kubelet runs.

The decision (``cgroup_driver_decision``) adds the operator: an override (``container_runtime_cgroup_driver``)
is honoured unless it contradicts a known kubelet driver. It refuses, naming the host, the
files and the fix: a kubelet or containerd file that cannot be read or parsed, kubelet's
own settings disagreeing, an override that contradicts kubelet, a kubelet driver that
depends on an unknown release, nothing to decide from, and, for Docker, the containerd
image store on a host where kubelet runs unless the operator confirmed that containerd's
CRI plugin stays enabled (kolla-ansible's docker role writes a containerd config with
``disabled_plugins = ["cri"]`` for that store: ansible-collection-kolla,
roles/docker/templates/containerd_config.toml.j2).

For Docker it returns the daemon.json settings to merge: the operator's settings with
``native.cgroupdriver=<driver>`` merged into their ``exec-opts`` by option name, so the
operator's other exec-opts stay.
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.module_utils import docker_daemon_json as daemon_json
from ansible_collections.multiarch.kolla.plugins.plugin_utils import kubelet_driver, runtime_facts

CGROUP_DRIVERS = daemon_json.CGROUP_DRIVERS
ENGINES = ("docker", "podman")


class CgroupDriverError(AnsibleFilterError):
    """The driver cannot be decided, or the operator's input would break the host; the message says how to fix it."""


def _kubelet_warnings(view, required):
    kubelet = view["kubelet"]
    for src in required["overridden"]:
        if src["setting"] in ("cgroupDriver", "--cgroup-driver") and required["source"] == "kubelet_cri":
            view["warnings"].append("%s; kubelet ignores %s" % (required["reason"], kubelet_driver.describe(src).replace("kubelet ", "", 1)))
    if required["source"] == "kubelet_default" and kubelet["config_present"]:
        view["warnings"].append(
            "%s sets no cgroupDriver (kubeadm %d.%d and later write cgroupDriver: systemd there): kubelet uses its default cgroupfs"
            % ((kubelet["config_path"],) + kubelet_driver.KUBELET_RULES["kubeadm_writes_systemd"]["since"])
        )


def analyze(raw):
    """The parsed view of a raw ``runtime`` result with ``required_cgroup_driver`` and Docker's agreement with it."""
    view = runtime_facts.parse_runtime(raw)
    kubelet, containerd, docker = view["kubelet"], view["containerd"], view["docker"]
    systemd_cgroup = containerd["systemd_cgroup"]
    required = kubelet_driver.required_cgroup_driver(
        kubelet_config={"driver": kubelet["config_cgroup_driver"], "file": kubelet["config_path"]},
        kubelet_flags={"driver": kubelet["flags_cgroup_driver"], "file": kubelet["flags_path"]},
        containerd={"driver": None if systemd_cgroup is None else ("systemd" if systemd_cgroup else "cgroupfs"),
                    "file": containerd["config_path"]},
        cgroup_version=view["host"].get("cgroup_version"),
        systemd=view["host"].get("systemd"),
        kubelet=kubelet,
        containerd_facts=containerd,
    )
    _kubelet_warnings(view, required)
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
        if required.get("source") in kubelet_driver.KUBELET_SOURCES and required.get("driver") != override:
            raise CgroupDriverError(
                "%scontainer_runtime_cgroup_driver is '%s' (operator variable), but %s. Docker and kubelet must use the same "
                "driver: drop the override or change kubelet's configuration first." % (where, override, required.get("reason"))
            )
        return override, "operator", "container_runtime_cgroup_driver=%s (operator variable)" % override
    if required.get("source") == "unknown":
        raise CgroupDriverError("%skubelet's cgroup driver is unknown: %s. %s, then run again." % (where, required.get("reason"), kubelet_driver.UNKNOWN_FIX))
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


def _refuse_daemon_elsewhere(view, where):
    docker = view["docker"]
    if docker.get("daemon_elsewhere"):
        raise CgroupDriverError(
            "%sDocker answers on %s, but no dockerd, docker unit or daemon.json is on this host: the socket belongs to a daemon "
            "on another machine (a bind-mounted socket). Run container_runtime on the machine that runs dockerd, and leave "
            "this host out of multiarch_container_runtime_hosts." % (where, docker.get("socket") or "the Docker socket")
        )


def cgroup_driver_decision(runtime, override=None, host=None, *, engine="docker", settings=None, cri_kept=False):
    """Decide the cgroup driver for one host from container_runtime_info's raw ``runtime`` and the operator's variables.

    Returns ``{driver, source, reason, engine, docker_settings, required, runtime, warnings, restart_pending, fact}``:
    ``docker_settings`` is what to merge into daemon.json (None for Podman);
    ``runtime`` the parsed view of every engine; ``restart_pending`` whether the running Docker has yet to pick up
    the driver (restart it even when daemon.json does not change); ``fact`` the ``multiarch_container_runtime``
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
        _refuse_daemon_elsewhere(view, where)
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
        # Docker answering with another driver than the decided one while daemon.json needs no change: a run stopped
        # between writing daemon.json and the restart (killed, Ctrl-C, a lost connection) left the restart pending.
        "restart_pending": engine == "docker" and view["docker"]["running"] and view["docker"]["cgroup_driver"] not in (None, driver),
        "fact": {"engine": engine, "cgroup_driver": driver, "source": source, "reason": reason, "docker_custom_config": None},
    }
