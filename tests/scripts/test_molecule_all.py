"""scripts/molecule-all: every scenario runs, and one whose ../shared files are missing is skipped with the reason, or fails under CI.

The script runs for real in a copy of the repository's layout with a stand-in ``molecule`` on PATH
that records the scenarios it is asked to test.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from conftest import REPO


@pytest.fixture
def layout(tmp_path):
    """``(repo, shared, record)``: scripts/molecule-all and scripts/timed, two scenarios, an empty ../shared."""
    repo = tmp_path / "clone"
    (repo / "scripts").mkdir(parents=True)
    for name in ("molecule-all", "timed"):
        shutil.copy2(REPO / "scripts" / name, repo / "scripts" / name)
    for scenario in ("plain", "needs"):
        (repo / "molecule" / scenario).mkdir(parents=True)
        (repo / "molecule" / scenario / "molecule.yml").write_text("---\n")
    (repo / "molecule" / "needs" / "needs-shared").write_text("# what it reads\nfixtures/pci/tree.tar.gz\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    record = tmp_path / "molecule.calls"
    stub = tmp_path / "bin" / "molecule"
    stub.parent.mkdir()
    stub.write_text('#!/bin/sh\necho "$*" >> "%s"\n' % record)
    stub.chmod(0o755)
    return repo, shared, record


def run(repo, ci):
    env = dict(os.environ, PATH="%s:%s" % (repo.parent / "bin", os.environ["PATH"]), CI="true" if ci else "", TIMINGS=str(repo / "timings.tsv"))
    return subprocess.run([str(repo / "scripts" / "molecule-all")], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_scenario_without_its_shared_files_is_skipped_with_the_reason(layout):
    repo, _shared, record = layout
    proc = run(repo, ci=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SKIPPED: scenario needs needs ../shared/fixtures/pci/tree.tar.gz" in proc.stdout
    assert record.read_text().splitlines() == ["test -s plain"]


def test_under_ci_it_is_a_failure(layout):
    repo, _shared, record = layout
    proc = run(repo, ci=True)
    assert proc.returncode == 1
    assert "FAILED: scenario needs needs ../shared/fixtures/pci/tree.tar.gz" in proc.stdout
    assert record.read_text().splitlines() == ["test -s plain"]  # the others still run


def test_with_the_files_it_runs(layout):
    repo, shared, record = layout
    (shared / "fixtures" / "pci").mkdir(parents=True)
    (shared / "fixtures" / "pci" / "tree.tar.gz").write_bytes(b"")
    proc = run(repo, ci=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert record.read_text().splitlines() == ["test -s needs", "test -s plain"]
