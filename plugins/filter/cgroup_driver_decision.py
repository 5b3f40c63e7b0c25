# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter cgroup_driver_decision: the cgroup driver a container engine must use on a host."""

from ansible.errors import AnsibleFilterError

VALID_DRIVERS = ("systemd", "cgroupfs")


def cgroup_driver_decision(runtime, override=None, host=None):
    """Combine what container_runtime_info required with an operator override.

    Returns ``{driver, reason, source}``. Raises AnsibleFilterError on a conflict
    between kubelet's own settings, or when the override disagrees with a
    configured kubelet (both values and the file each came from are named).
    """
    where = "host %s: " % host if host else ""
    if not isinstance(runtime, dict) or "required_cgroup_driver" not in runtime:
        raise AnsibleFilterError(where + "cgroup_driver_decision expects the `runtime` result of multiarch.kolla.container_runtime_info")
    required = runtime["required_cgroup_driver"] or {}
    # A kubelet or containerd file that cannot be read hides the driver it sets: deciding
    # without it could pick the wrong one, so stop and name the file.
    for section, key in (("kubelet", "config_error"), ("kubelet", "flags_error"), ("containerd", "config_error")):
        error = (runtime.get(section) or {}).get(key)
        if error:
            raise AnsibleFilterError(
                "%s%s cannot be parsed (%s), so the cgroup driver it sets is unknown. Fix the file, then run again."
                % (where, error.get("path"), error.get("text") or error.get("msg"))
            )
    if required.get("conflict"):
        a, b = required["conflict"]["a"], required["conflict"]["b"]
        raise AnsibleFilterError(
            "%s%s. Make kubelet's %s (%s) and %s (%s) agree, then run again."
            % (where, required.get("reason"), a.get("setting"), a.get("file"), b.get("setting"), b.get("file"))
        )
    if override not in (None, ""):
        if override not in VALID_DRIVERS:
            raise AnsibleFilterError(
                "%scontainer_runtime_cgroup_driver is '%s'; use one of %s, or leave it empty to follow kubelet"
                % (where, override, ", ".join(VALID_DRIVERS))
            )
        source = required.get("source") or ""
        if source.startswith("kubelet") and required.get("driver") != override:
            raise AnsibleFilterError(
                "%scontainer_runtime_cgroup_driver is '%s' (operator variable), but %s. Docker and kubelet must use the same "
                "driver: drop the override or change kubelet's configuration first." % (where, override, required.get("reason"))
            )
        return {"driver": override, "source": "operator", "reason": "container_runtime_cgroup_driver=%s (operator variable)" % override}
    if not required.get("driver"):
        raise AnsibleFilterError(
            "%sno cgroup driver can be decided: %s. Set container_runtime_cgroup_driver to systemd or cgroupfs."
            % (where, required.get("reason"))
        )
    return {"driver": required["driver"], "source": required.get("source"), "reason": required.get("reason")}


class FilterModule(object):
    """multiarch.kolla container runtime filters."""

    def filters(self):
        return {"cgroup_driver_decision": cgroup_driver_decision}
