# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``attributes`` documentation every module of the collection shares."""


class ModuleDocFragment:
    # Every module: what each attribute means, and the platform.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and predict the change without making it.
  diff_mode:
    description: Returns what changed (or would change in check mode) when run with C(--diff).
  idempotent:
    description: A second run with the same arguments, on a host nothing else changed, reports no change.
  platform:
    description: Target operating system family.
    support: full
    platforms: posix
"""

    # Detect modules (*_info): they only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode returns the same result.
  diff_mode:
    support: N/A
    details: The module changes nothing.
  idempotent:
    support: full
    details: The module changes nothing.
"""

    # Apply modules that change files through the collection's all-or-nothing writes.
    FILES = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: Reports the files a real run would change, and their content, without writing or backing up anything.
  diff_mode:
    support: full
    details: Before and after of every file that changes.
  idempotent:
    support: full
    details: A file is written only when its content or attributes differ from what is asked.
"""
