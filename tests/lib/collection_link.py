"""Make this work tree importable and findable as the collection multiarch.kolla.

``link_collection(root)`` makes ``root/ansible_collections/multiarch/kolla`` a link to
the repository (replacing a link to another clone), so that ``root`` can be given to
Ansible as a collections path. ``import_collection()`` does that under ``.cache/`` and
puts it on ``sys.path``, merged with the collections the ``ansible`` package bundles.
Used by tests/conftest.py and the benchmark scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS_ROOT = REPO / ".cache" / "collections"


def link_collection(root: Path) -> Path:
    leaf = root / "ansible_collections" / "multiarch" / "kolla"
    leaf.parent.mkdir(parents=True, exist_ok=True)
    if leaf.is_symlink() and leaf.resolve() != REPO:
        leaf.unlink()
    if not leaf.exists():
        leaf.symlink_to(REPO, target_is_directory=True)
    return root


def import_collection() -> Path:
    link_collection(COLLECTIONS_ROOT)
    if str(COLLECTIONS_ROOT) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS_ROOT))
    import ansible_collections  # noqa: PLC0415  pylint: disable=import-outside-toplevel

    if str(COLLECTIONS_ROOT / "ansible_collections") not in list(ansible_collections.__path__):
        ansible_collections.__path__.append(str(COLLECTIONS_ROOT / "ansible_collections"))
    return COLLECTIONS_ROOT
