"""The value types registry files are made of: slugs, names, e-mail addresses, networks, GUIDs, counts.

Each type carries its own check and a message a person can act on. The models of the files
themselves are in :mod:`consortium.registry.models`.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from consortium.money import parse_decimal

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$"
SLUG_HINT = "must be 3-24 characters: lowercase letters, digits and hyphens, not starting or ending with a hyphen"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"

# C0 and C1 control characters (Unicode's category Cc: NUL, ESC, tab, line breaks): text read from files
# that reports print (a bill's names, an inventory's fields) must hold none, or it cuts a CSV row or drives
# the reader's terminal.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]


def _printable(value: object) -> object:
    """Names end up in YAML, Markdown, HTML and Azure tags: refuse control characters and the
    Unicode line separators (which YAML reads as line breaks), naming the first one."""
    if isinstance(value, str):
        for ch in value:
            if unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029":
                raise ValueError(f"must not contain control characters or line breaks (found U+{ord(ch):04X})")
    return value


Name = Annotated[
    str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True), BeforeValidator(_printable)
]
SiteName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
# 15 characters: the NetBIOS limit, so the same name works for Windows and Linux servers.
Hostname = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,13}[a-z0-9]$")]
Count = Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
# A day in a registry file: a year no town will see is a typo (9999-12-31), and date arithmetic on it
# (the unhook date plus up to 3650 days of retention) would overflow Python's calendar.
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
Days = Annotated[int, Field(strict=True, ge=1, le=3650)]
MAX_DAILY_RETENTION = 200  # Azure Backup's limit for daily recovery points of file shares
Fraction = Annotated[float, Field(ge=0, le=1)]
MAX_MONEY = 100_000_000


def _money(value: object) -> object:
    """An amount of money as a ``Decimal``: YAML ints and floats go through their text ("0.1", not
    the binary float 0.1000000000000000055...), so what the file says is what is summed."""
    if isinstance(value, bool):  # YAML true/false are ints to Python
        raise ValueError(f"{value!r} is not an amount of money")
    if isinstance(value, int | float | str):
        try:  # money.parse_decimal: no NaN or infinity, no "1_000" or other scripts' digits ("١٢")
            return parse_decimal(str(value))
        except ValueError:
            raise ValueError(f"{value!r} is not an amount of money") from None
    return value


# Decimal, never float: shares must reconcile to the cent. Written as a number (or a string) in YAML.
Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, le=MAX_MONEY),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": MAX_MONEY},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
            ]
        }
    ),
]


def _not_a_number(value: object, kind: str) -> None:
    """YAML reads an unquoted 3232235786 as an integer, which ipaddress would quietly accept as
    192.168.1.10: addresses and networks must be written as text."""
    if isinstance(value, int | float):
        example = "192.168.50.0/24" if kind == "network" else "192.168.50.10"
        raise ValueError(f"{value!r} is a number, not an IPv4 {kind}: write it dotted, e.g. {example}")


def _strict_network(value: object) -> object:
    """Parse ``a.b.c.d/n`` strictly, keeping ipaddress's precise reason (e.g. "has host bits set")."""
    _not_a_number(value, "network")
    if isinstance(value, str):
        try:
            return ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid IPv4 network: {exc}") from None
    return value


def _strict_address(value: object) -> object:
    _not_a_number(value, "address")
    if isinstance(value, str):
        try:
            return ipaddress.IPv4Address(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid IPv4 address: {exc}") from None
    return value


Network = Annotated[ipaddress.IPv4Network, BeforeValidator(_strict_network)]
Address = Annotated[ipaddress.IPv4Address, BeforeValidator(_strict_address)]

CONTROLLER_FILE_PATTERN = r"^/[A-Za-z0-9._/-]*[A-Za-z0-9_-]$"


def _controller_file(path: object) -> object:
    """A file the Ansible controller reads (a CA certificate): one message for every such field,
    naming the value, instead of the bare pattern."""
    if isinstance(path, str) and not re.fullmatch(CONTROLLER_FILE_PATTERN, path):
        raise ValueError(
            f"{path!r} must be the absolute path of a file on the Ansible controller (letters, digits . _ - /)"
        )
    return path


# Absolute path of a file on the Ansible controller (not a directory: it cannot end in "/").
ControllerFile = Annotated[str, StringConstraints(pattern=CONTROLLER_FILE_PATTERN), BeforeValidator(_controller_file)]


def require_unique(what: str, values: list[str]) -> None:
    """Refuse repeated ``values``, naming each once (sorted)."""
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{what} must be unique, repeated: {', '.join(repeated)}")


def _guid(value: object) -> object:
    """An Entra ID object id: a GUID, kept in its canonical lowercase form (role assignment names derive from it)."""
    if isinstance(value, str):
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an Entra ID object id (a GUID like 00000000-0000-0000-0000-000000000000)"
            ) from None
        if str(parsed) != value.lower():  # uuid.UUID also takes braces, urn: and no hyphens
            raise ValueError(f"{value!r} is not an Entra ID object id in the usual 8-4-4-4-12 form")
        return str(parsed)
    return value


GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# The pattern is for the JSON schema (editors); the validator is what checks, with the clearer error.
ObjectId = Annotated[str, BeforeValidator(_guid), WithJsonSchema({"type": "string", "pattern": GUID_PATTERN})]


# An amount a town pays a year for something: money in whole cents (no invoice says 1.505), so every
# total of such amounts is exact and reconciles to the cent without rounding.
CentsMoney = Annotated[
    Money,
    Field(decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": MAX_MONEY},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"},
            ]
        }
    ),
]


def _version_text(value: object) -> object:
    """YAML reads an unquoted 10.10 as the number 10.1: a version must be written as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} is a number, not a version: write it in quotes, e.g. '{value}'")
    return _printable(value)


# A product's version as its vendor writes it ("2023.1", "10.2 SP3", "cloud"): printable text.
Version = Annotated[
    str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True), BeforeValidator(_version_text)
]
