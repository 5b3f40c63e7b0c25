# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test double for kolla-ansible's ``kolla_toolbox`` module (tests only; never installed).

kolla-ansible's ``genconfig --tags nova`` asks one live service: nova-cell lists the
registered hypervisors through the kolla_toolbox container (Keystone and nova-api
must answer). A new cloud has none, so this double answers that one call with an
empty list. Every other call fails loudly, so a new live-service dependency in
kolla-ansible shows up as a test failure instead of passing silently.

Put the directory on ``ANSIBLE_ACTION_PLUGINS``: Ansible prefers an action plugin
over a module of the same name. Each answered call is appended as one JSON line
to ``$KOLLA_DOUBLES_LOG`` when that is set.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.plugins.action import ActionBase


def record(entry):
    path = os.environ.get("KOLLA_DOUBLES_LOG")
    if path:
        with open(path, "a") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")


class ActionModule(ActionBase):
    _VALID_ARGS = frozenset()  # accept everything; checked below

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        module_args = args.get("module_args") or {}
        host = task_vars.get("inventory_hostname")
        if args.get("module_name") == "openstack.cloud.resources" and module_args.get("service") == "compute" and module_args.get("type") == "hypervisor":
            record({"double": "kolla_toolbox", "call": "list-hypervisors", "host": host, "delegate_to": self._task.delegate_to})
            result.update(changed=False, resources=[])
            return result
        result.update(
            failed=True,
            msg="kolla_toolbox test double: unexpected call from host %s, task %r: module_name=%r module_args=%r. The double answers only nova-cell's "
            "'list hypervisors' lookup; kolla-ansible now needs another live service here, so the test must learn about it."
            % (host, self._task.get_name(), args.get("module_name"), {k: v for k, v in module_args.items() if k != "auth"}),
        )
        return result
