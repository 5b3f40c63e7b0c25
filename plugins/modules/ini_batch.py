#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ini_batch
short_description: Set or remove many INI options in many files in one task
version_added: 0.1.0
description:
  - Applies a list of option edits to INI files (oslo.config style, as kolla-ansible's config overrides) under one
    directory, in one module run, so that thousands of hosts' overrides do not cost thousands of tasks.
  - Each edit owns one option of one section; every other line of the file (comments, blank lines, other options, their
    order) stays as it was. A single value replaces every occurrence of the option in the section with one line; a list
    of values (multi-valued options such as nova's C([pci] device_spec)) gives one line per value; C(state=absent)
    removes every occurrence.
  - New options go after the last line of their section; a new section goes at the end of the file; missing files and
    directories are created.
  - Files are written all-or-nothing (a temporary file renamed over the old one), only when their content or
    attributes change. Every edit is checked before the first file is written.
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.files
notes:
  - Lines are written as C(option = value), the form oslo.config and community.general.ini_file use.
  - A commented-out option (C(# option = value)) is not an option and is left as it is.
  - O(mode), O(owner) and O(group) apply to every file the edits touch. They are checked before anything is
    written; each file's new content gets them before it is renamed over the old file, so a failed write leaves the
    file as it was.
seealso:
  - module: community.general.ini_file
    description: One option per task; the same line format.
options:
  base_dir:
    description: Directory the edits' relative paths start from.
    type: path
    required: true
  edits:
    description: The edits, applied in order.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: File, relative to O(base_dir) (no C(..) components).
        type: str
        required: true
      section:
        description: Section name.
        type: str
        required: true
      option:
        description: Option name.
        type: str
        required: true
      value:
        description: The option's value (with O(edits[].state=present)); mutually exclusive with O(edits[].value_list).
        type: raw
      value_list:
        description: One line per value, for multi-valued options.
        type: list
        elements: str
      state:
        description: Whether the option is there.
        type: str
        choices: [present, absent]
        default: present
  create:
    description: Create files (and their directories) that do not exist; when false such an edit fails.
    type: bool
    default: true
  mode:
    description:
      - Octal mode of every file the edits touch, such as V("0640"), given to the new content before it replaces the
        file. Unset, an existing file keeps its mode and a new file gets the umask's.
    type: raw
  owner:
    description: User (name or number) that owns every file the edits touch; unset keeps the owner.
    type: str
  group:
    description: Group (name or number) of every file the edits touch; unset keeps the group.
    type: str
  dir_mode:
    description: Octal mode of every directory the module creates, parents included.
    type: raw
    default: "0750"
  backup:
    description: Copy each existing file to C(<file>.<pid>.<timestamp>~) before changing its content.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: kolla-ansible per-host nova-compute overrides for two hosts, in one task
  multiarch.kolla.ini_batch:
    base_dir: /etc/kolla/config
    mode: "0640"
    edits:
      - {path: nova/compute-arm-01/nova-compute.conf, section: libvirt, option: cpu_mode, value: host-passthrough}
      - {path: nova/compute-x86-01/nova-compute.conf, section: libvirt, option: cpu_mode, value: host-model}
      - {path: nova/compute-x86-01/nova-compute.conf, section: libvirt, option: cpu_models, state: absent}
      - path: nova/compute-x86-01/nova-compute.conf
        section: pci
        option: device_spec
        value_list: ['{"vendor_id": "10de", "product_id": "1eb8"}']
"""

RETURN = r"""
changed_files:
  description: Files (relative to O(base_dir)) whose content or attributes changed, or would change in check mode.
  returned: always
  type: list
  elements: str
  sample: [nova/compute-arm-01/nova-compute.conf]
files:
  description: Number of distinct files the edits name.
  returned: always
  type: int
edits:
  description: Number of edits applied.
  returned: always
  type: int
backup_files:
  description: Backup copy of each file whose content changed, by file (relative to O(base_dir)); empty without O(backup).
  returned: always
  type: dict
  sample: {"nova/compute-arm-01/nova-compute.conf": "/etc/kolla/config/nova/compute-arm-01/nova-compute.conf.4242.2026-01-31@12:00:00~"}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.multiarch.kolla.plugins.module_utils import _files
from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import IniEditError, apply_edits


def _values(module, edit, where):
    """The lines' values of one edit (None for state=absent); fails naming the edit."""
    if edit["state"] == "absent":
        return None
    if edit.get("value_list") is not None and edit.get("value") is not None:
        module.fail_json(msg="%s: give value or value_list, not both" % where)
    if edit.get("value_list") is not None:
        return [to_text(v) for v in edit["value_list"]]
    value = edit.get("value")
    if value is None:
        module.fail_json(msg="%s: state=present needs value or value_list" % where)
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (list, dict)):
        module.fail_json(msg="%s: value must be a string or number; a list goes in value_list" % where)
    return [to_text(value)]


def _group_by_file(module, base_dir):
    """The edits grouped by file, in first-seen order; fails naming the edit on bad input."""
    by_path = {}
    for number, edit in enumerate(module.params["edits"]):
        where = "edits[%d] (%s [%s] %s)" % (number, edit["path"], edit["section"], edit["option"])
        rel = os.path.normpath(edit["path"])
        if os.path.isabs(edit["path"]) or rel == ".." or rel.startswith("../"):
            module.fail_json(msg="%s: path must be relative to base_dir %s and stay inside it" % (where, base_dir))
        entry = {"section": edit["section"], "option": edit["option"], "values": _values(module, edit, where), "where": where}
        by_path.setdefault(rel, []).append(entry)
    return by_path


def _plan_file(module, base_dir, rel, edits):
    """(rel, full path, existed, before, after) of one file; fails before anything is written."""
    full = os.path.join(base_dir, rel)
    try:
        before = _files.read_text(full, "INI file")
    except _files.FileError as exc:
        module.fail_json(msg="%s (%s); nothing was written" % (exc, edits[0]["where"]))
    if before is None and not module.params["create"]:
        module.fail_json(msg="%s does not exist and create=false (%s); nothing was written" % (full, edits[0]["where"]))
    try:
        after = apply_edits(before or "", edits)
    except IniEditError as exc:
        module.fail_json(msg="%s: %s; nothing was written" % (full, exc))
    return rel, full, before is not None, before or "", after


def _write(module, plan, attrs, result):
    """Write one planned file (content, then attributes); returns whether it changed."""
    rel, full, existed, before, after = plan
    content_changed = before != after or (not existed and after != "")
    if module.check_mode:
        return content_changed or _files.attrs_differ(full, attrs["mode"], attrs["uid"], attrs["gid"])
    if content_changed:
        _files.make_dirs(os.path.dirname(full), attrs["dir_mode"])
        if existed and module.params["backup"]:
            result["backup_files"][rel] = _files.backup(full)
        _files.atomic_write(full, to_bytes(after), attrs["mode"], attrs["uid"], attrs["gid"])
        return True
    return existed and _files.apply_attrs(full, attrs["mode"], attrs["uid"], attrs["gid"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            base_dir=dict(type="path", required=True),
            edits=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    path=dict(type="str", required=True),
                    section=dict(type="str", required=True),
                    option=dict(type="str", required=True),
                    value=dict(type="raw"),
                    value_list=dict(type="list", elements="str"),
                    state=dict(type="str", choices=["present", "absent"], default="present"),
                ),
            ),
            create=dict(type="bool", default=True),
            mode=dict(type="raw"),
            owner=dict(type="str"),
            group=dict(type="str"),
            dir_mode=dict(type="raw", default="0750"),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    base_dir = module.params["base_dir"]
    try:
        attrs = _files.file_attrs(module.params["mode"], module.params["owner"], module.params["group"], module.params["dir_mode"])
    except _files.FileError as exc:
        module.fail_json(msg="%s; nothing was written" % exc)
    # Every file is planned before the first write: bad input changes nothing.
    plans = [_plan_file(module, base_dir, rel, edits) for rel, edits in _group_by_file(module, base_dir).items()]
    result = dict(changed=False, changed_files=[], files=len(plans), edits=len(module.params["edits"]), backup_files={})
    diffs = []
    for plan in plans:
        rel, full, existed, before, after = plan
        try:
            changed = _write(module, plan, attrs, result)
        except _files.FileError as exc:
            module.fail_json(msg="%s; the files listed in changed_files were written before it" % exc, **result)
        if changed:
            result["changed_files"].append(rel)
        if before != after or (not existed and after != ""):
            diffs.append({"before_header": full if existed else "/dev/null", "after_header": full, "before": before, "after": after})
    result["changed"] = bool(result["changed_files"])
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
