"""``consortium overlap``: every format to stdout or --output, --as-of, and the bad-input contract for
``applications:`` entries (one line naming the file and field, exit 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import tree_digest
from tests.registry.helpers import cli, read, write

VERONA = "members/verona.yaml"


@pytest.mark.parametrize(
    ("fmt", "start"),
    [("table", "applications of dane-county"), ("csv", "category,product_id,"), ("json", "{"), ("html", "<!doctype")],
)
def test_every_format_to_stdout_and_to_a_file(registry_dir: Path, tmp_path: Path, fmt: str, start: str) -> None:
    shown = cli("overlap", "--registry", registry_dir, "--format", fmt, "--as-of", "2026-12-01")
    assert shown.code == 0, shown.err
    assert shown.out.startswith(start) and shown.err == ""
    target = tmp_path / "out" / f"overlap.{fmt}"
    written = cli("overlap", "--registry", registry_dir, "--format", fmt, "--as-of", "2026-12-01", "--output", target)
    assert written.code == 0 and written.out == ""
    assert target.read_text() == shown.out


def test_as_of_moves_the_window(registry_dir: Path) -> None:
    def windows(as_of: str) -> list[tuple[str, str]]:
        doc = json.loads(cli("overlap", "--registry", registry_dir, "--format", "json", "--as-of", as_of).out)
        return [(d["member"], d["contract_end"]) for d in doc["contract_windows"]]

    early, late = windows("2026-12-01"), windows("2028-10-01")
    assert ("monona", "2027-04-30") in early and ("monona", "2027-04-30") not in late
    assert ("verona", "2029-06-30") not in early and ("verona", "2029-06-30") in late


def test_default_as_of_is_today(registry_dir: Path) -> None:
    from datetime import date

    doc = json.loads(cli("overlap", "--registry", registry_dir, "--format", "json").out)
    assert doc["as_of"] == date.today().isoformat()


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-02-30", "\u0662\u0660\u0662\u0666-01-01"])
def test_a_bad_as_of_is_one_line(registry_dir: Path, value: str) -> None:
    # was click's three-line usage text; Arabic-Indic digits were taken as a year by strptime
    result = cli("overlap", "--registry", registry_dir, "--as-of", value)
    assert result.code == 2 and result.err_lines == [f"--as-of: {value}: not a date written YYYY-MM-DD"]


# (id, change to Verona's first application, field named, fragment of the message)
BAD_ENTRIES: list[tuple[str, dict[str, Any], str, str]] = [
    ("wrong-category", {"category": "finance"}, "applications[0].category", "'erp-finance'"),
    ("negative-cost", {"annual_cost": -5}, "applications[0].annual_cost", "greater than or equal to 0"),
    ("fraction-of-a-cent", {"annual_cost": "58900.005"}, "applications[0].annual_cost", "2 decimal places"),
    ("cost-not-money", {"annual_cost": "a lot"}, "applications[0].annual_cost", "not an amount of money"),
    # Decimal() alone read these as 12 and 1000 (found by fuzzing; money.parse_decimal is the one reader)
    ("other-digits", {"annual_cost": "\u0661\u0662"}, "applications[0].annual_cost", "not an amount of money"),
    ("underscores", {"annual_cost": "1_000"}, "applications[0].annual_cost", "not an amount of money"),
    ("bad-date", {"contract_end": "2027-02-30"}, "applications[0].contract_end", "date"),
    ("unknown-field", {"renewal": "2027-01-01"}, "applications[0].renewal", "unknown field"),
    ("misspelt-field", {"vendr": "Tyler"}, "applications[0].vendr", "did you mean 'vendor'"),
    ("wrong-hosting", {"hosting": "cloud"}, "applications[0].hosting", "'vendor-hosted-saas'"),
    ("version-a-number", {"version": 10.1}, "applications[0].version", "write it in quotes"),
    ("empty-product", {"product": ""}, "applications[0].product", "at least 1 character"),
    ("control-character", {"vendor": "Tyler\u2028Tech"}, "applications[0].vendor", "control characters"),
    ("product-listed-twice", {"product": "ArcGIS Online", "vendor": "Esri, Inc."}, "applications[0].product", "")
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "fragment"), [c[1:] for c in BAD_ENTRIES], ids=[c[0] for c in BAD_ENTRIES])
def test_a_bad_applications_entry_is_one_line_exit_2_nothing_written(
    registry_dir: Path, tmp_path: Path, change: dict[str, Any], field: str, fragment: str
) -> None:
    data = read(registry_dir / VERONA)
    data["applications"][0].update(change)
    write(registry_dir / VERONA, data)
    target = tmp_path / "report.html"
    before = tree_digest(registry_dir)
    result = cli("overlap", "--registry", registry_dir, "--format", "html", "--output", target)
    assert result.code == 2, result
    assert result.out == "" and "Traceback" not in result.err
    if field == "applications[0].product" and not fragment:  # the rule names the later entry (Esri is [2])
        field, fragment = "applications[2].product", "is already listed as applications[0]"
    assert result.err_lines == [result.err_lines[0]] and result.err_lines[0].startswith(f"{VERONA}: {field}: ")
    assert fragment in result.err_lines[0]
    assert not target.exists()
    assert tree_digest(registry_dir) == before


def test_an_unwritable_output_is_one_line(registry_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "overlap.csv"
    result = cli("overlap", "--registry", registry_dir, "--format", "csv", "--output", target)
    assert result.code == 2 and result.out == ""
    assert result.err_lines == [f"{target}: cannot write below {tmp_path / 'file'}: not a directory"]
