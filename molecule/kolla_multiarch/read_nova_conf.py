"""Print, as JSON, what nova 34 reads from a nova.conf that kolla-ansible rendered.

argv[1]: the file. It is parsed with nova's own oslo.config options (a value nova
would refuse fails here); hw_machine_type is read back through nova's libvirt
utils, [pci] device_spec through nova's PCI device spec parser and [pci] alias
through nova's alias parser. Runs with the controller's Python (it has nova).
"""

import configparser
import json
import sys

import nova.conf
from nova.pci import request as pci_request
from nova.pci import whitelist
from nova.virt.libvirt import utils as libvirt_utils
from oslo_log import log

LIBVIRT = ("virt_type", "cpu_mode", "cpu_models", "cpu_model_extra_flags", "hw_machine_type", "num_pcie_ports", "images_type")


def main(path):
    conf = nova.conf.CONF
    log.register_options(conf)
    conf(args=[], project="nova", default_config_files=[path], default_config_dirs=[])
    raw = configparser.RawConfigParser(strict=False, interpolation=None)
    raw.read(path)
    specs = whitelist.Whitelist(conf.pci.device_spec).specs
    result = {
        "libvirt": {key: getattr(conf.libvirt, key) for key in LIBVIRT},
        "machine_type_for": {arch: libvirt_utils.get_default_machine_type(arch) for arch in ("x86_64", "aarch64", "ppc64le")},
        "cpu_allocation_ratio": conf.cpu_allocation_ratio,
        # Which of these devices nova's own spec matcher would pass through.
        "pci_device_spec_matches": {
            address: any(spec.match({"vendor_id": "10de", "product_id": "1eb8", "address": address, "parent_addr": None}) for spec in specs)
            for address in ("0000:3b:00.0", "0000:af:00.0")
        },
        "pci_device_spec_count": len(specs),
        "pci_alias": {name: {"numa_policy": policy, "specs": list(entries)} for name, (policy, entries) in pci_request.get_alias_from_config().items()},
        "enabled_filters": list(conf.filter_scheduler.enabled_filters),
        "sections": raw.sections(),
    }
    json.dump(result, sys.stdout, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
