# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What playbooks/images.yml must do in Glance (filter ``glance_images_plan``), decided before anything is uploaded.

Controller side. ``openstack.cloud.image`` (2.5.0) is not idempotent for properties: it compares each wanted property
with a top-level key of the SDK's image dict, where most ``hw_*`` properties are not, so it PATCHes them again on every
run (its ``_build_update``). The play therefore lists the images first (``openstack.cloud.image_info``), and this
function says which images to create, which to update and with which properties, and what is wrong with the input.
"""

from ansible_collections.multiarch.kolla.plugins.module_utils.archtable import UnknownArchError, canonical_arch
from ansible_collections.multiarch.kolla.plugins.plugin_utils.image_arch import ImageArchError, file_arch

# openstacksdk 4.x, openstack/image/v2/image.py: the Image attributes whose name differs from Glance's field
# (Image._body_mapping(): Glance name -> SDK name). image_info returns the SDK names; the plan compares Glance's.
SDK_RENAMED = {
    "os_hidden": "is_hidden",
    "protected": "is_protected",
    "os_hash_algo": "hash_algo",
    "os_hash_value": "hash_value",
    "owner": "owner_id",
    "img_config_drive": "needs_config_drive",
    "os_secure_boot": "needs_secure_boot",
    "hw_vif_multiqueue_enabled": "is_hw_vif_multiqueue_enabled",
    "hw_boot_menu": "is_hw_boot_menu_enabled",
    "auto_disk_config": "has_auto_disk_config",
}


def _text(value):
    """Glance stores every extra property as a string; the SDK turns some into bool or int."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def glance_fields(image):
    """An image dict of image_info (SDK names, extra properties under ``properties``) with Glance's field names."""
    fields = {}
    for key, value in image.items():
        if key != "properties":
            fields[key] = value
    for glance_name, sdk_name in SDK_RENAMED.items():
        if sdk_name in image:
            fields[glance_name] = image[sdk_name]
    fields.update(image.get("properties") or {})
    return fields


def _arch_check(image, errors, notes):
    try:
        wanted = canonical_arch(image["arch"])
    except UnknownArchError as exc:
        errors.append("%s: arch: %s" % (image["name"], exc))
        return
    try:
        found, how = file_arch(image["filename"])
    except ImageArchError as exc:
        errors.append("%s: %s" % (image["name"], exc))
        return
    if found is None:
        notes.append("%s: arch not verifiable, skipped: %s is %s" % (image["name"], image["filename"], how))
    elif found != wanted:
        errors.append("%s: arch is %s but %s is built for %s (%s)" % (image["name"], image["arch"], image["filename"], found, how))
    else:
        notes.append("%s: %s is %s (%s)" % (image["name"], image["filename"], found, how))


def _wanted(image):
    return {
        "disk_format": image.get("disk_format") or "qcow2",
        "container_format": image.get("container_format") or "bare",
        "visibility": image.get("visibility") or "private",
        "tags": sorted(image.get("tags") or []),
        "properties": {key: _text(value) for key, value in (image.get("properties") or {}).items()},
    }


def _compare(image, wanted, current, sha512):
    """``(error or None, update or None)`` for an image that exists in Glance as ``current`` (Glance's field names)."""
    name = image["name"]
    if current.get("status") != "active":
        return ("%s: exists in Glance (id %s) with status %s, not active (an upload that did not finish?); delete it and run again"
                % (name, current.get("id"), current.get("status")), None)
    for field in ("disk_format", "container_format"):
        if current.get(field) != wanted[field]:
            return ("%s: exists in Glance (id %s) with %s %s, not %s; Glance cannot change it: delete the image or rename it"
                    % (name, current.get("id"), field, current.get(field), wanted[field]), None)
    if sha512 and current.get("os_hash_algo") == "sha512" and current.get("os_hash_value") != sha512:
        return ("%s: exists in Glance (id %s) with other data than %s (os_hash_value %s..., the file's sha512 %s...); "
                "delete the image or rename it" % (name, current.get("id"), image["filename"], str(current.get("os_hash_value"))[:16], sha512[:16]), None)
    update = {key: value for key, value in wanted["properties"].items() if _text(current.get(key)) != value}
    tags_differ = bool(wanted["tags"]) and sorted(current.get("tags") or []) != wanted["tags"]
    if not update and not tags_differ and current.get("visibility") == wanted["visibility"]:
        return None, None
    # visibility always: openstack.cloud.image without it sets 'private' (its is_public defaults to false).
    changes = {"name": name, "id": current.get("id"), "properties": update, "visibility": wanted["visibility"]}
    if tags_differ:
        changes["tags"] = wanted["tags"]
    return None, changes


def glance_images_plan(images, existing=None, checksums=None):
    """Decide what to do in Glance for ``images`` (playbooks/images.yml's planned entries).

    ``existing`` is image_info's ``images``; ``checksums`` maps an image's name to its file's sha512. Returns
    ``create`` (the entries to upload, with their defaults filled in), ``change`` (``name``, ``id``, and only the
    ``properties``, ``visibility`` and ``tags`` that differ), ``unchanged`` (names), ``errors`` (one line per problem,
    naming the image and the value; nothing may be uploaded while there is one) and ``notes`` (the arch checks).
    """
    by_name = {}
    for image in existing or []:
        by_name.setdefault(image.get("name"), []).append(glance_fields(image))
    plan = {"create": [], "change": [], "unchanged": [], "errors": [], "notes": []}
    seen = set()
    for image in images:
        name = image["name"]
        if name in seen:
            plan["errors"].append("%s: listed twice in multiarch_images; image names must be unique" % name)
            continue
        seen.add(name)
        _arch_check(image, plan["errors"], plan["notes"])
        wanted = _wanted(image)
        found = by_name.get(name, [])
        if not found:
            plan["create"].append(dict(image, **wanted))
            continue
        if len(found) > 1:
            plan["errors"].append("%s: %d images in Glance have this name (ids %s); keep one" % (name, len(found), ", ".join(str(i.get("id")) for i in found)))
            continue
        error, update = _compare(image, wanted, found[0], (checksums or {}).get(name))
        if error:
            plan["errors"].append(error)
        elif update:
            plan["change"].append(update)
        else:
            plan["unchanged"].append(name)
    return plan
