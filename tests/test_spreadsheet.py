"""CSV cells a spreadsheet would run as formulas are marked as text; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consortium.spreadsheet import FORMULA_STARTS, csv_writer, safe_cell
from tests.registry.helpers import cli


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-12.50", "-12.50"),  # a credit stays a number
        ("+3", "+3"),
        ("1E+2", "1E+2"),
        ("Munis", "Munis"),
        (12, 12),
        ("", ""),
    ],
)
def test_formula_text_is_marked_and_numbers_are_left(cell: object, shown: object) -> None:
    assert safe_cell(cell) == shown


@given(st.lists(st.text(max_size=20), min_size=1, max_size=5))
def test_no_written_cell_starts_a_formula_unless_it_is_a_number(row: list[str]) -> None:
    out = io.StringIO()
    csv_writer(out).writerow(row)
    (back,) = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    for written, original in zip(back, row, strict=True):
        if written.startswith(FORMULA_STARTS):
            assert written == original and float(written) == float(written)  # only numbers
        assert written in (original, "'" + original)


def test_a_product_named_like_a_formula_reaches_the_overlap_csv_as_text(registry_dir: Path) -> None:
    verona = registry_dir / "members/verona.yaml"
    verona.write_text(verona.read_text().replace("product: Munis,", 'product: "=HYPERLINK(1)",'))
    result = cli("overlap", "--registry", registry_dir, "--format", "csv")
    assert result.code == 0, result.err
    cells = [c for row in csv.reader(io.StringIO(result.out)) for c in row]
    assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells


@pytest.mark.parametrize("cell", ["\r", "\r0", "a\rb", "a\nb"])
def test_a_cell_with_a_line_break_stays_one_cell(cell: str) -> None:
    out = io.StringIO()
    csv_writer(out).writerows([[cell, "x"], ["y", "z"]])
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [[safe_cell(cell), "x"], ["y", "z"]]
