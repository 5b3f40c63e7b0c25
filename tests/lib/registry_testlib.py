"""Test doubles for the registry client: a registry that wants Bearer tokens from its own token service, and canned answers.

``bearer_registry()`` serves ``/v2/<repo>/manifests/<tag>`` and ``/token`` on
127.0.0.1 the way quay.io and Docker Hub do: a manifest request without the token
answers 401 with ``WWW-Authenticate: Bearer realm=...,service=fake-quay``; the token
service gives ``T-<scope>`` anonymously, except for repositories under ``private/``,
which need the user ``robot`` with the password ``tok-pass``. The realm it announces
can be replaced (``server.realm``) to test what the client does with it.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import threading

MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
ROBOT = ("robot", "tok-pass")


class _BearerHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, code, body=b"", headers=None):
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _token(self):
        auth = self.headers.get("Authorization")
        self.server.token_requests.append((self.path, auth))
        if "private" in self.path:
            user = None
            if auth and auth.startswith("Basic "):
                name, _sep, password = base64.b64decode(auth[6:]).decode().partition(":")
                user = name if (name, password) == ROBOT else None
            if user is None:
                return self._send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        return self._send(200, json.dumps({"token": "T-" + self.path.split("scope=")[1].split("&")[0]}).encode())

    def do_GET(self):
        if self.path.startswith("/token"):
            return self._token()
        repo = self.path[len("/v2/") :].split("/manifests/")[0]
        authorization = self.headers.get("Authorization")
        self.server.manifest_authorizations.append(authorization)
        if authorization != "Bearer T-" + ("repository%%3A%s%%3Apull" % repo.replace("/", "%2F")):
            realm = self.server.realm or "http://%s/token" % self.headers["Host"]
            challenge = 'Bearer realm="%s",service="fake-quay"' % realm
            return self._send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
        index = {
            "schemaVersion": 2,
            "mediaType": MT_OCI_INDEX,
            "manifests": [{"mediaType": MT_OCI_MANIFEST, "digest": "sha256:" + "1" * 64, "size": 1, "platform": {"architecture": "arm64", "os": "linux"}}],
        }
        return self._send(200, json.dumps(index).encode(), {"Content-Type": MT_OCI_INDEX})


@contextlib.contextmanager
def bearer_registry():
    """A running token registry: yields the server (``host``, ``token_requests``, ``manifest_authorizations``, ``realm``)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BearerHandler)
    server.host = "127.0.0.1:%d" % server.server_address[1]
    server.token_requests, server.manifest_authorizations, server.realm = [], [], None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class Answer:
    """A canned 200 answer, as ``open_url`` returns it."""

    def __init__(self, body, headers=None):
        self._body, self.headers = body, headers or {}

    def getcode(self):
        return 200

    def read(self):
        return self._body
