# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_passthrough_flavors: nova flavors that ask for the GPUs the hosts decided (docs/gpu-passthrough.md).

Controller side, pure. The operator gives each flavor's size and the alias it asks for; the alias must be
one that a host of the play decided (fact ``multiarch_gpu_passthrough.aliases``), and the extra spec is
nova's ``pci_passthrough:alias`` = ``<alias>:<count>`` (nova 34,
nova/api/validation/extra_specs/pci_passthrough.py). The count defaults to the one the decision gave the
alias (``gpu_passthrough_aliases[...].count``, else 1). The result holds the arguments of
``openstack.cloud.compute_flavor``; every problem is listed at once.
"""

import json

FLAVOR_KEYS = ("name", "alias", "count", "vcpus", "ram", "disk", "extra_specs", "is_public", "description")
_SIZES = (("vcpus", 1), ("ram", 1), ("disk", 0))
EXTRA_SPEC = "pci_passthrough:alias"


def _decided(decisions):
    """``{alias name: default count}`` over the hosts' decisions; the count from each decision's flavor_extra_specs."""
    known = {}
    for decision in decisions or []:
        if not isinstance(decision, dict):
            continue
        extra = decision.get("flavor_extra_specs") or {}
        for value in decision.get("aliases") or []:
            name = json.loads(value)["name"]
            spec = (extra.get(name) or {}).get(EXTRA_SPEC, "%s:1" % name)
            known.setdefault(name, int(spec.rsplit(":", 1)[1]))
    return known


def _whole(value, least):
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _one(flavor, known, index):
    """``(compute_flavor arguments, errors)`` of one flavor."""
    who = "gpu_passthrough_flavors[%d]" % index
    if not isinstance(flavor, dict):
        return None, ["%s: give a dict with %s" % (who, ", ".join(FLAVOR_KEYS))]
    name = flavor.get("name")
    who = "%s (%s)" % (who, name) if name else who
    errors = ["%s: unknown key(s) %s; allowed: %s" % (who, ", ".join(sorted(set(flavor) - set(FLAVOR_KEYS))), ", ".join(FLAVOR_KEYS))] \
        if set(flavor) - set(FLAVOR_KEYS) else []
    if not isinstance(name, str) or not name.strip():
        errors.append("%s: name=%r; give the flavor's name" % (who, name))
    alias = flavor.get("alias")
    if alias not in known:
        errors.append("%s: alias=%r is not an alias a host of the play decided (%s); fix: name one of them, or select the GPUs it stands for"
                      % (who, alias, ", ".join(sorted(known)) or "none"))
    count = flavor.get("count", known.get(alias, 1))
    if not _whole(count, 1):
        errors.append("%s: count=%r; give a whole number of at least 1" % (who, count))
    for key, least in _SIZES:
        if not _whole(flavor.get(key), least):
            errors.append("%s: %s=%r; give a whole number of at least %d (%s)" % (who, key, flavor.get(key), least,
                                                                                  "MiB" if key == "ram" else "GiB" if key == "disk" else "vCPUs"))
    extra = flavor.get("extra_specs") or {}
    if not isinstance(extra, dict) or EXTRA_SPEC in extra:
        errors.append("%s: extra_specs: give a dict without %s (the role writes it from alias and count)" % (who, EXTRA_SPEC))
    if errors:
        return None, errors
    args = {"name": name, "vcpus": flavor["vcpus"], "ram": flavor["ram"], "disk": flavor["disk"],
            "extra_specs": dict(extra, **{EXTRA_SPEC: "%s:%d" % (alias, count)})}
    args.update({k: flavor[k] for k in ("is_public", "description") if flavor.get(k) is not None})
    return args, []


def gpu_passthrough_flavors(wanted, decisions):
    """``{"flavors": [compute_flavor arguments], "errors": [...]}`` for the operator's ``wanted`` flavors."""
    if not wanted:
        return {"flavors": [], "errors": []}
    if not isinstance(wanted, (list, tuple)):
        return {"flavors": [], "errors": ["gpu_passthrough_flavors: give a list of flavors (%s)" % ", ".join(FLAVOR_KEYS)]}
    known = _decided(decisions)
    result, errors, names = [], [], set()
    for index, flavor in enumerate(wanted):
        args, found = _one(flavor, known, index)
        errors += found
        if args is not None:
            if args["name"] in names:
                errors.append("gpu_passthrough_flavors: the flavor %s is given twice" % args["name"])
            names.add(args["name"])
            result.append(args)
    return {"flavors": [] if errors else result, "errors": errors}
