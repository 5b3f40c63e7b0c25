# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the nova_compute_arch role (docs in nova_compute_arch_plan.yml, nova_compute_arch_aggregates.yml, nova_provider_config.yml)."""

from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_compute_arch import compute_arch_aggregates, compute_arch_plan
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_provider_config import emulation_traits, render_provider_config_yaml
from ansible_collections.multiarch.kolla.plugins.plugin_utils.nova_provider_config import provider_config as _provider_config


def nova_compute_arch_plan(
    multiarch_host,
    *,
    host=None,
    overrides=None,
    emulated_arches=None,
    mode="dedicated",
    image_metadata_prefilter=False,
    os_family=None,
    kolla_base_distro=None,
    provider_config_base=None,
    strict=True,
    pending_arches=None,
    nova_host=None,
):
    """One host's decision; problems are returned in ``errors``, never raised."""
    return compute_arch_plan(
        multiarch_host,
        host=host,
        overrides=overrides,
        emulated_arches=emulated_arches,
        mode=mode,
        image_metadata_prefilter=image_metadata_prefilter,
        os_family=os_family,
        kolla_base_distro=kolla_base_distro,
        provider_config_base=provider_config_base,
        strict=strict,
        pending_arches=pending_arches,
        nova_host=nova_host,
    )


def nova_compute_arch_aggregates(plans, prefix=""):
    """Per-arch and per-emulated-arch host aggregates from the plans of all hosts."""
    return compute_arch_aggregates(plans, prefix=prefix)


def nova_provider_config(emulated_arches, base=None, host=None, render=False):
    """nova provider config with CUSTOM_EMULATES_<ARCH> on $COMPUTE_NODE (YAML text with render=True)."""
    config = _provider_config(emulation_traits(emulated_arches), base, host=host)
    if render:
        return render_provider_config_yaml(config)
    return config


class FilterModule(object):
    def filters(self):
        return {
            "nova_compute_arch_plan": nova_compute_arch_plan,
            "nova_compute_arch_aggregates": nova_compute_arch_aggregates,
            "nova_provider_config": nova_provider_config,
        }
