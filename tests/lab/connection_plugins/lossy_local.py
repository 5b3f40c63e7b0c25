# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test double: the local connection, except that the output of the first N remote temp dir
creations is lost, as Docker's exec API sometimes loses it (see callback lab_exec_retry)."""

import os

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = r"""
name: lossy_local
short_description: Local connection that loses the output of the first temp dir creations (test double)
description:
  - Runs commands on the controller like the local connection. The output of the first C($LOSSY_LOCAL_LOSE) commands that
    create an Ansible remote temp dir (default 1) is replaced by nothing, the command having run.
author: multiarch.kolla developers
options:
  become_success_timeout:
    type: int
    default: 10
    description: Seconds to wait for become (unused here, the tests do not become).
  become_strip_preamble:
    type: bool
    default: true
    description: Strip become's preamble (unused here).
extends_documentation_fragment:
  - connection_pipelining
"""

_lost = {"count": 0}


class Connection(LocalConnection):
    transport = "lossy_local"

    def exec_command(self, cmd, in_data=None, sudoable=True):
        rc, stdout, stderr = super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        if "ansible-tmp-" in cmd and "mkdir" in cmd and _lost["count"] < int(os.environ.get("LOSSY_LOCAL_LOSE", "1")):
            _lost["count"] += 1
            return rc, b"", b""
        return rc, stdout, stderr
