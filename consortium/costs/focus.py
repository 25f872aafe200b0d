"""Reading an Azure Cost Management export in FOCUS 1.0 (Microsoft's FocusCost 1.0), one row at a time.

The file can be big (a month of a consortium's usage is hundreds of thousands of rows), so it is
streamed through the csv module and never held whole: UTF-8 with or without a byte-order mark,
CRLF or LF, plain or gzip-compressed (``.csv.gz``, recognised by its magic bytes). What a spreadsheet
makes of an export when it is saved again (UTF-16, semicolons) is refused with that reason; its rows
of empty cells are skipped like blank lines. Every way a row
can be wrong is one ``path: row N: Column: message`` line (the header is row 1), so the person who
exported the file can find the cell. Only the columns the chargeback relies on are read
(:data:`COLUMNS`; tests/data/focus-1.0/columns.json lists them with their source).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import stat
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple

from consortium.money import parse_decimal
from consortium.registry.errors import fail
from consortium.registry.fields import CONTROL_CHARACTER
from consortium.registry.files import lone_surrogate

# FOCUS 1.0's ChargeCategory and ChargeClass values (ChargeClass is empty unless a correction).
CHARGE_CATEGORIES = frozenset({"Usage", "Purchase", "Tax", "Credit", "Adjustment"})
CORRECTION = "Correction"
# The columns read, by the name FOCUS and Microsoft's FocusCost 1.0 give them.
COLUMNS = (
    "BilledCost",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ResourceId",
    "ResourceName",
    "ServiceName",
    "Tags",
    "x_ResourceGroupName",
)
# ISO 8601 as the exports write it: FocusCost 1.0 "2024-01-01T00:00Z", 1.0r2 "2024-01-01T00:00:00Z";
# a plain date is taken too. FOCUS dates are UTC; a time with another offset (a file re-saved by
# hand) is turned into UTC first, so "2026-10-31T19:00:00-05:00" is November's. Only the date matters.
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(?:Z|([+-])(\d{2}):?(\d{2}))?"
)
_CURRENCY = re.compile(r"[A-Z]{3}")
# The names the reports print: no Azure name holds a control character (CONTROL_CHARACTER).
_TEXT_COLUMNS = ("ResourceId", "ResourceName", "ServiceName", "x_ResourceGroupName")
_CACHE_LIMIT = 100_000  # distinct dates and tag sets remembered; a month repeats them across rows
_GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text"; Cost Management writes UTF-8
_FIELD_LIMIT = 1 << 20  # one cell (a Tags JSON) may be long, not unbounded


class Charge(NamedTuple):
    """One row of the bill, as the chargeback needs it (text cells as the export writes them)."""

    row: int
    cost: Decimal  # BilledCost: what the invoice charges, purchases included, not amortized
    currency: str
    month: str  # the billing period, YYYY-MM: the invoice this row is on
    charged: date  # ChargePeriodStart: when the cost arose (before the month: a late correction)
    charged_month: str  # its YYYY-MM
    category: str
    correction: bool
    resource_id: str
    resource_name: str
    service: str
    tags: dict[str, Any]  # keys in lower case
    tags_text: str  # the cell as written: the same text means the same tags
    resource_group: str


def _parse_date(text: str) -> date:
    match = _DATE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time (like 2026-11-01T00:00:00Z)")
    y, m, d, hh, mm, ss, sign, off_h, off_m = match.groups()
    if int(hh or 0) > 23 or int(mm or 0) > 59 or int(ss or 0) > 59:
        raise ValueError(f"{text!r} has an impossible time")
    if off_h is not None and (int(off_h) > 23 or int(off_m) > 59):
        raise ValueError(f"{text!r} has an impossible UTC offset")
    try:
        day = date(int(y), int(m), int(d))
        if not off_h or (int(off_h) == 0 and int(off_m) == 0):
            return day
        offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (1 if sign == "+" else -1)
        return (datetime.combine(day, time(int(hh or 0), int(mm or 0))) - offset).date()
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is not a real date") from None


def _no_constant(name: str) -> Any:
    """NaN and Infinity: Python's json reads them, JSON has no such values."""
    raise ValueError(f"{name} is not JSON")


def _parse_tags(text: str) -> dict[str, Any]:
    """FOCUS Tags: a JSON object (key-value format), empty when the resource has none. Keys are
    looked up in lower case (Azure tag names are case-insensitive)."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # ValueError: also an integer of more than 4300 digits
        raise ValueError("not a JSON object of tags") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object of tags")
    if lone_surrogate(text, value):
        raise ValueError("a tag holds half of a UTF-16 surrogate pair (\\udXXX): not Unicode text")
    for k, v in value.items():
        if CONTROL_CHARACTER.search(k) or (isinstance(v, str) and CONTROL_CHARACTER.search(v)):
            raise ValueError(f"tag {k[:40]!r} holds a control character")
    tags = {k.lower(): v for k, v in value.items()}
    if len(tags) < len(value):  # "member" and "Member": which one names the owner?
        twice = sorted({k.lower() for k in value if sum(o.lower() == k.lower() for o in value) > 1})
        raise ValueError(f"tag {twice[0]} given twice (tag names ignore case)")
    return tags


def _open(path: Path, shown: str) -> IO[str]:
    """The file as text (gzip or not); a missing, special or unreadable file is one line."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise fail(shown, "", "is a directory, expected a file")
        if not stat.S_ISREG(info.st_mode):
            raise fail(shown, "", "not a regular file")
        raw: IO[bytes] = open(path, "rb")  # noqa: SIM115 - handed to the caller's with-block
    except FileNotFoundError:
        raise fail(shown, "", "file not found") from None
    except OSError as exc:
        raise fail(shown, "", f"cannot read: {exc.strerror}") from None
    try:
        start = raw.read(2)
        if start == _GZIP_MAGIC:
            raw.close()  # gzip.open's own file is closed with it (a GzipFile over ours would leave ours open)
            raw = gzip.open(path, "rb")  # noqa: SIM115 - handed to the caller's with-block
            start = raw.read(2)
        raw.seek(0)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raw.close()
        raise fail(shown, "", f"cannot read the compressed file: {exc}") from None
    if start in _UTF16_BOMS:
        raw.close()
        raise fail(shown, "", "UTF-16 text; export the cost details again, or save the file as CSV UTF-8")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


class _Cells:
    """Checks of the cells that repeat across rows (dates, periods, tag sets), each text parsed
    once: a month has few distinct values and many rows. A bad cell is a ``row N: Column`` line."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.periods: dict[tuple[str, str], str] = {}
        self.charged: dict[str, tuple[date, str]] = {}
        self.tags: dict[str, dict[str, Any]] = {}

    def bad(self, row: int, column: str, message: str) -> Exception:
        return fail(self.shown, f"row {row}: {column}", message)

    def _date(self, row: int, column: str, text: str) -> date:
        try:
            return _parse_date(text)
        except ValueError as exc:
            raise self.bad(row, column, str(exc)) from None

    def period(self, row: int, start_text: str, end_text: str) -> str:
        """The billing period's month (YYYY-MM), from BillingPeriodStart, checked against its end."""
        self.trim()
        start = self._date(row, "BillingPeriodStart", start_text)
        end = self._date(row, "BillingPeriodEnd", end_text)
        if end <= start:
            raise self.bad(row, "BillingPeriodEnd", f"{end_text} is not after BillingPeriodStart {start_text}")
        month = f"{start.year:04d}-{start.month:02d}"
        self.periods[(start_text, end_text)] = month
        return month

    def charge_start(self, row: int, text: str) -> tuple[date, str]:
        self.trim()
        day = self._date(row, "ChargePeriodStart", text)
        found = self.charged[text] = (day, f"{day.year:04d}-{day.month:02d}")
        return found

    def tag_set(self, row: int, text: str) -> dict[str, Any]:
        self.trim()
        try:
            found = self.tags[text] = _parse_tags(text)
        except ValueError as exc:
            raise self.bad(row, "Tags", str(exc)) from None
        return found

    def trim(self) -> None:
        """Forget the remembered cells when a file has unusually many distinct ones (bounded memory)."""
        for cache in (self.periods, self.charged, self.tags):
            if len(cache) > _CACHE_LIMIT:
                cache.clear()


def _header(reader: Iterator[list[str]], shown: str) -> tuple[dict[str, int], int]:
    """The position of every column read, and how many cells a row has; a missing or repeated
    column is a problem."""
    try:
        header = next(reader)
    except StopIteration:
        raise fail(shown, "", "empty file: expected a FOCUS 1.0 header row") from None
    names = [h.strip() for h in header]
    if any("\x00" in name for name in names):
        raise fail(shown, "row 1", "holds NUL bytes: not a UTF-8 CSV file (UTF-16 without a byte-order mark?)")
    if len(names) == 1:
        for other in (";", "\t", "|"):  # Excel in many locales saves "CSV" with semicolons
            if other in names[0] and "BilledCost" in names[0]:
                shown_sep = "tabs" if other == "\t" else repr(other)
                raise fail(shown, "row 1", f"columns separated by {shown_sep}, not commas: export the file again")
    for name in COLUMNS:
        if names.count(name) > 1:
            raise fail(shown, f"row 1: {name}", "column appears more than once")
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise fail(shown, f"row 1: {missing[0]}", "required column missing (is this a FOCUS 1.0 cost export?)")
    return {name: names.index(name) for name in COLUMNS}, len(names)


def read_focus(path: Path, shown: str | None = None) -> Iterator[Charge]:
    """Every row of the FOCUS file at ``path``, checked, in file order (see the module)."""
    shown = str(path) if shown is None else shown
    csv.field_size_limit(_FIELD_LIMIT)
    with _open(path, shown) as text:
        try:
            yield from _rows(csv.reader(text), shown)
        except csv.Error as exc:
            raise fail(shown, "", f"not a readable CSV file: {exc}") from None
        except UnicodeDecodeError as exc:
            raise fail(shown, "", f"not UTF-8 text ({exc.reason})") from None
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise fail(shown, "", f"cannot read the compressed file: {exc}") from None


def _rows(reader: Iterator[list[str]], shown: str) -> Iterator[Charge]:
    at, width = _header(reader, shown)
    cells = _Cells(shown)
    periods, charged_at, tag_sets = cells.periods, cells.charged, cells.tags
    currency: str | None = None  # not "": an empty first cell must be checked too
    i_cost, i_cur, i_bps, i_bpe, i_cps = (at[c] for c in COLUMNS[:5])
    i_cat, i_cls, i_rid, i_rname, i_svc, i_tags, i_rg = (at[c] for c in COLUMNS[5:])
    # The loop is the hot path (a million rows a month): repeated cells are looked up, not re-parsed.
    for row, r in enumerate(reader, start=2):
        if len(r) != width:
            if not any(r):  # a blank line (or ",,,") carries nothing
                continue
            raise fail(shown, f"row {row}", f"has {len(r)} cells, the header has {width}")
        try:
            cost = parse_decimal(r[i_cost])
        except ValueError as exc:
            if not any(r):  # a row of empty cells, as a spreadsheet saves one: nothing (off the hot path)
                continue
            raise cells.bad(row, "BilledCost", str(exc)) from None
        cur = r[i_cur]
        if cur != currency:
            if not _CURRENCY.fullmatch(cur):
                raise cells.bad(row, "BillingCurrency", f"{cur!r} is not an ISO 4217 currency code")
            if currency is not None:
                raise cells.bad(row, "BillingCurrency", f"{cur} but earlier rows are in {currency} (mixed currencies)")
            currency = cur
        month = periods.get((r[i_bps], r[i_bpe])) or cells.period(row, r[i_bps], r[i_bpe])
        charged, charged_month = charged_at.get(r[i_cps]) or cells.charge_start(row, r[i_cps])
        category = r[i_cat]
        if category not in CHARGE_CATEGORIES:
            allowed = ", ".join(sorted(CHARGE_CATEGORIES))
            raise cells.bad(row, "ChargeCategory", f"{category!r} is not one of {allowed}")
        klass = r[i_cls]
        if klass and klass != CORRECTION:
            raise cells.bad(row, "ChargeClass", f"{klass!r} must be empty or {CORRECTION}")
        names = r[i_rid] + r[i_rname] + r[i_svc] + r[i_rg]
        if not names.isprintable() and CONTROL_CHARACTER.search(names):  # isprintable: the quick test of a plain name
            at = (i_rid, i_rname, i_svc, i_rg)
            column = next(c for c, i in zip(_TEXT_COLUMNS, at, strict=True) if CONTROL_CHARACTER.search(r[i]))
            raise cells.bad(row, column, "holds a control character (NUL, escape, line break): a damaged file?")
        tags_text = r[i_tags]
        tags = tag_sets.get(tags_text)
        if tags is None:
            tags = cells.tag_set(row, tags_text)
        yield Charge(
            row,
            cost,
            cur,
            month,
            charged,
            charged_month,
            category,
            klass == CORRECTION,
            r[i_rid],
            r[i_rname],
            r[i_svc],
            tags,
            tags_text,
            r[i_rg],
        )
