"""Shared fixtures: a private copy of the bundled example registry for each test."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REGISTRY_PARTS = ("consortium.yaml", "estimates.json", "members", "stacks", "playbooks/inventories", "docs/members")


def copy_registry(dest: Path) -> Path:
    """Copy the example registry and its rendered files into ``dest``."""
    for part in REGISTRY_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("group_vars", "host_vars"))
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    return dest


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``: proves a failed command wrote nothing."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    """A writable copy of the bundled example registry."""
    return copy_registry(tmp_path / "registry")
