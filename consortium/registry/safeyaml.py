"""Defensive YAML loading for files that people edit by hand.

Member files are small, hand-written and reviewed in pull requests, so anything unusual in one
is a mistake or an attack: we refuse files over 1 MiB, binary or non-UTF-8 content, empty
documents, aliases (the "billion laughs" bomb expands through them), duplicate keys (PyYAML
silently keeps the last, hiding a typo'd second ``cidr:``), non-mapping top levels, values nested
deeper than :data:`MAX_DEPTH` (PyYAML's composer recurses: thousands of ``[`` crash the interpreter),
integer literals longer than :data:`MAX_INT_DIGITS`, dates or times that do not exist
(``2026-02-30``: PyYAML's constructors raise a bare ``ValueError`` on both), and tabs that
PyYAML takes as spaces but the round-trip editor of ``consortium onboard`` refuses (``kind:<tab>town``),
so a file that validates can always be edited.
Every refusal is an :class:`InputError` naming the file, so the CLI prints one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError as RoundTripError

from consortium.registry import files
from consortium.registry.errors import fail

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64  # a member file nests about 5 deep; the limit only has to stop the composer's recursion
MAX_INT_DIGITS = 64  # populations, counts and ports; far below Python's 4300-digit int() limit

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


def _field(frames: list[dict[str, Any]]) -> str:
    """The dotted path (``network.onprem[0].cidrs``) of the node the event stream is at."""
    out = ""
    for frame in frames:
        at = frame.get("at")
        if at is None:
            continue
        out += f"[{at}]" if isinstance(at, int) else (f".{at}" if out else str(at))
    return out


_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_CHECKED_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp")


def _check_scalar(event: Any, rel: str, field: str) -> None:
    """Refuse an integer literal too long, or a date/time that does not exist, before PyYAML builds it."""
    tag = event.tag
    if tag in (None, "!"):
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag not in _CHECKED_TAGS:
        return
    where = field or _where(event.start_mark)
    if tag == _CHECKED_TAGS[0]:
        digits = len(event.value.replace("_", ""))
        if digits > MAX_INT_DIGITS:
            raise fail(rel, where, f"integer literal of {digits} characters is too long (at most {MAX_INT_DIGITS})")
    try:
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        _constructor.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        kind = "an integer" if tag == _CHECKED_TAGS[0] else "a date or time that exists"
        raise fail(rel, where, f"{event.value[:40]!r} is not {kind} ({exc})") from None


def _check_events(text: str, rel: str) -> None:
    """Walk the event stream once (libyaml's parser does not recurse): refuse what the module doc lists."""
    frames: list[dict[str, Any]] = []
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise fail(rel, _where(event.start_mark), "YAML aliases (*name) are not allowed in registry files")
        is_node = isinstance(event, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent)
        is_key = False
        if is_node and frames:
            frame = frames[-1]
            if frame["map"]:
                is_key = frame["expect_key"]
                if is_key and isinstance(event, yaml.ScalarEvent):
                    if event.value in frame["keys"]:
                        raise fail(rel, event.value, f"duplicate key at {_where(event.start_mark)}")
                    frame["keys"].add(event.value)
                    frame["next"] = event.value
                elif is_key:
                    frame["next"] = None  # a complex key: no name to show
                else:
                    frame["at"] = frame["next"]
                frame["expect_key"] = not frame["expect_key"]
            else:
                frame["at"] = frame["count"]
                frame["count"] += 1
        if isinstance(event, yaml.ScalarEvent):
            _check_scalar(event, rel, _field(frames) if not is_key else "")
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if len(frames) >= MAX_DEPTH:
                raise fail(rel, _where(event.start_mark), f"values nested more than {MAX_DEPTH} deep")
            if isinstance(event, yaml.MappingStartEvent):
                frames.append({"map": True, "keys": set(), "expect_key": True, "at": None, "next": None})
            else:
                frames.append({"map": False, "count": 0, "at": None})
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
    except yaml.reader.ReaderError as exc:  # its str() spans three lines
        line = text.count("\n", 0, exc.position) + 1
        message = f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason})"
        raise fail(rel, f"line {line}", message) from None
    except yaml.YAMLError as exc:
        raise fail(rel, "", f"YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise fail(rel, "", "YAML nesting too deep") from None
    if "\t" in text:
        _check_round_trip(text, rel)
    docs = [d for d in docs if d is not None]
    if not docs:
        raise fail(rel, "", "file is empty; expected a YAML mapping")
    if len(docs) > 1:
        raise fail(rel, "", "file holds several YAML documents; expected exactly one")
    if not isinstance(docs[0], dict):
        raise fail(rel, "", f"expected a YAML mapping at the top level, found {type(docs[0]).__name__}")
    return docs[0]


def _check_round_trip(text: str, rel: str) -> None:
    """Refuse a tab the round-trip editor cannot read (outside quotes, YAML allows tabs in few
    places and the two parsers disagree on which); called only when the text has a tab."""
    try:
        YAML(typ="rt").load(text)
    except RoundTripError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and _tab_at(text, mark):
            where = f"line {mark.line + 1}, column {mark.column + 1}"
            raise fail(rel, where, "tab where YAML needs spaces; use spaces (tabs only inside quotes)") from None
        problem = exc.problem or exc.context or "invalid YAML"
        raise fail(rel, _where(mark) if mark is not None else "", f"YAML syntax error: {problem}") from None


def load_mapping(path: Path, rel: str) -> dict[str, Any]:
    """Read and parse one registry file (see :func:`read_text` and :func:`parse_mapping`)."""
    return parse_mapping(read_text(path, rel), rel)
