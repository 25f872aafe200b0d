"""The overlap's formats: JSON as documented, CSV one row per application, the table, and HTML that
is self-contained, accessible and escapes what member files say."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from consortium.registry.load import Registry, load_registry
from consortium.registry.overlap import overlap
from consortium.registry.overlap_html import render
from consortium.registry.overlap_report import CSV_COLUMNS, to_csv, to_json, to_table
from tests.conftest import REPO
from tests.registry.helpers import read, write

AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="module")
def example() -> Registry:
    return load_registry(REPO)


def test_json_structure(example: Registry) -> None:
    doc = json.loads(to_json(overlap(example, AS_OF)))
    assert set(doc) == {
        "version", "consortium", "name", "currency", "as_of", "window_end", "window_months", "members",
        "members_with_applications", "applications", "annual_cost", "costs_unknown", "categories", "products",
        "contract_windows", "contracts_ended", "single_town_products",
    }  # fmt: skip
    assert (doc["version"], doc["consortium"], doc["currency"]) == (1, "dane-county", "USD")
    assert (doc["as_of"], doc["window_end"], doc["window_months"]) == ("2026-12-01", "2028-12-01", 24)
    assert (doc["members"], doc["applications"], doc["annual_cost"]) == (9, 52, "1254401.00")
    # Every figure is decimal text and the parts add up to the whole, to the cent.
    total = Decimal(doc["annual_cost"])
    assert sum(Decimal(c["annual_cost"]) for c in doc["categories"]) == total
    assert sum(Decimal(p["annual_cost"]) for p in doc["products"]) == total
    munis = next(p for p in doc["products"] if p["id"] == "tyler technologies/munis")
    assert munis["towns"] == ["fitchburg", "middleton", "sun-prairie", "verona"] and munis["shared"] is True
    assert munis["annual_cost"] == "298400.00"
    deployment = next(d for d in munis["deployments"] if d["member"] == "fitchburg")
    assert deployment == {
        "member": "fitchburg",
        "name": "City of Fitchburg",
        "file": "members/fitchburg.yaml",
        "index": 0,
        "category": "erp-finance",
        "vendor": "Tyler Technologies, Inc.",
        "product": "Munis",
        "version": "2022.4",
        "hosting": "on-premises",
        "annual_cost": "76200.00",
        "contract_end": "2027-06-30",
    }
    assert doc["contract_windows"][0]["product_id"] == "bs&a software/bs&a cloud"
    assert doc["contracts_ended"] == []
    assert len(doc["single_town_products"]) == 8
    zuercher = next(p for p in doc["products"] if p["id"].endswith("zuercher suite"))
    assert (zuercher["annual_cost"], zuercher["costs_unknown"], zuercher["deployments"][0]["annual_cost"]) == (
        "0.00",
        1,
        None,
    )


def test_csv_has_one_row_per_application_and_sums_to_the_total(example: Registry) -> None:
    text = to_csv(overlap(example, AS_OF))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert text.splitlines()[0].startswith("category,product_id,vendor,product,towns_on_product,member,")
    assert len(rows) == 52
    assert sum(Decimal(r["annual_cost"]) for r in rows if r["annual_cost"]) == Decimal("1254401.00")
    assert {r["contract_status"] for r in rows} == {"ends-in-window", "later", "no-end-date"}
    munis = [r["member"] for r in rows if r["product_id"] == "tyler technologies/munis"]
    assert munis == ["fitchburg", "middleton", "sun-prairie", "verona"]
    assert all(r["currency"] == "USD" for r in rows)


def test_table_names_the_shared_products_windows_and_single_town_products(example: Registry) -> None:
    text = to_table(overlap(example, AS_OF))
    assert "1,254,401.00 (+1 unknown) a year" in text
    lines = text.splitlines()
    munis = next(line for line in lines if line.startswith("Tyler Technologies Munis  "))
    assert "298,400.00" in munis and "fitchburg, middleton, sun-prairie, verona" in munis
    assert "contracts ending by 2028-12-01 (windows to join a shared contract)" in lines
    single = lines[lines.index("products run by one town only") + 1 :]
    assert any(line.startswith("CentralSquare Technologies Zuercher Suite") and "unknown" in line for line in single)
    assert len(single) == 9  # header and eight products


class _Page(HTMLParser):
    """What the accessibility checks need of a page: its tags and their attributes, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_accessible(example: Registry) -> None:
    html = render(overlap(example, AS_OF))
    page = _Page()
    page.feed(html)
    tags = [t for t, _ in page.tags]
    assert ("html", {"lang": "en"}) in page.tags
    assert tags.count("table") == tags.count("caption") == 4
    assert all(attrs.get("scope") in ("col", "row") for tag, attrs in page.tags if tag == "th")
    assert not any(tag in ("script", "link", "img", "iframe") for tag in tags)
    assert "@media print" in html
    assert "298,400.00" in "".join(page.text)


def test_html_escapes_what_member_files_say(registry_dir: Path) -> None:
    path = registry_dir / "members/verona.yaml"
    data = read(path)
    data["applications"][0]["product"] = "<script>alert(1)</script>"
    data["applications"][0]["vendor"] = 'Evil & "Co"'
    write(path, data)
    html = render(overlap(load_registry(registry_dir), AS_OF))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Evil &amp; &#34;Co&#34;" in html
