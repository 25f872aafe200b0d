"""One ``<host>.json`` per host in a folder, as the playbooks write their evidence and inventories:
read them all, name every bad file at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from consortium.registry.errors import InputError, Problem, fail
from consortium.registry.files import read_json


class _HostFile(Protocol):
    host: str


T = TypeVar("T", bound=_HostFile)



def load_host_files(folder: Path, parse: Callable[[Any, str], T], *, max_bytes: int, what: str) -> dict[str, T]:
    """Every ``<host>.json`` in ``folder``, parsed, by host. Each bad file is one problem (its first);
    all are raised together, so one run names every file to fix. An empty folder is no file, not an error."""
    if not folder.is_dir():
        raise fail(str(folder), "", f"not a directory of {what}")
    found: dict[str, T] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.json")):
        shown = str(path)
        try:
            item = parse(read_json(path, shown, max_bytes=max_bytes), shown)
            if path.stem != item.host:
                raise fail(shown, "host", f"{item.host!r} does not match the file name (expected {path.stem}.json)")
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found[item.host] = item
    if problems:
        raise InputError(problems)
    return found
