"""Typed reads of a JSON document a playbook wrote (host inventories, restore drills, backup status):
each wrong value is one ``path: field: message`` problem, so a ``"encrypted": "false"`` (a truthy
string) or a ``"result": 1`` never passes as what it looks like."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from consortium.registry.errors import InputError, fail

HOST_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$"  # an inventory_hostname that is safe as a file name
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # ISO 8601 in UTC to the second: what the playbooks write
TEXT_MAX = 512


def kind_of(value: Any) -> str:
    """A JSON value's kind in words, for messages."""
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def join_field(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def stamp(value: datetime | None) -> str:
    """A UTC time as the playbooks write it; empty for none."""
    return value.strftime(TIMESTAMP_FORMAT) if value is not None else ""


class Checker:
    """Typed reads of one document; each wrong value raises one ``path: field: message`` problem."""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def bad(self, field: str, message: str) -> InputError:
        return fail(self.shown, field, message)

    def obj(self, value: Any, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            raise self.bad(field or "(document)", f"expected an object, got {kind_of(value)}")
        for key in required:
            if key not in value:
                raise self.bad(join_field(field, key), "missing")
        for key in value:
            if key not in required and key not in optional:
                raise self.bad(join_field(field, str(key)), "unknown field")
        return value

    def items(self, value: Any, field: str) -> list:
        if not isinstance(value, list):
            raise self.bad(field, f"expected a list, got {kind_of(value)}")
        return value

    def text(self, value: Any, field: str, *, optional: bool = False, pattern: str | None = None) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.bad(field, f"expected a string{' or null' if optional else ''}, got {kind_of(value)}")
        if not value or (len(value) > TEXT_MAX and pattern is None):
            raise self.bad(field, f"expected 1 to {TEXT_MAX} characters, got {len(value)}")
        if pattern is not None and not re.match(pattern, value):
            raise self.bad(field, f"{value[:80]!r} does not match {pattern}")
        return value

    def integer(self, value: Any, field: str, *, optional: bool = False) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.bad(field, f"expected a whole number{' or null' if optional else ''}, got {kind_of(value)}")
        if value < 0:
            raise self.bad(field, f"expected 0 or more, got {value}")
        return value

    def number(self, value: Any, field: str) -> float:
        """A count of something measured (seconds): an int or a float, 0 or more, never a boolean."""
        if not isinstance(value, int | float) or isinstance(value, bool) or value != value:  # NaN != NaN
            raise self.bad(field, f"expected a number, got {kind_of(value)}")
        if value < 0 or value == float("inf"):
            raise self.bad(field, f"expected a finite number, 0 or more, got {value}")
        return float(value)

    def boolean(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.bad(field, f"expected true or false, got {kind_of(value)}")
        return value

    def choice(self, value: Any, field: str, allowed: tuple) -> Any:
        if value not in allowed or isinstance(value, bool):
            shown = ", ".join("null" if a is None else a for a in allowed)
            raise self.bad(field, f"expected one of {shown}, got {value!r}")
        return value

    def timestamp(self, value: Any, field: str, *, optional: bool = False) -> datetime | None:
        if value is None and optional:
            return None
        text = self.text(value, field, pattern=TIMESTAMP_PATTERN)
        try:
            return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise self.bad(field, f"{text!r} is not a date and time") from None
