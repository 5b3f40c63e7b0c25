# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test double for kolla-ansible's ``kolla_container`` module (tests only; never installed).

``kolla-ansible pull`` asks each host's container engine to pull the service
images; no registry is reachable in the lab, so this double records each
``pull_image`` request (host and image) instead of pulling. Every other action
fails loudly: a kolla-ansible command under test that starts, stops or inspects
containers needs more than this double can prove.

Put the directory on ``ANSIBLE_ACTION_PLUGINS``. Each request is appended as one
JSON line to ``$KOLLA_DOUBLES_LOG`` when that is set.
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
        host = task_vars.get("inventory_hostname")
        if args.get("action") == "pull_image" and args.get("image"):
            record({"double": "kolla_container", "call": "pull_image", "host": host, "image": args["image"]})
            result.update(changed=False, image=args["image"], msg="recorded, not pulled (test double)")
            return result
        result.update(
            failed=True,
            msg="kolla_container test double: unexpected call from host %s, task %r: action=%r name=%r image=%r. The double only records "
            "pull_image requests; this kolla-ansible command needs a real container engine."
            % (host, self._task.get_name(), args.get("action"), args.get("name"), args.get("image")),
        )
        return result
