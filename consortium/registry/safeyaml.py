"""Defensive YAML loading for files that people edit by hand.

Member files are small, hand-written and reviewed in pull requests, so anything unusual in one
is a mistake or an attack: we refuse files over 1 MiB, binary or non-UTF-8 content, empty
documents, aliases (the "billion laughs" bomb expands through them), duplicate keys (PyYAML
silently keeps the last, hiding a typo'd second ``cidr:``) and non-mapping top levels.
Every refusal is an :class:`InputError` naming the file, so the CLI prints one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from consortium.registry import files
from consortium.registry.errors import fail

MAX_BYTES = 1024 * 1024

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}" if mark is not None else "?"


def _tab_at(text: str, mark: Any) -> bool:
    """Whether the parser stopped on a tab: YAML forbids tabs in indentation, and PyYAML's own
    wording ("found character that cannot start any token") never says so."""
    if mark is None:
        return False
    lines = text.splitlines()
    return mark.line < len(lines) and lines[mark.line][mark.column : mark.column + 1] == "\t"


def _check_events(text: str, rel: str) -> None:
    """Walk the event stream once: reject aliases and duplicate mapping keys."""
    frames: list[dict[str, Any]] = []
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise fail(rel, _where(event.start_mark), "YAML aliases (*name) are not allowed in registry files")
        is_node = isinstance(event, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent)
        if is_node and frames and frames[-1]["map"]:
            frame = frames[-1]
            if frame["expect_key"] and isinstance(event, yaml.ScalarEvent):
                if event.value in frame["keys"]:
                    raise fail(rel, event.value, f"duplicate key at {_where(event.start_mark)}")
                frame["keys"].add(event.value)
            frame["expect_key"] = not frame["expect_key"]
        if isinstance(event, yaml.MappingStartEvent):
            frames.append({"map": True, "keys": set(), "expect_key": True})
        elif isinstance(event, yaml.SequenceStartEvent):
            frames.append({"map": False})
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frames.pop()


def read_text(path: Path, rel: str) -> str:
    """Read a registry file as UTF-8 text, refusing oversized, binary and unreadable files."""
    return files.read_text(path, rel, max_bytes=MAX_BYTES)


def parse_mapping(text: str, rel: str) -> dict[str, Any]:
    """Parse YAML text that must hold one mapping, with the checks described in the module doc."""
    try:
        _check_events(text, rel)
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if _tab_at(text, mark):
            where = f"line {mark.line + 1}, column {mark.column + 1}"
            raise fail(rel, where, "tab used for indentation; YAML allows only spaces there") from None
        problem = exc.problem or exc.context or "invalid YAML"
        raise fail(rel, _where(mark), f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise fail(rel, "", f"YAML error: {exc}") from None
    except RecursionError:
        raise fail(rel, "", "YAML nesting too deep") from None
    docs = [d for d in docs if d is not None]
    if not docs:
        raise fail(rel, "", "file is empty; expected a YAML mapping")
    if len(docs) > 1:
        raise fail(rel, "", "file holds several YAML documents; expected exactly one")
    if not isinstance(docs[0], dict):
        raise fail(rel, "", f"expected a YAML mapping at the top level, found {type(docs[0]).__name__}")
    return docs[0]


def load_mapping(path: Path, rel: str) -> dict[str, Any]:
    """Read and parse one registry file (see :func:`read_text` and :func:`parse_mapping`)."""
    return parse_mapping(read_text(path, rel), rel)
