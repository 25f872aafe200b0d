"""Loading a registry (:mod:`consortium.registry.load`): file names, the consortium's locations, every
problem reported at once, and picking members by slug."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consortium.registry import naming
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
        "norwayeast is not a region the toolkit can deploy to: the regions whose Azure Backup private DNS zone "
        "it knows are centralus, eastus, eastus2, northcentralus, southcentralus, westcentralus, westus, westus2, "
        "westus3",
    ),
    (
        "location-typo",
        "consortium.yaml",
        edits(("azure.locations", ["centrlus", "eastus2"])),
        "azure.locations[0]",
        "centrlus is not a region the toolkit can deploy to (did you mean centralus?)",
    ),
    (
        "hub-outside-supernet",
        "consortium.yaml",
        edits(("network.hub", "10.63.0.0/22")),
        "network.hub",
        "10.63.0.0/22 is outside the supernet 10.64.0.0/12",
    ),
    (
        "hub-wider-than-supernet",
        "consortium.yaml",
        edits(("network.hub", "10.0.0.0/8")),
        "network.hub",
        "10.0.0.0/8 is outside the supernet 10.64.0.0/12",
    ),
]


@pytest.mark.parametrize(("case", "rel", "edit", "field", "fragment"), FAILING, ids=[c[0] for c in FAILING])
def test_load_fails_with_one_clear_line(
    registry_dir: Path, case: str, rel: str, edit: Callable[[Data], None], field: str, fragment: str
) -> None:
    assert_fails_with_one_clear_line(registry_dir, rel, edit, field, fragment)


def test_no_message_sends_a_user_into_the_toolkits_source(registry_dir: Path) -> None:
    data = read(registry_dir / "consortium.yaml")
    data["azure"]["locations"] = ["centralus", "atlantis"]
    write(registry_dir / "consortium.yaml", data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2 and len(result.err_lines) == 1
    assert ".py" not in result.err and "consortium/" not in result.err
    with pytest.raises(ValueError) as err:
        naming.backup_private_dns_zone("atlantis")
    assert ".py" not in str(err.value) and "centralus" in str(err.value)


def test_consortium_section_checks_are_not_hidden_by_other_problems(registry_dir: Path) -> None:
    data = read(registry_dir / "consortium.yaml")
    data["azure"]["locations"] = ["centralus", "atlantis"]
    data["network"]["hub"] = "10.63.0.0/22"
    data["contacts"]["billing"] = "nobody"
    write(registry_dir / "consortium.yaml", data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2
    fields = [line.split(": ")[1] for line in result.err_lines]
    assert fields == ["azure.locations[1]", "contacts.billing", "network.hub"]


def test_slug_mismatch_is_not_hidden_by_other_problems(registry_dir: Path) -> None:
    verona = read(registry_dir / "members/verona.yaml")
    verona["slug"] = "verona-city"
    verona["population"] = -5
    write(registry_dir / "members/verona.yaml", verona)
    result = cli("validate", "--registry", registry_dir)
    assert [line.split(": ")[1] for line in result.err_lines] == ["population", "slug"]


# One problem on a server hid the next one: the server rules never saw a file the model refused.
SERVER_CASES = [
    (
        "bad-os-and-unreachable",
        {"os": "windows-2019", "address": "10.99.0.10"},
        ["servers[0].address: 10.99.0.10 is in neither", "servers[0].os: Input should be"],
    ),
    (
        "bad-name-and-unreachable",
        {"name": "VER_DC", "address": "10.99.0.10"},
        ["servers[0].address: 10.99.0.10 is in neither", "servers[0].name: 'VER_DC' must be"],
    ),
    (
        "unknown-key-and-another-members-name",
        {"name": "fit-dc01", "rack": 4},
        ["servers[0].name: fit-dc01 is already a server of members/fitchburg.yaml", "servers[0].rack: unknown field"],
    ),
    (
        "bad-role-and-repeated-name",
        {"name": "ver-app01", "role": "dc"},
        ["servers[0].role: Input should be", "servers[1].name: ver-app01 is already a server of members/verona.yaml"],
    ),
    (
        "repeated-name-and-unreachable",  # the model judges the names: no second line for the repeat
        {"name": "ver-app01", "address": "10.99.0.10"},
        ["servers: server names must be unique, repeated: ver-app01", "servers[0].address: 10.99.0.10 is in neither"],
    ),
    (
        "bad-address-alone",  # an address the model refused is not judged again
        {"address": "10.99.0.300"},
        ["servers[0].address: '10.99.0.300' is not a valid IPv4 address"],
    ),
]


@pytest.mark.parametrize(("case", "changes", "wanted"), SERVER_CASES, ids=[c[0] for c in SERVER_CASES])
def test_one_problem_on_a_server_hides_no_other(
    registry_dir: Path, case: str, changes: dict[str, object], wanted: list[str]
) -> None:
    verona = read(registry_dir / "members/verona.yaml")
    verona["servers"][0].update(changes)
    write(registry_dir / "members/verona.yaml", verona)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2 and "Traceback" not in result.err
    lines = [line.removeprefix("members/verona.yaml: ") for line in result.err_lines]
    assert len(lines) == len(wanted), lines
    for line, start in zip(lines, wanted, strict=True):
        assert line.startswith(start), (line, start)


def test_server_addresses_are_not_judged_when_the_network_is_invalid(registry_dir: Path) -> None:
    verona = read(registry_dir / "members/verona.yaml")
    verona["network"]["cidr"] = "not-a-network"
    verona["servers"][0]["os"] = "windows-2019"
    write(registry_dir / "members/verona.yaml", verona)
    result = cli("validate", "--registry", registry_dir)
    assert [line.split(": ")[1] for line in result.err_lines] == ["network.cidr", "servers[0].os"]


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


def test_counts_of_one_are_singular(registry_dir: Path) -> None:
    # Monona's LAN untranslated overlaps McFarland's: one warning (both are before networking).
    monona = read(registry_dir / "members/monona.yaml")
    del monona["network"]["onprem"][0]["nat_cidrs"]
    write(registry_dir / "members/monona.yaml", monona)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0 and len(result.err_lines) == 1, result.err
    assert result.out.strip().endswith(", 0 errors, 1 warning")


def test_validate_json(registry_dir: Path) -> None:
    import json

    result = cli("validate", "--registry", registry_dir, "--json")
    doc = json.loads(result.out)
    assert doc["ok"] is True and doc["members"] == 9 and doc["warnings"] == []


def test_select_gives_the_members_asked_for_each_once_in_that_order() -> None:
    registry = load_registry(REPO)
    assert [e.member.slug for e in registry.select(["verona", "fitchburg", "verona"])] == ["verona", "fitchburg"]
    assert registry.entry("verona").path == "members/verona.yaml"


def test_a_misspelt_slug_gets_a_suggestion_and_each_unknown_slug_one_line() -> None:
    registry = load_registry(REPO)
    with pytest.raises(InputError) as err:
        registry.select(["veronna", "atlantis", "veronna", "sunprairie"])
    assert str(err.value).splitlines() == [
        "members/atlantis.yaml: no such member in the registry",
        "members/sunprairie.yaml: no such member in the registry (did you mean sun-prairie?)",
        "members/veronna.yaml: no such member in the registry (did you mean verona?)",
    ]


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
