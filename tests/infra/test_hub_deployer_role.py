"""The hub's "member deployer, hub side" role covers exactly what member stacks do to the hub.

The coverage test plans the hub, every example member as it is, every example member at the
networking phase (site VPNs), and Monona at the networking phase (a NAT site), and finds every member
resource that touches the hub: created in the hub's resource group, created through the hub
subscription's provider, or naming a hub resource's id in its inputs (a DNS zone group's zone, the
peering's remote VNet, a diagnostic setting's workspace). Each one's type must be in the role's
mapping, and each mapping entry must be used, so the role neither lacks nor carries a permission.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Iterable

import pytest

from consortium.plan import runner
from consortium.plan.records import Plan, ResourceRecord, StackPlan
from consortium.registry import naming
from consortium.registry.load import Registry
from consortium.registry.models import Service
from consortium.registry.stackconfig import hub_stack
from infra.hub_deployer_role import HUB_SIDE_ACTIONS, PURPOSE, role_actions
from infra.hub_outputs import HubOutput
from tests.infra.helpers import of_type, one
from tests.planned_example import AS_OF, BUDGET_START

ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
AZURE_PROVIDER = "pulumi:providers:azure-native"
DEPLOYERS = ["0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"]
# A Microsoft action string: provider namespace, resource type path, operation; no wildcard anywhere.
ACTION = re.compile(r"^Microsoft\.[A-Za-z]+(/[A-Za-z]+)+/(read|write|delete|action)$")
# What a town's deployer must never do in the hub (lowercase prefixes of action strings).
FORBIDDEN = (
    "microsoft.authorization/",
    "microsoft.network/azurefirewalls/",
    "microsoft.network/firewallpolicies/",
    "microsoft.network/virtualnetworkgateways/write",
    "microsoft.network/virtualnetworkgateways/delete",
    "microsoft.network/routetables/write",
    "microsoft.network/routetables/delete",
    "microsoft.network/virtualnetworks/write",
    "microsoft.network/virtualnetworks/delete",
    "microsoft.network/virtualnetworks/subnets/",
    "microsoft.network/privatednszones/write",
    "microsoft.network/privatednszones/delete",
    "microsoft.operationalinsights/workspaces/write",
    "microsoft.operationalinsights/workspaces/delete",
)


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def hub_side(member: StackPlan, hub: StackPlan) -> list[ResourceRecord]:
    """The member's resources that need rights on the hub's resource group."""
    rg = one(hub, RESOURCE_GROUP)
    rg_name, rg_prefix = rg.inputs["resourceGroupName"], f"{rg.id}/".lower()
    hub_providers = {
        r.urn
        for r in of_type(member, AZURE_PROVIDER)
        if r.inputs.get("subscriptionId") == hub.outputs[HubOutput.SUBSCRIPTION_ID.value]
    }
    found = []
    for r in member.records:
        if not r.custom or r.type.startswith("pulumi:providers:"):
            continue
        in_hub = r.inputs.get("resourceGroupName") == rg_name
        via_hub = any(r.provider is not None and (r.provider + "::").startswith(u + "::") for u in hub_providers)
        names_hub = any(s.lower().startswith(rg_prefix) for s in _strings(r.inputs))
        if in_hub or via_hub or names_hub:
            found.append(r)
    return found


@pytest.fixture(scope="module")
def member_plans(
    example_registry: Registry, example_plan: Plan, plan_member_at: Callable[[str, int], StackPlan]
) -> list[StackPlan]:
    networking = next(p.phase for p in example_registry.consortium.phases if Service.NETWORKING in p.services)
    members = [s for s in example_plan.stacks if s.stack != "hub"]
    at_networking = [plan_member_at(s.stack, networking) for s in members]
    assert "monona" in {s.stack for s in at_networking}  # the example's NAT site
    return members + at_networking


@pytest.fixture(scope="module")
def hub_with_deployers(example_registry: Registry) -> StackPlan:
    stack = hub_stack(example_registry).model_copy(update={"member_deployers": DEPLOYERS})
    return runner.plan_stack(stack, budget_start=BUDGET_START, as_of=AS_OF)


def test_every_hub_side_member_resource_has_its_permissions(member_plans, hub_plan):
    used: set[str] = set()
    for plan in member_plans:
        for r in hub_side(plan, hub_plan):
            assert r.type in HUB_SIDE_ACTIONS, (
                f"{plan.stack}: {r.type} {r.name} touches the hub but infra/hub_deployer_role.py grants nothing for it"
            )
            used.add(r.type)
    # The NAT rule only exists at the networking phase: proof that the plans reached it.
    assert "azure-native:network:VirtualNetworkGatewayNatRule" in used
    assert set(HUB_SIDE_ACTIONS) - used == set(), "the role grants actions for types no member stack uses"


def test_the_detector_sees_a_new_hub_side_resource(member_plans, hub_plan):
    plan = next(
        p for p in member_plans if p.stack == "monona" and of_type(p, "azure-native:network:LocalNetworkGateway")
    )
    lng = one(plan, "azure-native:network:LocalNetworkGateway")
    # The same resource under a type the role does not know (as a future hub-side resource would be).
    stranger = dataclasses.replace(lng, type="azure-native:network:Unknown")
    fake = dataclasses.replace(plan, records=[stranger])
    assert [r.type for r in hub_side(fake, hub_plan)] == ["azure-native:network:Unknown"]


def test_the_role_is_assignable_on_the_hub_resource_group_only(hub_plan, example_registry):
    rg = one(hub_plan, RESOURCE_GROUP)
    role = one(hub_plan, ROLE_DEFINITION).inputs
    assert role["scope"] == rg.id
    assert role["assignableScopes"] == [rg.id]
    assert role["roleType"] == "CustomRole"
    c = example_registry.consortium.slug
    assert role["roleDefinitionId"] == naming.role_definition(c, PURPOSE) == str(uuid.UUID(role["roleDefinitionId"]))
    assert role["roleName"] == naming.role_display_name(c, PURPOSE) and role["roleName"].startswith(c)
    assert naming.role_definition(c, PURPOSE) != naming.role_definition("other-consortium", PURPOSE)


def test_the_role_grants_the_mapping_and_nothing_wide(hub_plan):
    [permissions] = one(hub_plan, ROLE_DEFINITION).inputs["permissions"]
    actions = permissions["actions"]
    assert actions == role_actions() and len(actions) == len(set(actions))
    assert not permissions.get("notActions") and not permissions.get("dataActions")
    for action in actions:
        assert "*" not in action and ACTION.match(action), action
        assert not action.lower().startswith(FORBIDDEN), f"{action} reaches beyond what member stacks need"


def test_one_assignment_per_deployer_on_the_hub_group(hub_with_deployers):
    rg = one(hub_with_deployers, RESOURCE_GROUP)
    role_id = hub_with_deployers.outputs[HubOutput.MEMBER_DEPLOYER_ROLE_ID.value]
    guid = one(hub_with_deployers, ROLE_DEFINITION).inputs["roleDefinitionId"]
    subscription = hub_with_deployers.outputs[HubOutput.SUBSCRIPTION_ID.value]
    assert role_id == f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    assignments = [a for a in of_type(hub_with_deployers, ASSIGNMENT) if a.inputs["scope"] == rg.id]
    assert sorted(a.inputs["principalId"] for a in assignments) == sorted(DEPLOYERS)
    for a in assignments:
        assert a.inputs["scope"] == rg.id
        assert a.inputs["roleDefinitionId"] == role_id
        assert a.inputs["principalType"] == "ServicePrincipal"
        assert str(uuid.UUID(a.inputs["roleAssignmentName"])) == a.inputs["roleAssignmentName"]
    assert len({a.inputs["roleAssignmentName"] for a in assignments}) == len(DEPLOYERS)


def test_the_example_hub_assigns_the_role_to_its_configured_deployers(hub_plan, example_registry):
    rg = one(hub_plan, RESOURCE_GROUP)
    assigned = sorted(a.inputs["principalId"] for a in of_type(hub_plan, ASSIGNMENT) if a.inputs["scope"] == rg.id)
    assert assigned == sorted(example_registry.consortium.azure.member_deployers)
    assert json.dumps(hub_plan.outputs[HubOutput.MEMBER_DEPLOYER_ROLE_ID.value]).count("roleDefinitions/") == 1
