# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab and test harness only: load the lab's connection plugin once, in the controller, before the workers fork.

Each task that runs on a host (a skipped one does not) has its worker process load that host's connection plugin.
The lab's hosts are containers reached with community.docker.docker_api, whose Docker client imports paramiko,
requests and invoke: about 0.3 s of CPU in every worker, against 0.03 s for ansible.builtin.ssh, the connection
operators use (measured with ``connection_loader.get``, ``python -X importtime``). Ansible forks its workers from
the controller process, and its plugin loader reuses a module already in ``sys.modules``, so a plugin loaded here
once is loaded in every worker. Over 100 light lab hosts (tests/bench/bench_scale.py) this is the difference
between the lab's cost per task and an ssh inventory's.

This callback does nothing with events. Enabled (``callbacks_enabled``), it is created in the controller before the
first worker is forked. A connection plugin that is not installed is left out; the run then fails, or not, as it
would without this callback.
"""

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import connection_loader

DOCUMENTATION = r"""
name: lab_preload
type: aggregate
short_description: Load the lab's connection plugin once in the controller (lab only)
description:
  - Loads community.docker.docker_api in the controller process before Ansible forks its workers, so that each worker
    inherits it instead of importing Docker's client again for every task on every host. Used by the lab, the
    Molecule scenarios and the benchmarks only.
requirements:
  - enable this callback (callbacks_enabled)
"""

# The connection plugins the lab's inventories name (inventories/lab, molecule/, tests/bench/bench_scale.py).
LAB_CONNECTIONS = ("community.docker.docker_api",)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "lab_preload"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded = [name for name in LAB_CONNECTIONS if connection_loader.get(name, class_only=True) is not None]
