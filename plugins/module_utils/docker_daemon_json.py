# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker's daemon.json: strict parsing, the facts it sets, and the merge of new keys.

Used on the target by the ``docker_daemon_config`` module (which does its I/O
through ``_files``) and on the controller by the cgroup driver decision
(``plugins/plugin_utils/cgroup_driver.py``), which reads the text that
``container_runtime_info`` returned. Pure functions over text and dicts; standard
library only (Python >= 3.9).

How dockerd reads the file (moby, ``daemon/config/config.go`` and
``daemon/daemon_unix.go``, v20.10 to v28): an empty file is an empty configuration,
a repeated key keeps the last value, and ``exec-opts`` is a list of ``name=value``
strings whose names are compared without case; the first ``native.cgroupdriver``
entry names the cgroup driver. dockerd decodes the file with Go's ``encoding/json``,
which has no ``NaN`` or ``Infinity`` (RFC 8259, section 6): such values are refused
by name before anything is written, and the writers below never emit them.
"""

import copy
import json
import math

CGROUP_DRIVERS = ("systemd", "cgroupfs")
CGROUP_DRIVER_OPT = "native.cgroupdriver"
DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"


class ParseError(Exception):
    """A file that could not be parsed; carries the file, line and column."""

    def __init__(self, msg, path=None, line=None, column=None):
        super().__init__(msg)
        self.msg = msg
        self.path = path
        self.line = line
        self.column = column

    def __str__(self):
        where = []
        if self.line is not None:
            where.append("line %d" % self.line)
        if self.column is not None:
            where.append("column %d" % self.column)
        prefix = self.path or "input"
        if where:
            prefix = "%s (%s)" % (prefix, ", ".join(where))
        return "%s: %s" % (prefix, self.msg)

    def to_dict(self):
        return {"path": self.path, "line": self.line, "column": self.column, "msg": self.msg, "text": str(self)}


class ConfigError(ValueError):
    """Settings that cannot be applied (wrong type, malformed exec-opts, ...)."""


# --------------------------------------------------------------------------- JSON


def parse_json_object(text, path=None):
    """Parse daemon.json text into a dict (key order kept).

    Empty or whitespace-only text is an empty configuration (dockerd treats it so).
    Returns ``(data, warnings)``; raises ParseError with line and column.
    """
    warnings = []
    if not text.strip():
        return {}, warnings

    def pairs_hook(pairs):
        result = {}
        for key, value in pairs:
            if key in result:
                warnings.append("%s: key %r appears more than once; the last value is used" % (path or "input", key))
            result[key] = value
        return result

    def reject_constant(name):
        raise ValueError("%s is not valid JSON" % name)

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        raise ParseError("invalid JSON: %s" % exc.msg, path, exc.lineno, exc.colno) from None
    except ValueError as exc:
        raise ParseError("invalid JSON: %s" % exc, path) from None
    if not isinstance(data, dict):
        raise ParseError("the top level is a JSON %s, not an object" % type(data).__name__, path, 1, 1)
    return data, warnings


def dump_daemon_json(data):
    """Text written to daemon.json: indent 2, key order kept, trailing newline; ValueError for NaN or Infinity."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def dump_sorted_json(data):
    """Text used for diffs: indent 2, sorted keys, trailing newline; ValueError for NaN or Infinity."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _same_json(a, b):
    # dict equality treats True == 1; compare canonical text instead.
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def analyze_daemon_json(text, path=DEFAULT_DAEMON_JSON):
    """Facts from daemon.json text: ``config``, ``cgroup_driver``, ``containerd_snapshotter``, ``warnings``.

    ``containerd_snapshotter`` is ``features.containerd-snapshotter`` (moby v24+), None when unset.
    Raises ParseError.
    """
    data, warnings = parse_json_object(text, path)
    exec_opts = data.get("exec-opts")
    driver = None
    if exec_opts is not None:
        driver, error = cgroup_driver_from_exec_opts(exec_opts)
        if error:
            warnings.append("%s: %s" % (path, error))
    features = data.get("features")
    snapshotter = None
    if isinstance(features, dict) and isinstance(features.get("containerd-snapshotter"), bool):
        snapshotter = features["containerd-snapshotter"]
    return {"config": data, "cgroup_driver": driver, "containerd_snapshotter": snapshotter, "warnings": warnings}


# --------------------------------------------------------------- exec-opts / merge


def exec_opt_name(option):
    """Name of an exec-opt (``native.cgroupdriver=systemd`` -> ``native.cgroupdriver``), lower-cased."""
    return option.split("=", 1)[0].strip().lower()


def check_exec_opts(value, where):
    """Raise ConfigError unless ``value`` is a list of ``name=value`` strings; ``where`` names the input."""
    if isinstance(value, str):
        raise ConfigError(
            "%s: exec-opts must be a list of strings such as [\"native.cgroupdriver=systemd\"], not the string %r" % (where, value)
        )
    if not isinstance(value, list):
        raise ConfigError("%s: exec-opts must be a list of strings, not %s" % (where, type(value).__name__))
    for item in value:
        if not isinstance(item, str):
            raise ConfigError("%s: exec-opts entry %r is not a string" % (where, item))
        if "=" not in item or not exec_opt_name(item):
            raise ConfigError("%s: exec-opts entry %r is not of the form name=value" % (where, item))


def cgroup_driver_from_exec_opts(exec_opts):
    """Cgroup driver named by exec-opts, as dockerd reads it.

    dockerd takes the first ``native.cgroupdriver`` entry (name compared without
    case, value with surrounding spaces removed). Returns ``(driver, error)``;
    driver is None when unset; error is a sentence when the value is not usable.
    """
    if not isinstance(exec_opts, list):
        return None, "exec-opts is not a list"
    for option in exec_opts:
        if not isinstance(option, str) or "=" not in option:
            continue
        if exec_opt_name(option) != CGROUP_DRIVER_OPT:
            continue
        value = option.split("=", 1)[1].strip()
        if value in CGROUP_DRIVERS:
            return value, None
        return None, "%s=%s is not a driver dockerd accepts (systemd, cgroupfs)" % (CGROUP_DRIVER_OPT, value)
    return None, None


def merge_exec_opts(existing, new, where="settings", existing_where="existing daemon.json"):
    """Merge exec-opts by option name.

    Each new ``name=value`` replaces the first existing entry with the same name
    (further entries with that name are dropped) or is appended. Other entries stay.
    """
    check_exec_opts(new, where)
    names = [exec_opt_name(item) for item in new]
    dupes = sorted({name for name in names if names.count(name) > 1})
    if dupes:
        raise ConfigError("%s: exec-opts names %s more than once" % (where, ", ".join(dupes)))
    if existing is None:
        result = []
    else:
        check_exec_opts(existing, existing_where)
        result = list(existing)
    for item in new:
        name = exec_opt_name(item)
        positions = [i for i, old in enumerate(result) if exec_opt_name(old) == name]
        if positions:
            result[positions[0]] = item
            for pos in reversed(positions[1:]):
                del result[pos]
        else:
            result.append(item)
    return result


def _check_keys(value, where):
    if isinstance(value, dict):
        for key, sub in value.items():
            if not isinstance(key, str):
                raise ConfigError("%s: key %r is not a string" % (where, key))
            _check_keys(sub, "%s.%s" % (where, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            _check_keys(sub, "%s[%d]" % (where, index))
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError("%s: %r cannot be written for dockerd (JSON has no NaN or Infinity); give a finite number" % (where, value))
    elif value is not None and not isinstance(value, (str, bool, int, float)):
        raise ConfigError("%s: value of type %s cannot be written as JSON" % (where, type(value).__name__))


def validate_settings(settings, where="settings"):
    """Raise ConfigError unless ``settings`` is a dict that can be merged into daemon.json.

    Keys must be strings and values JSON that dockerd reads: a NaN or an infinite
    float anywhere is refused, naming its key path (``settings.log-opts.max-file``).
    """
    if not isinstance(settings, dict):
        raise ConfigError("%s must be a dictionary of daemon.json keys, not %s (%r)" % (where, type(settings).__name__, settings))
    _check_keys(settings, where)
    if "exec-opts" in settings:
        check_exec_opts(settings["exec-opts"], where)


def deep_merge(base, settings, top=True):
    """Return a copy of ``base`` with ``settings`` merged in.

    Dicts merge recursively; lists and scalars replace, except the top-level
    ``exec-opts`` list, which merges by option name. Existing keys keep their
    position; new keys are appended in the order given.
    """
    result = copy.deepcopy(base)
    for key, value in settings.items():
        if top and key == "exec-opts":
            result[key] = merge_exec_opts(result.get(key), value)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value, top=False)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _key_path(key):
    if isinstance(key, str):
        return [key]
    if isinstance(key, (list, tuple)) and key and all(isinstance(part, str) for part in key):
        return list(key)
    raise ConfigError("keys entry %r must be a key name or a list of key names (a path into nested objects)" % (key,))


def remove_keys(base, keys):
    """Return ``(copy of base without keys, removed paths)``; a key is a name or a path list."""
    result = copy.deepcopy(base)
    removed = []
    for key in keys:
        path = _key_path(key)
        node = result
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            del node[path[-1]]
            removed.append(path)
    return result, removed


def plan_daemon_json(existing_text, state="present", settings=None, keys=None, path=DEFAULT_DAEMON_JSON):
    """Work out what daemon.json becomes, without touching anything.

    ``existing_text`` is the file's text or None when the file does not exist.
    Returns a dict: ``changed``, ``previous`` (dict or None), ``config`` (resulting
    dict), ``content`` (text to write, None when unchanged), ``diff`` (before/after
    with sorted keys), ``removed`` (paths removed) and ``warnings``.
    Raises ParseError for an unparsable file and ConfigError for bad settings.
    """
    warnings = []
    if existing_text is None:
        previous = None
        base = {}
    else:
        previous, warnings = parse_json_object(existing_text, path)
        base = previous
    removed = []
    if state == "present":
        validate_settings(settings)
        config = deep_merge(base, settings)
    elif state == "absent":
        if not isinstance(keys, (list, tuple)):
            raise ConfigError("keys must be a list of key names, not %s" % type(keys).__name__)
        config, removed = remove_keys(base, keys)
    else:
        raise ConfigError("state must be present or absent, not %r" % (state,))
    if existing_text is None:
        changed = state == "present"
    else:
        changed = not _same_json(base, config)
    content = dump_daemon_json(config) if changed else None
    before = "" if previous is None else dump_sorted_json(previous)
    after = dump_sorted_json(config) if (changed or previous is not None) else ""
    return {
        "changed": changed,
        "previous": previous,
        "config": config,
        "content": content,
        "removed": removed,
        "warnings": warnings,
        "diff": {"before": before, "after": after, "before_header": path, "after_header": path},
    }
