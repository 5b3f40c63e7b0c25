"""plugins/plugin_utils/kolla/environment.py: the commands' environment as shell lines on standard input.

Oracle: a real POSIX shell (/bin/sh) runs the role's wrapper with the lines on its
standard input and ``env -0`` prints the environment the command got.
"""

from __future__ import annotations

import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.environment import environment_script

HARD = {
    "OS_PASSWORD": "pa ss'wo\"rd $(touch /tmp/h7-pwned) `id` ; rm -rf / \\ \n second line",
    "EMPTY": "",
    "UNICODE": "h\u00e9llo \u2028 w\u00f6rld",
    "NUMBER": 42,
    "FLAG": True,
}


def environment_of(wrapped):
    """The environment ``env -0`` gets when run as the role runs its commands: ``argv`` + the command, ``stdin`` on its input."""
    argv = [*wrapped["argv"], "env", "-0"]
    proc = subprocess.run(argv, input=wrapped["stdin"].encode(), capture_output=True, check=True, env={"PATH": "/usr/bin:/bin", "KEEP": "kept"})
    return dict(item.split("=", 1) for item in proc.stdout.decode().split("\0") if item)


def test_the_command_gets_exactly_the_values(tmp_path):
    got = environment_of(environment_script(HARD))
    assert {k: got[k] for k in HARD} == {k: str(v) for k, v in HARD.items()}
    assert got["KEEP"] == "kept"  # the rest of the environment stays
    assert not (tmp_path / "h7-pwned").exists()


def test_venv_path_first_and_the_log_file_last():
    script = environment_script({"ANSIBLE_PIPELINING": "True"}, "/opt/kolla-venv/", "/var/log/kolla.log")
    assert script["stdin"].splitlines()[0] == "export PATH=/opt/kolla-venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    got = environment_of(script)
    assert got["ANSIBLE_LOG_PATH"] == "/var/log/kolla.log" and got["ANSIBLE_PIPELINING"] == "True"
    assert environment_script({"PATH": "/mine"}, "/opt/v")["stdin"] == "export PATH=/mine\n"  # the operator's PATH wins, as before
    assert environment_of(environment_script({"PATH": "/usr/bin:/bin:/mine"}, "/opt/v"))["PATH"] == "/usr/bin:/bin:/mine"


def test_no_environment():
    assert environment_script({})["stdin"] == environment_script(None)["stdin"] == ""
    assert environment_of(environment_script({}))["KEEP"] == "kept"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"A B": "x"}, "'A B' is not an environment variable name"),
        ({"X;rm -rf /": "x"}, "is not an environment variable name"),
        ({"1X": "x"}, "is not an environment variable name"),
        ({"OS_PASSWORD": ["s3cret"]}, "OS_PASSWORD must be a string, number or boolean"),
        ({"OS_PASSWORD": None}, "OS_PASSWORD must be a string"),
        ({"OS_PASSWORD": "s3\0cret"}, "the value of OS_PASSWORD holds a NUL"),
        (["OS_PASSWORD=x"], "must be a dict"),
    ],
)
def test_bad_variables_are_refused_without_their_value(environment, message):
    with pytest.raises(AnsibleFilterError) as excinfo:
        environment_script(environment)
    assert message in str(excinfo.value) and "s3" not in str(excinfo.value)
