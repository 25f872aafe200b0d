"""File helpers: JSON stamps and digests, log tails, writes inside root trees, safe tree removal and
the rename-into-place that keeps half-built cache directories invisible."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from .errors import LabError
from .mounts import mounts_under, umount


def digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def write_file(path: Path, text: str, mode: int = 0o644) -> None:
    """Write a file inside a root tree, replacing a symlink there (never following it out of the tree)."""
    if path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def rmtree_safely(path: Path) -> None:
    """Remove a directory tree, first unmounting anything below it.

    rmtree must never descend into a mounted overlay (or a chroot's /proc left by a killed debootstrap):
    so unmount deepest first, and refuse if something is still mounted.
    """
    if not path.exists():
        return
    for mp in sorted(mounts_under(path), key=len, reverse=True):
        umount(mp)
    still = mounts_under(path)
    if still:
        raise LabError(f"not removing {path}: still mounted: {still}")
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():
        shutil.rmtree(path)  # second try, this time with the error


def replace_dir(new: Path, dest: Path) -> None:
    """Move a completely built ``new`` to ``dest``: renames only, so nobody ever sees half a build."""
    old = dest.with_name(f"{dest.name}.old-{os.getpid()}")
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    rmtree_safely(old)
