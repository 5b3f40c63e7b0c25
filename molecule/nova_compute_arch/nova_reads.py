"""Print, as JSON, what nova 34 reads from a kolla per-host override directory.

argv[1]: the directory <config dir>/nova/<host>; argv[2]: the host's host_vars file in the
generated kolla inventory. nova-compute.conf is parsed with nova's own oslo.config options
(an invalid value fails here as it would fail nova-compute); the host_vars file's
nova_cell_compute_provider_config (what kolla-ansible writes as nova's provider config
file) is loaded with nova's provider config loader. Runs with the controller's Python
(the one that runs Ansible), which has nova.
"""

import configparser
import json
import sys
import tempfile
from pathlib import Path

import nova.conf
import yaml
from nova.compute import provider_config
from nova.virt.libvirt import utils as libvirt_utils
from oslo_log import log

OWNED = ("virt_type", "cpu_mode", "cpu_models", "cpu_model_extra_flags", "hw_machine_type", "num_pcie_ports")


def provider_configs(host_vars_file):
    """What nova's provider config loader reads from the host's nova_cell_compute_provider_config ({} without one)."""
    path = Path(host_vars_file)
    config = (yaml.safe_load(path.read_text()) or {}).get("nova_cell_compute_provider_config") if path.exists() else None
    if not config:
        return {}
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "provider_config.yaml").write_text(yaml.safe_dump(config))
        loaded = provider_config.get_provider_configs(directory)
    return {k: {kk: vv for kk, vv in v.items() if kk != "__source_file"} for k, v in loaded.items()}


def main(directory, host_vars_file):
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
        "provider_configs": provider_configs(host_vars_file),
    }
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
