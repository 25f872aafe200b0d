"""Price files: the shipped ones read, and every kind of bad file is one line naming file and field."""

from __future__ import annotations

import json
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.costs.meters import METERS
from consortium.costs.prices import load_prices, price_file_json, price_file_name, read_price_file
from consortium.registry.errors import InputError
from tests.conftest import REPO

REGIONS = ("centralus", "eastus2")


def shipped(region: str = "eastus2") -> dict[str, Any]:
    return json.loads((REPO / price_file_name(region)).read_text())


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "azure-eastus2.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def problem(tmp_path: Path, doc: Any, *, region: str = "eastus2", currency: str = "USD") -> str:
    with pytest.raises(InputError) as err:
        read_price_file(write(tmp_path, doc), "prices/azure-eastus2.json", region=region, currency=currency)
    assert all(p.path == "prices/azure-eastus2.json" for p in err.value.problems)
    return str(err.value)


@pytest.mark.parametrize("region", REGIONS)
def test_the_shipped_price_files_cover_every_meter_and_say_where_each_figure_came_from(region: str) -> None:
    prices = read_price_file(REPO / price_file_name(region), price_file_name(region), region=region, currency="USD")
    assert [m.key for m in prices.meters] == [m.key for m in METERS]
    for entry in prices.meters:
        assert entry.origin in ("published", "not priced")  # this machine never reached the API
        assert entry.note, f"{entry.key}: no note on where the figure came from or why there is none"
        if entry.price is not None:
            assert entry.source.startswith(("http", "Retail Prices API row")), entry.key
    # The file is in its canonical form (the writer's own output).
    assert price_file_json(prices) == (REPO / price_file_name(region)).read_text()


def test_a_missing_file_leaves_its_region_unpriced(tmp_path: Path) -> None:
    book = load_prices(tmp_path, ["eastus2"], "USD")
    price = book.price("firewall-standard-deployment", "eastus2")
    assert price.amount is None and "no price file for eastus2" in price.source


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("currency"), "currency: required field is missing"),
        (lambda d: d.__setitem__("currancy", d.pop("currency")), "currancy: unknown field"),
        (lambda d: d["meters"][0].pop("price"), "meters[0].price: required field is missing"),
        (lambda d: d["meters"][0].__setitem__("prise", d["meters"][0].pop("price")), "meters[0].prise: unknown field"),
        (lambda d: d["meters"][0].__setitem__("price", "1,25"), "meters[0].price: not a number: '1,25'"),
        (lambda d: d["meters"][0].__setitem__("price", 1.25), "meters[0].price"),
        (lambda d: d["meters"][0].__setitem__("price", "-1"), "must not be negative"),
        (lambda d: d["meters"][0].__setitem__("unit", "1 Day"), "is not the meter's unit '1 Hour'"),
        (lambda d: d["meters"][0].__setitem__("key", "firewall-mega"), "unknown meter 'firewall-mega'"),
        (lambda d: d.__setitem__("currency", "EUR"), "currency: is EUR, the consortium's cost model uses USD"),
        (lambda d: d.__setitem__("region", "westeurope"), "region: is 'westeurope', but the file is 'eastus2''s"),
        (lambda d: d.__setitem__("format", 2), "format"),
        # found by fuzzing: Literal[1] took these as 1, and the price parser took these as numbers
        (lambda d: d.__setitem__("format", True), "format: expected the number 1, got True"),
        (lambda d: d.__setitem__("format", 1.0), "format: expected the number 1, got 1.0"),
        (lambda d: d["meters"][0].__setitem__("price", "1e400"), "meters[0].price: not a plausible amount"),
        (lambda d: d["meters"][0].__setitem__("price", "1_0"), "meters[0].price: not a number: '1_0'"),
        (lambda d: d["meters"].append(d["meters"][0]), "meter listed twice: firewall-standard-deployment"),
    ],
)
def test_a_bad_price_file_is_one_line_naming_file_and_field(tmp_path: Path, mutate: Any, expected: str) -> None:
    doc = shipped()
    mutate(doc)
    assert expected in problem(tmp_path, doc)


def test_not_json_and_not_an_object(tmp_path: Path) -> None:
    assert "not valid JSON" in problem(tmp_path, "{")
    assert "not a price file" in problem(tmp_path, "[1]")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=string.digits + ".-+eE ,$xnaNIf_\u0663", max_size=40))
def test_any_price_text_is_a_decimal_or_one_line(tmp_path: Path, text: str) -> None:
    doc = shipped()
    doc["meters"][0]["price"] = text
    try:
        prices = read_price_file(write(tmp_path, doc), "p.json", region="eastus2", currency="USD")
    except InputError as err:
        assert len(err.problems) == 1 and err.problems[0].field == "meters[0].price"
    else:
        amount = prices.meters[0].amount
        assert amount is not None and amount.is_finite() and 0 <= amount < Decimal(10) ** 15


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["format", "region", "currency", "fetched", "source", "meters"]),
    value=st.one_of(st.none(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=2)),
)
def test_any_top_level_value_is_accepted_or_one_line_per_problem(tmp_path: Path, field: str, value: Any) -> None:
    doc = shipped()
    doc[field] = value
    try:
        read_price_file(write(tmp_path, doc), "p.json", region="eastus2", currency="USD")
    except InputError as err:
        assert err.problems and all(p.path == "p.json" for p in err.problems)
        assert all(p.field.startswith(field) for p in err.problems)
