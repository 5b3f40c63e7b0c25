# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test doubles of the other projects' modules the Molecule scenarios call (tests only).

Every double is a link to this file; the name Ansible loads it under picks the double.

- kolla-ansible's, for the kolla_multiarch scenario: ``action_plugins/kolla_toolbox.py``
  and ``action_plugins/kolla_container.py``. With that directory on
  ``ANSIBLE_ACTION_PLUGINS``, Ansible runs them instead of kolla-ansible's modules of the
  same names (an action plugin wins over a module; kolla-ansible calls them by short name).
- kubernetes.core's, for the container_runtime scenarios:
  ``collections/ansible_collections/kubernetes/core/plugins/action/k8s_drain.py``. The
  role calls ``kubernetes.core.k8s_drain`` by its FQCN, which Ansible resolves in the
  collection only (never on ``ANSIBLE_ACTION_PLUGINS``), so that directory goes first on
  ``ANSIBLE_COLLECTIONS_PATH`` and shadows the real collection.
- openstack.cloud's, for role gpu_passthrough's flavors:
  ``collections/ansible_collections/openstack/cloud/plugins/action/compute_flavor.py``, the same way.

- ``kolla_toolbox``: ``genconfig --tags nova`` asks one live service, nova-cell's
  list of registered hypervisors (through the kolla_toolbox container; Keystone
  and nova-api must answer). A new cloud has none: the double answers that call
  with an empty list.
- ``kolla_container``: ``kolla-ansible pull`` asks each host's container engine to
  pull the service images; no registry is reachable in the lab, so the double
  records each ``pull_image`` request (host and image) instead.
- ``k8s_drain``: role container_runtime drains a Kubernetes node before it restarts
  Docker and uncordons it afterwards; the lab has no cluster, so the double records
  each ``drain`` and ``uncordon`` (node, kubeconfig, where it ran, whether in check
  mode, where the real module changes nothing). It takes only the
  options kubernetes.core 6.x's k8s_drain takes (test_kolla_doubles.py checks them
  against the real module) and no other state.

- ``compute_flavor``: role gpu_passthrough creates its GPU flavors through nova's API; no cloud runs
  in the tests, so the double records each flavor (name, size, extra specs, cloud, where it ran)
  after checking the arguments as the real module would (its options, state present, the size).

Any other call fails loudly, naming the call: a new live-service dependency in
kolla-ansible shows up as a test failure, not a silent pass. Each answered call
is appended as one JSON line to ``$KOLLA_DOUBLES_LOG`` when that is set.
"""

import json
import os

from ansible.plugins.action import ActionBase


def _toolbox(task, args, check_mode):
    module_args = args.get("module_args") or {}
    if args.get("module_name") == "openstack.cloud.resources" and module_args.get("service") == "compute" and module_args.get("type") == "hypervisor":
        return {"call": "list-hypervisors", "delegate_to": task.delegate_to}, {"resources": []}
    return None


def _toolbox_refusal(args):
    module_args = args.get("module_args") or {}
    return (
        "module_name=%r module_args=%r. The double answers only nova-cell's 'list hypervisors' lookup; kolla-ansible now needs another "
        "live service here, so the test must learn about it." % (args.get("module_name"), {k: v for k, v in module_args.items() if k != "auth"})
    )


def _container(task, args, check_mode):
    if args.get("action") == "pull_image" and args.get("image"):
        return {"call": "pull_image", "image": args["image"]}, {"image": args["image"], "msg": "recorded, not pulled (test double)"}
    return None


# kubernetes.core k8s_drain's options (6.2.0: its argspec, AUTH_ARG_SPEC included, with aliases).
K8S_DRAIN_OPTIONS = frozenset((
    "api_key", "ca_cert", "client_cert", "client_key", "context", "delete_options", "host", "impersonate_groups", "impersonate_user",
    "kubeconfig", "name", "no_proxy", "password", "persist_config", "pod_selectors", "proxy", "proxy_headers", "state", "username",
    "validate_certs", "verify_ssl", "ssl_ca_cert", "cert_file", "key_file", "label_selectors",
))
K8S_SECRETS = ("api_key", "password", "client_key", "key_file")


def _drain(task, args, check_mode):
    unknown = set(args) - K8S_DRAIN_OPTIONS
    if unknown or args.get("state", "drain") not in ("drain", "uncordon") or not args.get("name"):
        return None
    state = args.get("state", "drain")
    # In check mode the real module changes nothing but says what it would do; the record says which it was.
    entry = {"call": state, "name": args["name"], "kubeconfig": args.get("kubeconfig"), "delegate_to": task.delegate_to,
             "check_mode": bool(check_mode)}
    if state == "drain":
        entry["delete_options"] = args.get("delete_options") or {}
    return entry, {"changed": True, "result": "node %s %s (recorded by the test double)" % (args["name"], "drained" if state == "drain" else "uncordoned")}


def _drain_refusal(args):
    unknown = sorted(set(args) - K8S_DRAIN_OPTIONS)
    shown = {k: v for k, v in args.items() if k not in K8S_SECRETS}
    if unknown:
        return "options %s are not k8s_drain's (%r)." % (", ".join(unknown), shown)
    return "state=%r name=%r. The double records drain and uncordon of a named node only." % (args.get("state", "drain"), args.get("name"))


# openstack.cloud compute_flavor's options (2.x: its argument_spec plus openstack_full_argument_spec, aliases included).
COMPUTE_FLAVOR_OPTIONS = frozenset((
    "description", "disk", "ephemeral", "extra_specs", "id", "flavorid", "is_public", "name", "ram", "rxtx_factor", "state", "swap", "vcpus",
    "api_timeout", "auth", "auth_type", "ca_cert", "cacert", "client_cert", "cert", "client_key", "key", "cloud",
    "interface", "endpoint_type", "region_name", "sdk_log_level", "sdk_log_path", "timeout", "validate_certs", "verify", "wait",
))


def _flavor(task, args, check_mode):
    if set(args) - COMPUTE_FLAVOR_OPTIONS or args.get("state", "present") != "present" or not args.get("name"):
        return None
    if any(args.get(key) is None for key in ("ram", "vcpus", "disk")):
        return None
    entry = {"call": "flavor", "name": args["name"], "vcpus": int(args["vcpus"]), "ram": int(args["ram"]), "disk": int(args["disk"]),
             "extra_specs": args.get("extra_specs") or {}, "cloud": args.get("cloud"), "delegate_to": task.delegate_to,
             "check_mode": bool(check_mode)}
    return entry, {"changed": True, "flavor": {"name": args["name"]}}


def _flavor_refusal(args):
    unknown = sorted(set(args) - COMPUTE_FLAVOR_OPTIONS)
    if unknown:
        return "options %s are not compute_flavor's." % ", ".join(unknown)
    return "state=%r name=%r ram=%r vcpus=%r disk=%r. The double records present flavors with their size only." % (
        args.get("state", "present"), args.get("name"), args.get("ram"), args.get("vcpus"), args.get("disk"))


def _container_refusal(args):
    return "action=%r name=%r image=%r. The double only records pull_image requests; this kolla-ansible command needs a real container engine." % (
        args.get("action"),
        args.get("name"),
        args.get("image"),
    )


# Each double: (answer(task, args, check_mode) -> (record entry, result fields) or None, refusal(args) -> text).
DOUBLES = {
    "kolla_toolbox": (_toolbox, _toolbox_refusal),
    "kolla_container": (_container, _container_refusal),
    "k8s_drain": (_drain, _drain_refusal),
    "compute_flavor": (_flavor, _flavor_refusal),
}
NAME = os.path.splitext(os.path.basename(__file__))[0]  # the link Ansible loaded


class ActionModule(ActionBase):
    _VALID_ARGS = frozenset()  # accept everything: the double decides

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        host = (task_vars or {}).get("inventory_hostname")
        if NAME not in DOUBLES:
            result.update(failed=True, msg="test doubles: loaded as %r; load them through the links named after a double (%s)" % (NAME, ", ".join(DOUBLES)))
            return result
        answer, refusal = DOUBLES[NAME]
        answered = answer(self._task, self._task.args, self._play_context.check_mode)
        if answered is None:
            result.update(
                failed=True,
                msg="%s test double: unexpected call from host %s, task %r: %s" % (NAME, host, self._task.get_name(), refusal(self._task.args)),
            )
            return result
        entry, fields = answered
        path = os.environ.get("KOLLA_DOUBLES_LOG")
        if path:
            with open(path, "a") as handle:
                handle.write(json.dumps(dict(entry, double=NAME, host=host), sort_keys=True) + "\n")
        result.update(dict({"changed": False}, **fields))
        return result
