# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova provider config (``[compute] provider_config_location``) with the emulation traits.

A nova-compute host that runs foreign guest architectures under TCG while its
``[libvirt] virt_type`` stays ``kvm`` does not report ``COMPUTE_ARCH_<ARCH>``
for them (nova filters domain capabilities by virt_type). The collection makes
such a host advertise ``CUSTOM_EMULATES_<ARCH>`` on its compute node root
resource provider through nova's provider config file, the YAML nova-compute
loads at start from ``[compute] provider_config_location``.

Rules (checked against nova 34's own loader in the unit tests):

* nova accepts only custom traits there (``CUSTOM_`` + ``[A-Z0-9_]``, at most
  255 characters); every other name makes nova-compute refuse to start.
* ``identification: {uuid: $COMPUTE_NODE}`` selects every compute node root
  provider the service manages; the file is per host, so that is this host.
* One provider may appear once per file set; an operator's existing entry for
  ``$COMPUTE_NODE`` gets the traits added instead of a second entry.
* The ``CUSTOM_EMULATES_*`` names belong to this collection: they are removed
  from the operator's base config and added again from the current decision,
  so a host that stops emulating an arch loses the trait on the next run.

Controller-side only (PyYAML comes with ansible-core); nova is never imported.
"""

import re

import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import UnknownArchError, canonical_arch, trait_suffix
from ansible_collections.multiarch.kolla.plugins.plugin_utils.plain import plain

EMULATES_TRAIT_PREFIX = "CUSTOM_EMULATES_"
SCHEMA_VERSION = "1.0"
COMPUTE_NODE = "$COMPUTE_NODE"
# placement's custom trait names (os-traits CUSTOM_NAMESPACE, nova's schema pattern and length).
CUSTOM_TRAIT_RE = re.compile(r"^CUSTOM_[A-Z0-9_]+$")
MAX_TRAIT_LENGTH = 255
YAML_HEADER = (
    "# nova provider config (nova [compute] provider_config_location).\n"
    "# CUSTOM_EMULATES_* traits are decided by multiarch.kolla's nova_compute_arch role.\n"
)


class ProviderConfigError(AnsibleFilterError):
    """A provider config nova would refuse, or a base config that cannot be merged."""


def _prefix(host):
    return "host %s: " % host if host else ""


def check_custom_trait(name, host=None):
    """Return ``name`` when nova accepts it in a provider config, else raise naming it."""
    text = to_text(name) if name is not None else ""
    if not CUSTOM_TRAIT_RE.match(text) or len(text) > MAX_TRAIT_LENGTH:
        raise ProviderConfigError(
            "%sprovider config trait %r: nova accepts only custom traits there (CUSTOM_ followed by A-Z, 0-9 and _, at most %d characters); "
            "traits nova reports itself (COMPUTE_*, HW_*) cannot be set in a provider config" % (_prefix(host), name, MAX_TRAIT_LENGTH)
        )
    return text


def emulation_trait(arch):
    """``CUSTOM_EMULATES_<ARCH>`` for a guest arch (any alias)."""
    try:
        suffix = trait_suffix(arch)
    except UnknownArchError as exc:
        raise ProviderConfigError("emulation trait: %s" % exc) from None
    return check_custom_trait(EMULATES_TRAIT_PREFIX + suffix)


def emulation_traits(arches):
    """Sorted, de-duplicated ``CUSTOM_EMULATES_<ARCH>`` names for a list of guest arches."""
    if arches is None:
        return []
    if isinstance(arches, str):
        arches = [a for a in arches.split(",") if a.strip()]
    if not isinstance(arches, (list, tuple, set, frozenset)):
        raise ProviderConfigError("emulation traits: expected a list of guest arches, got %r" % (arches,))
    return sorted({emulation_trait(canonical_arch(a, strict=False) or a) for a in arches})


def _empty_config():
    return {"meta": {"schema_version": SCHEMA_VERSION}, "providers": []}


def _is_compute_node(provider):
    ident = provider.get("identification") or {}
    return isinstance(ident, dict) and COMPUTE_NODE in (ident.get("uuid"), ident.get("name"))


def _check_base(base, host):
    where = _prefix(host) + "provider config base"
    if not isinstance(base, dict):
        raise ProviderConfigError("%s must be a dict like nova's provider config file (meta, providers), got %r" % (where, base))
    meta = base.get("meta")
    version = meta.get("schema_version") if isinstance(meta, dict) else None
    if not isinstance(version, str) or not re.match(r"^1\.[0-9]+$", version):
        raise ProviderConfigError("%s: meta.schema_version=%r: nova reads schema version 1.x, written as a string such as '1.0'" % (where, version))
    providers = base.get("providers", [])
    if not isinstance(providers, list):
        raise ProviderConfigError("%s: providers=%r must be a list" % (where, providers))
    for index, provider in enumerate(providers):
        ident = provider.get("identification") if isinstance(provider, dict) else None
        if not isinstance(ident, dict) or len(ident) != 1 or not (ident.get("uuid") or ident.get("name")):
            raise ProviderConfigError("%s: providers[%d].identification=%r: give exactly one of uuid or name" % (where, index, ident))
        traits = provider.get("traits", {})
        additional = traits.get("additional", []) if isinstance(traits, dict) else None
        if not isinstance(additional, list):
            raise ProviderConfigError("%s: providers[%d].traits=%r: give traits as {additional: [CUSTOM_...]}" % (where, index, traits))
        for trait in additional:
            check_custom_trait(trait, host)


def provider_config(traits, base=None, host=None):
    """nova provider config dict: ``base`` (an operator's config, or none) plus ``traits`` on ``$COMPUTE_NODE``.

    ``CUSTOM_EMULATES_*`` traits already in ``base`` are replaced by ``traits``;
    a provider left with no traits and no inventories by that removal is dropped.
    Raises ProviderConfigError (naming ``host``) for names nova would refuse.
    """
    wanted = sorted({check_custom_trait(t, host) for t in (traits or [])})
    if base in (None, {}, ""):
        config = _empty_config()
    else:
        _check_base(base, host)
        config = plain(base)
        config.setdefault("providers", [])
    kept = []
    for provider in config["providers"]:
        traits_block = provider.get("traits")
        if isinstance(traits_block, dict) and traits_block.get("additional"):
            before = list(traits_block["additional"])
            remaining = [t for t in before if not to_text(t).startswith(EMULATES_TRAIT_PREFIX)]
            if remaining != before:
                if remaining:
                    traits_block["additional"] = remaining
                else:
                    del traits_block["additional"]
                    if not traits_block:
                        del provider["traits"]
                    if not (provider.get("inventories") or {}).get("additional") and "traits" not in provider:
                        continue  # only our traits were there
        kept.append(provider)
    config["providers"] = kept
    if wanted:
        target = next((p for p in kept if _is_compute_node(p)), None)
        if target is None:
            kept.append({"identification": {"uuid": COMPUTE_NODE}, "traits": {"additional": wanted}})
        else:
            additional = target.setdefault("traits", {}).setdefault("additional", [])
            additional.extend(t for t in wanted if t not in additional)
    return plain(config)


def render_provider_config_yaml(config):
    """The provider config as the YAML file nova reads (the role writes exactly this text)."""
    if not isinstance(config, dict):
        raise ProviderConfigError("render_provider_config_yaml: expected the provider config dict, got %r" % (config,))
    body = yaml.safe_dump(plain(config), default_flow_style=False, sort_keys=False, indent=2, allow_unicode=False)
    return YAML_HEADER + body


def provider_config_for_arches(emulated_arches, base=None, host=None, render=False):
    """nova provider config with ``CUSTOM_EMULATES_<ARCH>`` for ``emulated_arches`` on $COMPUTE_NODE (YAML text with ``render``)."""
    config = provider_config(emulation_traits(emulated_arches), base, host=host)
    return render_provider_config_yaml(config) if render else config
