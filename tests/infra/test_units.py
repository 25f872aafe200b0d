"""The program's pure parts (names, routes, rules, its stack config's checks) and one component planned on its own."""

from __future__ import annotations

import re
from datetime import date

import pytest

from consortium.paths import PROGRAM_DIR
from consortium.plan import runner
from consortium.registry import naming
from consortium.registry.ipam import HUB_ADMIN_SUBNET
from consortium.registry.models import OnPremSite
from consortium.registry.stackconfig import member_stack
from infra import security_rules
from infra.hub_firewall import rule_collections
from infra.member_backup import MAX_BLOB_SOFT_DELETE_DAYS, MemberBackup, MemberBackupArgs
from infra.member_budget import MemberBudget, MemberBudgetArgs
from infra.member_network import spoke_routes, subnet_rules
from policies.network import LATERAL_PORTS
from tests.infra.helpers import inputs
from tests.planned_example import AS_OF, BUDGET_START

LONGEST_SLUG = "a23456789-123456789-1234"  # 24 characters, the registry's maximum


@pytest.mark.parametrize("owner", ["verona", "hub", LONGEST_SLUG, "sun--prairie"])
def test_key_vault_names_fit_azures_rules(owner):
    name = naming.key_vault("dane-county", owner)
    assert re.fullmatch(r"[a-z][a-z0-9-]{1,22}[a-z0-9]", name), name
    assert "--" not in name
    assert name == naming.key_vault("dane-county", owner)
    assert name != naming.key_vault("other-consortium", owner)


@pytest.mark.parametrize("owner", ["verona", "hub", LONGEST_SLUG, "sun-prairie"])
def test_storage_account_names_fit_azures_rules(owner):
    name = naming.storage_account("dane-county", owner)
    assert re.fullmatch(r"[a-z0-9]{3,24}", name), name
    assert name != naming.storage_account("other-consortium", owner)


def test_role_assignment_names_are_stable_guids():
    a = naming.role_assignment("dane-county", "verona", "admins", "CONTRIBUTOR")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", a)
    assert a == naming.role_assignment("dane-county", "verona", "admins", "CONTRIBUTOR")
    assert a != naming.role_assignment("dane-county", "monona", "admins", "CONTRIBUTOR")


def test_spoke_routes():
    site = OnPremSite(name="city-hall", public_ip="66.188.12.5", cidrs=["10.10.0.0/23", "10.10.4.0/24"])
    routes = spoke_routes("10.64.0.4", "10.64.0.0/12", "10.64.1.0/24", [site])
    assert [(r["name"], r["address_prefix"], r["next_hop_type"]) for r in routes] == [
        ("default-via-firewall", "0.0.0.0/0", "VirtualAppliance"),
        ("spokes-via-firewall", "10.64.0.0/12", "VirtualAppliance"),
        ("shared-services-via-firewall", "10.64.1.0/24", "VirtualAppliance"),
        ("onprem-city-hall-0", "10.10.0.0/23", "VirtualNetworkGateway"),
        ("onprem-city-hall-1", "10.10.4.0/24", "VirtualNetworkGateway"),
    ]
    assert all(r.get("next_hop_ip_address") == "10.64.0.4" for r in routes[:3])


def test_only_used_subnets_accept_management():
    assert [r["name"] for r in subnet_rules("servers", "10.64.0.128/25")] == [
        "allow-management-inbound",
        "deny-internet-inbound",
        "deny-lateral-management-outbound",
    ]
    assert [r["name"] for r in subnet_rules("private-endpoints", "10.64.0.128/25")] == [
        "deny-internet-inbound",
        "deny-lateral-management-outbound",
    ]


def test_only_the_hubs_management_subnet_may_open_remote_management():
    from infra.hub_network import subnet_rules as hub_rules

    lateral = "deny-lateral-management-outbound"
    assert lateral not in [r["name"] for r in hub_rules(HUB_ADMIN_SUBNET, "10.64.0.0/12")]
    for subnet in ("shared-services", "private-endpoints"):
        assert lateral in [r["name"] for r in hub_rules(subnet, "10.64.0.0/12")]


def test_the_lateral_deny_blocks_every_management_port_the_hub_uses_and_what_the_standard_asks():
    deny = security_rules.deny_lateral_management_outbound()
    assert deny["destination_port_ranges"] == list(security_rules.MANAGEMENT_PORTS)
    assert sorted(int(p) for p in security_rules.MANAGEMENT_PORTS) == sorted(LATERAL_PORTS)
    # Ahead of the inbound rules' numbers does not matter (directions are separate); ahead of any outbound allow does.
    assert deny["direction"] == "Outbound" and deny["priority"] < security_rules.DENY_PRIORITY


def test_firewall_rule_collections_are_ordered_and_deny_spoke_to_spoke():
    collections = rule_collections("10.64.0.0/12", "10.64.1.0/24")
    assert [c.priority for c in collections] == sorted(c.priority for c in collections)
    deny = next(c for c in collections if c.action.type == "Deny")
    assert deny.rules[0].source_addresses == deny.rules[0].destination_addresses == ["10.64.0.0/12"]


def _plan_alone(example_registry, build):
    """Plan one component on its own (a stack holding just it) under the mock runtime."""
    config = member_stack(example_registry, example_registry.entry("verona").member)
    return runner.plan_stack(config, budget_start=BUDGET_START, as_of=AS_OF, program=lambda: build(config))


def test_backup_alone_caps_blob_soft_delete_at_azures_limit(example_registry):
    def build(config):
        MemberBackup(
            "backup",
            MemberBackupArgs(
                consortium_slug="dane-county",
                member_slug="verona",
                resource_group_name="rg-test",
                location="centralus",
                retention_days=400,
                workspace_id="/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/z",
                tags=config.tags,
            ),
        )

    plan = _plan_alone(example_registry, build)
    policy = inputs(plan, "azure-native:recoveryservices:ProtectionPolicy", "rsv-verona-vm-daily")
    assert policy["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"] == 400
    blob = inputs(plan, "azure-native:storage:BlobServiceProperties")
    assert blob["deleteRetentionPolicy"]["days"] == MAX_BLOB_SOFT_DELETE_DAYS


def test_budget_alone_alerts_every_threshold_and_starts_on_the_first(example_registry):
    def build(config):
        MemberBudget(
            "budget",
            MemberBudgetArgs(
                member_slug="verona",
                scope="/subscriptions/x/resourceGroups/rg-test",
                amount=1538.0,
                thresholds=[50, 80, 100],
                contacts=["clerk@verona.example", "finance@dane-consortium.example"],
                start=date(2026, 3, 1),
            ),
        )

    budget = inputs(_plan_alone(example_registry, build), "azure-native:consumption:Budget")
    assert budget["amount"] == 1538 and budget["timeGrain"] == "Monthly" and budget["category"] == "Cost"
    assert budget["timePeriod"] == {"startDate": "2026-03-01T00:00:00Z"}
    assert sorted(n["threshold"] for n in budget["notifications"].values()) == [50, 80, 100]
    for notification in budget["notifications"].values():
        assert notification["contactEmails"] == ["clerk@verona.example", "finance@dane-consortium.example"]
        assert notification["enabled"] is True


def test_budget_refuses_a_start_that_is_not_the_first(example_registry):
    def build(config):
        MemberBudget(
            "budget",
            MemberBudgetArgs(
                member_slug="v", scope="/x", amount=1.0, thresholds=[100], contacts=[], start=date(2026, 3, 2)
            ),
        )

    with pytest.raises(ValueError, match="first of a month"):
        _plan_alone(example_registry, build)


def test_the_member_budget_is_the_registrys(example_registry, stack_plan):
    budget = inputs(stack_plan("verona"), "azure-native:consumption:Budget")
    stack = member_stack(example_registry, example_registry.entry("verona").member)
    assert budget["amount"] == stack.budget.amount
    assert budget["scope"].endswith("/resourceGroups/rg-dane-county-verona")
    assert budget["timePeriod"]["startDate"] == f"{BUDGET_START.isoformat()}T00:00:00Z"


def test_the_pulumi_entry_point_runs_the_program(example_registry, hub_plan, stack_plan):
    """``pulumi up`` runs ``infra/`` as a script (runpy on the directory); it must build the same stack."""
    import runpy

    config = member_stack(example_registry, example_registry.entry("verona").member)
    plan = runner.plan_stack(
        config,
        hub_outputs=hub_plan.outputs,
        budget_start=BUDGET_START,
        as_of=AS_OF,
        program=lambda: runpy.run_path(str(PROGRAM_DIR), run_name="__main__"),
    )
    assert plan.records == stack_plan("verona").records


def test_invalid_stack_config_fails_with_readable_lines(example_registry):
    import pulumi

    from consortium.registry.stackconfig import hub_stack
    from infra.program import read_stack

    data = hub_stack(example_registry).model_dump(mode="json")
    data.pop("subnets")
    data["log_retention_days"] = "lots"
    with pytest.raises(pulumi.RunError) as err:
        read_stack(data)
    lines = str(err.value).splitlines()
    assert any(line.startswith("consortium:stack: hub.subnets: ") for line in lines)
    assert any("hub.log_retention_days" in line for line in lines)
    assert lines[-1] == "re-render the stack config: consortium render"
