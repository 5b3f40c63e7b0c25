#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: docker_daemon_config
short_description: Merge keys into, or remove keys from, Docker's daemon.json
version_added: 0.1.0
description:
  - Changes only the keys it is given in C(/etc/docker/daemon.json) and keeps every other key, unlike tools that
    write the file from scratch.
  - With O(state=present), O(settings) is merged into the existing JSON. Objects merge key by key at every depth;
    lists and scalars replace the old value, except C(exec-opts), which merges by option name (see O(settings)).
  - With O(state=absent), the keys in O(keys) are removed.
  - The file is rewritten only when its content changes, with a timestamped backup first (O(backup)), through a
    temporary file and an atomic rename, keeping the file's mode and owner. A new file gets mode C(0644) and its
    directory is created when missing.
  - A daemon.json that is not valid JSON is never overwritten; the module fails naming the file, line and column.
  - The module does not restart Docker; notify a handler when RV(changed) is true.
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.files
options:
  path:
    description:
      - The daemon.json file. A symbolic link is followed and its target is changed.
    type: path
    default: /etc/docker/daemon.json
  settings:
    description:
      - Keys to merge, a dictionary of daemon.json keys and values. Required with O(state=present).
      - "C(exec-opts) must be a list of C(name=value) strings. Each entry replaces the existing entry with the same
        name (names compared without case, as dockerd does; further entries with that name are dropped) or is
        appended; entries with other names stay. An empty list changes nothing; remove C(exec-opts) with
        O(state=absent) instead."
      - Any other list (C(dns), C(registry-mirrors), ...) replaces the old list.
      - Keys must be strings, and values JSON that dockerd reads. C(NaN), C(Infinity) and C(-Infinity) (which dockerd's
        JSON decoder rejects) are refused anywhere in O(settings), naming the key; the file is then left untouched.
    type: raw
  state:
    description:
      - V(present) merges O(settings); V(absent) removes O(keys).
    type: str
    choices: [present, absent]
    default: present
  keys:
    description:
      - Keys to remove with O(state=absent). Each is a top-level key name, or a list of names that is a path into
        nested objects (V([log-opts, max-size])). Keys that are not there are ignored.
    type: list
    elements: raw
  backup:
    description:
      - Copy the old file to C(<path>.<pid>.<timestamp>~) before changing it.
    type: bool
    default: true
notes:
  - Output is JSON with an indent of 2 and a trailing newline; existing keys keep their order and new keys are
    appended. A file whose data does not change is left as it is, formatting included.
  - An empty or whitespace-only daemon.json counts as an empty configuration, as dockerd reads it.
  - When a key appears twice in the existing file, the last value is used (as dockerd does) and a warning says so.
seealso:
  - module: multiarch.kolla.container_runtime_info
"""

EXAMPLES = r"""
- name: Use the systemd cgroup driver, keeping every other daemon.json setting
  multiarch.kolla.docker_daemon_config:
    settings:
      exec-opts:
        - native.cgroupdriver=systemd
  notify: Restart docker

- name: Raise the log size and keep the other log options
  multiarch.kolla.docker_daemon_config:
    settings:
      log-opts:
        max-size: 50m

- name: Go back to Docker's default cgroup driver and drop one log option
  multiarch.kolla.docker_daemon_config:
    state: absent
    keys:
      - exec-opts
      - [log-opts, max-file]
"""

RETURN = r"""
changed:
  description: The file was (or, in check mode, would be) written.
  returned: always
  type: bool
  sample: true
path:
  description: The file that was changed (a symbolic link's target).
  returned: always
  type: str
  sample: /etc/docker/daemon.json
backup_file:
  description: The backup copy; null when none was made (no change, a new file, check mode or O(backup=false)).
  returned: always
  type: str
  sample: /etc/docker/daemon.json.4242.2025-01-31@12:00:00~
config:
  description: The configuration after the change (what the file holds, or would hold in check mode).
  returned: always
  type: dict
  sample: {"exec-opts": ["native.cgroupdriver=systemd"], "log-driver": "json-file", "log-opts": {"max-size": "100m"}}
previous:
  description: The configuration before the change; null when the file did not exist.
  returned: always
  type: dict
  sample: {"log-driver": "json-file", "log-opts": {"max-size": "100m"}}
removed:
  description: Key paths that O(state=absent) removed.
  returned: always
  type: list
  elements: list
  sample: [["exec-opts"], ["log-opts", "max-file"]]
written:
  description:
    - Whether the file was written by this run. V(false) in check mode even when RV(changed) is V(true), so that a
      service restart can depend on it also when check mode comes from a play or task keyword.
  returned: always
  type: bool
  sample: true
check_mode:
  description:
    - Whether the module ran in check mode, from the CLI or from a play or task keyword (C(ansible_check_mode) only
      knows the CLI), so that a restart that does not depend on RV(written) can still be left out of check mode.
  returned: always
  type: bool
  sample: false
diff:
  description: Before and after as JSON text with sorted keys and an indent of 2 (before is empty for a new file).
  returned: always
  type: dict
  sample:
    before: "{\n  \"log-driver\": \"json-file\"\n}\n"
    after: "{\n  \"exec-opts\": [\n    \"native.cgroupdriver=systemd\"\n  ],\n  \"log-driver\": \"json-file\"\n}\n"
    before_header: /etc/docker/daemon.json
    after_header: /etc/docker/daemon.json
  contains:
    before:
      description: The old content.
      type: str
    after:
      description: The new content.
      type: str
    before_header:
      description: The file.
      type: str
    after_header:
      description: The file.
      type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.multiarch.kolla.plugins.module_utils import _files
from ansible_collections.multiarch.kolla.plugins.module_utils.docker_daemon_json import (
    ConfigError,
    ParseError,
    plan_daemon_json,
)

# Mode of a daemon.json this module creates (dockerd reads it as root; others may read it).
NEW_FILE_MODE = 0o644
NEW_DIR_MODE = 0o755


def _read_existing(module, path, shown):
    try:
        return _files.read_text(path, "daemon.json")
    except _files.FileError as exc:
        module.fail_json(msg="%s; it was left untouched" % str(exc).replace(path, shown, 1))
    return None  # unreachable


def _write(module, path, content, existed):
    try:
        # All or nothing (_files): a directory this creates is removed again when the write fails.
        _files.atomic_write(path, to_bytes(content, errors="surrogate_or_strict"), None if existed else NEW_FILE_MODE, dir_mode=NEW_DIR_MODE)
    except _files.FileError as exc:
        module.fail_json(msg="%s; it was left untouched" % exc)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/docker/daemon.json"),
            settings=dict(type="raw"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            keys=dict(type="list", elements="raw", no_log=False),
            backup=dict(type="bool", default=True),
        ),
        required_if=[("state", "present", ["settings"]), ("state", "absent", ["keys"])],
        supports_check_mode=True,
    )
    path = os.path.realpath(module.params["path"])
    # A link is followed, as dockerd follows it; the messages name both, so that the operator sees which file is read.
    shown = path if path == os.path.abspath(module.params["path"]) else "%s (where the link %s points)" % (path, module.params["path"])
    state = module.params["state"]
    existing = _read_existing(module, path, shown)

    try:
        plan = plan_daemon_json(existing, state=state, settings=module.params["settings"], keys=module.params["keys"], path=shown)
    except ParseError as exc:
        module.fail_json(msg="%s; fix or remove the file, it was left untouched" % exc, path=path, line=exc.line, column=exc.column)
    except ConfigError as exc:
        module.fail_json(msg="%s; %s was left untouched" % (to_native(exc), path), path=path)

    for warning in plan["warnings"]:
        module.warn(warning)

    backup_file = None
    if plan["changed"] and not module.check_mode:
        if existing is not None and module.params["backup"]:
            try:
                backup_file = _files.backup(path)
            except _files.FileError as exc:
                module.fail_json(msg="%s; it was left untouched" % exc)
        _write(module, path, plan["content"], existing is not None)

    module.exit_json(
        changed=plan["changed"],
        path=path,
        backup_file=backup_file,
        config=plan["config"],
        previous=plan["previous"],
        removed=plan["removed"],
        written=bool(plan["changed"] and not module.check_mode),
        check_mode=module.check_mode,
        diff=plan["diff"],
    )


if __name__ == "__main__":
    main()
