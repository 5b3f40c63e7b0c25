#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ini_batch
short_description: Set or remove many INI options in many files in one task, all or nothing
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
  - O(files) are whole files written in the same run (the role kolla_multiarch's inventory files and ledger), under the
    same rules.
  - "All or nothing: every edit, value, path, file and directory is checked before the first write (in check mode too: a
    run that would fail fails there). Then every changed file is staged next to its target as a temporary file with its
    mode and owner, and only when all are staged are they renamed over their targets. A failure before that leaves every
    target byte-for-byte as it was, and removes the temporary files, backups and directories the run made."
  - Files are written only when their content or attributes change.
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.files
notes:
  - Lines are written as C(option = value), the form oslo.config and community.general.ini_file use. A file is read
    as oslo.config reads it (lines end at C(\n), C(\r\n) or C(\r)).
  - "Refused, before anything is written: a section, option or value with a character any INI reader takes for a line
    break (every separator of Python's C(str.splitlines), U+2028 included); a value oslo.config would read differently
    (surrounding whitespace, enclosing quotes); a path that is absolute or has an empty, C(.) or C(..) component."
  - A commented-out option (C(# option = value)) is not an option and is left as it is.
  - O(mode), O(owner) and O(group) apply to every file the run touches. They are checked before anything is
    written; each file's new content gets them before it is renamed over the old file.
  - O(mode) never widens an existing file - it gets O(mode) AND its current mode (a file at C(0600) stays C(0600) with
    O(mode=0640); one at C(0644) becomes C(0640)). To widen a file, change its mode yourself.
  - "A failure while renaming the staged files over their targets (the only step left after everything was staged; it
    does not fail in practice on one file system) leaves the files renamed before it written, and lists them."
seealso:
  - module: community.general.ini_file
    description: One option per task; the same line format.
options:
  base_dir:
    description: Directory the relative paths of O(edits) and O(files) start from.
    type: path
    required: true
  edits:
    description: The edits, applied in order.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: File, relative to O(base_dir) (no empty, C(.) or C(..) components).
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
  files:
    description:
      - Whole files to write in the same run, path (relative to O(base_dir), as in O(edits[].path)) to full text.
      - A path may not be in both O(files) and O(edits).
      - The texts may hold the operator's secrets (an inventory with C(ansible_become_password), a host_vars file), so the
        module's own record of its arguments (what C(-vvv) prints) shows each file's size instead of its text.
    type: dict
    default: {}
  create:
    description: Create files (and their directories) that do not exist; when false such an edit fails.
    type: bool
    default: true
  mode:
    description:
      - Octal mode of every file the run touches, such as V("0640"), given to the new content before it replaces the
        file; never wider than an existing file's mode. Unset, an existing file keeps its mode and a new file gets
        0666 less the umask.
    type: raw
  owner:
    description: User (name or number) that owns every file the run touches; unset keeps the owner.
    type: str
  group:
    description: Group (name or number) of every file the run touches; unset keeps the group.
    type: str
  dir_mode:
    description: Octal mode of every directory the module creates, parents included. Existing directories are not changed.
    type: raw
    default: "0750"
  backup:
    description:
      - Copy each existing file whose content O(edits) change to C(<file>.<pid>.<timestamp>~) before changing it.
      - The whole files of O(files) are the caller's own and are not backed up.
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

- name: Whole files and INI edits in one all-or-nothing run (a ledger written with the edits it records)
  multiarch.kolla.ini_batch:
    base_dir: /etc/kolla/config
    mode: "0640"
    edits:
      - {path: nova/compute-arm-01/nova-compute.conf, section: libvirt, option: virt_type, value: kvm}
    files:
      .multiarch-kolla.json: '{"version": 1}'

- name: Check every write first (a refusal changes nothing), then write
  multiarch.kolla.ini_batch:
    base_dir: /etc/kolla/config
    edits: "{{ my_edits }}"
  check_mode: true
"""

RETURN = r"""
changed_files:
  description:
    - Files (relative to O(base_dir)) whose content or attributes changed, or would change in check mode.
    - After a failure while renaming (see the notes), the files renamed before it.
  returned: always
  type: list
  elements: str
  sample: [nova/compute-arm-01/nova-compute.conf]
files:
  description: Number of distinct files the run names (O(edits) and O(files)).
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

import functools
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.multiarch.kolla.plugins.module_utils import _files
from ansible_collections.multiarch.kolla.plugins.module_utils.ini_batch import IniEditError, apply_edits

NOTHING = "; nothing was written"


def _values(module, edit, where):
    """The lines' values of one edit (None for state=absent); fails naming the edit."""
    if edit["state"] == "absent":
        return None
    if edit.get("value_list") is not None and edit.get("value") is not None:
        module.fail_json(msg="%s: give value or value_list, not both%s" % (where, NOTHING))
    if edit.get("value_list") is not None:
        return [to_text(v) for v in edit["value_list"]]
    value = edit.get("value")
    if value is None:
        module.fail_json(msg="%s: state=present needs value or value_list%s" % (where, NOTHING))
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (list, dict)):
        module.fail_json(msg="%s: value must be a string or number; a list goes in value_list%s" % (where, NOTHING))
    return [to_text(value)]


def _relative(module, path, where, base_dir):
    why = _files.relative_problem(path)
    if why:
        module.fail_json(msg="%s: path must be relative to base_dir %s and stay inside it: %s%s" % (where, base_dir, why, NOTHING))
    return path


def _group_by_file(module, base_dir):
    """The edits grouped by file, in first-seen order; fails naming the edit on bad input."""
    by_path = {}
    for number, edit in enumerate(module.params["edits"]):
        where = "edits[%d] (%s [%s] %s)" % (number, edit["path"], edit["section"], edit["option"])
        rel = _relative(module, edit["path"], where, base_dir)
        entry = {"section": edit["section"], "option": edit["option"], "values": _values(module, edit, where), "where": where}
        by_path.setdefault(rel, []).append(entry)
    for rel in module.params["files"]:
        _relative(module, rel, "files[%r]" % rel, base_dir)
        if rel in by_path:
            module.fail_json(msg="files[%r]: the edits change that file too; give it in files or in edits%s" % (rel, NOTHING))
    return by_path


def _read(module, full, where):
    try:
        return _files.read_text(full, "file")
    except _files.FileError as exc:
        module.fail_json(msg="%s (%s)%s" % (exc, where, NOTHING))
    return None  # unreachable


def _plans(module, base_dir):
    """``(rel, full path, existed, before, after, edited)`` of every file the run names; fails before anything is written."""
    plans = []
    for rel, edits in _group_by_file(module, base_dir).items():
        full = os.path.join(base_dir, rel)
        before = _read(module, full, edits[0]["where"])
        if before is None and not module.params["create"]:
            module.fail_json(msg="%s does not exist and create=false (%s)%s" % (full, edits[0]["where"], NOTHING))
        try:
            after = apply_edits(before or "", edits)
        except IniEditError as exc:
            module.fail_json(msg="%s: %s (%s)%s" % (full, exc, edits[0]["where"], NOTHING))
        plans.append((rel, full, before is not None, before or "", after, True))
    for rel, content in module.params["files"].items():
        full = os.path.join(base_dir, rel)
        before = _read(module, full, "files[%r]" % rel)
        plans.append((rel, full, before is not None, before or "", to_text(content), False))
    return plans


def _changes(module, plans, attrs):
    """The writes the run needs, each checked (``write_problem``) before the first one is made; fails naming the file."""
    writes, diffs, changed = [], [], []
    for rel, full, existed, before, after, edited in plans:
        content_changed = before != after or (not existed and after != "")
        if not content_changed and not (existed and _files.attrs_differ(full, attrs["mode"], attrs["uid"], attrs["gid"])):
            continue
        why = _files.write_problem(full)
        if why:
            module.fail_json(msg="%s cannot be written: %s%s" % (full, why, NOTHING))
        changed.append(rel)
        backup = content_changed and existed and edited and module.params["backup"]
        writes.append({"path": full, "data": to_bytes(after), "mode": attrs["mode"], "uid": attrs["uid"], "gid": attrs["gid"], "backup": backup})
        if content_changed:
            diffs.append({"before_header": full if existed else "/dev/null", "after_header": full, "before": before, "after": after})
    return writes, diffs, changed


def _report_arguments_without_texts(module):
    """Make every result record the arguments with each file's size in place of its text (Ansible prints the record,
    the result's ``invocation``, at -vvv; it adds its own, texts included, only where a result has none)."""
    texts = module.params["files"] or {}
    shown = dict(module.params, files={rel: "(%d characters, not shown)" % len(to_text(text)) for rel, text in texts.items()})
    for name in ("exit_json", "fail_json"):
        setattr(module, name, functools.partial(_with_invocation, getattr(module, name), {"module_args": shown}))


def _with_invocation(call, invocation, **result):
    result.setdefault("invocation", invocation)
    call(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            base_dir=dict(type="path", required=True),
            edits=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    path=dict(type="str", required=True),
                    section=dict(type="str", required=True),
                    option=dict(type="str", required=True),
                    value=dict(type="raw"),
                    value_list=dict(type="list", elements="str"),
                    state=dict(type="str", choices=["present", "absent"], default="present"),
                ),
            ),
            files=dict(type="dict", default={}),
            create=dict(type="bool", default=True),
            mode=dict(type="raw"),
            owner=dict(type="str"),
            group=dict(type="str"),
            dir_mode=dict(type="raw", default="0750"),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    _report_arguments_without_texts(module)
    base_dir = module.params["base_dir"]
    try:
        attrs = _files.file_attrs(module.params["mode"], module.params["owner"], module.params["group"], module.params["dir_mode"])
    except _files.FileError as exc:
        module.fail_json(msg="%s%s" % (exc, NOTHING))
    # Every file is planned and checked before the first write: bad input changes nothing.
    plans = _plans(module, base_dir)
    writes, diffs, changed = _changes(module, plans, attrs)
    result = dict(changed=bool(changed), changed_files=changed, files=len(plans), edits=len(module.params["edits"]), backup_files={})
    if writes and not module.check_mode:
        try:
            backups = _files.write_files(writes, attrs["dir_mode"])
        except _files.FileError as exc:
            replaced = [os.path.relpath(path, base_dir) for path in exc.replaced]
            result.update(changed=bool(replaced), changed_files=replaced)
            module.fail_json(msg="%s%s" % (exc, "" if replaced else NOTHING), **result)
        result["backup_files"] = {os.path.relpath(path, base_dir): copy for path, copy in backups.items()}
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
