"""Reading the files people hand the toolkit, and writing its outputs.

Reads turn every way a file can be wrong (missing, a directory, too big, binary, not UTF-8, not
JSON) into one ``path: field: message`` line; writes are atomic, so a reader (or a crash) sees the
old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from consortium.registry.errors import fail

MAX_JSON_BYTES = 512 * 1024 * 1024  # a whole state-wide plan or stack export is far below this


def read_text(path: Path, shown: str, *, max_bytes: int) -> str:
    """The UTF-8 text of ``path``, refusing oversized, binary, unreadable and non-UTF-8 files."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise fail(shown, "", "is a directory, expected a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device could block or never end
            raise fail(shown, "", "not a regular file")
        if info.st_size > max_bytes:
            raise fail(shown, "", f"file is {info.st_size} bytes; such files are limited to {max_bytes} bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail(shown, "", "file not found") from None
    except OSError as exc:
        raise fail(shown, "", f"cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:  # grew between stat and read
        raise fail(shown, "", f"file is over {max_bytes} bytes")
    if b"\x00" in data:
        raise fail(shown, "", "binary file (contains NUL bytes); expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(shown, "", f"not UTF-8 text (bad byte at offset {exc.start})") from None


def read_json(path: Path, shown: str, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The JSON document in ``path`` (see :func:`read_text` for what is refused)."""
    text = read_text(path, shown, max_bytes=max_bytes)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(shown, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory and ``os.replace``.

    The temp file lives beside the target so the rename never crosses a filesystem; it is fsynced
    before the rename and removed if anything fails. An existing file keeps its permission bits.
    Only regular files are replaced: a rename onto a device, a FIFO or a directory would swap it for
    a plain file (``/dev/null`` replaced under root), so such a target is bad input. A symbolic link
    keeps pointing where it did; its target is what gets replaced.
    """
    path = path.resolve() if path.is_symlink() else path
    if path.exists() and not path.is_file():
        raise fail(str(path), "", "not a regular file; refusing to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
