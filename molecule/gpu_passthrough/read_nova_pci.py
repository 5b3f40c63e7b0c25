"""Print, as JSON, nova 34's [pci] and PCI-in-Placement options from kolla override files, merged in order.

argv[1]: the captured P100's address; argv[2:]: the files, later ones win (kolla-ansible's merge order).
Parsed with nova's own oslo.config options; device_spec through nova's PCI device spec parser
(Whitelist), whose matcher says whether nova would pass the P100 through; alias through nova's
alias loader. Runs with the controller's Python (it has nova).
"""

import json
import sys

import nova.conf
from nova.pci import request as pci_request
from nova.pci import whitelist
from oslo_log import log


def main(paths, address):
    conf = nova.conf.CONF
    log.register_options(conf)
    conf(args=[], project="nova", default_config_files=paths, default_config_dirs=[])
    specs = whitelist.Whitelist(conf.pci.device_spec).specs
    device = {"vendor_id": "10de", "product_id": "15f8", "address": address, "parent_addr": None}
    json.dump({
        "device_spec": list(conf.pci.device_spec),
        "matches": any(spec.match(device) for spec in specs),
        "alias": {name: {"numa_policy": policy, "specs": entries} for name, (policy, entries) in pci_request.get_alias_from_config().items()},
        "report_in_placement": conf.pci.report_in_placement,
        "pci_in_placement": conf.filter_scheduler.pci_in_placement,
        "enabled_filters": list(conf.filter_scheduler.enabled_filters),
    }, sys.stdout, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv[2:], sys.argv[1])
