"""Print, as JSON, what nova 34 reads from a kolla per-host override directory.

argv[1]: the directory <config dir>/nova/<host>. nova-compute.conf is parsed with nova's
own oslo.config options (an invalid value fails here as it would fail
nova-compute); provider config files are loaded with nova's provider config
loader. Runs with the controller's Python (the one that runs Ansible), which has nova.
"""

import configparser
import json
import sys
from pathlib import Path

import nova.conf
from nova.compute import provider_config
from nova.virt.libvirt import utils as libvirt_utils
from oslo_log import log

OWNED = ("virt_type", "cpu_mode", "cpu_models", "cpu_model_extra_flags", "hw_machine_type", "num_pcie_ports")


def main(directory):
    conf_file = Path(directory) / "nova-compute.conf"
    conf = nova.conf.CONF
    log.register_options(conf)  # [DEFAULT] debug is oslo.log's option
    conf(args=[], project="nova", default_config_files=[str(conf_file)], default_config_dirs=[])
    raw = configparser.ConfigParser(interpolation=None)
    raw.read(conf_file)
    result = {
        "libvirt": {key: getattr(conf.libvirt, key) for key in OWNED},
        "machine_type_for": {arch: libvirt_utils.get_default_machine_type(arch) for arch in ("x86_64", "aarch64", "ppc64le")},
        "images_type": conf.libvirt.images_type,
        "debug": conf.debug,
        "raw_libvirt_keys": sorted(raw["libvirt"]) if raw.has_section("libvirt") else [],
        "raw_sections": raw.sections(),
        "provider_configs": {k: {kk: vv for kk, vv in v.items() if kk != "__source_file"} for k, v in provider_config.get_provider_configs(directory).items()},
    }
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
