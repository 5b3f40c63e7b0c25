# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container runtime facts and the Docker daemon.json merge.

Used by the ``container_runtime_info`` and ``docker_daemon_config`` modules and by
the ``container_runtime`` role's filters. Runs on target hosts (Python >= 3.9,
standard library only; ``tomllib`` and PyYAML are used when importable, with small
fallbacks that cover what containerd, kubelet and containers.conf files use).

Most functions are pure: they take file contents (text) and the path to name in
messages, and return plain dicts. The few that touch the host (``gather_runtime_info``,
``docker_api_get``, ``detect_*``) take every path as an argument.

The cgroup driver decision (``required_cgroup_driver``), in order:

1. kubelet: ``--cgroup-driver`` in kubeadm's flags file and ``cgroupDriver`` in the
   KubeletConfiguration. kubelet itself lets a command-line flag override the config
   file; here the two must agree, and a disagreement is reported as a conflict
   naming both files rather than silently picking the flag.
2. containerd: ``SystemdCgroup`` of the CRI ``runc`` runtime (true -> systemd,
   false -> cgroupfs), when the key is set (commented-out keys do not count).
3. the host: ``systemd`` when systemd is the init system and the host runs the
   unified cgroup v2 hierarchy (Docker picks the same default there).
4. otherwise no driver is required.
"""

import copy
import glob
import http.client as http_client
import json
import os
import re
import shlex
import socket

try:
    import tomllib

    HAS_TOMLLIB = True
except ImportError:
    tomllib = None
    HAS_TOMLLIB = False

try:
    import yaml

    HAS_YAML = True
except ImportError:
    yaml = None
    HAS_YAML = False


CGROUP_DRIVERS = ("systemd", "cgroupfs")

DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"
DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock"
DEFAULT_CONTAINERD_CONFIG = "/etc/containerd/config.toml"
DEFAULT_KUBELET_CONFIG = "/var/lib/kubelet/config.yaml"
DEFAULT_KUBEADM_FLAGS = "/var/lib/kubelet/kubeadm-flags.env"
DEFAULT_CONTAINERS_CONF = (
    "/usr/share/containers/containers.conf",
    "/etc/containers/containers.conf",
    "/etc/containers/containers.conf.d",
)
DOCKER_UNIT_FILES = (
    "/etc/systemd/system/docker.service",
    "/lib/systemd/system/docker.service",
    "/usr/lib/systemd/system/docker.service",
)
BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

# /info DriverStatus entry that moby's containerd image service reports.
CONTAINERD_SNAPSHOTTER_TYPE = "io.containerd.snapshotter.v1"
# Storage driver names only containerd snapshotters use (no classic graph driver has them).
SNAPSHOTTER_ONLY_DRIVERS = ("overlayfs", "native", "devmapper", "blockfile", "erofs", "stargz", "nydus", "soci")

# disabled_plugins entries that switch the CRI off (short ID and plugin URIs, containerd 1.x and 2.x).
CRI_PLUGIN_IDS = ("cri", "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images")

# Where the runc runtime options live, per containerd config version.
RUNC_OPTIONS_PATHS = {
    1: ("plugins", "cri", "containerd", "runtimes", "runc", "options"),
    2: ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc", "options"),
    3: ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc", "options"),
}


class ParseError(Exception):
    """A file that could not be parsed; carries the file, line and column."""

    def __init__(self, msg, path=None, line=None, column=None):
        super(ParseError, self).__init__(msg)
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


def _line_col(text, pos):
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


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
    """Text written to daemon.json: indent 2, key order kept, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def dump_sorted_json(data):
    """Text used for diffs: indent 2, sorted keys, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _same_json(a, b):
    # dict equality treats True == 1; compare canonical text instead.
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --------------------------------------------------------------- exec-opts / merge


def exec_opt_name(option):
    """Name of an exec-opt (``native.cgroupdriver=systemd`` -> ``native.cgroupdriver``), lower-cased."""
    return option.split("=", 1)[0].strip().lower()


def _check_exec_opts(value, where):
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
        if exec_opt_name(option) != "native.cgroupdriver":
            continue
        value = option.split("=", 1)[1].strip()
        if value in CGROUP_DRIVERS:
            return value, None
        return None, "native.cgroupdriver=%s is not a driver dockerd accepts (systemd, cgroupfs)" % value
    return None, None


def merge_exec_opts(existing, new, where="settings"):
    """Merge exec-opts by option name.

    Each new ``name=value`` replaces the first existing entry with the same name
    (further entries with that name are dropped) or is appended. Other entries stay.
    """
    _check_exec_opts(new, where)
    names = [exec_opt_name(item) for item in new]
    dupes = sorted({name for name in names if names.count(name) > 1})
    if dupes:
        raise ConfigError("%s: exec-opts names %s more than once" % (where, ", ".join(dupes)))
    if existing is None:
        result = []
    else:
        _check_exec_opts(existing, "existing daemon.json")
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
    elif value is not None and not isinstance(value, (str, bool, int, float)):
        raise ConfigError("%s: value of type %s cannot be written as JSON" % (where, type(value).__name__))


def validate_settings(settings):
    """Raise ConfigError unless ``settings`` is a dict that can be merged into daemon.json."""
    if not isinstance(settings, dict):
        raise ConfigError("settings must be a dictionary of daemon.json keys, not %s (%r)" % (type(settings).__name__, settings))
    _check_keys(settings, "settings")
    if "exec-opts" in settings:
        _check_exec_opts(settings["exec-opts"], "settings")


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


# --------------------------------------------------------------------------- TOML

_TOML_POS_RE = re.compile(r"\(at line (\d+), column (\d+)\)")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_DEC_INT_RE = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)$")
_HEX_INT_RE = re.compile(r"0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*$")
_OCT_INT_RE = re.compile(r"0o[0-7](?:_?[0-7])*$")
_BIN_INT_RE = re.compile(r"0b[01](?:_?[01])*$")
_FLOAT_RE = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?$")
_TOKEN_RE = re.compile(r"[0-9A-Za-z_+\-.:]+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}")
_TOML_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _TomlParser:
    """A small TOML reader for the fallback path (Python < 3.11).

    Covers tables, arrays of tables, dotted and quoted keys, all string forms,
    integers, floats, booleans, arrays and inline tables. Date and time values
    are rejected with a parse error rather than guessed.
    """

    def __init__(self, text, path=None):
        self.s = text.replace("\r\n", "\n")
        self.i = 0
        self.path = path
        self.root = {}
        self.explicit = set()
        self.frozen = set()

    # helpers
    def error(self, msg, pos=None):
        line, col = _line_col(self.s, self.i if pos is None else pos)
        return ParseError(msg, self.path, line, col)

    def peek(self, count=1):
        return self.s[self.i:self.i + count]

    def eof(self):
        return self.i >= len(self.s)

    def skip_ws(self):
        while not self.eof() and self.s[self.i] in " \t":
            self.i += 1

    def skip_comment(self):
        if self.peek() == "#":
            end = self.s.find("\n", self.i)
            self.i = len(self.s) if end < 0 else end

    def skip_blank(self):
        """Whitespace, comments and newlines (between statements and inside arrays)."""
        while not self.eof():
            self.skip_ws()
            self.skip_comment()
            if self.peek() == "\n":
                self.i += 1
            else:
                break

    def end_of_line(self):
        self.skip_ws()
        self.skip_comment()
        if self.eof():
            return
        if self.peek() != "\n":
            raise self.error("expected the end of the line after a value or table header")
        self.i += 1

    # statements
    def parse(self):
        current = self.root
        while True:
            self.skip_blank()
            if self.eof():
                return self.root
            if self.peek(2) == "[[":
                self.i += 2
                current = self.array_table(self.header_key("]]"))
            elif self.peek() == "[":
                self.i += 1
                current = self.table(self.header_key("]"))
            else:
                start = self.i
                key = self.key()
                self.skip_ws()
                if self.peek() != "=":
                    raise self.error("expected '=' after the key")
                self.i += 1
                self.skip_ws()
                value = self.value()
                self.assign(current, key, value, start)
            self.end_of_line()

    def header_key(self, close):
        self.skip_ws()
        key = self.key()
        self.skip_ws()
        if self.peek(len(close)) != close:
            raise self.error("expected %r to close the table header" % close)
        self.i += len(close)
        return key

    def descend(self, node, part, pos):
        if part not in node:
            node[part] = {}
        child = node[part]
        if isinstance(child, list) and child and isinstance(child[-1], dict) and id(child) not in self.frozen:
            return child[-1]
        if not isinstance(child, dict) or id(child) in self.frozen:
            raise self.error("key %r is already defined as a value" % part, pos)
        return child

    def table(self, key):
        pos = self.i
        node = self.root
        for part in key[:-1]:
            node = self.descend(node, part, pos)
        last = key[-1]
        if last in node:
            child = node[last]
            if not isinstance(child, dict) or id(child) in self.frozen or id(child) in self.explicit:
                raise self.error("table [%s] is defined more than once" % ".".join(key), pos)
        else:
            child = node[last] = {}
        self.explicit.add(id(child))
        return child

    def array_table(self, key):
        pos = self.i
        node = self.root
        for part in key[:-1]:
            node = self.descend(node, part, pos)
        last = key[-1]
        if last not in node:
            node[last] = []
        array = node[last]
        if not isinstance(array, list) or id(array) in self.frozen:
            raise self.error("key %r is not an array of tables" % last, pos)
        child = {}
        array.append(child)
        return child

    def assign(self, table, key, value, pos):
        node = table
        for part in key[:-1]:
            if part not in node:
                node[part] = {}
            node = node[part]
            if not isinstance(node, dict) or id(node) in self.frozen:
                raise self.error("key %r is already defined as a value" % part, pos)
        if key[-1] in node:
            raise self.error("key %r is defined more than once" % ".".join(key), pos)
        node[key[-1]] = value

    # keys
    def key(self):
        parts = [self.simple_key()]
        while True:
            self.skip_ws()
            if self.peek() != ".":
                return parts
            self.i += 1
            self.skip_ws()
            parts.append(self.simple_key())

    def simple_key(self):
        char = self.peek()
        if char == '"':
            if self.peek(3) == '"""':
                raise self.error("a key cannot be a multi-line string")
            return self.basic_string()
        if char == "'":
            if self.peek(3) == "'''":
                raise self.error("a key cannot be a multi-line string")
            return self.literal_string()
        match = _BARE_KEY_RE.match(self.s, self.i)
        if not match:
            raise self.error("invalid key")
        self.i = match.end()
        return match.group(0)

    # values
    def value(self):
        char = self.peek()
        if self.peek(3) == '"""':
            return self.ml_basic_string()
        if char == '"':
            return self.basic_string()
        if self.peek(3) == "'''":
            return self.ml_literal_string()
        if char == "'":
            return self.literal_string()
        if char == "[":
            return self.array()
        if char == "{":
            return self.inline_table()
        if self.s.startswith("true", self.i) and not _BARE_KEY_RE.match(self.s, self.i + 4):
            self.i += 4
            return True
        if self.s.startswith("false", self.i) and not _BARE_KEY_RE.match(self.s, self.i + 5):
            self.i += 5
            return False
        return self.number()

    def number(self):
        start = self.i
        match = _TOKEN_RE.match(self.s, self.i)
        if not match:
            raise self.error("invalid value")
        token = match.group(0)
        if _DATE_RE.match(token.lstrip("+-")):
            raise self.error("date and time values are not supported by this reader", start)
        self.i = match.end()
        sign = -1.0 if token.startswith("-") else 1.0
        if token.lstrip("+-") == "inf":
            return sign * float("inf")
        if token.lstrip("+-") == "nan":
            return float("nan")
        if _DEC_INT_RE.match(token):
            return int(token.replace("_", ""))
        for regex, base in ((_HEX_INT_RE, 16), (_OCT_INT_RE, 8), (_BIN_INT_RE, 2)):
            if regex.match(token):
                return int(token[2:].replace("_", ""), base)
        if _FLOAT_RE.match(token):
            return float(token.replace("_", ""))
        raise self.error("invalid value %r" % token, start)

    def escape(self):
        # self.i is just after the backslash
        char = self.peek()
        if char in _TOML_ESCAPES:
            self.i += 1
            return _TOML_ESCAPES[char]
        if char in ("u", "U"):
            size = 4 if char == "u" else 8
            digits = self.s[self.i + 1:self.i + 1 + size]
            if len(digits) != size or not re.match(r"^[0-9A-Fa-f]+$", digits):
                raise self.error("invalid unicode escape")
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise self.error("invalid unicode escape")
            self.i += 1 + size
            return chr(code)
        raise self.error("invalid escape sequence \\%s" % char)

    def _check_char(self, char):
        if (ord(char) < 0x20 and char != "\t") or char == "\x7f":
            raise self.error("control character %r in a string" % char)

    def basic_string(self):
        self.i += 1
        out = []
        while True:
            if self.eof() or self.peek() == "\n":
                raise self.error("unterminated string")
            char = self.s[self.i]
            if char == '"':
                self.i += 1
                return "".join(out)
            if char == "\\":
                self.i += 1
                out.append(self.escape())
                continue
            self._check_char(char)
            out.append(char)
            self.i += 1

    def literal_string(self):
        self.i += 1
        end = self.s.find("'", self.i)
        newline = self.s.find("\n", self.i)
        if end < 0 or (0 <= newline < end):
            raise self.error("unterminated string")
        text = self.s[self.i:end]
        for char in text:
            self._check_char(char)
        self.i = end + 1
        return text

    def ml_basic_string(self):
        self.i += 3
        if self.peek() == "\n":
            self.i += 1
        out = []
        while True:
            if self.eof():
                raise self.error("unterminated multi-line string")
            if self.peek(3) == '"""':
                end = self.i + 3
                while end - self.i < 5 and self.s[end:end + 1] == '"':
                    end += 1
                out.append('"' * (end - self.i - 3))
                self.i = end
                return "".join(out)
            char = self.s[self.i]
            if char == "\\":
                rest = re.compile(r"\\[ \t]*\n").match(self.s, self.i)
                if rest:
                    self.i = rest.end()
                    while not self.eof() and self.s[self.i] in " \t\n":
                        self.i += 1
                    continue
                self.i += 1
                out.append(self.escape())
                continue
            if char != "\n":
                self._check_char(char)
            out.append(char)
            self.i += 1

    def ml_literal_string(self):
        self.i += 3
        if self.peek() == "\n":
            self.i += 1
        end = self.s.find("'''", self.i)
        if end < 0:
            raise self.error("unterminated multi-line string")
        extra = 0
        while extra < 2 and self.s[end + 3 + extra:end + 4 + extra] == "'":
            extra += 1
        end += extra
        text = self.s[self.i:end]
        for char in text:
            if char != "\n":
                self._check_char(char)
        self.i = end + 3
        return text

    def array(self):
        self.i += 1
        items = []
        while True:
            self.skip_blank()
            if self.peek() == "]":
                self.i += 1
                break
            items.append(self.value())
            self.skip_blank()
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() == "]":
                self.i += 1
                break
            raise self.error("expected ',' or ']' in an array")
        self.frozen.add(id(items))
        return items

    def inline_table(self):
        self.i += 1
        table = {}
        self.skip_ws()
        if self.peek() == "}":
            self.i += 1
            self.frozen.add(id(table))
            return table
        while True:
            self.skip_ws()
            start = self.i
            key = self.key()
            self.skip_ws()
            if self.peek() != "=":
                raise self.error("expected '=' in an inline table")
            self.i += 1
            self.skip_ws()
            self.assign(table, key, self.value(), start)
            self.skip_ws()
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() == "}":
                self.i += 1
                break
            raise self.error("expected ',' or '}' in an inline table")
        self._freeze(table)
        return table

    def _freeze(self, node):
        self.frozen.add(id(node))
        if isinstance(node, dict):
            for value in node.values():
                if isinstance(value, dict):
                    self._freeze(value)


def parse_toml_fallback(text, path=None):
    """Parse TOML with the built-in reader (what Python < 3.11 uses)."""
    return _TomlParser(text, path).parse()


def parse_toml(text, path=None, use_tomllib=None):
    """Parse TOML text into a dict; ``tomllib`` when available unless told otherwise.

    Raises ParseError with line and column.
    """
    if use_tomllib is None:
        use_tomllib = HAS_TOMLLIB
    if use_tomllib:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            match = _TOML_POS_RE.search(message)
            line = getattr(exc, "lineno", None)
            col = getattr(exc, "colno", None)
            if match and line is None:
                line, col = int(match.group(1)), int(match.group(2))
            elif line is None and "end of document" in message:
                line = text.count("\n") + 1
            message = _TOML_POS_RE.sub("", getattr(exc, "msg", message)).strip()
            raise ParseError("invalid TOML: %s" % message, path, line, col) from None
    return parse_toml_fallback(text, path)


def _dig(data, keys):
    node = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


# --------------------------------------------------------------------- containerd


def analyze_containerd_config(text, path=DEFAULT_CONTAINERD_CONFIG, use_tomllib=None):
    """Facts from a containerd config.toml.

    Returns ``version`` (1 when the file has no ``version`` key), ``systemd_cgroup``
    (the runc runtime's ``SystemdCgroup``; None when not set), ``systemd_cgroup_key``
    (where it was looked up), ``cri_disabled``/``disabled_plugins`` and
    ``default_runtime_name``. Raises ParseError.
    """
    data = parse_toml(text, path, use_tomllib)
    warnings = []
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version not in RUNC_OPTIONS_PATHS:
        warnings.append("%s: unknown containerd config version %r" % (path, version))
        version_key = None
    else:
        version_key = version
    disabled = data.get("disabled_plugins", [])
    if not isinstance(disabled, list):
        warnings.append("%s: disabled_plugins is not a list" % path)
        disabled = []
    disabled = [str(item) for item in disabled]
    imports = data.get("imports")
    if isinstance(imports, list) and imports:
        warnings.append("%s imports %s; settings in imported files are not read" % (path, ", ".join(str(item) for item in imports)))
    cri_hits = [item for item in disabled if item in CRI_PLUGIN_IDS]
    systemd_cgroup = None
    key_path = None
    default_runtime = None
    if version_key is not None:
        options_path = RUNC_OPTIONS_PATHS[version_key]
        key_path = ".".join(_quote_toml_key(part) for part in (*options_path, "SystemdCgroup"))
        value = _dig(data, (*options_path, "SystemdCgroup"))
        if isinstance(value, bool):
            systemd_cgroup = value
        elif value is not None:
            warnings.append("%s: %s is %r, not a boolean" % (path, key_path, value))
        default_runtime = _dig(data, (*options_path[:-3], "default_runtime_name"))
        if not isinstance(default_runtime, str):
            default_runtime = None
    return {
        "version": version if version_key is not None else None,
        "systemd_cgroup": systemd_cgroup,
        "systemd_cgroup_key": key_path,
        "cgroup_driver": None if systemd_cgroup is None else ("systemd" if systemd_cgroup else "cgroupfs"),
        "disabled_plugins": disabled,
        "cri_disabled": bool(cri_hits),
        "cri_disabled_by": cri_hits,
        "default_runtime_name": default_runtime,
        "warnings": warnings,
    }


def _quote_toml_key(part):
    return part if _BARE_KEY_RE.fullmatch(part) else '"%s"' % part


# --------------------------------------------------------------------------- YAML

_YAML_BOOL = {
    "yes": True, "Yes": True, "YES": True, "true": True, "True": True, "TRUE": True, "on": True, "On": True, "ON": True,
    "no": False, "No": False, "NO": False, "false": False, "False": False, "FALSE": False, "off": False, "Off": False, "OFF": False,
}
_YAML_NULL = ("", "~", "null", "Null", "NULL")
_YAML_INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_YAML_HEX_RE = re.compile(r"^[-+]?0x[0-9a-fA-F_]+$")
_YAML_OCT_RE = re.compile(r"^[-+]?0[0-7_]+$")
_YAML_FLOAT_RE = re.compile(r"^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$|^\.[0-9_]+(?:[eE][-+][0-9]+)?$")
_YAML_KEY_RE = re.compile(r"^(?P<key>[^\s#'\"\[\]{},&*!|>%@`?:-][^#]*?|-[^\s#][^#]*?|\?[^\s][^#]*?)\s*:(?:[ \t]+(?P<value>.*))?$")
_YAML_QKEY_RE = re.compile(r"^(?P<key>\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*')\s*:(?:[ \t]+(?P<value>.*))?$")


class _Nested:
    """Marker for a key whose value the minimal reader does not interpret."""


_NESTED = _Nested()


def _yaml_plain(value):
    if value in _YAML_NULL:
        return None
    if value in _YAML_BOOL:
        return _YAML_BOOL[value]
    if _YAML_INT_RE.match(value):
        return int(value.replace("_", ""))
    if _YAML_HEX_RE.match(value):
        return int(value.replace("_", ""), 16)
    if _YAML_OCT_RE.match(value):
        return int(value.replace("_", ""), 8)
    if _YAML_FLOAT_RE.match(value):
        return float(value.replace("_", ""))
    low = value.lower()
    if low in (".inf", "+.inf"):
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    return value


def _yaml_double_quoted(text):
    out = []
    i = 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return "".join(out), text[i + 1:]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            mapping = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", "0": "\0", "r": "\r", " ": " "}
            if nxt in mapping:
                out.append(mapping[nxt])
                i += 2
                continue
            if nxt in "xuU":
                size = {"x": 2, "u": 4, "U": 8}[nxt]
                digits = text[i + 2:i + 2 + size]
                if len(digits) == size and re.match(r"^[0-9A-Fa-f]+$", digits):
                    out.append(chr(int(digits, 16)))
                    i += 2 + size
                    continue
            return None, None
        out.append(char)
        i += 1
    return None, None


def _yaml_single_quoted(text):
    out = []
    i = 1
    while i < len(text):
        char = text[i]
        if char == "'":
            if text[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), text[i + 1:]
        out.append(char)
        i += 1
    return None, None


def _strip_comment(rest):
    rest = rest.strip()
    return rest == "" or rest.startswith("#")


def _yaml_scalar(raw, path, lineno):
    """Interpret a top-level value. Returns the value or _NESTED."""
    value = raw.strip()
    if value == "" or value.startswith("#"):
        return None
    if value[0] == '"':
        text, rest = _yaml_double_quoted(value)
        if text is None:
            return _NESTED  # multi-line or unusual escape: not interpreted
        if not _strip_comment(rest):
            raise ParseError("unexpected text after a quoted value", path, lineno)
        return text
    if value[0] == "'":
        text, rest = _yaml_single_quoted(value)
        if text is None:
            return _NESTED
        if not _strip_comment(rest):
            raise ParseError("unexpected text after a quoted value", path, lineno)
        return text
    if value[0] in "[{|>&*!":
        return _NESTED
    if value[0] in "@`%":
        raise ParseError("a plain value cannot start with %r" % value[0], path, lineno)
    match = re.search(r"\s#", value)
    if match:
        value = value[:match.start()].rstrip()
    if ": " in value or value.endswith(":"):
        raise ParseError("mapping values are not allowed inside a plain value", path, lineno)
    return _yaml_plain(value)


def _parse_yaml_minimal(text, path=None):
    """Top-level scalar keys of each YAML document.

    Enough for KubeletConfiguration files and kubeadm's multi-document configs:
    documents split on ``---``; nested blocks, flow collections, block scalars,
    anchors and tags are skipped (their keys are left out). A top-level line that
    is not ``key: value`` (or a document that is not a mapping) is a ParseError.
    Returns a list of ``(first line, dict)``.
    """
    stripped_text = text.strip()
    if stripped_text.startswith("{"):
        # JSON is YAML; a one-document JSON object is common enough to read directly.
        try:
            data, _dupes = parse_json_object(stripped_text, path)
        except ParseError:
            pass
        else:
            return [(text[:text.index("{")].count("\n") + 1, data)]
    docs = []
    current = None
    start_line = None
    last_key = None
    last_plain = False

    def finish():
        if current is not None:
            docs.append((start_line, {k: v for k, v in current.items() if v is not _NESTED}))

    lines = text.replace("\r\n", "\n").split("\n")
    for lineno, raw in enumerate(lines, 1):
        if raw.startswith("---") and (len(raw) == 3 or raw[3] in " \t"):
            finish()
            current, start_line, last_key, last_plain = {}, None, None, False
            if not _strip_comment(raw[3:]):
                raise ParseError("content on the '---' line is not supported by the minimal YAML reader", path, lineno, 5)
            continue
        if raw.startswith("...") and (len(raw) == 3 or raw[3] in " \t"):
            finish()
            current, start_line, last_key, last_plain = None, None, None, False
            continue
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if raw[0] == "\t":
            raise ParseError("a tab character cannot indent YAML", path, lineno, 1)
        if raw[0] == " ":
            if last_key is not None and current is not None:
                if last_plain or current.get(last_key) is None:
                    # a continued plain scalar or a nested block: not a top-level scalar
                    current[last_key] = _NESTED
                last_plain = False
                continue
            if current is None or not current:
                raise ParseError("indented content before any top-level key", path, lineno, 1)
            continue
        if raw.startswith("%"):
            if current:
                raise ParseError("a directive inside a document", path, lineno, 1)
            continue
        if current is None:
            current = {}
        if start_line is None:
            start_line = lineno
        if stripped == "-" or stripped.startswith("- "):
            if last_key is not None and current.get(last_key) is None:
                current[last_key] = _NESTED  # block sequence under the previous key
                last_plain = False
                continue
            raise ParseError("the document is a list, not a mapping of keys", path, lineno, 1)
        match = _YAML_QKEY_RE.match(raw) or _YAML_KEY_RE.match(raw)
        if not match:
            raise ParseError("expected 'key: value' (the file is not a YAML mapping)", path, lineno, 1)
        key = match.group("key").strip()
        if key[0] == '"':
            key = _yaml_double_quoted(key)[0]
        elif key[0] == "'":
            key = _yaml_single_quoted(key)[0]
        value = _yaml_scalar(match.group("value") or "", path, lineno)
        current[key] = value
        last_key = key
        raw_value = (match.group("value") or "").strip()
        last_plain = value is not _NESTED and raw_value != "" and not raw_value.startswith("#") and raw_value[0] not in "\"'"
    finish()
    return docs


def _parse_yaml_pyyaml(text, path=None):
    loader = yaml.SafeLoader(text)
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node)
            line = node.start_mark.line + 1
            if data is None:
                continue
            if not isinstance(data, dict):
                raise ParseError(
                    "the document starting here is a %s, not a mapping of keys (the file is not a YAML mapping)" % type(data).__name__,
                    path, line, node.start_mark.column + 1,
                )
            docs.append((line, data))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParseError("invalid YAML: %s" % problem, path, mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    finally:
        loader.dispose()
    return docs


def load_yaml_documents(text, path=None, use_pyyaml=None):
    """``[(first line, mapping), ...]`` for each non-empty document; ParseError otherwise."""
    if use_pyyaml is None:
        use_pyyaml = HAS_YAML
    if use_pyyaml:
        return _parse_yaml_pyyaml(text, path)
    return _parse_yaml_minimal(text, path)


# ------------------------------------------------------------------------ kubelet


def analyze_kubelet_config(text, path=DEFAULT_KUBELET_CONFIG, use_pyyaml=None):
    """``cgroupDriver`` (and ``containerRuntimeEndpoint``) of the KubeletConfiguration document.

    The file may be kubelet's own config.yaml or a multi-document kubeadm config
    that carries a KubeletConfiguration document. Raises ParseError.
    """
    docs = load_yaml_documents(text, path, use_pyyaml)
    warnings = []
    kubelet_docs = [(line, doc) for line, doc in docs if doc.get("kind") == "KubeletConfiguration"]
    result = {
        "documents": len(docs),
        "kind_found": bool(kubelet_docs),
        "document_line": None,
        "cgroup_driver": None,
        "container_runtime_endpoint": None,
        "warnings": warnings,
    }
    if not kubelet_docs:
        warnings.append("%s: no document with kind: KubeletConfiguration" % path)
        return result
    if len(kubelet_docs) > 1:
        warnings.append("%s: %d KubeletConfiguration documents; the last one is used" % (path, len(kubelet_docs)))
    line, doc = kubelet_docs[-1]
    result["document_line"] = line
    driver = doc.get("cgroupDriver")
    if driver is not None:
        if driver in CGROUP_DRIVERS:
            result["cgroup_driver"] = driver
        else:
            warnings.append("%s: cgroupDriver %r is neither systemd nor cgroupfs" % (path, driver))
    endpoint = doc.get("containerRuntimeEndpoint")
    if isinstance(endpoint, str):
        result["container_runtime_endpoint"] = endpoint
    return result


_ENV_LINE_RE = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


def parse_env_file(text, path=None):
    """``NAME=value`` lines of an environment file (shell-style quoting). Raises ParseError."""
    env = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith(";"):
            continue
        match = _ENV_LINE_RE.match(raw)
        if not match:
            raise ParseError("expected NAME=value", path, lineno, 1)
        try:
            words = shlex.split(match.group("value"), comments=True)
        except ValueError as exc:
            raise ParseError("cannot split the value: %s" % exc, path, lineno, match.start("value") + 1) from None
        env[match.group("name")] = " ".join(words)
    return env


def kubelet_args_cgroup_driver(args):
    """``--cgroup-driver`` from a kubelet argument list (the last one wins, as with any flag)."""
    driver = None
    endpoint = None
    for index, arg in enumerate(args):
        for flag in ("--cgroup-driver", "--container-runtime-endpoint"):
            value = None
            if arg.startswith(flag + "="):
                value = arg.split("=", 1)[1]
            elif arg == flag and index + 1 < len(args):
                value = args[index + 1]
            if value is None:
                continue
            if flag == "--cgroup-driver":
                driver = value
            else:
                endpoint = value
    return driver, endpoint


def analyze_kubeadm_flags(text, path=DEFAULT_KUBEADM_FLAGS):
    """``--cgroup-driver`` from kubeadm's ``KUBELET_KUBEADM_ARGS``. Raises ParseError."""
    env = parse_env_file(text, path)
    warnings = []
    value = env.get("KUBELET_KUBEADM_ARGS")
    result = {"args": [], "cgroup_driver": None, "container_runtime_endpoint": None, "warnings": warnings}
    if value is None:
        warnings.append("%s: no KUBELET_KUBEADM_ARGS line" % path)
        return result
    try:
        args = shlex.split(value)
    except ValueError as exc:
        raise ParseError("cannot split KUBELET_KUBEADM_ARGS: %s" % exc, path) from None
    driver, endpoint = kubelet_args_cgroup_driver(args)
    result["args"] = args
    result["container_runtime_endpoint"] = endpoint
    if driver is not None:
        if driver in CGROUP_DRIVERS:
            result["cgroup_driver"] = driver
        else:
            warnings.append("%s: --cgroup-driver=%s is neither systemd nor cgroupfs" % (path, driver))
    return result


# ------------------------------------------------------------------------- docker


def analyze_daemon_json(text, path=DEFAULT_DAEMON_JSON):
    """Facts from daemon.json text. Raises ParseError."""
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


def analyze_docker_info(info):
    """Facts from Docker's ``GET /info`` answer (a dict)."""
    driver_status = info.get("DriverStatus") or []
    storage_driver = info.get("Driver") or None
    store = None
    store_reason = None
    for entry in driver_status:
        if isinstance(entry, (list, tuple)) and len(entry) == 2 and entry[0] == "driver-type":
            if entry[1] == CONTAINERD_SNAPSHOTTER_TYPE:
                store, store_reason = True, "DriverStatus driver-type %s" % CONTAINERD_SNAPSHOTTER_TYPE
    if store is None and storage_driver:
        if storage_driver in SNAPSHOTTER_ONLY_DRIVERS:
            store, store_reason = True, "storage driver %s is a containerd snapshotter" % storage_driver
        else:
            store, store_reason = False, "storage driver %s without a containerd snapshotter driver-type" % storage_driver
    version = info.get("CgroupVersion")
    try:
        version = int(version) if version not in (None, "") else None
    except (TypeError, ValueError):
        version = None
    driver = info.get("CgroupDriver") or None
    return {
        "cgroup_driver": driver,
        "cgroup_version": version,
        "storage_driver": storage_driver,
        "containerd_image_store": store,
        "containerd_image_store_reason": store_reason,
        "server_version": info.get("ServerVersion"),
    }


class DockerApiError(Exception):
    pass


if http_client is not None:

    class _UnixHTTPConnection(http_client.HTTPConnection):
        def __init__(self, socket_path, timeout):
            http_client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
            self._socket_path = socket_path

        def connect(self):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self._socket_path)
            except Exception:
                sock.close()
                raise
            self.sock = sock


def docker_api_get(socket_path=DEFAULT_DOCKER_SOCKET, endpoint="/info", timeout=5.0):
    """GET a Docker Engine API endpoint over its unix socket; returns the decoded JSON."""
    conn = _UnixHTTPConnection(socket_path, timeout)
    try:
        conn.request("GET", endpoint, headers={"Host": "docker", "Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
    except (OSError, http_client.HTTPException) as exc:
        raise DockerApiError("no answer from the Docker daemon on %s: %s" % (socket_path, exc)) from None
    finally:
        conn.close()
    if response.status != 200:
        raise DockerApiError("Docker daemon on %s answered %s %s for %s" % (socket_path, response.status, response.reason, endpoint))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DockerApiError("Docker daemon on %s sent a non-JSON answer for %s: %s" % (socket_path, endpoint, exc)) from None
    if not isinstance(data, dict):
        raise DockerApiError("Docker daemon on %s sent a %s for %s, not an object" % (socket_path, type(data).__name__, endpoint))
    return data


# ------------------------------------------------------------------------- podman


def analyze_containers_conf(files, use_tomllib=None):
    """``[engine] cgroup_manager`` across containers.conf files (later files win).

    ``files`` is a list of ``(path, text)`` in reading order. Files that do not
    parse are reported in ``errors`` and skipped.
    """
    manager = None
    source = None
    errors = []
    read = []
    for path, text in files:
        try:
            data = parse_toml(text, path, use_tomllib)
        except ParseError as exc:
            errors.append(exc.to_dict())
            continue
        read.append(path)
        value = _dig(data, ("engine", "cgroup_manager"))
        if isinstance(value, str):
            manager, source = value, path
    return {"cgroup_manager": manager, "cgroup_manager_file": source, "files": read, "errors": errors}


def containers_conf_files(paths):
    """Expand the containers.conf search list: files as given, directories to their ``*.conf`` in lexical order."""
    result = []
    for path in paths:
        if os.path.isdir(path):
            result.extend(sorted(glob.glob(os.path.join(glob.escape(path), "*.conf"))))
        elif os.path.exists(path):
            result.append(path)
    return result


# ------------------------------------------------------------------------ the host


def detect_cgroup_version(cgroup_root="/sys/fs/cgroup"):
    """2 for the unified hierarchy, 1 for legacy/hybrid, None when /sys/fs/cgroup is absent."""
    if os.path.exists(os.path.join(cgroup_root, "cgroup.controllers")):
        return 2
    if os.path.isdir(cgroup_root):
        try:
            if os.listdir(cgroup_root):
                return 1
        except OSError:
            return None
    return None


def detect_systemd(run_systemd="/run/systemd/system"):
    """systemd is the init system (sd_booted(3): /run/systemd/system is a directory)."""
    return os.path.isdir(run_systemd) and not os.path.islink(run_systemd)


def process_running(name, proc_root="/proc"):
    """Whether a process whose comm is ``name`` runs (comm is cut to 15 characters)."""
    wanted = name[:15]
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc_root, entry, "comm"), "r") as handle:
                if handle.read().strip() == wanted:
                    return True
        except (OSError, UnicodeDecodeError):
            continue
    return False


def find_binary(name, root="/"):
    for directory in BIN_DIRS:
        candidate = os.path.join(root, directory.lstrip("/"), name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


# ---------------------------------------------------------------------- decision


def _source(entry, setting):
    if not entry or entry.get("driver") not in CGROUP_DRIVERS:
        return None
    return {"driver": entry["driver"], "file": entry.get("file"), "setting": setting}


def required_cgroup_driver(kubelet_config=None, kubelet_flags=None, containerd=None, cgroup_version=None, systemd=None):
    """Which cgroup driver Docker must use on this host, and why.

    ``kubelet_config``, ``kubelet_flags`` and ``containerd`` are dicts
    ``{"driver": "systemd"|"cgroupfs"|None, "file": path}`` (or None).
    Returns ``{driver, source, reason, files, conflict, overridden}`` where
    ``source`` is one of ``kubelet`` (config and flags agree), ``kubelet_config``,
    ``kubelet_flags``, ``containerd``, ``host_default``, ``none`` or ``conflict``.
    On a conflict ``driver`` is None and ``conflict`` is ``{a: {...}, b: {...}}``,
    each side with ``driver``, ``file`` and ``setting``. ``overridden`` lists
    lower-priority settings that disagree with the chosen driver.
    """
    config = _source(kubelet_config, "cgroupDriver")
    flags = _source(kubelet_flags, "--cgroup-driver")
    runtime = _source(containerd, "SystemdCgroup")
    result = {"driver": None, "source": "none", "reason": None, "files": [], "conflict": None, "overridden": []}

    def describe(src):
        if src["setting"] == "SystemdCgroup":
            return "containerd runc SystemdCgroup = %s in %s" % ("true" if src["driver"] == "systemd" else "false", src["file"])
        if src["setting"] == "--cgroup-driver":
            return "kubelet --cgroup-driver=%s in %s" % (src["driver"], src["file"])
        return "kubelet cgroupDriver: %s in %s" % (src["driver"], src["file"])

    if config and flags and config["driver"] != flags["driver"]:
        result.update(
            source="conflict",
            reason="kubelet's settings disagree: %s, but %s" % (describe(config), describe(flags)),
            files=[config["file"], flags["file"]],
            conflict={"a": config, "b": flags},
        )
        return result
    chosen = []
    if config and flags:
        chosen, source = [config, flags], "kubelet"
    elif flags:
        chosen, source = [flags], "kubelet_flags"
    elif config:
        chosen, source = [config], "kubelet_config"
    elif runtime:
        chosen, source = [runtime], "containerd"
    if chosen:
        driver = chosen[0]["driver"]
        result.update(
            driver=driver,
            source=source,
            reason=" and ".join(describe(src) for src in chosen),
            files=[src["file"] for src in chosen],
        )
        if runtime and runtime not in chosen and runtime["driver"] != driver:
            result["overridden"].append(runtime)
        return result
    if systemd and cgroup_version == 2:
        result.update(
            driver="systemd",
            source="host_default",
            reason="no kubelet or containerd setting; systemd is the init system (/run/systemd/system) and the host uses cgroup v2 "
            "(/sys/fs/cgroup/cgroup.controllers), where Docker and kubeadm default to systemd",
        )
        return result
    result["reason"] = "no kubelet or containerd setting names a cgroup driver and the host is not a systemd host with cgroup v2"
    return result


# ------------------------------------------------------------------------- gather


def _read(path, warnings, what):
    """File text, or None when absent; unreadable files become a warning."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        warnings.append("cannot read %s %s: %s" % (what, path, exc.strerror or exc))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        warnings.append("%s %s is not UTF-8 text: %s" % (what, path, exc))
        return None


def _under(root, path):
    if root in (None, "", "/"):
        return path
    return os.path.join(root, path.lstrip("/"))


def default_paths(root="/"):
    """Every path ``gather_runtime_info`` reads, under ``root``."""
    return {
        "daemon_json_path": _under(root, DEFAULT_DAEMON_JSON),
        "docker_socket": _under(root, DEFAULT_DOCKER_SOCKET),
        "containerd_config_path": _under(root, DEFAULT_CONTAINERD_CONFIG),
        "kubelet_config_path": _under(root, DEFAULT_KUBELET_CONFIG),
        "kubeadm_flags_path": _under(root, DEFAULT_KUBEADM_FLAGS),
        "containers_conf_paths": [_under(root, path) for path in DEFAULT_CONTAINERS_CONF],
        "docker_unit_paths": [_under(root, path) for path in DOCKER_UNIT_FILES],
        "proc_path": _under(root, "/proc"),
        "cgroup_path": _under(root, "/sys/fs/cgroup"),
        "systemd_path": _under(root, "/run/systemd/system"),
    }


def gather_runtime_info(paths, which=None, timeout=5.0):
    """Read every source and return the ``runtime`` dict of container_runtime_info.

    ``paths`` is ``default_paths()`` with any overrides; ``which(name)`` finds a
    binary (None when absent). Nothing raises for host conditions: unreadable
    or unparsable sources are reported in ``warnings`` and in their section.
    """
    if which is None:
        which = find_binary
    warnings = []

    # host
    cgroup_version = detect_cgroup_version(paths["cgroup_path"])
    systemd = detect_systemd(paths["systemd_path"])

    # docker
    docker = {
        "installed": False,
        "binary": which("dockerd") or which("docker"),
        "daemon_json_path": paths["daemon_json_path"],
        "daemon_json_present": False,
        "daemon_json": None,
        "daemon_json_error": None,
        "cgroup_driver_configured": None,
        "containerd_snapshotter_configured": None,
        "socket": paths["docker_socket"],
        "running": False,
        "info_error": None,
        "cgroup_driver": None,
        "cgroup_version": None,
        "storage_driver": None,
        "server_version": None,
        "containerd_image_store": None,
        "containerd_image_store_source": None,
        "containerd_image_store_reason": None,
        "cgroup_driver_effective": None,
        "cgroup_driver_effective_source": None,
    }
    text = _read(paths["daemon_json_path"], warnings, "Docker daemon config")
    if text is not None or os.path.exists(paths["daemon_json_path"]):
        docker["daemon_json_present"] = True
    if text is not None:
        try:
            facts = analyze_daemon_json(text, paths["daemon_json_path"])
        except ParseError as exc:
            docker["daemon_json_error"] = exc.to_dict()
            warnings.append(str(exc))
        else:
            docker["daemon_json"] = facts["config"]
            docker["cgroup_driver_configured"] = facts["cgroup_driver"]
            docker["containerd_snapshotter_configured"] = facts["containerd_snapshotter"]
            warnings.extend(facts["warnings"])
    unit_present = any(os.path.exists(path) for path in paths.get("docker_unit_paths", []))
    socket_present = os.path.exists(paths["docker_socket"])
    docker["installed"] = bool(docker["binary"] or docker["daemon_json_present"] or unit_present)
    if socket_present or docker["installed"]:
        try:
            info = docker_api_get(paths["docker_socket"], "/info", timeout)
        except DockerApiError as exc:
            docker["info_error"] = str(exc)
            if socket_present:
                warnings.append(str(exc))
            else:
                warnings.append("Docker is installed but its socket %s does not exist (daemon not running)" % paths["docker_socket"])
        else:
            docker["running"] = True
            docker["installed"] = True
            docker.update(analyze_docker_info(info))
    if docker["running"] and docker["containerd_image_store"] is not None:
        docker["containerd_image_store_source"] = "docker_info"
    elif docker["containerd_snapshotter_configured"] is not None:
        docker["containerd_image_store"] = docker["containerd_snapshotter_configured"]
        docker["containerd_image_store_source"] = "daemon_json"
        docker["containerd_image_store_reason"] = "features.containerd-snapshotter is %s in %s" % (
            str(docker["containerd_snapshotter_configured"]).lower(), paths["daemon_json_path"])
    if (
        docker["running"]
        and docker["containerd_snapshotter_configured"] is not None
        and docker["containerd_image_store"] is not None
        and docker["containerd_snapshotter_configured"] != docker["containerd_image_store"]
    ):
        warnings.append(
            "%s sets features.containerd-snapshotter=%s but the running daemon %s the containerd image store (restart pending?)"
            % (paths["daemon_json_path"], str(docker["containerd_snapshotter_configured"]).lower(),
               "uses" if docker["containerd_image_store"] else "does not use")
        )
    if docker["running"] and docker["cgroup_driver"]:
        docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"] = docker["cgroup_driver"], "docker_info"
        if docker["cgroup_driver_configured"] and docker["cgroup_driver_configured"] != docker["cgroup_driver"]:
            warnings.append(
                "%s sets native.cgroupdriver=%s but the running daemon uses %s (restart pending?)"
                % (paths["daemon_json_path"], docker["cgroup_driver_configured"], docker["cgroup_driver"])
            )
    elif docker["cgroup_driver_configured"]:
        docker["cgroup_driver_effective"], docker["cgroup_driver_effective_source"] = docker["cgroup_driver_configured"], "daemon_json"
    elif docker["installed"]:
        docker["cgroup_driver_effective"] = "systemd" if (systemd and cgroup_version == 2) else "cgroupfs"
        docker["cgroup_driver_effective_source"] = "docker_default"

    # containerd
    containerd = {
        "installed": False,
        "binary": which("containerd"),
        "config_path": paths["containerd_config_path"],
        "config_present": False,
        "config_error": None,
        "version": None,
        "systemd_cgroup": None,
        "systemd_cgroup_key": None,
        "cri_disabled": None,
        "cri_disabled_by": [],
        "disabled_plugins": [],
        "default_runtime_name": None,
    }
    text = _read(paths["containerd_config_path"], warnings, "containerd config")
    containerd["config_present"] = text is not None or os.path.exists(paths["containerd_config_path"])
    if text is not None:
        try:
            facts = analyze_containerd_config(text, paths["containerd_config_path"])
        except ParseError as exc:
            containerd["config_error"] = exc.to_dict()
            warnings.append(str(exc))
        else:
            warnings.extend(facts.pop("warnings"))
            facts.pop("cgroup_driver")
            containerd.update(facts)
    elif not containerd["config_present"]:
        containerd["cri_disabled"] = False  # containerd's built-in defaults load the CRI plugin
    containerd["installed"] = bool(containerd["binary"] or containerd["config_present"])

    # kubelet
    kubelet = {
        "present": False,
        "binary": which("kubelet"),
        "running": bool(process_running("kubelet", paths["proc_path"])),
        "config_path": paths["kubelet_config_path"],
        "config_present": False,
        "config_error": None,
        "config_cgroup_driver": None,
        "kind_found": None,
        "flags_path": paths["kubeadm_flags_path"],
        "flags_present": False,
        "flags_error": None,
        "flags_cgroup_driver": None,
        "container_runtime_endpoint": None,
    }
    text = _read(paths["kubelet_config_path"], warnings, "kubelet config")
    kubelet["config_present"] = text is not None or os.path.exists(paths["kubelet_config_path"])
    if text is not None:
        try:
            facts = analyze_kubelet_config(text, paths["kubelet_config_path"])
        except ParseError as exc:
            kubelet["config_error"] = exc.to_dict()
            warnings.append(str(exc))
        else:
            warnings.extend(facts["warnings"])
            kubelet["config_cgroup_driver"] = facts["cgroup_driver"]
            kubelet["kind_found"] = facts["kind_found"]
            kubelet["container_runtime_endpoint"] = facts["container_runtime_endpoint"]
    text = _read(paths["kubeadm_flags_path"], warnings, "kubeadm flags file")
    kubelet["flags_present"] = text is not None or os.path.exists(paths["kubeadm_flags_path"])
    if text is not None:
        try:
            facts = analyze_kubeadm_flags(text, paths["kubeadm_flags_path"])
        except ParseError as exc:
            kubelet["flags_error"] = exc.to_dict()
            warnings.append(str(exc))
        else:
            warnings.extend(facts["warnings"])
            kubelet["flags_cgroup_driver"] = facts["cgroup_driver"]
            if facts["container_runtime_endpoint"]:
                kubelet["container_runtime_endpoint"] = facts["container_runtime_endpoint"]
    kubelet["present"] = bool(kubelet["binary"] or kubelet["config_present"] or kubelet["flags_present"] or kubelet["running"])

    # podman
    conf_files = containers_conf_files(paths["containers_conf_paths"])
    texts = []
    for path in conf_files:
        text = _read(path, warnings, "containers.conf")
        if text is not None:
            texts.append((path, text))
    podman_facts = analyze_containers_conf(texts)
    for error in podman_facts["errors"]:
        warnings.append(error["text"])
    podman = {
        "installed": bool(which("podman")),
        "cgroup_manager": podman_facts["cgroup_manager"],
        "cgroup_manager_file": podman_facts["cgroup_manager_file"],
        "config_files": podman_facts["files"],
    }

    required = required_cgroup_driver(
        kubelet_config={"driver": kubelet["config_cgroup_driver"], "file": kubelet["config_path"]},
        kubelet_flags={"driver": kubelet["flags_cgroup_driver"], "file": kubelet["flags_path"]},
        containerd={
            "driver": None if containerd["systemd_cgroup"] is None else ("systemd" if containerd["systemd_cgroup"] else "cgroupfs"),
            "file": containerd["config_path"],
        },
        cgroup_version=cgroup_version,
        systemd=systemd,
    )
    if (
        kubelet["present"]
        and required["source"] not in ("kubelet", "kubelet_config", "kubelet_flags", "conflict")
        and not kubelet["config_error"]
        and not kubelet["flags_error"]
    ):
        warnings.append(
            "kubelet is present but neither %s nor %s sets a cgroup driver; kubelet's own default is cgroupfs unless its "
            "container runtime reports one" % (kubelet["config_path"], kubelet["flags_path"])
        )
    if required["driver"] and docker["cgroup_driver_effective"]:
        docker["agrees_with_required"] = docker["cgroup_driver_effective"] == required["driver"]
    else:
        docker["agrees_with_required"] = None

    return {
        "docker": docker,
        "containerd": containerd,
        "kubelet": kubelet,
        "podman": podman,
        "host": {"cgroup_version": cgroup_version, "systemd": systemd},
        "required_cgroup_driver": required,
        "warnings": warnings,
    }
