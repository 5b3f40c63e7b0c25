# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment role ``kolla_multiarch`` gives ansible-inventory and kolla-ansible, in a form that is never printed.

Controller side, behind the filter ``kolla_multiarch_environment``.
``kolla_multiarch_environment`` may hold credentials (``OS_PASSWORD``). Given to a
task with Ansible's ``environment:`` keyword, it becomes part of the command line
Ansible runs on the host (``OS_PASSWORD=... python3 AnsiballZ_command.py``), which
``-vvv`` prints whatever ``no_log`` says and ``ps`` shows to every user of the host
(ansible-core 2.19, plugins/action/__init__.py ``_compute_environment_string``).
So the role gives it on the command's standard input instead, as POSIX shell
``export`` lines (quoted with ``shlex.quote``) that ``sh -c 'eval "$(cat)" && exec
"$0" "$@"'`` reads before it starts the command: the values travel inside the module's
arguments, which ``no_log`` hides.
"""

import re
import shlex

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.multiarch.kolla.plugins.plugin_utils.kolla.errors import KollaMultiarchError

# A POSIX shell variable name (IEEE Std 1003.1, 3.235 Name).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# How a command reads the lines: sh -c WRAPPER <command> <arguments...>, the lines on its standard input.
WRAPPER = 'eval "$(cat)" && exec "$0" "$@"'


def environment_script(environment, venv="", log_file=""):
    """``{argv, stdin}``: ``argv`` is ``/bin/sh -c WRAPPER`` (put the command and its arguments after it), ``stdin``
    the ``export NAME='value'`` lines: PATH of ``venv`` first, then ``environment``, then ANSIBLE_LOG_PATH when
    ``log_file`` is given (as role kolla_multiarch builds them).

    Raises KollaMultiarchError naming the variable for a name that is not a shell
    name or a value that is not a string, number or boolean, or holds a NUL. Never
    includes a value in a message.
    """
    if environment in (None, ""):
        environment = {}
    if not isinstance(environment, dict):
        raise KollaMultiarchError("kolla_multiarch_environment must be a dict of variable names to values, got %s" % type(environment).__name__)
    merged = {}
    if venv:
        merged["PATH"] = "%s/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" % to_text(venv).rstrip("/")
    merged.update(environment)
    if log_file:
        merged["ANSIBLE_LOG_PATH"] = log_file
    lines = []
    for key, value in merged.items():
        name = to_text(key)
        if not _NAME.fullmatch(name):
            raise KollaMultiarchError("kolla_multiarch_environment: %r is not an environment variable name (letters, digits, _)" % name)
        if isinstance(value, (dict, list, tuple)) or value is None:
            raise KollaMultiarchError("kolla_multiarch_environment: %s must be a string, number or boolean" % name)
        text = to_text(value)
        if "\0" in text:
            raise KollaMultiarchError("kolla_multiarch_environment: the value of %s holds a NUL character, which no environment can carry" % name)
        lines.append("export %s=%s\n" % (name, shlex.quote(text)))
    return {"argv": ["/bin/sh", "-c", WRAPPER], "stdin": "".join(lines)}
