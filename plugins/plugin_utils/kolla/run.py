# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What role ``kolla_multiarch`` reports about a kolla-ansible run: changed or not, the recap, what failed.

Controller side, behind the filter ``kolla_multiarch_run_summary``. Reads the
output of ``kolla-ansible <action>`` (Ansible's default callback): the PLAY RECAP
lines say whether anything changed; each failed task is its ``TASK [...]`` line
with the ``fatal:``/``failed:`` lines under it.
"""

import re

_RECAP_LINE = re.compile(r"^\S+\s+: ok=\d+\s+changed=(\d+)")
_TASK = re.compile(r"^TASK \[[^\]]*\]")
_FAILED = re.compile(r"^(fatal|failed): ")
# Lines kept after a fatal/failed line: the error message Ansible prints there.
_FAILURE_CONTEXT = 12


def _failures(lines):
    """Each failed task: its TASK line, the failure line and the lines after it."""
    found, task = [], None
    for number, line in enumerate(lines):
        if _TASK.match(line):
            task = line
        elif _FAILED.match(line):
            block = [task] if task else []
            block.extend(lines[number:number + 1 + _FAILURE_CONTEXT])
            found.append("\n".join(block))
    return found


def run_summary(result, action, log_file=""):
    """``{changed, recap, failures, message}`` of a ``kolla-ansible`` command result (Ansible's command module result)."""
    stdout = (result or {}).get("stdout") or ""
    stderr = (result or {}).get("stderr") or ""
    lines = stdout.splitlines()
    recap = [line for line in lines if _RECAP_LINE.match(line)]
    changed = any(int(_RECAP_LINE.match(line).group(1)) > 0 for line in recap)
    failures = _failures(lines)
    rc = (result or {}).get("rc")
    header = "kolla-ansible %s ran %s, exit %s" % (action, (result or {}).get("delta", "?"), rc)
    shown = recap or (lines[-40:] + stderr.splitlines()[-20:])
    message = None
    if rc not in (0, None):
        where = " (full output in %s)" % log_file if log_file else ""
        detail = failures or (lines[-25:] + stderr.splitlines()[-15:])
        message = "kolla-ansible %s exited %s%s. What failed:\n%s" % (action, rc, where, "\n".join(detail))
    return {"changed": changed, "recap": [header, *shown], "failures": failures, "message": message}
