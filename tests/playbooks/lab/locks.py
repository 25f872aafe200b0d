"""flock files in the cache: one lab per prefix, and no image rebuild under a running lab."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import LabError


@contextlib.contextmanager
def flock(path: Path, mode: int, timeout: float, what: str) -> Iterator[IO[str]]:
    """Hold an flock on ``path`` (polling up to ``timeout`` s) and say clearly who blocks us."""
    fh = open_lock(path, mode, timeout, what)
    try:
        yield fh
    finally:
        fh.close()


def open_lock(path: Path, mode: int, timeout: float, what: str) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fh, mode | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.close()
                raise LabError(f"{what}: {path} is locked by another process (a running lab or build)") from None
            time.sleep(0.2)
    if mode == fcntl.LOCK_EX:
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
    return fh
