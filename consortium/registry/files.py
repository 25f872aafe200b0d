"""Reading the files people hand the toolkit, and writing its outputs.

Reads turn every way a file can be wrong (missing, a directory, too big, binary, not UTF-8, not
JSON, nested too deep, an integer too long) into one ``path: field: message`` line; writes are
atomic, so a reader (or a crash) sees the old file or the new one, never half of one, and every way
a write can fail (below a regular file, a name too long, no permission, a read-only filesystem) is
one such line too, with nothing left behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

from consortium.registry.errors import InputError, fail

MAX_JSON_BYTES = 512 * 1024 * 1024  # a whole state-wide plan or stack export is far below this
MAX_JSON_INT_DIGITS = 64  # ids, counts and ports; far below Python's 4300-digit int() limit
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # "\ud800": half of a UTF-16 pair, in JSON's escape
_TMP_PREFIX_CHARS = 32  # the temp file's name must stay legal when the target's name is near NAME_MAX


class _IntTooLong(Exception):
    """Raised from inside ``json.loads`` (a ValueError would be confused with a decode error)."""


def _json_int(literal: str) -> int:
    if len(literal) > MAX_JSON_INT_DIGITS:
        raise _IntTooLong(len(literal))
    return int(literal)


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
        raise fail(shown, "", _missing(path)) from None
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


def _missing(path: Path) -> str:
    """Why a file that cannot be found is not there: a symbolic link to nothing is named as such."""
    return "symbolic link to a file that does not exist" if path.is_symlink() else "file not found"


def present(path: Path) -> bool:
    """Whether anything is at ``path``: a directory, a FIFO or a broken symbolic link where an optional
    file belongs is bad input for the reader to name, not the file's absence (``Path.exists`` says no
    to a broken link, ``is_file`` to a directory)."""
    return os.path.lexists(path)


def read_current(path: Path) -> str | None:
    """The text of an output file about to be compared or replaced; None when there is no regular,
    readable UTF-8 file there (it is then different, and the write decides whether it can be made)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # never open a FIFO: it would block
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, RuntimeError):  # RuntimeError: a symbolic link loop (3.11's resolve)
        return None


def lone_surrogate(text: str, value: Any) -> bool:
    """Whether the JSON ``text``, parsed as ``value``, holds a string with half a UTF-16 surrogate
    pair ("\\ud800"): ``json.loads`` takes it, but no UTF-8 output can carry it (writing the report
    would crash). Only text with such an escape is looked at twice."""
    if not _SURROGATE_ESCAPE.search(text):
        return False
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def read_json(path: Path, shown: str, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The JSON document in ``path`` (see :func:`read_text` for what is refused)."""
    text = read_text(path, shown, max_bytes=max_bytes)
    try:
        value = json.loads(text, parse_int=_json_int)
        if lone_surrogate(text, value):
            raise fail(shown, "", "a string holds half of a UTF-16 surrogate pair (\\udXXX): not Unicode text")
        return value
    except json.JSONDecodeError as exc:
        raise fail(shown, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None
    except _IntTooLong as exc:
        digits = exc.args[0]
        message = f"integer literal of {digits} digits is too long (at most {MAX_JSON_INT_DIGITS})"
        raise fail(shown, "", message) from None
    except RecursionError:
        raise fail(shown, "", "values nested too deep") from None


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long for the filesystem"
    return exc.strerror or str(exc)


def _existing_ancestor(path: Path) -> Path:
    """The nearest ancestor of ``path`` (itself excluded) that exists."""
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    return parent


def _resolved(path: Path, shown: str) -> Path:
    """Where a symbolic link points; a loop of links is bad input (Python 3.11 raises RuntimeError)."""
    try:
        return path.resolve()
    except RuntimeError:
        raise fail(shown, "", "symbolic link loop; refusing to write through it") from None


def _check_target(path: Path, shown: str) -> Path:
    """Refuse what no write could fix (not a regular file, below a file, a name too long); the folder that exists."""
    top = Path(os.path.abspath(path)).parts[1:2]
    if top in (("dev",), ("proc",)) and not os.path.abspath(path).startswith("/dev/shm/"):
        # /dev/stdout is a link to /proc/self/fd/1: when that is a regular file (output redirected),
        # an atomic write would replace the file under the shell's feet and the rest of its output is lost
        raise fail(shown, "", "not a regular file; refusing to replace it")
    try:
        if path.is_symlink():
            path = _resolved(path, shown)
        if os.path.lexists(path) and not path.is_file():
            raise fail(shown, "", "not a regular file; refusing to replace it")
        ancestor = _existing_ancestor(path)
        if not ancestor.is_dir():
            raise fail(shown, "", f"cannot write below {ancestor}: not a directory")
        if len(os.fsencode(path.name)) > os.pathconf(ancestor, "PC_NAME_MAX"):
            raise fail(shown, "", "file name too long for the filesystem")
    except OSError as exc:
        raise fail(shown, "", f"cannot write: {_why(exc)}") from None
    return ancestor


def check_writable(path: Path, shown: str | None = None) -> None:
    """Refuse a target that :func:`write_atomic` could not write, before anything is written.

    The folder is probed by creating (and removing) a temp file in it: permission bits say nothing
    under root, on a read-only mount or with ACLs, and the probe is what the real write does.
    """
    shown = str(path) if shown is None else shown
    ancestor = _check_target(path, shown)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=ancestor)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise fail(shown, "", f"cannot write: {_why(exc)}") from None


def write_atomic(path: Path, text: str, shown: str | None = None) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory and ``os.replace``.

    The temp file lives beside the target so the rename never crosses a filesystem; it is fsynced
    before the rename and removed if anything fails, like any folder made for it. An existing file
    keeps its permission bits. Only regular files are replaced: a rename onto a device, a FIFO or a
    directory would swap it for a plain file (``/dev/null`` replaced under root), so such a target
    is bad input. A symbolic link keeps pointing where it did; its target is what gets replaced.
    A write that fails (see :func:`check_writable`) is an ``InputError`` naming ``shown`` (the path).
    """
    shown = str(path) if shown is None else shown
    _check_target(path, shown)
    path = _resolved(path, shown) if path.is_symlink() else path
    made: list[Path] = []
    tmp: str | None = None
    try:
        for folder in reversed(path.parents):
            if not os.path.lexists(folder):
                folder.mkdir()
                made.append(folder)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:_TMP_PREFIX_CHARS]}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, OSError):
            raise fail(shown, "", f"cannot write: {_why(exc)}") from None
        raise


def check_all_writable(root: Path, rels: list[str]) -> None:
    """:func:`check_writable` for every ``root/rel``, all problems at once: nothing is written unless all can be."""
    problems = []
    for rel in rels:
        try:
            check_writable(root / rel, rel)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
