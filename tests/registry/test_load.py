"""Loading a registry (:mod:`consortium.registry.load`): file names, the consortium's locations, every
problem reported at once, and picking members by slug."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consortium.registry.errors import InputError
from consortium.registry.load import load_registry
from tests.conftest import REPO

from .helpers import Data, assert_fails_with_one_clear_line, cli, edits, read, write

# (case id, file, edit, expected field, expected message fragment)
FAILING: list[tuple[str, str, Callable[[Data], None], str, str]] = [
    (
        "slug-not-filename",
        "members/verona.yaml",
        edits(("slug", "verona-city")),
        "slug",
        "must equal the file name",
    ),
    (
        "location-without-backup-zone",
        "consortium.yaml",
        edits(("azure.locations", ["centralus", "norwayeast"])),
        "azure.locations[1]",
        "no Azure Backup private DNS zone is known",
    ),
]


@pytest.mark.parametrize(("case", "rel", "edit", "field", "fragment"), FAILING, ids=[c[0] for c in FAILING])
def test_load_fails_with_one_clear_line(
    registry_dir: Path, case: str, rel: str, edit: Callable[[Data], None], field: str, fragment: str
) -> None:
    assert_fails_with_one_clear_line(registry_dir, rel, edit, field, fragment)


def test_example_registry_is_valid_without_warnings(registry_dir: Path) -> None:
    # McFarland and Monona share 192.168.1.0/24; Monona's is translated (nat_cidrs), so no warning.
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0
    assert (
        result.out.strip() == "ok: dane-county: 9 members (phase 1: 2, phase 2: 2, phase 3: 2, phase 4: 3), "
        "0 errors, 0 warnings"
    )
    assert result.err_lines == []


def test_every_problem_is_reported_at_once(registry_dir: Path) -> None:
    verona = read(registry_dir / "members/verona.yaml")
    verona["population"] = -5
    verona["contacts"]["billing"] = "nobody"
    write(registry_dir / "members/verona.yaml", verona)
    monona = read(registry_dir / "members/monona.yaml")
    monona["backup"] = {"retention_days": 1}
    write(registry_dir / "members/monona.yaml", monona)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2
    errors = [line for line in result.err_lines if not line.startswith("warning")]
    assert [line.split(":")[:2] for line in errors] == [
        ["members/monona.yaml", " backup.retention_days"],
        ["members/verona.yaml", " contacts.billing"],
        ["members/verona.yaml", " population"],
    ]


def test_validate_json(registry_dir: Path) -> None:
    import json

    result = cli("validate", "--registry", registry_dir, "--json")
    doc = json.loads(result.out)
    assert doc["ok"] is True and doc["members"] == 9 and doc["warnings"] == []


def test_select_gives_the_members_asked_for_each_once_in_that_order() -> None:
    registry = load_registry(REPO)
    assert [e.member.slug for e in registry.select(["verona", "fitchburg", "verona"])] == ["verona", "fitchburg"]
    assert registry.entry("verona").path == "members/verona.yaml"


def test_every_unknown_slug_is_one_line_with_one_wording() -> None:
    registry = load_registry(REPO)
    with pytest.raises(InputError) as err:
        registry.select(["verona", "atlantis", "springfield"])
    assert str(err.value).splitlines() == [
        "members/atlantis.yaml: no such member in the registry",
        "members/springfield.yaml: no such member in the registry",
    ]
    with pytest.raises(InputError) as err:
        registry.entry("atlantis")
    assert str(err.value) == "members/atlantis.yaml: no such member in the registry"
