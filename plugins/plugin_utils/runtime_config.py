# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse the container runtimes' files and answers on the controller.

``container_runtime_info`` returns raw text; these functions read it: TOML with
``tomllib`` (containerd's config.toml, containers.conf), YAML with PyYAML
(KubeletConfiguration and kubeadm configs), kubeadm's flags file (an environment
file), and Docker's ``GET /info`` answer. daemon.json is parsed by the same code
the ``docker_daemon_config`` module uses (``module_utils/docker_daemon_json.py``).

Each function takes the text and the path to name in messages, and returns a plain
dict; a file that is not what it should be raises ParseError with line and column.
``parse_release`` reads what ``kubelet --version`` and ``containerd --version`` printed.
Controller side: Python >= 3.11 (``tomllib``) and PyYAML, which ansible-core needs.
"""

import re
import shlex

import tomllib
import yaml

from ansible_collections.multiarch.kolla.plugins.module_utils.docker_daemon_json import CGROUP_DRIVERS, ParseError

# Docker's containerd image store reports this DriverStatus driver-type in GET /info
# (moby daemon/containerd/service.go, v24+).
CONTAINERD_SNAPSHOTTER_TYPE = "io.containerd.snapshotter.v1"
# Storage driver names only containerd snapshotters use (no classic graph driver has them).
SNAPSHOTTER_ONLY_DRIVERS = ("overlayfs", "native", "devmapper", "blockfile", "erofs", "stargz", "nydus", "soci")

# disabled_plugins entries that switch the CRI off: the short ID and the plugin URIs of
# containerd 1.x (io.containerd.grpc.v1.cri) and 2.x (io.containerd.cri.v1.*), per containerd's docs/PLUGINS.md.
CRI_PLUGIN_IDS = ("cri", "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images")

# Where the runc runtime options live, per containerd config version (containerd docs/cri/config.md:
# version 1 and 2 for containerd 1.x, version 3 for 2.x).
RUNC_OPTIONS_PATHS = {
    1: ("plugins", "cri", "containerd", "runtimes", "runc", "options"),
    2: ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc", "options"),
    3: ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc", "options"),
}

# `kubelet --version` prints "Kubernetes v1.31.2" (kubernetes staging/src/k8s.io/component-base/version/verflag);
# `containerd --version` prints "containerd <package> <version> <revision>" (containerd cmd/containerd/command/main.go,
# cli.VersionPrinter), the version with or without a leading "v" ("1.6.20~ds1" in Debian's package).
RELEASE_PATTERNS = {
    "kubelet": re.compile(r"^Kubernetes v(\d+)\.(\d+)\.(\d+)"),
    "containerd": re.compile(r"^containerd\s+\S+\s+v?(\d+)\.(\d+)\.(\d+)"),
}
# kubelet's flag for feature gates, and the words Go's strconv.ParseBool accepts.
_BOOL_WORDS = {"1": True, "t": True, "true": True, "0": False, "f": False, "false": False}

_TOML_POS_RE = re.compile(r"\(at line (\d+), column (\d+)\)")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_ENV_LINE_RE = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


# --------------------------------------------------------------------------- TOML


def parse_toml(text, path=None):
    """Parse TOML text into a dict with ``tomllib``. Raises ParseError with line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11-3.13 put the position in the message; 3.14 adds lineno/colno attributes.
        message = str(exc)
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        match = _TOML_POS_RE.search(message)
        if match and line is None:
            line, col = int(match.group(1)), int(match.group(2))
        elif line is None and "end of document" in message:
            line = text.rstrip().count("\n") + 1  # the last line with content: what the operator looks at
        message = _TOML_POS_RE.sub("", getattr(exc, "msg", message)).strip()
        raise ParseError("invalid TOML: %s" % message, path, line, col) from None


def _dig(data, keys):
    node = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _quote_toml_key(part):
    return part if _BARE_KEY_RE.fullmatch(part) else '"%s"' % part


# --------------------------------------------------------------------- containerd


def _containerd_version(data, path, warnings):
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version not in RUNC_OPTIONS_PATHS:
        warnings.append("%s: unknown containerd config version %r" % (path, version))
        return None
    return version


def _disabled_plugins(data, path, warnings):
    disabled = data.get("disabled_plugins", [])
    if not isinstance(disabled, list):
        warnings.append("%s: disabled_plugins is not a list" % path)
        return []
    return [str(item) for item in disabled]


def analyze_containerd_config(text, path="/etc/containerd/config.toml"):
    """Facts from a containerd config.toml.

    Returns ``version`` (1 when the file has no ``version`` key), ``systemd_cgroup``
    (the runc runtime's ``SystemdCgroup``; None when not set), ``systemd_cgroup_key``
    (where it was looked up), ``cgroup_driver``, ``cri_disabled``/``cri_disabled_by``/
    ``disabled_plugins``, ``default_runtime_name``, ``runc_runtime`` (``options`` when the
    runc runtime has an options table, ``no_options`` when it is declared without one,
    ``absent`` when the file does not declare it; None for an unknown config version) and
    ``warnings``. Raises ParseError.
    """
    data = parse_toml(text, path)
    warnings = []
    version = _containerd_version(data, path, warnings)
    disabled = _disabled_plugins(data, path, warnings)
    imports = data.get("imports")
    if isinstance(imports, list) and imports:
        warnings.append("%s imports %s; settings in imported files are not read" % (path, ", ".join(str(item) for item in imports)))
    systemd_cgroup = key_path = default_runtime = runc = None
    if version is not None:
        options_path = RUNC_OPTIONS_PATHS[version]
        key_path = ".".join(_quote_toml_key(part) for part in (*options_path, "SystemdCgroup"))
        runc = "options" if isinstance(_dig(data, options_path), dict) else ("no_options" if _dig(data, options_path[:-1]) is not None else "absent")
        value = _dig(data, (*options_path, "SystemdCgroup"))
        if isinstance(value, bool):
            systemd_cgroup = value
        elif value is not None:
            warnings.append("%s: %s is %r, not a boolean" % (path, key_path, value))
        default_runtime = _dig(data, (*options_path[:-3], "default_runtime_name"))
        if not isinstance(default_runtime, str):
            default_runtime = None
    cri_hits = [item for item in disabled if item in CRI_PLUGIN_IDS]
    return {
        "version": version,
        "systemd_cgroup": systemd_cgroup,
        "systemd_cgroup_key": key_path,
        "cgroup_driver": None if systemd_cgroup is None else ("systemd" if systemd_cgroup else "cgroupfs"),
        "disabled_plugins": disabled,
        "cri_disabled": bool(cri_hits),
        "cri_disabled_by": cri_hits,
        "default_runtime_name": default_runtime,
        "runc_runtime": runc,
        "warnings": warnings,
    }


# ------------------------------------------------------------------------ kubelet


def load_yaml_documents(text, path=None):
    """``[(first line, mapping), ...]`` for each non-empty YAML document (PyYAML's safe loader).

    Raises ParseError for invalid YAML or a document that is not a mapping.
    """
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


def analyze_kubelet_config(text, path="/var/lib/kubelet/config.yaml"):
    """``cgroupDriver`` (with ``containerRuntimeEndpoint`` and ``featureGates``) of the KubeletConfiguration document.

    The file may be kubelet's own config.yaml or a multi-document kubeadm config
    that carries a KubeletConfiguration document. Raises ParseError.
    """
    docs = load_yaml_documents(text, path)
    warnings = []
    kubelet_docs = [(line, doc) for line, doc in docs if doc.get("kind") == "KubeletConfiguration"]
    result = {
        "documents": len(docs),
        "kind_found": bool(kubelet_docs),
        "document_line": None,
        "cgroup_driver": None,
        "container_runtime_endpoint": None,
        "feature_gates": {},
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
    gates = doc.get("featureGates")
    if isinstance(gates, dict):
        result["feature_gates"] = {str(name): value for name, value in gates.items() if isinstance(value, bool)}
        for name in sorted(str(name) for name, value in gates.items() if not isinstance(value, bool)):
            warnings.append("%s: featureGates.%s is not true or false" % (path, name))
    elif gates is not None:
        warnings.append("%s: featureGates is not a mapping" % path)
    return result


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


KUBELET_FLAGS = ("--cgroup-driver", "--container-runtime-endpoint", "--feature-gates")


def kubelet_flag_values(args):
    """``{flag: value}`` of KUBELET_FLAGS in a kubelet argument list (the last of each wins, as with any flag; None when absent)."""
    found = dict.fromkeys(KUBELET_FLAGS)
    for index, arg in enumerate(args):
        for flag in found:
            if arg.startswith(flag + "="):
                found[flag] = arg.split("=", 1)[1]
            elif arg == flag and index + 1 < len(args):
                found[flag] = args[index + 1]
    return found


def kubelet_args_cgroup_driver(args):
    """``(--cgroup-driver, --container-runtime-endpoint)`` from a kubelet argument list (the last of each wins, as with any flag)."""
    found = kubelet_flag_values(args)
    return found["--cgroup-driver"], found["--container-runtime-endpoint"]


def parse_feature_gates(value, where):
    """``({gate: bool}, warnings)`` of a ``--feature-gates`` value (``A=true,B=false``, as kubelet's flag reads it)."""
    gates, warnings = {}, []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        name, sep, word = item.partition("=")
        flag = _BOOL_WORDS.get(word.strip().lower()) if sep else None
        if flag is None:
            warnings.append("%s: --feature-gates entry %r is not name=true or name=false" % (where, item))
            continue
        gates[name.strip()] = flag
    return gates, warnings


def analyze_kubeadm_flags(text, path="/var/lib/kubelet/kubeadm-flags.env"):
    """``--cgroup-driver`` (with ``--container-runtime-endpoint`` and ``--feature-gates``) from kubeadm's ``KUBELET_KUBEADM_ARGS``.

    Raises ParseError.
    """
    env = parse_env_file(text, path)
    warnings = []
    value = env.get("KUBELET_KUBEADM_ARGS")
    result = {"args": [], "cgroup_driver": None, "container_runtime_endpoint": None, "feature_gates": {}, "warnings": warnings}
    if value is None:
        warnings.append("%s: no KUBELET_KUBEADM_ARGS line" % path)
        return result
    try:
        args = shlex.split(value)
    except ValueError as exc:
        raise ParseError("cannot split KUBELET_KUBEADM_ARGS: %s" % exc, path) from None
    found = kubelet_flag_values(args)
    driver = found["--cgroup-driver"]
    result["args"] = args
    result["container_runtime_endpoint"] = found["--container-runtime-endpoint"]
    if found["--feature-gates"] is not None:
        result["feature_gates"], gate_warnings = parse_feature_gates(found["--feature-gates"], path)
        warnings.extend(gate_warnings)
    if driver is not None:
        if driver in CGROUP_DRIVERS:
            result["cgroup_driver"] = driver
        else:
            warnings.append("%s: --cgroup-driver=%s is neither systemd nor cgroupfs" % (path, driver))
    return result


# ----------------------------------------------------------------------- versions


def parse_release(name, answer):
    """``(release, error)`` from the raw ``<name> --version`` answer of container_runtime_info (``name`` kubelet or containerd).

    ``release`` is ``"1.31.2"``, or None with ``error`` saying why it is unknown (no
    binary, not run, a failure, or output that names no version).
    """
    if not answer:
        return None, "container_runtime_info reported no %s --version answer (a module older than this collection?)" % name
    binary = answer.get("binary")
    if not binary:
        return None, "no %s binary was found" % name
    if answer.get("error"):
        return None, answer["error"]
    text = (answer.get("stdout") or "").strip()
    match = RELEASE_PATTERNS[name].match(text)
    if not match:
        return None, "%s --version printed %r, which names no %s version" % (binary, text[:120], name)
    return "%s.%s.%s" % match.groups(), None


# ------------------------------------------------------------------------- docker


def analyze_docker_info(info):
    """Facts from Docker's ``GET /info`` answer (a dict)."""
    driver_status = info.get("DriverStatus") or []
    storage_driver = info.get("Driver") or None
    store = None
    store_reason = None
    for entry in driver_status:
        if isinstance(entry, (list, tuple)) and len(entry) == 2 and entry[0] == "driver-type" and entry[1] == CONTAINERD_SNAPSHOTTER_TYPE:
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
    return {
        "cgroup_driver": info.get("CgroupDriver") or None,
        "cgroup_version": version,
        "storage_driver": storage_driver,
        "containerd_image_store": store,
        "containerd_image_store_reason": store_reason,
        "server_version": info.get("ServerVersion"),
    }


# ------------------------------------------------------------------------- podman


def analyze_containers_conf(files):
    """``[engine] cgroup_manager`` across containers.conf files (later files win, containers.conf(5)).

    ``files`` is a list of ``(path, text)`` in reading order. Files that do not
    parse are reported in ``errors`` and skipped.
    """
    manager = None
    source = None
    errors = []
    read = []
    for path, text in files:
        try:
            data = parse_toml(text, path)
        except ParseError as exc:
            errors.append(exc.to_dict())
            continue
        read.append(path)
        value = _dig(data, ("engine", "cgroup_manager"))
        if isinstance(value, str):
            manager, source = value, path
    return {"cgroup_manager": manager, "cgroup_manager_file": source, "files": read, "errors": errors}
