"""One error type for every kind of bad input, so the CLI can print one line per problem."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any


def one_line(text: str) -> str:
    """``text`` with control characters and line separators shown escaped (``\\r``, ``\\u2028``):
    a key or value read from a bad file must not break the problem's one line."""
    if text.isprintable():
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
    )


def shown_value(value: Any) -> str:
    """A bad value as a message quotes it, cut to 60 characters: as the file wrote it where Python's
    repr would not (``2026-01-01``, ``true``, ``null``, never ``datetime.date(2026, 1, 1)``); strings quoted."""
    if isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
    elif isinstance(value, date | time):  # datetime is a date
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True, order=True)
class Problem:
    """A single finding about an input file: where it is, which field, and what is wrong."""

    path: str
    field: str
    message: str

    def __str__(self) -> str:
        path, field, message = one_line(self.path), one_line(self.field), one_line(self.message)
        return f"{path}: {field}: {message}" if field else f"{path}: {message}"


class InputError(Exception):
    """Bad input: carries every problem found, each printable as one line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def fail(path: str, field: str, message: str) -> InputError:
    """Shorthand for a single-problem error (``raise fail(...)``)."""
    return InputError([Problem(path, field, message)])
