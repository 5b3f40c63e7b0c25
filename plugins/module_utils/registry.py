# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask a container registry (HTTP API v2) which architectures an image tag has.

Standard library plus Ansible's ``open_url``. One :class:`RegistryClient` keeps
the bearer tokens it obtained, so asking for many tags of one repository costs
one token request. Every answer is a dict; nothing here raises for a registry
that is down, refuses, or does not have the image. Options that cannot work (a
timeout that is not a positive number, a CA bundle that cannot be read, a login for
something that is not a registry name) raise :class:`RegistryOptionError` naming
the option, before anything is asked.

A Bearer challenge's ``realm`` is the URL of the registry's token service (Docker's
token authentication specification, distribution/docs/spec/auth/token.md): only an
http or https URL with a host is opened; any other scheme (file:, ftp:, data: ...)
is refused without being opened.
"""

import base64
import json
import math
import os
import re
import ssl
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit

from ansible.module_utils.urls import open_url

# Media types of a multi-arch index and of a single-arch manifest.
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_V1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"
ACCEPT = ", ".join((MT_OCI_INDEX, MT_DOCKER_LIST, MT_OCI_MANIFEST, MT_DOCKER_MANIFEST))
INDEX_TYPES = (MT_OCI_INDEX, MT_DOCKER_LIST)

# Docker's default registry: "nova" means docker.io/library/nova.
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"

_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
_REPO_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
# A registry as image references name it: a DNS name, an IPv4 address or a bracketed IPv6 address, with an optional port.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_REGISTRY_RE = re.compile(r"^(?:%s(?:\.%s)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$" % (_LABEL, _LABEL))
_REGISTRY_HINT = "a registry as image references name it (host[:port], e.g. quay.io or registry.lab:5000; docker.io for Docker Hub), without a scheme or path"


class ImageRefError(ValueError):
    """An image reference that cannot name an image in a registry."""


class RegistryOptionError(ValueError):
    """An option of the client that cannot work; the message names the option and the fix."""


def check_timeout(timeout):
    """``timeout`` as seconds: a finite number above 0."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise RegistryOptionError("timeout=%r: give the seconds to wait for each answer, a number above 0" % (timeout,))
    return timeout


def check_ca_path(ca_path):
    """``ca_path``: None, or a readable file of PEM CA certificates (as ``ssl`` loads it)."""
    if ca_path is None:
        return None
    if not os.path.exists(ca_path):
        raise RegistryOptionError("ca_path=%s: no such file; give the PEM bundle of the CAs that signed the registries' certificates" % ca_path)
    if not os.path.isfile(ca_path):
        raise RegistryOptionError("ca_path=%s: not a regular file; give the PEM bundle of the CAs, not a directory" % ca_path)
    try:
        ssl.create_default_context(cafile=ca_path)
    except ssl.SSLError as exc:
        raise RegistryOptionError("ca_path=%s: not a PEM CA bundle (%s)" % (ca_path, exc)) from None
    except OSError as exc:
        raise RegistryOptionError("ca_path=%s: cannot be read (%s)" % (ca_path, exc.strerror or exc)) from None
    return ca_path


def check_registry(name, where):
    if not isinstance(name, str) or not _REGISTRY_RE.match(name):
        raise RegistryOptionError("%s: %r is not %s" % (where, name, _REGISTRY_HINT))
    return name


def check_login(entry, where):
    """One login ``{registry, username, password}`` -> ``(registry, {username, password})``."""
    if not isinstance(entry, dict):
        raise RegistryOptionError("%s: give {registry, username, password} as a dict, got %s" % (where, type(entry).__name__))
    registry = entry.get("registry")
    if not isinstance(registry, str) or not _REGISTRY_RE.match(registry):
        raise RegistryOptionError("%s: registry %r is not %s" % (where, registry, _REGISTRY_HINT))
    if not isinstance(entry.get("username"), str) or not entry["username"]:
        raise RegistryOptionError("%s: give a user name (username) for %s" % (where, registry))
    if not isinstance(entry.get("password"), str):
        raise RegistryOptionError("%s: give a password (password) for %s" % (where, registry))
    return registry, {"username": entry["username"], "password": entry["password"]}


def logins(credentials):
    """``{registry: {username, password}}`` from a list of ``{registry, username, password}`` (a registry once)."""
    result, first = {}, {}
    for number, entry in enumerate(credentials or []):
        where = "credentials[%d]" % number
        registry, login = check_login(entry, where)
        if registry in result:
            raise RegistryOptionError("%s: %s is given twice (%s); give one login per registry" % (where, registry, first[registry]))
        result[registry], first[registry] = login, where
    return result


def parse_image_ref(ref):
    """Split ``[registry/]repository[:tag|@digest]`` the way Docker does.

    Returns ``(registry, repository, reference)``. The first path component is a
    registry when it has a '.' or ':' or is ``localhost``; otherwise Docker Hub,
    where a single component gets ``library/``. No tag means ``latest``.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ImageRefError("image reference %r is empty" % (ref,))
    name = ref.strip()
    reference = None
    if "@" in name:
        name, reference = name.split("@", 1)
        if not _DIGEST_RE.match(reference):
            raise ImageRefError("image reference %r: %r is not a digest (algorithm:hex)" % (ref, reference))
    else:
        slash = name.rfind("/")
        colon = name.rfind(":")
        if colon > slash:
            name, reference = name[:colon], name[colon + 1 :]
            if not _TAG_RE.match(reference):
                raise ImageRefError("image reference %r: tag %r has characters a tag cannot have" % (ref, reference))
    first, _sep, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name
        if "/" not in repository:
            repository = "library/" + repository
    if not _REPO_RE.match(repository):
        raise ImageRefError("image reference %r: repository %r must be lower-case path components" % (ref, repository))
    return registry, repository, reference or "latest"


def parse_challenge(header):
    """``WWW-Authenticate`` value -> ``(scheme, {param: value})`` (scheme lower-case)."""
    if not header:
        return None, {}
    scheme, _sep, rest = header.strip().partition(" ")
    params = {}
    for match in _CHALLENGE_PARAM.finditer(rest):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        params[match.group(1).lower()] = value.replace('\\"', '"')
    return scheme.lower(), params


def platform_name(architecture, variant=None):
    return "%s/%s" % (architecture, variant) if variant else architecture


class RegistryClient:
    """Talks to registries over HTTPS (HTTP for ``insecure`` ones)."""

    def __init__(self, credentials=None, insecure=(), timeout=10, validate_certs=True, *, ca_path=None, opener=None):
        """``credentials``: ``{registry: {username, password}}`` (see ``logins`` for the list form). Raises RegistryOptionError."""
        self.credentials = {}
        for registry, entry in (credentials or {}).items():
            login = dict(entry, registry=registry) if isinstance(entry, dict) else entry
            self.credentials.update([check_login(login, "credentials")])
        self.insecure = {check_registry(name, "insecure_registries") for name in insecure or ()}
        self.timeout = check_timeout(timeout)
        self.validate_certs = validate_certs
        self.ca_path = check_ca_path(ca_path)
        self._open = opener or open_url
        self._tokens = {}  # (registry, scope) -> Authorization header value
        self._basic = set()  # registries that asked for Basic auth

    # ------------------------------------------------------------------ http

    def _base(self, registry):
        host = DOCKER_HUB_API if registry == DOCKER_HUB else registry
        return ("http://" if registry in self.insecure else "https://") + host

    def _creds(self, registry):
        entry = self.credentials.get(registry) or {}
        if entry.get("username") is None:
            return None
        return entry.get("username"), entry.get("password") or ""

    def _request(self, url, headers):
        """GET ``url``: ``(status, headers, body bytes)``; status 0 when nothing answered."""
        try:
            response = self._open(
                url,
                headers=headers,
                method="GET",
                timeout=self.timeout,
                validate_certs=self.validate_certs,
                ca_path=self.ca_path,
                follow_redirects="safe",
                unredirected_headers=["Authorization"],
                use_netrc=False,
            )
            code = response.getcode()
            if not isinstance(code, int):
                return 0, {}, b"%s gave no HTTP answer" % url.encode("utf-8", "replace")
            return code, response.headers, response.read()
        except HTTPError as err:
            try:
                body = err.read()
            except Exception:
                body = b""
            return err.code, err.headers, body
        except (URLError, OSError, ValueError) as err:
            reason = getattr(err, "reason", None) or err
            return 0, {}, str(reason).encode("utf-8", "replace")

    def _authorize(self, registry, repository, challenge):
        """Answer a 401 challenge. Returns ``(header value or None, problem or None)``."""
        scheme, params = parse_challenge(challenge)
        creds = self._creds(registry)
        if scheme == "basic":
            if creds is None:
                return None, "the registry wants a user name and password (Basic auth) and none were given"
            self._basic.add(registry)
            token = base64.b64encode(("%s:%s" % creds).encode("utf-8")).decode("ascii")
            return "Basic " + token, None
        if scheme != "bearer" or not params.get("realm"):
            return None, "the registry answered 401 with a challenge this client does not speak: %r" % (challenge,)
        if not _web_url(params["realm"]):
            return None, "the registry's token service realm %r is not an http or https URL with a host; it was not opened" % (params["realm"],)
        query = {"scope": params.get("scope") or "repository:%s:pull" % repository}
        if params.get("service"):
            query["service"] = params["service"]
        url = params["realm"] + ("&" if "?" in params["realm"] else "?") + urlencode(sorted(query.items()))
        headers = {}
        if creds is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % creds).encode("utf-8")).decode("ascii")
        status, _headers, body = self._request(url, headers)
        if status in (401, 403):
            return None, "the token service %s refused %s (HTTP %d)" % (params["realm"], "the credentials given" if creds else "an anonymous request", status)
        if status != 200:
            answer = "nothing: %s" % body.decode("utf-8", "replace") if status == 0 else "HTTP %d" % status
            return None, "the token service %s answered %s" % (params["realm"], answer)
        try:
            answer = json.loads(body.decode("utf-8"))
            token = answer.get("token") or answer.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            return None, "the token service %s returned no token" % params["realm"]
        return "Bearer " + token, None

    def get(self, registry, repository, path, accept):
        """GET ``/v2/<repository>/<path>``, authenticating when challenged.

        Returns ``(status, headers, body, problem)``; ``problem`` explains a 401
        that could not be answered.
        """
        url = "%s/v2/%s/%s" % (self._base(registry), repository, path)
        headers = {"Accept": accept}
        key = (registry, repository)
        if key in self._tokens:
            headers["Authorization"] = self._tokens[key]
        elif registry in self._basic and self._creds(registry):
            headers["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % self._creds(registry)).encode("utf-8")).decode("ascii")
        status, resp_headers, body = self._request(url, headers)
        if status != 401:
            return status, resp_headers, body, None
        if "Authorization" in headers and registry in self._basic:
            return status, resp_headers, body, "the registry refused the user name and password given (HTTP 401)"
        challenge = resp_headers.get("WWW-Authenticate") if resp_headers else None
        value, problem = self._authorize(registry, repository, challenge)
        if value is None:
            return 401, resp_headers, body, problem
        self._tokens[key] = value
        headers["Authorization"] = value
        status, resp_headers, body = self._request(url, headers)
        if status == 401:
            if registry in self._basic:
                return status, resp_headers, body, "the registry refused the user name and password given (HTTP 401)"
            return (
                status,
                resp_headers,
                body,
                "the registry refused the token obtained %s (HTTP 401)" % ("with the credentials given" if self._creds(registry) else "anonymously"),
            )
        return status, resp_headers, body, None

    # ------------------------------------------------------------- the check

    def image_platforms(self, ref):
        """What the registry has under ``ref``.

        Returns a dict: ``image``, ``registry``, ``repository``, ``reference``,
        ``status`` (``found`` | ``missing`` | ``unauthorized`` | ``error``),
        ``media_type``, ``digest``, ``platforms`` (``[{architecture, variant, os}]``)
        and ``msg``.
        """
        result = {
            "image": ref,
            "registry": None,
            "repository": None,
            "reference": None,
            "status": "error",
            "media_type": None,
            "digest": None,
            "platforms": [],
            "msg": "",
        }
        try:
            registry, repository, reference = parse_image_ref(ref)
        except ImageRefError as err:
            result["msg"] = str(err)
            return result
        result.update(registry=registry, repository=repository, reference=reference)
        where = "%s/%s:%s" % (registry, repository, reference) if "@" not in ref else ref
        answer = self.get(registry, repository, "manifests/" + reference, ACCEPT)
        if self._manifest_problem(result, where, registry, answer):
            return result
        _status, headers, body, _problem = answer
        manifest = _json_object(body)
        if manifest is None:
            result["msg"] = "%s: the manifest is not a JSON object" % where
            return result
        media_type = (headers.get("Content-Type") or "").split(";")[0].strip() if headers else ""
        result["media_type"] = manifest.get("mediaType") or media_type
        result["digest"] = headers.get("Docker-Content-Digest") if headers else None
        if result["media_type"] in INDEX_TYPES or isinstance(manifest.get("manifests"), list):
            # attestation manifests name no architecture ("unknown")
            result["platforms"] = [_platform(e.get("platform") or {}) for e in manifest.get("manifests") or []
                                   if (e.get("platform") or {}).get("architecture") not in (None, "unknown")]
        elif manifest.get("schemaVersion") == 1:
            result["platforms"] = [_platform({"architecture": manifest.get("architecture")})]
        else:
            return self._single_image(result, where, registry, repository, manifest)
        result["status"] = "found"
        return result

    def _manifest_problem(self, result, where, registry, answer):
        """Fill ``result`` for a manifest request (``answer``: what ``get`` returned) that did not answer 200; True when it did not."""
        status, _headers, body, problem = answer
        if status == 0:
            result["msg"] = "%s did not answer (%s)" % (self._base(registry), body.decode("utf-8", "replace"))
        elif status in (401, 403):
            result["status"] = "unauthorized"
            result["msg"] = "%s: %s" % (where, problem or "access denied (HTTP %d)" % status)
        elif status == 404:
            result["status"] = "missing"
            result["msg"] = "%s: the registry has no such manifest (HTTP 404%s)" % (where, _error_code(body))
        elif status != 200:
            result["msg"] = "%s: HTTP %d%s" % (where, status, _error_code(body))
        return status != 200

    def _single_image(self, result, where, registry, repository, manifest):
        """A single-arch image: its arch is in the image config the manifest names."""
        config = manifest.get("config") or {}
        if not config.get("digest"):
            result["msg"] = "%s: the manifest (%s) names no image config" % (where, result["media_type"] or "no media type")
            return result
        status, _headers, blob, problem = self.get(registry, repository, "blobs/" + config["digest"], "*/*")
        if status != 200:
            result["msg"] = "%s: its image config %s could not be read (%s)" % (
                where,
                config["digest"],
                problem or ("HTTP %d" % status if status else blob.decode("utf-8", "replace")),
            )
            return result
        image_config = _json_object(blob)
        if image_config is None:
            result["msg"] = "%s: its image config is not a JSON object" % where
            return result
        result["platforms"] = [_platform(image_config)]
        result["status"] = "found"
        return result


def _web_url(url):
    """Whether ``url`` is an http or https URL with a host (the only kind the client opens for a token)."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _json_object(data):
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeError):
        return None
    return value if isinstance(value, dict) else None


def _platform(entry):
    return {"architecture": entry.get("architecture"), "variant": entry.get("variant"), "os": entry.get("os")}


def _error_code(body):
    try:
        errors = json.loads(body.decode("utf-8")).get("errors") or []
        codes = [e.get("code") for e in errors if e.get("code")]
    except (ValueError, AttributeError):
        return ""
    return ", %s" % ", ".join(codes) if codes else ""


def has_platform(platforms, architecture, variant=None):
    """Whether ``platforms`` (as image_platforms returns) include architecture[/variant]."""
    for plat in platforms:
        if plat.get("architecture") != architecture:
            continue
        if variant is None or plat.get("variant") in (None, variant):
            return True
    return False
