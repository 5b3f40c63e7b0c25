# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the host's /proc and /sys under a root; what cannot be read becomes a warning, never an exception.

The detect probes (kvm, iommu, collect) read through these two functions so that
every unreadable source is reported the same way: None plus one sentence in
``warnings`` naming the path and what stays unknown. Standard library only; runs
on target hosts (Python >= 3.9).
"""

import errno
import os

from ansible_collections.multiarch.kolla.plugins.module_utils._files import FileError
from ansible_collections.multiarch.kolla.plugins.module_utils._files import read_text as _read_file
from ansible_collections.multiarch.kolla.plugins.module_utils._probe import under


def _unknown(what):
    return ": %s unknown" % what if what else ""


def read_text(root, rel, warnings, what=None, missing_ok=False):
    """The text of ``rel`` (an absolute path) under ``root``; None plus a warning when it cannot be read.

    ``what`` names what stays unknown; a missing file is silent when ``missing_ok``.
    """
    try:
        text = _read_file(under(root, rel), what="file")
    except FileError as exc:
        warnings.append("%s%s" % (exc, _unknown(what)))
        return None
    if text is None and not missing_ok:
        warnings.append("%s does not exist%s" % (rel, _unknown(what)))
    return text


def list_dir(root, rel, warnings, what, missing_ok=True):
    """Sorted entries of the directory ``rel`` under ``root``; None (plus a warning unless missing and ``missing_ok``)."""
    try:
        return sorted(os.listdir(under(root, rel)))
    except OSError as exc:
        if missing_ok and exc.errno == errno.ENOENT:
            return None
        warnings.append("%s cannot be listed (%s): %s unknown" % (rel, exc.strerror or exc, what))
        return None
