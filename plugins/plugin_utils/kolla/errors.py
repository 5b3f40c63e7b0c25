# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error every kolla_multiarch decision raises, listing every problem at once."""

from ansible.errors import AnsibleFilterError


class KollaMultiarchError(AnsibleFilterError):
    """Input that would give kolla-ansible a wrong or broken mixed-architecture deployment; ``problems``: one sentence each."""

    def __init__(self, message="", problems=(), **kwargs):
        super().__init__(message, **kwargs)
        self.problems = list(problems) or [message]


def fail(problems, title):
    """Raise KollaMultiarchError with ``title`` and one line per problem (also kept as its ``problems``)."""
    raise KollaMultiarchError("%s (%d problem%s):\n- %s" % (title, len(problems), "" if len(problems) == 1 else "s", "\n- ".join(problems)),
                              problems=problems)
