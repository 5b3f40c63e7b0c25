# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cgroup driver kubelet will use on a host, by kubelet's own rules (``required_cgroup_driver``).

* Where kubelet is present, the driver kubelet itself will use, by kubelet's own rules
  (``KUBELET_RULES``, each with the releases it holds from and its source):
  ``--cgroup-driver`` in kubeadm's flags file and ``cgroupDriver`` in the
  KubeletConfiguration (kubelet lets the flag win; here the two must agree, and a
  disagreement is a conflict naming both files); without either, kubelet's own default
  ``cgroupfs``, never the host's. From kubelet 1.31 on (gate KubeletCgroupDriverFromCRI)
  kubelet takes the driver its CRI runtime reports instead, when the runtime implements
  RuntimeConfig (containerd 2.0 and later: the runc runtime's ``SystemdCgroup``). The
  releases come from ``kubelet --version`` and ``containerd --version``; where one is
  unknown and the rules it chooses between give different drivers, the driver is
  ``unknown`` and the decision refuses, naming the fix.
* Without kubelet: containerd's ``SystemdCgroup`` of the CRI ``runc`` runtime (true ->
  systemd, false -> cgroupfs) when the key is set (commented-out keys do not count);
  then ``systemd`` when systemd is the init system and the host runs cgroup v2 (Docker
  picks the same default there: moby daemon/daemon_unix.go v20.10+); otherwise none.

It decides what the host requires, not what the role does: ``cgroup_driver.py`` turns it
into the decision. Controller side, pure.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils import docker_daemon_json as daemon_json
from ansible_collections.multiarch.kolla.plugins.plugin_utils import runtime_facts

CGROUP_DRIVERS = daemon_json.CGROUP_DRIVERS
# The required driver's sources that are kubelet's own (an operator override may not contradict them).
KUBELET_SOURCES = ("kubelet", "kubelet_config", "kubelet_flags", "kubelet_default", "kubelet_cri")

# The rules kubelet follows for its cgroup driver, with the releases they hold from and where each is written.
# docs/container-runtime.md explains them with the same sources.
KUBELET_RULES = {
    "kubelet_default": {
        "driver": "cgroupfs",
        "source": "kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go (SetDefaults_KubeletConfiguration: an empty "
        "cgroupDriver becomes cgroupfs); the --cgroup-driver flag has the same default",
    },
    "flag_over_config": {
        "source": "kubernetes cmd/kubelet/app/server.go (kubeletConfigFlagPrecedence: command-line flags, --feature-gates "
        "gate by gate, override the config file)",
    },
    "cri_gate": {
        "gate": runtime_facts.CRI_GATE,
        "alpha": (1, 28),       # off by default
        "default_on": (1, 31),  # beta, on by default
        "locked_on": (1, 34),   # GA, cannot be turned off
        "source": "kubernetes pkg/features/kube_features.go (KubeletCgroupDriverFromCRI: alpha 1.28, beta and on 1.31, GA "
        "and locked on 1.34); cmd/kubelet/app/server.go getCgroupDriverFromCRI: the runtime's answer replaces cgroupDriver "
        "and --cgroup-driver; a runtime without RuntimeConfig (gRPC Unimplemented) leaves them in force",
    },
    "containerd_runtime_config": {
        "since": (2, 0),
        "source": "containerd internal/cri/server/runtime_config_linux.go (v2.0.0; in no 1.7 release up to v1.7.34): the SystemdCgroup "
        "of the default runtime's runc options; internal/cri/config/config_unix.go: runc's SystemdCgroup defaults to false",
    },
    "crio_runtime_config": {
        "since": (1, 28),
        "source": "cri-o v1.28.0 (cri-o/cri-o#7079, RuntimeConfig reports [crio.runtime] cgroup_manager); kubernetes "
        "website content/en/blog/_posts/2024-08-21-cgroup-driver-from-cri.md",
    },
    "kubeadm_writes_systemd": {
        "since": (1, 22),
        "driver": "systemd",
        "source": "kubernetes cmd/kubeadm/app/componentconfigs/kubelet.go (Default: an empty cgroupDriver becomes systemd); "
        "kubernetes website content/en/docs/tasks/administer-cluster/kubeadm/configure-cgroup-driver.md",
    },
}
# kubelet's containerRuntimeEndpoint default (pkg/kubelet/apis/config/v1beta1/defaults.go, 1.27 and later).
DEFAULT_CRI_ENDPOINT = "unix:///run/containerd/containerd.sock"
# The CRI runtime an endpoint names (a socket path fragment), in the order tried.
CRI_ENDPOINTS = (("cri-dockerd", "cri-dockerd"), ("crio", "CRI-O"), ("containerd", "containerd"))
UNKNOWN_FIX = (
    "Set cgroupDriver in kubelet's configuration and the same driver in containerd's runc SystemdCgroup, so that every "
    "rule gives the same answer, or set container_runtime_cgroup_driver to the driver kubelet uses"
)


def _source(entry, setting):
    if not entry or entry.get("driver") not in CGROUP_DRIVERS:
        return None
    return {"driver": entry["driver"], "file": entry.get("file"), "setting": setting}


def describe(src):
    if src["setting"] == "SystemdCgroup":
        return "containerd runc SystemdCgroup = %s in %s" % ("true" if src["driver"] == "systemd" else "false", src["file"])
    if src["setting"] == "--cgroup-driver":
        return "kubelet --cgroup-driver=%s in %s" % (src["driver"], src["file"])
    return "kubelet cgroupDriver: %s in %s" % (src["driver"], src["file"])


def _release(text):
    return tuple(int(part) for part in text.split(".")) if text else None


def _configured(config, flags):
    """``(sources, source name)`` of kubelet's own settings, flags and config (they agree: a conflict was handled)."""
    if config and flags:
        return [config, flags], "kubelet"
    if flags:
        return [flags], "kubelet_flags"
    if config:
        return [config], "kubelet_config"
    return [], None


def _fallback(configured, source, kubelet):
    """What kubelet uses when it does not take the driver from its runtime: its settings, else its default."""
    if configured:
        return {"driver": configured[0]["driver"], "source": source, "reason": " and ".join(describe(src) for src in configured),
                "files": [src["file"] for src in configured]}
    files = [path for path, present in ((kubelet["config_path"], kubelet["config_present"]), (kubelet["flags_path"], kubelet["flags_present"])) if present]
    rule = KUBELET_RULES["kubelet_default"]
    return {
        "driver": rule["driver"],
        "source": "kubelet_default",
        "reason": "kubelet%s: %s sets no cgroup driver, so kubelet uses its own default %s (KubeletConfiguration v1beta1)"
        % (" " + kubelet["release"] if kubelet.get("release") else "", " nor ".join(files), rule["driver"]),
        "files": files,
    }


def _gate_values(kubelet):
    """The values KubeletCgroupDriverFromCRI can have on this kubelet: one, or both when its release is unknown."""
    rule = KUBELET_RULES["cri_gate"]
    release = _release(kubelet.get("release"))
    gate = kubelet.get("cri_gate")
    if release is not None and release >= rule["locked_on"]:
        return [True]
    if release is not None and release < rule["alpha"]:
        return [False]
    if gate is not None:
        return [gate["value"]]
    if release is not None:
        return [release >= rule["default_on"]]
    return [False, True]


def _containerd_report(containerd):
    """``(driver or None, why)``: what containerd 2.x reports over CRI RuntimeConfig (KUBELET_RULES containerd_runtime_config)."""
    path = containerd["config_path"]
    if not containerd["config_present"]:
        return "cgroupfs", "containerd's built-in runc options (SystemdCgroup = false)"
    if containerd.get("config_error"):
        return None, "%s cannot be read or parsed" % path
    if containerd.get("default_runtime_name") not in (None, "runc"):
        return None, "%s makes %r the default runtime, whose options this collection does not read" % (path, containerd["default_runtime_name"])
    if containerd.get("systemd_cgroup") is not None:
        return ("systemd" if containerd["systemd_cgroup"] else "cgroupfs"), "runc SystemdCgroup = %s in %s" % (
            str(containerd["systemd_cgroup"]).lower(), path)
    if containerd.get("runc_runtime") in ("options", "absent"):
        return "cgroupfs", "runc SystemdCgroup, unset in %s, is false by default" % path
    return None, "%s declares the runc runtime without options; which driver containerd then reports is not read here" % path


def _cri_branches(kubelet, containerd, fallback):
    """What kubelet uses once the gate is on: the fallback, the runtime's report, or either when the runtime's release is unknown."""
    endpoint = kubelet.get("container_runtime_endpoint") or DEFAULT_CRI_ENDPOINT
    runtime = next((name for fragment, name in CRI_ENDPOINTS if fragment in endpoint), None)
    if runtime != "containerd":
        why = "kubelet's CRI runtime at %s (%s) may report a driver, which this collection does not read" % (endpoint, runtime or "unknown runtime")
        return [fallback, {"driver": None, "source": "kubelet_cri", "reason": why, "files": []}], [why]
    driver, why = _containerd_report(containerd)
    release = containerd.get("release")
    reported = {
        "driver": driver,
        "source": "kubelet_cri",
        "reason": "kubelet%s takes the cgroup driver from containerd %s over CRI (KubeletCgroupDriverFromCRI): %s"
        % (" " + kubelet["release"] if kubelet.get("release") else "", release or "2.x", why),
        "files": [containerd["config_path"]] if containerd["config_present"] else [],
    }
    unknown = [] if driver else [why]
    if release is None:
        unknown.append("containerd's version is unknown (%s): containerd 2.0 and later report a driver to kubelet, older releases do not"
                       % containerd.get("release_error"))
        return [fallback, reported], unknown
    if _release(release) >= KUBELET_RULES["containerd_runtime_config"]["since"]:
        return [reported], unknown
    return [fallback], []


def _kubelet_unread(kubelet):
    """Why kubelet's own settings are unknown, or None."""
    for key in ("config_error", "flags_error"):
        if kubelet.get(key):
            return "kubelet's %s cannot be read or parsed" % kubelet[key].get("path")
    if not (kubelet["config_present"] or kubelet["flags_present"]):
        return ("kubelet is present but neither %s nor %s exists, so its settings are elsewhere (a --config path in its unit); "
                "its own default is cgroupfs, or the driver its CRI runtime reports" % (kubelet["config_path"], kubelet["flags_path"]))
    return None


def _kubelet_requirement(result, config, flags, kubelet, containerd):
    """``result`` filled with the driver kubelet will use, by KUBELET_RULES, or ``unknown`` with the reasons."""
    unread = _kubelet_unread(kubelet)
    if unread:
        result.update(source="unknown", reason=unread)
        return result
    fallback = _fallback(*_configured(config, flags), kubelet)
    gates = _gate_values(kubelet)
    outcomes, unknown = [], []
    if False in gates:
        outcomes.append(fallback)
    if True in gates:
        branches, unknown = _cri_branches(kubelet, containerd, fallback)
        outcomes.extend(branches)
    drivers = {outcome["driver"] for outcome in outcomes}
    if len(drivers) == 1 and None not in drivers:
        chosen = outcomes[0] if all(outcome is outcomes[0] for outcome in outcomes) else fallback
        result.update(driver=chosen["driver"], source=chosen["source"], reason=chosen["reason"], files=list(chosen["files"]))
        if chosen is not fallback and fallback["source"] != "kubelet_default" and fallback["driver"] != chosen["driver"]:
            result["overridden"].extend(src for src in (config, flags) if src)
        return result
    if len(gates) == 2:
        unknown.insert(0, "kubelet's version is unknown (%s), so whether it takes the cgroup driver from its CRI runtime (%s, on by "
                       "default from kubelet 1.31) is unknown" % (kubelet.get("release_error"), KUBELET_RULES["cri_gate"]["gate"]))
    either = sorted({"%s (%s)" % (outcome["driver"], outcome["reason"]) for outcome in outcomes if outcome["driver"]})
    result.update(source="unknown", reason="%s; so kubelet uses %s" % ("; ".join(unknown), " or ".join(either) or "a driver not known here"),
                  files=sorted({path for outcome in outcomes for path in outcome["files"]}))
    return result


def required_cgroup_driver(kubelet_config=None, kubelet_flags=None, containerd=None, cgroup_version=None, systemd=None, *,
                           kubelet=None, containerd_facts=None):
    """Which cgroup driver the host requires, and why.

    ``kubelet_config``, ``kubelet_flags`` and ``containerd`` are dicts
    ``{"driver": "systemd"|"cgroupfs"|None, "file": path}`` (or None). ``kubelet`` and
    ``containerd_facts`` are the ``kubelet`` and ``containerd`` sections of
    ``runtime_facts.parse_runtime``; with a present kubelet its own rules decide
    (KUBELET_RULES), otherwise containerd and the host.
    Returns ``{driver, source, reason, files, conflict, overridden}`` where
    ``source`` is one of ``kubelet`` (config and flags agree), ``kubelet_config``,
    ``kubelet_flags``, ``kubelet_default`` (kubelet's own default), ``kubelet_cri`` (what
    the CRI runtime reports), ``containerd``, ``host_default``, ``none``, ``conflict`` or
    ``unknown`` (kubelet's driver depends on what is not known; ``reason`` says what).
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
            reason="kubelet's settings disagree: %s, but %s" % (describe(config), describe(flags)),
            files=[config["file"], flags["file"]],
            conflict={"a": config, "b": flags},
        )
        return result
    if kubelet and kubelet.get("present"):
        _kubelet_requirement(result, config, flags, kubelet, containerd_facts or {})
        if runtime and result["driver"] and result["source"] != "kubelet_cri" and runtime["driver"] != result["driver"]:
            result["overridden"].append(runtime)
        return result
    chosen, source = _configured(config, flags)
    if not chosen and runtime:
        chosen, source = [runtime], "containerd"
    if chosen:
        driver = chosen[0]["driver"]
        result.update(driver=driver, source=source, reason=" and ".join(describe(src) for src in chosen),
                      files=[src["file"] for src in chosen])
        if runtime and runtime not in chosen and runtime["driver"] != driver:
            result["overridden"].append(runtime)
        return result
    if systemd and cgroup_version == 2:
        result.update(
            driver="systemd",
            source="host_default",
            reason="no kubelet or containerd setting; systemd is the init system (/run/systemd/system) and the host uses cgroup v2 "
            "(/sys/fs/cgroup/cgroup.controllers), where Docker defaults to systemd",
        )
        return result
    result["reason"] = "no kubelet or containerd setting names a cgroup driver and the host is not a systemd host with cgroup v2"
    return result
