"""The Snipe-IT export against the importer's documented columns (tests/data/snipeit/asset-import-fields.json)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from consortium.assets.snipeit import COLUMNS
from tests.conftest import REPO
from tests.registry.helpers import cli

from .helpers import LINUX, WINDOWS, doc, write

REFERENCE = json.loads((REPO / "tests/data/snipeit/asset-import-fields.json").read_text())


def _field(header: str) -> str | None:
    """The importer's field for a header: its label (case-insensitive, exact), else an alias."""
    for key, f in REFERENCE["fields"].items():
        if f["label"].casefold() == header.casefold():
            return key
    for key, f in REFERENCE["fields"].items():
        if header.casefold() in (a.casefold() for a in f["aliases"]):
            return key
    return None


def _export(registry_dir: Path, tmp_path: Path) -> str:
    folder = tmp_path / "inventory"
    for document in (
        LINUX,
        WINDOWS,
        doc(LINUX, host="ver-web09", kind="endpoint", hardware={**LINUX["hardware"], "model": None}),
    ):
        write(folder, document)
    result = cli("assets", "--registry", registry_dir, "--dir", folder, "--format", "snipeit")
    assert result.code == 0, result
    return result.out


def test_every_header_is_an_importer_label_and_maps_to_its_own_field() -> None:
    fields = [_field(h) for h in COLUMNS]
    assert None not in fields, dict(zip(COLUMNS, fields, strict=True))
    assert len(set(fields)) == len(fields)  # no two columns feed one field
    # Labels, not just aliases: the web importer maps them without a mapping step.
    labels = {f["label"] for f in REFERENCE["fields"].values()}
    assert set(COLUMNS) <= labels
    assert all(h == h.strip() for h in COLUMNS)  # "no leading or trailing spaces"


def test_the_columns_required_to_create_and_update_are_there_and_filled(registry_dir: Path, tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO(_export(registry_dir, tmp_path))))
    header, body = rows[0], rows[1:]
    fields = [_field(h) for h in header]
    required = REFERENCE["required_on_create"] + REFERENCE["required_on_update"]
    assert set(required) <= set(fields)
    assert len(body) == 3 and all(len(r) == len(header) for r in body)
    for row in body:
        values = dict(zip(fields, row, strict=True))
        assert all(values[f] for f in required), values
    by_tag = {r[0]: dict(zip(fields, r, strict=True)) for r in body}
    assert by_tag["ver-app01"] | {"asset_notes": ""} == {
        "asset_tag": "ver-app01",
        "item_name": "ver-app01",
        "serial": "7XK2QF3",
        "asset_model": "PowerEdge R350",
        "manufacturer": "Dell Inc.",
        "category": "Servers",
        "status": "Ready to Deploy",
        "company": "City of Verona",
        "asset_notes": "",
    }
    assert by_tag["ver-web09"]["asset_model"] == "Unknown model"  # required on create, the firmware did not say
    assert by_tag["ver-web09"]["category"] == "Endpoints"
    notes = by_tag["ver-dc01"]["asset_notes"]
    assert "disk encryption: all" in notes and "pending updates: unknown, last update: 2026-11-12" in notes
    assert "inventory of 2026-12-03" in notes  # dates as the importer's documentation writes them


def test_no_blank_line_at_the_end_and_no_date_column_in_another_format(registry_dir: Path, tmp_path: Path) -> None:
    _export(registry_dir, tmp_path)
    out = tmp_path / "snipeit.csv"
    result = cli("assets", "--registry", registry_dir, "--dir", tmp_path / "inventory", "--format", "snipeit",
                 "--output", out)  # fmt: skip
    assert result.code == 0, result
    data = out.read_bytes()  # as the importer gets it (CliRunner's stdout folds CRLF)
    assert data.endswith(b'"\r\n') and not data.endswith(b"\r\n\r\n") and data.count(b"\r\n") == 4
    # The export has no date column today; should one come, it must be written as the importer reads dates.
    assert not {_field(h) for h in COLUMNS} & set(REFERENCE["date_fields"])
