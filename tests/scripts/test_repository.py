"""The repository itself: what must not be committed, and what git must ignore.

scripts/setup-host links .venv to a virtual environment in this machine's cache
(an absolute symlink): committed, it would point nowhere on another machine.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import REPO


def git(*args):
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)


pytestmark = pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="not a git checkout")


@pytest.mark.parametrize("path", [".venv", ".cache", "tests/output"])
def test_machine_local_paths_are_not_committed_and_are_ignored(path):
    assert git("ls-files", "--", path).stdout == ""
    assert git("check-ignore", "-q", "--no-index", path).returncode == 0, f"{path} is not ignored by .gitignore"
