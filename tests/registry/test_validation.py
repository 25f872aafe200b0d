"""Every validation rule: a case that fails with the right `path: field: message`, and one that passes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .helpers import cli, read, write

Data = dict[str, Any]


def set_path(data: Data, dotted: str, value: Any) -> None:
    """Set ``a.b[0].c``-style paths in nested dicts/lists (creating dicts on the way)."""
    parts = dotted.replace("]", "").replace("[", ".").split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    last = parts[-1]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value


DELETE = object()


def edits(*pairs: tuple[str, Any]) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        for dotted, value in pairs:
            set_path(data, dotted, value)

    return apply


# (case id, file, edit, expected field, expected message fragment)
FAILING: list[tuple[str, str, Callable[[Data], None], str, str]] = [
    ("slug-pattern", "members/verona.yaml", edits(("slug", "Verona!")), "slug", "3-24 characters"),
    ("slug-too-short", "members/verona.yaml", edits(("slug", "ve")), "slug", "3-24 characters"),
    ("slug-path-trick", "members/verona.yaml", edits(("slug", "../x")), "slug", "3-24 characters"),
    (
        "slug-not-filename",
        "members/verona.yaml",
        edits(("slug", "verona-city")),
        "slug",
        "must equal the file name",
    ),
    ("name-empty", "members/verona.yaml", edits(("name", "")), "name", "at least 1 character"),
    ("kind-unknown", "members/verona.yaml", edits(("kind", "hamlet")), "kind", "'town'"),
    ("population-zero", "members/verona.yaml", edits(("population", 0)), "population", "greater than 0"),
    (
        "population-string",
        "members/verona.yaml",
        edits(("population", "14030")),
        "population",
        "valid integer",
    ),
    ("joined-bad-date", "members/verona.yaml", edits(("joined", "2021-02-30")), "joined", "date"),
    ("status-unknown", "members/verona.yaml", edits(("status", "paused")), "status", "'onboarding'"),
    ("phase-zero", "members/verona.yaml", edits(("phase", 0)), "phase", "greater than or equal to 1"),
    (
        "phase-not-in-consortium",
        "members/verona.yaml",
        edits(("phase", 5)),
        "phase",
        "not a phase of consortium.yaml",
    ),
    (
        "contact-not-email",
        "members/verona.yaml",
        edits(("contacts.billing", "clerk at verona")),
        "contacts.billing",
        "e-mail address",
    ),
    (
        "contact-missing",
        "members/verona.yaml",
        edits(("contacts.it_lead", DELETE)),
        "contacts.it_lead",
        "required field is missing",
    ),
    ("admins-empty", "members/verona.yaml", edits(("admins", [])), "admins", "at least 1 item"),
    (
        "admins-duplicate",
        "members/verona.yaml",
        edits(("admins", ["a.nguyen@dane-consortium.example", "A.Nguyen@dane-consortium.example"])),
        "admins",
        "must be unique",
    ),
    (
        "admin-foreign-domain",
        "members/verona.yaml",
        edits(("admins", ["a.nguyen@gmail.com"])),
        "admins[0]",
        "not in a tenant domain",
    ),
    (
        "cidr-host-bits",
        "members/verona.yaml",
        edits(("network.cidr", "10.64.33.0/20")),
        "network.cidr",
        "host bits set",
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
        "onprem-private-public-ip",
        "members/verona.yaml",
        edits(("network.onprem[0].public_ip", "192.168.0.1")),
        "network.onprem[0].public_ip",
        "not a public address",
    ),
    (
        "onprem-doc-public-ip",
        "members/verona.yaml",
        edits(("network.onprem[0].public_ip", "203.0.113.9")),
        "network.onprem[0].public_ip",
        "not a public address",
    ),
    (
        "onprem-overlaps-supernet",
        "members/verona.yaml",
        edits(("network.onprem[0].cidrs", ["10.70.0.0/24"])),
        "network.onprem[0].cidrs[0]",
        "overlaps the consortium supernet",
    ),
    (
        "onprem-overlaps-each-other",
        "members/fitchburg.yaml",
        edits(("network.onprem[1].cidrs", ["172.20.1.0/24"])),
        "network.onprem",
        "overlaps 172.20.1.0/24",
    ),
    (
        "onprem-duplicate-site",
        "members/fitchburg.yaml",
        edits(("network.onprem[1].name", "city-hall")),
        "network.onprem",
        "site names must be unique",
    ),
    (
        "endpoints-negative",
        "members/verona.yaml",
        edits(("endpoints.windows", -1)),
        "endpoints.windows",
        "greater than or equal to 0",
    ),
    (
        "server-bad-os",
        "members/verona.yaml",
        edits(("servers[0].os", "windows-xp")),
        "servers[0].os",
        "'windows-server-2016'",
    ),
    (
        "server-duplicate",
        "members/verona.yaml",
        edits(("servers[1].name", "ver-dc01")),
        "servers",
        "server names must be unique",
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
    (
        "retention-above-azure-limit",
        "members/verona.yaml",
        edits(("backup.retention_days", 365)),
        "backup.retention_days",
        "less than or equal to 200",
    ),
    (
        "offsite-not-bool",
        "members/verona.yaml",
        edits(("backup.offsite", "no")),
        "backup.offsite",
        "valid boolean",
    ),
    (
        "unknown-field-suggestion",
        "members/verona.yaml",
        edits(("backup.retention_day", 40)),
        "backup.retention_day",
        "unknown field (did you mean 'retention_days'?)",
    ),
    ("unknown-top-field", "members/verona.yaml", edits(("vpn_psk", "hunter2")), "vpn_psk", "unknown field"),
    # consortium.yaml
    ("phases-gap", "consortium.yaml", edits(("phases[1].phase", 3)), "phases", "numbered 1..4"),
    (
        "phases-service-twice",
        "consortium.yaml",
        edits(("phases[1].services", ["backup", "service_desk"])),
        "phases",
        "turned on by phase 1 and 2",
    ),
    (
        "weights-not-one",
        "consortium.yaml",
        edits(("costs.weights.equal", 0.3)),
        "costs.weights",
        "add up to 1.0",
    ),
    (
        "member-prefix-too-big",
        "consortium.yaml",
        edits(("network.supernet", "10.64.0.0/20")),
        "network",
        "must be smaller than the supernet",
    ),
    (
        "hub-too-small",
        "consortium.yaml",
        edits(("network.hub", "10.64.0.0/24")),
        "network",
        "hub needs a /22 or larger",
    ),
    (
        "default-retention-below-min",
        "consortium.yaml",
        edits(("backup.default_retention_days", 10)),
        "backup",
        "below minimum_retention_days",
    ),
    (
        "location-without-backup-zone",
        "consortium.yaml",
        edits(("azure.locations", ["centralus", "norwayeast"])),
        "azure.locations[1]",
        "no Azure Backup private DNS zone is known",
    ),
    (
        "location-invalid",
        "consortium.yaml",
        edits(("azure.locations", ["Central US"])),
        "azure.locations[0]",
        "must match",
    ),
    (
        "member-deployer-not-guid",
        "consortium.yaml",
        edits(("azure.member_deployers", ["deployer@dane-consortium.example"])),
        "azure.member_deployers[0]",
        "is not an Entra ID object id",
    ),
    (
        "member-deployer-braced-guid",
        "consortium.yaml",
        edits(("azure.member_deployers", ["{0f8fad5b-d9cb-469f-a165-70867728950e}"])),
        "azure.member_deployers[0]",
        "usual 8-4-4-4-12 form",
    ),
    (
        "member-deployer-twice",
        "consortium.yaml",
        edits(
            ("azure.member_deployers", ["0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E"])
        ),
        "azure.member_deployers",
        "listed more than once",
    ),
]


@pytest.mark.parametrize(("case", "rel", "edit", "field", "fragment"), FAILING, ids=[c[0] for c in FAILING])
def test_rule_fails_with_one_clear_line(
    registry: Path, case: str, rel: str, edit: Callable[[Data], None], field: str, fragment: str
) -> None:
    data = read(registry / rel)
    edit(data)
    write(registry / rel, data)
    result = cli("validate", "--registry", registry)
    assert result.code == 2, result
    wanted = f"{rel}: {field}: "
    matching = [line for line in result.err_lines if line.startswith(wanted)]
    assert matching, f"no line starting {wanted!r} in:\n{result.err}"
    assert any(fragment in line for line in matching), f"{fragment!r} not in {matching}"
    assert "Traceback" not in result.err
    assert result.out == ""


# Near misses of the rules above: valid edge values must pass.
PASSING: list[tuple[str, str, Callable[[Data], None]]] = [
    ("slug-3-chars", "members/verona.yaml", edits(("slug", "ver"))),  # file renamed in the test
    ("retention-at-minimum", "members/verona.yaml", edits(("backup.retention_days", 30))),
    ("retention-default", "members/verona.yaml", edits(("backup", {"offsite": False}))),
    ("population-one", "members/verona.yaml", edits(("population", 1))),
    (
        "member-deployer-uppercase-guid",
        "consortium.yaml",
        edits(("azure.member_deployers", ["0F8FAD5B-D9CB-469F-A165-70867728950E"])),
    ),
    ("retention-at-azure-limit", "members/verona.yaml", edits(("backup.retention_days", 200))),
    (
        "onprem-next-to-supernet",
        "members/verona.yaml",
        edits(("network.onprem[0].cidrs", ["10.10.0.0/23", "10.80.0.0/24"])),
    ),
    ("no-servers-no-onprem", "members/verona.yaml", edits(("servers", []), ("network.onprem", []))),
    ("server-in-spoke", "members/verona.yaml", edits(("servers[0].address", "10.64.32.10"))),
    ("server-without-address", "members/verona.yaml", edits(("servers[0].address", DELETE))),
    ("phase-max", "members/oregon.yaml", edits(("phase", 4))),
    (
        "weights-other-split",
        "consortium.yaml",
        edits(("costs.weights", {"equal": 0.5, "population": 0.5, "endpoints": 0.0})),
    ),
    ("hub-outside-supernet", "consortium.yaml", edits(("network.hub", "10.63.0.0/22"))),
]


@pytest.mark.parametrize(("case", "rel", "edit"), PASSING, ids=[c[0] for c in PASSING])
def test_near_miss_passes(registry: Path, case: str, rel: str, edit: Callable[[Data], None]) -> None:
    data = read(registry / rel)
    edit(data)
    target = registry / rel
    if case == "slug-3-chars":
        target.unlink()
        target = registry / "members/ver.yaml"
    write(target, data)
    result = cli("validate", "--registry", registry)
    assert result.code == 0, result.err
    assert result.out.startswith("ok: dane-county: 9 members")


def test_example_registry_is_valid_without_warnings(registry: Path) -> None:
    # McFarland and Monona share 192.168.1.0/24; Monona's is translated (nat_cidrs), so no warning.
    result = cli("validate", "--registry", registry)
    assert result.code == 0
    assert (
        result.out.strip() == "ok: dane-county: 9 members (phase 1: 2, phase 2: 2, phase 3: 2, phase 4: 3), "
        "0 errors, 0 warnings"
    )
    assert result.err_lines == []


def test_example_overlap_without_nat_is_a_warning_naming_both(registry: Path) -> None:
    data = read(registry / "members/monona.yaml")
    del data["network"]["onprem"][0]["nat_cidrs"]
    write(registry / "members/monona.yaml", data)
    result = cli("validate", "--registry", registry)
    assert result.code == 0
    assert result.err_lines == [
        "warning: members/mcfarland.yaml: network.onprem[0].cidrs[0]: 192.168.1.0/24 of Village of McFarland "
        "overlaps 192.168.1.0/24 of City of Monona (members/monona.yaml); their site-to-site VPNs need NAT: "
        "give one site nat_cidrs before both reach networking"
    ]


def test_onprem_overlap_between_members_is_a_warning_not_an_error(registry: Path) -> None:
    data = read(registry / "members/waunakee.yaml")
    data["network"]["onprem"][0]["cidrs"] = ["10.10.0.0/24"]  # inside Verona's 10.10.0.0/23
    data["servers"] = []
    write(registry / "members/waunakee.yaml", data)
    result = cli("validate", "--registry", registry)
    assert result.code == 0
    assert any("Village of Waunakee" in line and "City of Verona" in line for line in result.err_lines)


def test_every_problem_is_reported_at_once(registry: Path) -> None:
    verona = read(registry / "members/verona.yaml")
    verona["population"] = -5
    verona["contacts"]["billing"] = "nobody"
    write(registry / "members/verona.yaml", verona)
    monona = read(registry / "members/monona.yaml")
    monona["backup"] = {"retention_days": 1}
    write(registry / "members/monona.yaml", monona)
    result = cli("validate", "--registry", registry)
    assert result.code == 2
    errors = [line for line in result.err_lines if not line.startswith("warning")]
    assert [line.split(":")[:2] for line in errors] == [
        ["members/monona.yaml", " backup.retention_days"],
        ["members/verona.yaml", " contacts.billing"],
        ["members/verona.yaml", " population"],
    ]


def test_validate_json(registry: Path) -> None:
    import json

    result = cli("validate", "--registry", registry, "--json")
    doc = json.loads(result.out)
    assert doc["ok"] is True and doc["members"] == 9 and doc["warnings"] == []
