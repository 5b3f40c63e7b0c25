# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test harness only: hold ansible-playbook at one named moment so that a test can kill it there.

The scenario container_runtime_fault kills ``ansible-playbook`` in the middle of the
container-runtime phase. A kill on a timer would land anywhere; this callback makes the
moment exact. When the task named by ``$KILL_POINT_TASK`` returns ``changed`` (the write of
daemon.json), it writes the host's name to ``$KILL_POINT_MARKER`` and then blocks the
controller's result loop for ``$KILL_POINT_WAIT`` seconds (default 300). The strategy queues
the next task (the Docker restart) only after this callback returns, so a test that waits for
the marker and then sends SIGKILL stops the run after daemon.json was written and before
Docker was restarted. Without ``$KILL_POINT_TASK`` the callback does nothing.
"""

import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: kill_point
type: aggregate
short_description: Hold the run after a named task changed, so that a test can kill it there (tests only)
description:
  - When the task named by E(KILL_POINT_TASK) returns changed, writes the host name to E(KILL_POINT_MARKER) and
    sleeps E(KILL_POINT_WAIT) seconds (default 300) before the run goes on. Used by the Molecule scenario
    container_runtime_fault only.
requirements:
  - enable this callback (callbacks_enabled)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kill_point"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._task_name = os.environ.get("KILL_POINT_TASK", "")
        self._marker = os.environ.get("KILL_POINT_MARKER", "")
        self._wait = float(os.environ.get("KILL_POINT_WAIT", "300"))

    def v2_runner_on_ok(self, result):
        task = getattr(result, "task", None) or result._task
        host = getattr(result, "host", None) or result._host
        if not self._task_name or task.name != self._task_name or not result.is_changed():
            return
        with open(self._marker, "w", encoding="utf-8") as handle:
            handle.write(host.name + "\n")
        # Blocking here blocks the strategy: no further task starts until the wait is over (or the test kills the run).
        time.sleep(self._wait)
