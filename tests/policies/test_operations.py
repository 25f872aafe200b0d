"""MCS-OPS-001 (each deployed service alerts the desk) and MCS-IAM-008 (the desk's least privilege), beyond
the one mutation each in mutations.py: the other ways they must fire, and silence on every bundled member."""

from __future__ import annotations

from typing import Any

from consortium.registry.load import Registry

from .helpers import messages, pick
from .mutations import ASSIGNMENT, OWNER, SUB, setp

ROLE_DEF = "azure-native:authorization:RoleDefinition"
AG = "azure-native:monitor:ActionGroup"
BUDGET = "azure-native:consumption:Budget"


def test_both_stay_quiet_on_every_bundled_member(records: list[dict[str, Any]], example_registry: Registry) -> None:
    assert messages("MCS-OPS-001", records, example_registry) == []
    assert messages("MCS-IAM-008", records, example_registry) == []


def test_a_phase_one_budget_that_notifies_no_desk_group_fails(records, example_registry) -> None:
    budget = pick(records, BUDGET, member="oregon")
    for n in budget["inputs"]["notifications"].values():
        n.pop("contactGroups")
    assert messages("MCS-OPS-001", records, example_registry, budget["urn"]) == [
        "budget budget-oregon notifies no action group of the service desk"
    ]


def test_an_action_group_that_does_not_mail_the_desk_routes_nothing(records, example_registry) -> None:
    group = pick(records, AG, member="verona")
    group["inputs"]["emailReceivers"] = [r for r in group["inputs"]["emailReceivers"] if r["name"] != "service-desk"]
    found = messages("MCS-OPS-001", records, example_registry)
    assert any(m.startswith("backup: Vault rsv-verona") for m in found)
    assert any(m.startswith("networking: VirtualNetworkGatewayConnection cn-verona") for m in found)


def test_the_desk_at_subscription_scope_fails(records, example_registry) -> None:
    desk = pick(records, ASSIGNMENT, where=lambda r: r["name"] == "verona-service-desk-desk-role")
    setp(desk, "scope", SUB)
    assert messages("MCS-IAM-008", records, example_registry, desk["urn"]) == [
        f"the service desk is assigned at {SUB}, a subscription or wider"
    ]


def test_a_desk_role_that_writes_or_reaches_wider_fails(records, example_registry) -> None:
    role = pick(records, ROLE_DEF, member="oregon")
    role["inputs"]["permissions"][0]["actions"].append("Microsoft.Compute/virtualMachines/delete")
    role["inputs"]["assignableScopes"] = [SUB]
    assert messages("MCS-IAM-008", records, example_registry, role["urn"]) == [
        "the service desk's role grants Microsoft.Compute/virtualMachines/delete, not one of the desk's actions",
        f"the service desk's role is assignable at {SUB}, a subscription or wider",
    ]


def test_the_desk_given_owner_by_a_changed_role_fails(records, example_registry) -> None:
    desk = pick(records, ASSIGNMENT, member="oregon", where=lambda r: r["name"] == "oregon-service-desk-desk-role")
    setp(desk, "roleDefinitionId", OWNER)
    assert messages("MCS-IAM-008", records, example_registry, desk["urn"]) == ["grants Owner to the service desk"]
