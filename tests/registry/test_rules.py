"""The rules that span files (:mod:`consortium.registry.rules`): through ``validate``, a case that fails
with the right `path: field: message` and a near miss that passes; called directly, what each rule returns."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from consortium.registry import rules
from consortium.registry.load import load_registry
from consortium.registry.models import MemberEntry
from tests.conftest import REPO

from .helpers import DELETE, Data, assert_fails_with_one_clear_line, assert_passes, cli, edits, read, write

# (case id, file, edit, expected field, expected message fragment)
FAILING: list[tuple[str, str, Callable[[Data], None], str, str]] = [
    (
        "phase-not-in-consortium",
        "members/verona.yaml",
        edits(("phase", 5)),
        "phase",
        "not a phase of consortium.yaml",
    ),
    (
        "admin-foreign-domain",
        "members/verona.yaml",
        edits(("admins", ["a.nguyen@gmail.com"])),
        "admins[0]",
        "not in a tenant domain",
    ),
    (
        "cidr-wrong-size",
        "members/verona.yaml",
        edits(("network.cidr", "10.64.32.0/21")),
        "network.cidr",
        "member blocks are /20",
    ),
    (
        "cidr-outside-supernet",
        "members/verona.yaml",
        edits(("network.cidr", "10.96.0.0/20")),
        "network.cidr",
        "outside the supernet 10.64.0.0/12",
    ),
    (
        "cidr-overlaps-hub",
        "members/verona.yaml",
        edits(("network.cidr", "10.64.0.0/20")),
        "network.cidr",
        "overlaps the hub",
    ),
    (
        "cidr-overlaps-member",
        "members/verona.yaml",
        edits(("network.cidr", "10.64.16.0/20")),
        "network.cidr",
        "10.64.16.0/20 overlaps members/fitchburg.yaml",
    ),
    (
        "cidr-missing",
        "members/verona.yaml",
        edits(("network.cidr", DELETE)),
        "network.cidr",
        "not allocated yet; run `consortium onboard members/verona.yaml`",
    ),
    (
        "onprem-overlaps-supernet",
        "members/verona.yaml",
        edits(("network.onprem[0].cidrs", ["10.70.0.0/24"])),
        "network.onprem[0].cidrs[0]",
        "overlaps the consortium supernet",
    ),
    (
        "server-name-taken-by-other-member",
        "members/verona.yaml",
        edits(("servers[1].name", "fit-app01")),
        "servers[1].name",
        "already a server of members/fitchburg.yaml",
    ),
    (
        "server-address-unreachable",
        "members/verona.yaml",
        edits(("servers[0].address", "172.31.9.9")),
        "servers[0].address",
        "in neither network.cidr nor an on-prem range",
    ),
    (
        "retention-below-minimum",
        "members/verona.yaml",
        edits(("backup.retention_days", 29)),
        "backup.retention_days",
        "below the consortium minimum of 30 days",
    ),
]


@pytest.mark.parametrize(("case", "rel", "edit", "field", "fragment"), FAILING, ids=[c[0] for c in FAILING])
def test_rule_fails_with_one_clear_line(
    registry_dir: Path, case: str, rel: str, edit: Callable[[Data], None], field: str, fragment: str
) -> None:
    assert_fails_with_one_clear_line(registry_dir, rel, edit, field, fragment)


# Near misses of the rules above: valid edge values must pass.
PASSING: list[tuple[str, str, Callable[[Data], None]]] = [
    ("retention-at-minimum", "members/verona.yaml", edits(("backup.retention_days", 30))),
    ("retention-default", "members/verona.yaml", edits(("backup", {"offsite": False}))),
    (
        "onprem-next-to-supernet",
        "members/verona.yaml",
        edits(("network.onprem[0].cidrs", ["10.10.0.0/23", "10.80.0.0/24"])),
    ),
    ("no-servers-no-onprem", "members/verona.yaml", edits(("servers", []), ("network.onprem", []))),
    ("server-in-spoke", "members/verona.yaml", edits(("servers[0].address", "10.64.32.10"))),
    ("server-without-address", "members/verona.yaml", edits(("servers[0].address", DELETE))),
    ("phase-max", "members/oregon.yaml", edits(("phase", 4))),
]


@pytest.mark.parametrize(("case", "rel", "edit"), PASSING, ids=[c[0] for c in PASSING])
def test_near_miss_passes(registry_dir: Path, case: str, rel: str, edit: Callable[[Data], None]) -> None:
    assert_passes(registry_dir, rel, edit)


def test_example_overlap_without_nat_is_a_warning_naming_both(registry_dir: Path) -> None:
    data = read(registry_dir / "members/monona.yaml")
    del data["network"]["onprem"][0]["nat_cidrs"]
    write(registry_dir / "members/monona.yaml", data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0
    assert result.err_lines == [
        "warning: members/mcfarland.yaml: network.onprem[0].cidrs[0]: 192.168.1.0/24 of Village of McFarland "
        "overlaps 192.168.1.0/24 of City of Monona (members/monona.yaml); their site-to-site VPNs need NAT: "
        "give one site nat_cidrs before both reach networking"
    ]


def test_onprem_overlap_between_members_is_a_warning_not_an_error(registry_dir: Path) -> None:
    data = read(registry_dir / "members/waunakee.yaml")
    data["network"]["onprem"][0]["cidrs"] = ["10.10.0.0/24"]  # inside Verona's 10.10.0.0/23
    data["servers"] = []
    write(registry_dir / "members/waunakee.yaml", data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0
    assert any("Village of Waunakee" in line and "City of Verona" in line for line in result.err_lines)


# --------------------------------------------------------------------------- the rules called directly


def _with_block(entry: MemberEntry, cidr: str) -> MemberEntry:
    network = entry.member.network.model_copy(update={"cidr": IPv4Network(cidr)})
    return MemberEntry(entry.path, entry.member.model_copy(update={"network": network}))


def test_every_rule_finds_nothing_in_the_example() -> None:
    registry = load_registry(REPO)
    found = rules.check_registry(registry.consortium, registry.members)
    assert found == rules.Findings([], [])


def test_a_shared_block_is_reported_once_per_member_naming_the_first_other() -> None:
    registry = load_registry(REPO)
    first, second, third = (_with_block(e, "10.64.16.0/20") for e in registry.members[:3])
    problems = rules.blocks_disjoint(registry.consortium.network, [first, second, third])
    assert [(p.path, p.message) for p in problems] == [
        (first.path, f"10.64.16.0/20 overlaps {second.path}"),
        (second.path, f"10.64.16.0/20 overlaps {first.path}"),
        (third.path, f"10.64.16.0/20 overlaps {first.path}"),
    ]


def test_a_misplaced_block_is_not_also_reported_as_an_overlap() -> None:
    registry = load_registry(REPO)
    network = registry.consortium.network
    wrong_size, other = (
        _with_block(registry.members[0], "10.64.16.0/21"),
        _with_block(registry.members[1], "10.64.16.0/20"),
    )
    assert [p.field for p in rules.blocks_fit_the_address_plan(network, [wrong_size, other])] == ["network.cidr"]
    assert rules.blocks_disjoint(network, [wrong_size, other]) == []


def test_a_lan_clash_only_warns_while_a_town_is_onboarding() -> None:
    registry = load_registry(REPO)
    monona = registry.entry("monona")
    site = monona.member.network.onprem[0].model_copy(update={"nat_cidrs": None})
    untranslated = monona.member.model_copy(
        update={"phase": 4, "network": monona.member.network.model_copy(update={"onprem": [site]})}
    )
    mcfarland = registry.entry("mcfarland")
    mcfarland = MemberEntry(mcfarland.path, mcfarland.member.model_copy(update={"phase": 4}))
    entries = [mcfarland, MemberEntry(monona.path, untranslated)]
    strict = rules.lan_clashes(registry.consortium, entries, frozenset())
    assert len(strict.errors) == 2 and strict.warnings == []
    onboarding = rules.lan_clashes(registry.consortium, entries, frozenset({"monona"}))
    assert onboarding.errors == [] and len(onboarding.warnings) == 1
