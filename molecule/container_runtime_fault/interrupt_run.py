#!/usr/bin/env python3
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test harness only: run a command, wait for a marker file, then kill the command's whole process group.

    interrupt_run.py MARKER TIMEOUT -- ansible-playbook ...

The command runs in a session of its own with the callback kill_point enabled by the caller; that
callback writes MARKER at the chosen moment and holds the run there. Once MARKER exists this
script sends SIGKILL to the process group (ansible-playbook and any worker it forked), as a CI
runner or the OOM killer would: nothing in the run can catch it, no rescue or cleanup runs.
Prints one JSON object: the exit status (-9 when killed), whether the kill was sent, the host
named in MARKER, how long the run lasted and the end of its output. Exits 0 when the run was
killed at the marker, 1 when it ended by itself or the marker did not come within TIMEOUT seconds.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def main(argv):
    marker, timeout, separator, command = argv[0], float(argv[1]), argv[2], argv[3:]
    if separator != "--" or not command:
        sys.exit("usage: interrupt_run.py MARKER TIMEOUT -- COMMAND...")
    if os.path.exists(marker):
        os.remove(marker)
    started = time.monotonic()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        killed = False
        while process.poll() is None and time.monotonic() - started < timeout:
            if os.path.exists(marker):
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.2)
        if process.poll() is None and not killed:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        output.seek(0)
        tail = output.read().decode("utf-8", "replace")[-4000:]
    host = ""
    if os.path.exists(marker):
        with open(marker, encoding="utf-8") as handle:
            host = handle.read().strip()
    print(json.dumps({"rc": process.returncode, "killed": killed, "host": host,
                      "seconds": round(time.monotonic() - started, 1), "output_tail": tail}))
    return 0 if killed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
