"""Reading FOCUS 1.0 exports: the fixtures match the published columns, every encoding Azure writes
is read alike, and every way a row can be wrong is one line naming file, row and column."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.costs.focus import COLUMNS, read_focus
from consortium.registry.errors import InputError
from tests.conftest import REPO

DATA = REPO / "tests" / "data" / "focus-1.0"
FIXTURE = DATA / "dane-county-2026-11.csv"
SPEC = json.loads((DATA / "columns.json").read_text(encoding="utf-8"))


def _rows(path: Path = FIXTURE) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]], *, bom: bool = False, crlf: bool = True) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
    return path


def test_the_columns_read_are_the_published_ones_and_the_fixture_fits_them() -> None:
    spec = {c["name"]: c for c in SPEC["columns"]}
    assert set(COLUMNS) == set(spec)
    rows = _rows()
    header, body = rows[0], rows[1:]
    assert set(COLUMNS) <= set(header)
    assert FIXTURE.read_bytes().count(b"\r\n") == len(rows)  # CRLF, as Azure writes
    date = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z")
    for row in body:
        for name, column in spec.items():
            value = row[header.index(name)]
            if not value:
                assert column["nullable"], name
                continue
            if column["type"] == "Decimal":
                Decimal(value)
            elif column["type"] == "DateTime":
                assert date.fullmatch(value), (name, value)
            elif column["type"] == "JSON":
                assert isinstance(json.loads(value), dict)
            if "allowed" in column:
                assert value in column["allowed"], (name, value)


def test_bom_crlf_lf_and_gzip_read_alike(tmp_path: Path) -> None:
    rows = _rows()
    plain = list(read_focus(FIXTURE))
    assert len(plain) == len(rows) - 1 and plain[0].row == 2
    variants = [
        _write(tmp_path / "bom.csv", rows, bom=True),
        _write(tmp_path / "lf.csv", rows, crlf=False),
    ]
    gz = tmp_path / "bill.csv.gz"
    gz.write_bytes(gzip.compress(b"\xef\xbb\xbf" + FIXTURE.read_bytes()))
    for path in [*variants, gz]:
        assert list(read_focus(path)) == plain, path
    correction = next(c for c in plain if c.correction)
    assert correction.month == "2026-11" and str(correction.charged) == "2026-10-15"
    assert correction.cost == Decimal("-12.34")


def test_dates_as_focuscost_1_0_writes_them_without_seconds(tmp_path: Path) -> None:
    rows = _rows()
    header = rows[0]
    for row in rows[1:]:
        for name in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart"):
            row[header.index(name)] = row[header.index(name)].replace(":00:00Z", ":00Z")
    assert [c.month for c in read_focus(_write(tmp_path / "old.csv", rows))] == ["2026-11"] * (len(rows) - 1)


def _bad(path: Path) -> str:
    with pytest.raises(InputError) as err:
        list(read_focus(path, "bill.csv"))
    assert len(err.value.problems) == 1
    return str(err.value.problems[0])


@pytest.mark.parametrize(
    ("column", "value", "line"),
    [
        ("BilledCost", "12,50", "bill.csv: row 3: BilledCost: not a number: '12,50'"),
        ("BilledCost", "NaN", "bill.csv: row 3: BilledCost: not a finite number: 'NaN'"),
        (
            "BillingPeriodStart",
            "2026-13-01T00:00:00Z",
            "bill.csv: row 3: BillingPeriodStart: '2026-13-01T00:00:00Z' is",
        ),
        ("ChargePeriodStart", "yesterday", "bill.csv: row 3: ChargePeriodStart: 'yesterday' is not an ISO 8601"),
        ("BillingPeriodEnd", "2026-11-01T00:00:00Z", "bill.csv: row 3: BillingPeriodEnd: 2026-11-01T00:00:00Z is not"),
        ("BillingCurrency", "EUR", "bill.csv: row 3: BillingCurrency: EUR but earlier rows are in USD"),
        ("BillingCurrency", "dollars", "bill.csv: row 3: BillingCurrency: 'dollars' is not an ISO 4217"),
        ("BillingCurrency", "", "bill.csv: row 3: BillingCurrency: '' is not an ISO 4217"),
        ("Tags", '{"member": "verona"', "bill.csv: row 3: Tags: not a JSON object of tags"),
        ("Tags", '["verona"]', "bill.csv: row 3: Tags: not a JSON object of tags"),
        ("ChargeCategory", "Refund", "bill.csv: row 3: ChargeCategory: 'Refund' is not one of"),
        ("ChargeClass", "Fix", "bill.csv: row 3: ChargeClass: 'Fix' must be empty or Correction"),
        # found by fuzzing: these crashed the sum (decimal.Overflow) or were read as other numbers
        ("BilledCost", "1e400", "bill.csv: row 3: BilledCost: not a plausible amount (1E+15 or more)"),
        ("BilledCost", "1_000", "bill.csv: row 3: BilledCost: not a number: '1_000'"),
        ("Tags", '{"member": "verona", "Member": "monona"}', "bill.csv: row 3: Tags: tag member given twice"),
        ("Tags", '{"member": NaN}', "bill.csv: row 3: Tags: not a JSON object of tags"),
        ("Tags", '{"a": 1' + "0" * 5000 + "}", "bill.csv: row 3: Tags: not a JSON object of tags"),
        ("Tags", '{"member": "\\ud800"}', "bill.csv: row 3: Tags: a tag holds half of a UTF-16 surrogate pair"),
        ("Tags", '{"member": "\\u001b[2J"}', "bill.csv: row 3: Tags: tag 'member' holds a control character"),
        ("ResourceName", "vm\x00", "bill.csv: row 3: ResourceName: holds a control character"),
        ("x_ResourceGroupName", "rg\x1b[2J", "bill.csv: row 3: x_ResourceGroupName: holds a control character"),
        ("ChargePeriodStart", "2026-11-01T00:00:00+25:00", "bill.csv: row 3: ChargePeriodStart: '2026-11-01T00:00"),
    ],
)
def test_a_bad_cell_is_one_line_naming_row_and_column(tmp_path: Path, column: str, value: str, line: str) -> None:
    rows = _rows()
    rows[2][rows[0].index(column)] = value
    assert _bad(_write(tmp_path / "bill.csv", rows)).startswith(line)
    if column == "BillingCurrency" and not value:  # the first row too: nothing to compare it with yet
        rows = _rows()
        rows[1][rows[0].index(column)] = value
        assert _bad(_write(tmp_path / "first.csv", rows)).startswith("bill.csv: row 2: BillingCurrency: ''")


def test_bad_files(tmp_path: Path) -> None:
    rows = _rows()
    missing = [[c for i, c in enumerate(r) if rows[0][i] != "Tags"] for r in rows]
    assert _bad(_write(tmp_path / "a.csv", missing)).startswith("bill.csv: row 1: Tags: required column missing")
    short = [*rows[:3], rows[3][:-1], *rows[4:]]
    assert (
        _bad(_write(tmp_path / "b.csv", short))
        == f"bill.csv: row 4: has {len(rows[0]) - 1} cells, the header has {len(rows[0])}"
    )
    empty = tmp_path / "c.csv"
    empty.write_bytes(b"")
    assert _bad(empty) == "bill.csv: empty file: expected a FOCUS 1.0 header row"
    latin = tmp_path / "d.csv"
    latin.write_bytes(FIXTURE.read_bytes().replace(b"Storage", b"Sp\xe9icher"))
    assert _bad(latin).startswith("bill.csv: not UTF-8 text")
    broken = tmp_path / "e.csv.gz"
    broken.write_bytes(gzip.compress(FIXTURE.read_bytes())[:200])
    assert _bad(broken).startswith("bill.csv: cannot read the compressed file")
    assert _bad(tmp_path / "none.csv") == "bill.csv: file not found"
    assert _bad(tmp_path) == "bill.csv: is a directory, expected a file"


MUTATIONS = {
    "BilledCost": st.sampled_from(["", "1.2.3", "one", "1e", "--1", "Infinity", "1e400", "9" * 30, "1_0", "\u0663"]),
    "BillingPeriodStart": st.sampled_from(["", "2026-02-30", "11/01/2026", "2026-11-01T25:00Z"]),
    "ChargePeriodStart": st.sampled_from(["", "2026-00-01", "now", "2026-11-01T10:61:00Z"]),
    "Tags": st.sampled_from(["{", "[]", '"member"', "1", '{"a":}', "null"]),
    "BillingCurrency": st.sampled_from(["", "usd", "US", "EURO", "€€€"]),
    "ChargeCategory": st.sampled_from(["", "usage", "Refund", "Support"]),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), st.integers(1, 15), st.sampled_from(sorted(MUTATIONS)))
def test_any_mutated_cell_is_reported_where_it_is(tmp_path: Path, data: st.DataObject, at: int, column: str) -> None:
    rows = _rows()
    value = data.draw(MUTATIONS[column])
    rows[at][rows[0].index(column)] = value
    line = _bad(_write(tmp_path / "m.csv", rows))
    assert line.startswith(f"bill.csv: row {at + 1}: {column}: "), line


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 15), st.integers(-3, 3).filter(bool))
def test_any_row_of_the_wrong_length_is_reported(tmp_path: Path, at: int, change: int) -> None:
    rows = _rows()
    rows[at] = rows[at][:change] if change < 0 else rows[at] + ["x"] * change
    assert _bad(_write(tmp_path / "w.csv", rows)).startswith(f"bill.csv: row {at + 1}: has ")


def test_exports_saved_again_by_a_spreadsheet(tmp_path: Path) -> None:
    """What a treasurer's spreadsheet makes of the export: refused with the reason, or read alike."""
    rows = _rows()
    text = FIXTURE.read_text(encoding="utf-8")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(text.encode("utf-16"))  # with a byte-order mark: was "not UTF-8 (invalid start byte)"
    assert _bad(utf16) == "bill.csv: UTF-16 text; export the cost details again, or save the file as CSV UTF-8"
    bare = tmp_path / "utf16le.csv"
    bare.write_bytes(text.encode("utf-16-le"))  # without one: was "BilledCost: required column missing"
    assert _bad(bare).startswith("bill.csv: row 1: holds NUL bytes")
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text(text.replace(",", ";"), encoding="utf-8")
    assert _bad(semicolons) == "bill.csv: row 1: columns separated by ';', not commas: export the file again"
    # rows of empty cells at the end (",,,,"), as spreadsheets save them, carry nothing
    padded = _write(tmp_path / "padded.csv", [*rows, [""] * len(rows[0]), [""] * 3, []])
    assert list(read_focus(padded)) == list(read_focus(FIXTURE))


def test_times_with_an_offset_are_taken_in_utc(tmp_path: Path) -> None:
    rows = _rows()
    header = rows[0]
    for row in rows[1:]:  # the same instants, written five hours behind UTC
        row[header.index("BillingPeriodStart")] = "2026-10-31T19:00:00-05:00"
        row[header.index("BillingPeriodEnd")] = "2026-11-30T19:00:00-05:00"
    assert {c.month for c in read_focus(_write(tmp_path / "offset.csv", rows))} == {"2026-11"}
    rows[1][header.index("BillingPeriodStart")] = "2026-11-01T00:30:00+01:00"  # 2026-10-31T23:30Z
    assert next(c.month for c in read_focus(_write(tmp_path / "early.csv", rows))) == "2026-10"
