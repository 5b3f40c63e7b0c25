#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
  - Files are written atomically, only when their content or mode changes.
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    details: Reports the files a real run would change, with their diff, and writes nothing.
  diff_mode:
    support: full
    details: One diff per changed file.
  platform:
    platforms: posix
notes:
  - Lines are written as C(option = value), the form oslo.config and community.general.ini_file use.
  - A commented-out option (C(# option = value)) is not an option and is left as it is.
  - The file attributes (O(mode), O(owner), O(group), ...) apply to every file the edits touch.
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
  dir_mode:
    description: Mode of directories the module creates.
    type: raw
    default: "0750"
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
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import IniEditError, apply_edits


def _normalise(module, base_dir):
    """Group the edits by file, in first-seen order; fail naming the edit on bad input."""
    by_path = {}
    for number, edit in enumerate(module.params["edits"]):
        where = "edits[%d] (%s [%s] %s)" % (number, edit["path"], edit["section"], edit["option"])
        rel = os.path.normpath(edit["path"])
        if os.path.isabs(edit["path"]) or rel == ".." or rel.startswith("../"):
            module.fail_json(msg="%s: path must be relative to base_dir %s and stay inside it" % (where, base_dir))
        if edit["state"] == "present":
            if edit.get("value_list") is not None and edit.get("value") is not None:
                module.fail_json(msg="%s: give value or value_list, not both" % where)
            if edit.get("value_list") is not None:
                values = [to_text(v) for v in edit["value_list"]]
            elif edit.get("value") is None:
                module.fail_json(msg="%s: state=present needs value or value_list" % where)
            elif isinstance(edit["value"], bool):
                values = ["true" if edit["value"] else "false"]
            elif isinstance(edit["value"], (list, dict)):
                module.fail_json(msg="%s: value must be a string or number; a list goes in value_list" % where)
            else:
                values = [to_text(edit["value"])]
        else:
            values = None
        by_path.setdefault(rel, []).append({"section": edit["section"], "option": edit["option"], "values": values, "where": where})
    return by_path


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
            dir_mode=dict(type="raw", default="0750"),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    base_dir = module.params["base_dir"]
    by_path = _normalise(module, base_dir)
    changed_files, diffs = [], []
    plans = []
    for rel, edits in by_path.items():
        full = os.path.join(base_dir, rel)
        if os.path.isdir(full):
            module.fail_json(msg="%s is a directory; %s edits a file there" % (full, edits[0]["where"]))
        exists = os.path.exists(full)
        if not exists and not module.params["create"]:
            module.fail_json(msg="%s does not exist and create=false (%s)" % (full, edits[0]["where"]))
        before = ""
        if exists:
            try:
                with open(full, "rb") as handle:
                    before = to_text(handle.read(), errors="surrogate_or_strict")
            except (OSError, UnicodeError) as exc:
                module.fail_json(msg="cannot read %s: %s; nothing was written" % (full, exc))
        try:
            after = apply_edits(before, edits)
        except IniEditError as exc:
            module.fail_json(msg="%s: %s; nothing was written" % (full, exc))
        plans.append((rel, full, exists, before, after))
    # Everything is decided before the first write: bad input changes nothing.
    for rel, full, exists, before, after in plans:
        content_changed = before != after or (not exists and after != "")
        if content_changed:
            diffs.append({"before_header": full if exists else "/dev/null", "after_header": full, "before": before, "after": after})
        if module.check_mode:
            # set_fs_attributes_if_different only reports in check mode.
            attrs_changed = exists and module.set_fs_attributes_if_different(module.load_file_common_arguments(module.params, path=full), False)
            if content_changed or attrs_changed:
                changed_files.append(rel)
            continue
        if content_changed:
            directory = os.path.dirname(full)
            if not os.path.isdir(directory):
                try:
                    os.makedirs(directory)
                except OSError as exc:
                    module.fail_json(msg="cannot create %s: %s" % (directory, exc), changed_files=changed_files)
                mode = module.params["dir_mode"]
                os.chmod(directory, int(mode, 8) if isinstance(mode, str) else mode)
            handle, tmp = tempfile.mkstemp(dir=directory, prefix=".ini_batch.")
            with os.fdopen(handle, "wb") as out:
                out.write(to_bytes(after))
            module.atomic_move(tmp, full)
        file_args = module.load_file_common_arguments(module.params, path=full)
        attrs_changed = module.set_fs_attributes_if_different(file_args, False)
        if content_changed or attrs_changed:
            changed_files.append(rel)
    result = dict(changed=bool(changed_files), changed_files=changed_files, files=len(by_path), edits=len(module.params["edits"]))
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
