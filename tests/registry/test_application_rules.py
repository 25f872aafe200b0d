"""The registry's rules for ``applications:``: each product once per town (an error), and a contract
that ended long ago (a warning, judged from the day given)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from consortium.registry.load import load_registry
from consortium.registry.models import Application, MemberEntry
from consortium.registry.rules import STALE_CONTRACT, applications_listed_once, contracts_not_long_past
from tests.conftest import REPO
from tests.registry.helpers import cli, read, write


def _verona_with(*apps: dict[str, object]) -> list[MemberEntry]:
    entry = load_registry(REPO).entry("verona")
    listed = [Application.model_validate({"category": "gis", "hosting": "on-premises", **a}) for a in apps]
    return [MemberEntry(entry.path, entry.member.model_copy(update={"applications": listed}))]


def test_a_product_listed_twice_by_one_town_is_an_error_on_the_second() -> None:
    entries = _verona_with(
        {"vendor": "Esri", "product": "ArcGIS Online"},
        {"vendor": "Laserfiche", "product": "Rio"},
        {"vendor": "ESRI, Inc.", "product": "arcgis online", "version": "2025"},
    )
    [problem] = applications_listed_once(entries)
    assert str(problem) == (
        "members/verona.yaml: applications[2].product: ESRI, Inc. arcgis online is already listed as "
        "applications[0]; list each product once (one entry, with the version in use)"
    )


def test_the_same_product_in_two_towns_is_no_problem() -> None:
    assert applications_listed_once(load_registry(REPO).members) == []


def test_a_contract_ended_over_two_years_ago_warns() -> None:
    today = date(2026, 12, 1)
    entries = _verona_with(
        {"vendor": "A", "product": "Old", "contract_end": today - STALE_CONTRACT - timedelta(days=1)},
        {"vendor": "B", "product": "Recent", "contract_end": today - STALE_CONTRACT},
        {"vendor": "C", "product": "Open"},
    )
    [warning] = contracts_not_long_past(entries, today)
    assert warning.field == "applications[0].contract_end"
    assert "2024-11-30 is more than two years ago" in warning.message


def test_validate_shows_the_warning_and_passes(registry_dir: Path) -> None:
    data = read(registry_dir / "members/verona.yaml")
    data["applications"][0]["contract_end"] = "2019-06-30"
    write(registry_dir / "members/verona.yaml", data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0
    assert result.err_lines == [
        "warning: members/verona.yaml: applications[0].contract_end: 2019-06-30 is more than two years ago: "
        "give the renewed contract's end, or remove it if the contract runs month to month"
    ]
    # The overlap report still runs, listing the contract as ended.
    report = cli("overlap", "--registry", registry_dir, "--format", "csv", "--as-of", "2026-12-01")
    assert report.code == 0 and ",2019-06-30,ended" in report.out
