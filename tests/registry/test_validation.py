"""Single-file rules (the models), each turned into one clear line (:mod:`consortium.registry.validation`):
a case that fails with the right `path: field: message`, and one that passes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import DELETE, Data, assert_fails_with_one_clear_line, assert_passes, edits

# (case id, file, edit, expected field, expected message fragment)
FAILING: list[tuple[str, str, Callable[[Data], None], str, str]] = [
    ("slug-pattern", "members/verona.yaml", edits(("slug", "Verona!")), "slug", "3-24 characters"),
    ("slug-too-short", "members/verona.yaml", edits(("slug", "ve")), "slug", "3-24 characters"),
    ("slug-path-trick", "members/verona.yaml", edits(("slug", "../x")), "slug", "3-24 characters"),
    ("name-empty", "members/verona.yaml", edits(("name", "")), "name", "at least 1 character"),
    ("name-control-char", "members/verona.yaml", edits(("name", "City\x07 of Verona")), "name", "(found U+0007)"),
    ("name-line-separator", "members/verona.yaml", edits(("name", "City\u2028of Verona")), "name", "(found U+2028)"),
    (
        "address-as-integer",  # YAML reads an unquoted 3232248330 as a number; never taken as 192.168.50.10
        "members/verona.yaml",
        edits(("servers[0].address", 3232248330)),
        "servers[0].address",
        "3232248330 is a number, not an IPv4 address: write it dotted",
    ),
    (
        "network-as-integer",
        "consortium.yaml",
        edits(("network.hub", 168820736)),
        "network.hub",
        "168820736 is a number, not an IPv4 network",
    ),
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
        "cidr-host-bits",
        "members/verona.yaml",
        edits(("network.cidr", "10.64.33.0/20")),
        "network.cidr",
        "host bits set",
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
        "location-invalid",
        "consortium.yaml",
        edits(("azure.locations", ["Central US"])),
        "azure.locations[0]",
        "'Central US' must be an Azure region name as Azure writes it, e.g. centralus",
    ),
    (
        "server-name-pattern",
        "members/verona.yaml",
        edits(("servers[0].name", "VER_DC01")),
        "servers[0].name",
        "'VER_DC01' must be a host name of 2-15 characters",
    ),
    (
        "site-name-pattern",
        "members/verona.yaml",
        edits(("network.onprem[0].name", "Town Hall")),
        "network.onprem[0].name",
        "'Town Hall' must be 2-40 characters: lowercase letters",
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
    # The standard's account policy: what both baselines can set (pwquality, faillock; Windows' local policy).
    (
        "min-length-below-8",
        "consortium.yaml",
        edits(("account_policy.min_length", 7)),
        "account_policy.min_length",
        "greater than or equal to 8",
    ),
    (
        "min-classes-5",
        "consortium.yaml",
        edits(("account_policy.min_classes", 5)),
        "account_policy.min_classes",
        "less than or equal to 4",
    ),
    (
        "history-beyond-windows",
        "consortium.yaml",
        edits(("account_policy.history", 25)),
        "account_policy.history",
        "less than or equal to 24",
    ),
    (
        "lockout-never",
        "consortium.yaml",
        edits(("account_policy.lockout_threshold", 0)),
        "account_policy.lockout_threshold",
        "greater than or equal to 1",
    ),
    (
        "lockout-minutes-string",
        "consortium.yaml",
        edits(("account_policy.lockout_minutes", "15")),
        "account_policy.lockout_minutes",
        "integer",
    ),
    (
        "account-policy-unknown-key",
        "consortium.yaml",
        edits(("account_policy.minlen", 14)),
        "account_policy.minlen",
        "",
    ),
]


@pytest.mark.parametrize(("case", "rel", "edit", "field", "fragment"), FAILING, ids=[c[0] for c in FAILING])
def test_rule_fails_with_one_clear_line(
    registry_dir: Path, case: str, rel: str, edit: Callable[[Data], None], field: str, fragment: str
) -> None:
    assert_fails_with_one_clear_line(registry_dir, rel, edit, field, fragment)


# Near misses of the rules above: valid edge values must pass.
PASSING: list[tuple[str, str, Callable[[Data], None]]] = [
    ("slug-3-chars", "members/verona.yaml", edits(("slug", "ver"))),
    ("population-one", "members/verona.yaml", edits(("population", 1))),
    ("name-beyond-the-bmp", "members/verona.yaml", edits(("name", "City of Verona \u2603\U0001f600"))),
    (
        "member-deployer-uppercase-guid",
        "consortium.yaml",
        edits(("azure.member_deployers", ["0F8FAD5B-D9CB-469F-A165-70867728950E"])),
    ),
    ("retention-at-azure-limit", "members/verona.yaml", edits(("backup.retention_days", 200))),
    ("account-policy-absent", "consortium.yaml", edits(("account_policy", DELETE))),  # the standard's defaults
    (
        "account-policy-anssi",
        "consortium.yaml",
        edits(("account_policy.min_length", 15), ("account_policy.min_classes", 4)),
    ),
    (
        "weights-other-split",
        "consortium.yaml",
        edits(("costs.weights", {"equal": 0.5, "population": 0.5, "endpoints": 0.0})),
    ),
]


@pytest.mark.parametrize(("case", "rel", "edit"), PASSING, ids=[c[0] for c in PASSING])
def test_near_miss_passes(registry_dir: Path, case: str, rel: str, edit: Callable[[Data], None]) -> None:
    assert_passes(registry_dir, rel, edit, "members/ver.yaml" if case == "slug-3-chars" else None)
