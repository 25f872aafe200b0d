"""The application overlap on the bundled example: products and categories, spend to the cent,
contract windows judged from ``as_of``, single-town products; and totals that reconcile for any lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from consortium.registry.load import Registry, load_registry
from consortium.registry.models import Application, ApplicationCategory, Hosting, MemberEntry
from consortium.registry.overlap import Deployment, Overlap, add_months, overlap
from consortium.registry.products import ProductKey, product_key
from tests.conftest import REPO

AS_OF = date(2026, 12, 1)
MUNIS = ProductKey("tyler technologies", "munis")


@pytest.fixture(scope="module")
def example() -> Registry:
    return load_registry(REPO)


def _raw_costs() -> list[Decimal]:
    """Every annual_cost of the example's member files, read with plain YAML (not the models)."""
    return [
        Decimal(str(app["annual_cost"]))
        for path in sorted((REPO / "members").glob("*.yaml"))
        for app in yaml.safe_load(path.read_text()).get("applications", [])
        if "annual_cost" in app
    ]


def test_the_example_spend_is_what_the_files_say_to_the_cent(example: Registry) -> None:
    report = overlap(example, AS_OF)
    raw = _raw_costs()
    assert report.annual_cost == sum(raw, Decimal(0)) == Decimal("1254401.00")
    assert report.costs_unknown == 1  # McFarland's dispatch system
    assert len(report.deployments) == len(raw) + 1 == 52
    assert sum((c.annual_cost for c in report.categories), Decimal(0)) == report.annual_cost
    assert sum((p.annual_cost for p in report.products), Decimal(0)) == report.annual_cost


def test_towns_on_the_same_erp_and_their_combined_spend(example: Registry) -> None:
    report = overlap(example, AS_OF)
    munis = next(p for p in report.products if p.key == MUNIS)
    # Three spellings ("Tyler Technologies, Inc.", "MUNIS") are one product.
    assert munis.towns == ("fitchburg", "middleton", "sun-prairie", "verona")
    assert munis.annual_cost == Decimal("98500.00") + Decimal("76200.00") + Decimal("64800.00") + Decimal("58900.00")
    assert munis.versions == ("2021.2", "2022.4", "2023.1")
    assert munis.label == "Tyler Technologies Munis"
    erp = next(c for c in report.categories if c.category is ApplicationCategory.ERP_FINANCE)
    assert len(erp.towns) == 9 and erp.annual_cost == Decimal("434615.50")
    assert [str(p.key) for p in erp.products] == [
        "tyler technologies/munis",
        "caselle/clarity",
        "tyler technologies/incode 10",
        "bs&a software/bs&a cloud",
    ]


def test_products_are_ordered_most_towns_first(example: Registry) -> None:
    products = overlap(example, AS_OF).products
    assert products[0].label == "Microsoft 365" and len(products[0].towns) == 7
    keys = [(-len(p.towns), -p.annual_cost) for p in products]
    assert keys == sorted(keys)


def test_contract_windows_are_the_next_24_months(example: Registry) -> None:
    report = overlap(example, AS_OF)
    assert report.window_end == date(2028, 12, 1)
    munis = [(d.slug, d.app.contract_end) for d in report.windows if d.key == MUNIS]
    # Verona's Munis contract runs to 2029-06-30: outside the window.
    assert munis == [
        ("fitchburg", date(2027, 6, 30)),
        ("sun-prairie", date(2027, 12, 31)),
        ("middleton", date(2028, 3, 31)),
    ]
    assert all(AS_OF <= d.app.contract_end <= report.window_end for d in report.windows)
    assert [d.app.contract_end for d in report.windows] == sorted(d.app.contract_end for d in report.windows)
    assert report.ended == ()


def test_the_window_edges_are_inclusive(example: Registry) -> None:
    # Verona's Munis ends 2029-06-30: in the window from 2027-06-30 on, not from the day before.
    def verona_munis(report: Overlap) -> list[Deployment]:
        return [d for d in report.windows if d.key == MUNIS and d.slug == "verona"]

    assert verona_munis(overlap(example, date(2027, 6, 30)))
    assert not verona_munis(overlap(example, date(2027, 6, 29)))
    # A contract ending the day of as_of is a window; the day after, it has ended.
    on_the_day = overlap(example, date(2027, 4, 30))
    assert any(d.slug == "monona" and d.app.contract_end == date(2027, 4, 30) for d in on_the_day.windows)
    after = overlap(example, date(2027, 5, 1))
    assert [(d.slug, d.app.contract_end) for d in after.ended] == [("monona", date(2027, 4, 30))]


def test_products_only_one_town_runs(example: Registry) -> None:
    single = overlap(example, AS_OF).single_town_products
    assert {(p.label, p.towns) for p in single} == {
        ("Accela Civic Platform", ("middleton",)),
        ("Tyler Technologies Incode 10", ("waunakee",)),
        ("BS&A Cloud", ("monona",)),
        ("Hyland OnBase", ("monona",)),
        ("Granicus govAccess", ("sun-prairie",)),
        ("Google Workspace", ("oregon",)),
        ("Microsoft Exchange Server", ("cottage-grove",)),
        ("CentralSquare Technologies Zuercher Suite", ("mcfarland",)),
    }


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 1), 24, date(2028, 12, 1)),
        (date(2026, 2, 28), 24, date(2028, 2, 28)),
        (date(2028, 2, 29), 24, date(2030, 2, 28)),  # no 29 February in 2030
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 11, 30), 2, date(2027, 1, 30)),
        (date(9999, 6, 1), 24, date.max),  # --as-of 9999-06-01 is odd, not a crash
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


# --------------------------------------------------------------------------- any lists reconcile

_VENDORS = ["Tyler Technologies", "tyler technologies, inc.", "Caselle", "Esri", "Laserfiche", "<b>Acme</b>"]
_PRODUCTS = ["Munis", "MUNIS", "Clarity", "ArcGIS Online", "Rio"]
_apps = st.builds(
    Application,
    category=st.sampled_from(list(ApplicationCategory)),
    vendor=st.sampled_from(_VENDORS),
    product=st.sampled_from(_PRODUCTS),
    hosting=st.sampled_from(list(Hosting)),
    annual_cost=st.none() | st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False),
    contract_end=st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)


def _one_per_product(apps: list[Application]) -> list[Application]:
    """What the rules allow: each product once per town."""
    seen: dict[ProductKey, Application] = {}
    for app in apps:
        seen.setdefault(product_key(app.vendor, app.product), app)
    return list(seen.values())


@settings(max_examples=60, deadline=None)
@given(
    towns=st.lists(st.lists(_apps, max_size=8), min_size=1, max_size=12),
    as_of=st.dates(date(2024, 1, 1), date(2036, 12, 31)),
)
def test_totals_reconcile_for_any_application_lists(
    example: Registry, towns: list[list[Application]], as_of: date
) -> None:
    template = example.members[0].member
    entries = tuple(
        MemberEntry(f"members/t{i}.yaml", template.model_copy(update={"slug": f"t{i}", "applications": listed}))
        for i, listed in enumerate(_one_per_product(a) for a in towns)
    )
    report = overlap(Registry(Path("."), example.consortium, entries), as_of)
    apps = [a for e in entries for a in e.member.applications]
    known = [a.annual_cost for a in apps if a.annual_cost is not None]
    total = sum(known, Decimal(0))
    assert report.annual_cost == total
    assert report.costs_unknown == len(apps) - len(known)
    assert sum((c.annual_cost for c in report.categories), Decimal(0)) == total
    assert sum((p.annual_cost for p in report.products), Decimal(0)) == total
    assert sum(len(p.deployments) for p in report.products) == len(apps) == len(report.deployments)
    assert {p.key for p in report.single_town_products} | {p.key for p in report.shared_products} == {
        p.key for p in report.products
    }
    in_windows = [d for d in report.deployments if d.app.contract_end and d.app.contract_end >= as_of]
    assert len(report.windows) == sum(d.app.contract_end <= report.window_end for d in in_windows)
    assert total == total.quantize(Decimal("0.01"))  # whole cents: nothing to round
