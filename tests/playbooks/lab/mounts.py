"""Reading this mount namespace's mount table and unmounting without blocking teardown."""

from __future__ import annotations

import time
from pathlib import Path

from .procs import run_cmd


def _unescape_mount(field: str) -> str:
    """Undo the octal escapes (``\\040`` for space ...) of /proc/self/mountinfo."""
    return field.encode().decode("unicode_escape") if "\\" in field else field


def mounts() -> list[tuple[str, str, str]]:
    """(mount point, fs type, source) of every mount in this mount namespace."""
    result = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) >= 5 and len(rfields) >= 2:
            result.append((_unescape_mount(fields[4]), rfields[0], _unescape_mount(rfields[1])))
    return result


def mounts_under(path: Path) -> list[str]:
    base = str(path).rstrip("/")
    return [mp for mp, _, _ in mounts() if mp == base or mp.startswith(base + "/")]


def umount(mountpoint: str) -> None:
    """Unmount; a busy mount is retried briefly and then detached lazily (it must not block teardown)."""
    for _ in range(5):
        if run_cmd(["umount", mountpoint], check=False).returncode == 0:
            return
        if mountpoint not in {mp for mp, _, _ in mounts()}:
            return
        time.sleep(0.2)
    run_cmd(["umount", "-l", mountpoint], check=False)
