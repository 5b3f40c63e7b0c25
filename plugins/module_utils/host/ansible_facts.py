# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-core's own facts of a few subsets, read inside another module's call.

The later phases need a few of the facts ``ansible.builtin.setup`` gathers (the preflight's network
checks: ``network``; nova_compute_arch: ``nodename`` and ``os_family`` of ``platform`` and
``distribution``). Reading them in the detect call saves one remote module call per host and phase,
which is most of a run's time over many hosts. The facts are ansible-core's, collected by its own
collectors exactly as ``setup`` with ``gather_subset: ['!all', '!min', <subsets>]`` does
(ansible/modules/setup.py, ansible-core 2.19); only the collectors of these subsets are imported, so the
module's payload stays small.
"""

from ansible.module_utils.facts import ansible_collector
from ansible.module_utils.facts.namespace import PrefixFactNamespace
from ansible.module_utils.facts.network.base import NetworkCollector
from ansible.module_utils.facts.network.linux import LinuxNetworkCollector
from ansible.module_utils.facts.system.distribution import DistributionFactCollector
from ansible.module_utils.facts.system.platform import PlatformFactCollector

# The subsets a caller may ask for, and the collectors that gather them.
SUBSETS = ("distribution", "network", "platform")
_COLLECTORS = (DistributionFactCollector, LinuxNetworkCollector, NetworkCollector, PlatformFactCollector)


def gather(module, subsets, timeout=10):
    """The ``ansible_facts`` dict ``setup`` would return for ``subsets`` (a subset of SUBSETS); {} for none."""
    if not subsets:
        return {}
    unknown = sorted(set(subsets) - set(SUBSETS))
    if unknown:
        raise ValueError("unknown fact subset(s) %s; give any of %s" % (", ".join(unknown), ", ".join(SUBSETS)))
    collector = ansible_collector.get_ansible_collector(
        all_collector_classes=list(_COLLECTORS),
        namespace=PrefixFactNamespace(namespace_name="ansible", prefix="ansible_"),
        filter_spec=[],
        gather_subset=["!all", "!min", *sorted(subsets)],
        gather_timeout=timeout,
        minimal_gather_subset=frozenset(),
    )
    return collector.collect(module=module)
