# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two kolla-ansible test doubles of the kolla_multiarch scenario (tests only).

``action_plugins/kolla_toolbox.py`` and ``action_plugins/kolla_container.py`` are
links to this file; the name Ansible loads it under picks the double. With that
directory on ``ANSIBLE_ACTION_PLUGINS``, Ansible runs them instead of
kolla-ansible's modules of the same names (an action plugin wins over a module).

- ``kolla_toolbox``: ``genconfig --tags nova`` asks one live service, nova-cell's
  list of registered hypervisors (through the kolla_toolbox container; Keystone
  and nova-api must answer). A new cloud has none: the double answers that call
  with an empty list.
- ``kolla_container``: ``kolla-ansible pull`` asks each host's container engine to
  pull the service images; no registry is reachable in the lab, so the double
  records each ``pull_image`` request (host and image) instead.

Any other call fails loudly, naming the call: a new live-service dependency in
kolla-ansible shows up as a test failure, not a silent pass. Each answered call
is appended as one JSON line to ``$KOLLA_DOUBLES_LOG`` when that is set.
"""

import json
import os

from ansible.plugins.action import ActionBase


def _toolbox(task, args):
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


def _container(task, args):
    if args.get("action") == "pull_image" and args.get("image"):
        return {"call": "pull_image", "image": args["image"]}, {"image": args["image"], "msg": "recorded, not pulled (test double)"}
    return None


def _container_refusal(args):
    return "action=%r name=%r image=%r. The double only records pull_image requests; this kolla-ansible command needs a real container engine." % (
        args.get("action"),
        args.get("name"),
        args.get("image"),
    )


# Each double: (answer(task, args) -> (record entry, result fields) or None, refusal(args) -> text).
DOUBLES = {
    "kolla_toolbox": (_toolbox, _toolbox_refusal),
    "kolla_container": (_container, _container_refusal),
}
NAME = os.path.splitext(os.path.basename(__file__))[0]  # the link Ansible loaded


class ActionModule(ActionBase):
    _VALID_ARGS = frozenset()  # accept everything: the double decides

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        host = (task_vars or {}).get("inventory_hostname")
        if NAME not in DOUBLES:
            result.update(failed=True, msg="kolla test doubles: loaded as %r; load them through the links in action_plugins/ (%s)" % (NAME, ", ".join(DOUBLES)))
            return result
        answer, refusal = DOUBLES[NAME]
        answered = answer(self._task, self._task.args)
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
        result.update(fields, changed=False)
        return result
