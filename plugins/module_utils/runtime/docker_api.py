# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GET requests to the Docker Engine API over its unix socket, with the standard library.

The Engine API is plain HTTP/1.1 on ``/var/run/docker.sock`` (moby, ``api/``; the
``Host`` header is ignored by dockerd). Runs on target hosts (Python >= 3.9).
"""

import http.client
import json
import socket

DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock"


# The JSON kinds an endpoint answers with, in the words of messages: /info an object, /containers/json an array.
_KINDS = {dict: "an object", list: "an array"}


class DockerApiError(Exception):
    """The daemon did not answer, or answered something other than the JSON kind asked for; the message names the socket."""


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path, timeout):
        super().__init__("localhost", timeout=timeout)
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


def docker_api_get(socket_path=DEFAULT_DOCKER_SOCKET, endpoint="/info", timeout=5.0, expect=dict):
    """GET a Docker Engine API endpoint over its unix socket; returns the decoded JSON answer.

    ``expect`` is the kind the endpoint answers with: ``dict`` (an object, such as ``/info``) or ``list`` (an
    array, such as ``/containers/json``). Raises DockerApiError (no answer, an HTTP status other than 200, or
    a body that is not JSON of that kind).
    """
    if expect not in _KINDS:
        raise ValueError("expect must be dict or list, not %r" % (expect,))
    conn = _UnixHTTPConnection(socket_path, timeout)
    try:
        conn.request("GET", endpoint, headers={"Host": "docker", "Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise DockerApiError("no answer from the Docker daemon on %s: %s" % (socket_path, exc)) from None
    finally:
        conn.close()
    if response.status != 200:
        raise DockerApiError("Docker daemon on %s answered %s %s for %s" % (socket_path, response.status, response.reason, endpoint))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DockerApiError("Docker daemon on %s sent a non-JSON answer for %s: %s" % (socket_path, endpoint, exc)) from None
    if not isinstance(data, expect):
        raise DockerApiError("Docker daemon on %s sent a %s for %s, not %s" % (socket_path, type(data).__name__, endpoint, _KINDS[expect]))
    return data
