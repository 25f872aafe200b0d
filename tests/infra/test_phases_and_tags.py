"""Phase gating (a member only gets what its phase turns on) and the tags on every taggable resource."""

from __future__ import annotations

import importlib
import inspect
from functools import cache

import pytest

from consortium.registry.models import Service

# Phase 1: the tenancy and the service desk's side of it (its action group, its role), which needs
# the hub's service-desk group.
BASE = {
    "consortium:member:Member",
    "consortium:member:Budget",
    "azure-native:resources:ResourceGroup",
    "azure-native:consumption:Budget",
    "consortium:member:Alerts",
    "azure-native:monitor:ActionGroup",
    "consortium:member:DeskAccess",
    "azure-native:authorization:RoleDefinition",
    "azure-native:authorization:RoleAssignment",
    "pulumi:pulumi:StackReference",
}
BACKUP = {
    "azure-native:alertsmanagement:AlertProcessingRuleByName",
    "azure-native:monitor:ScheduledQueryRule",
    "consortium:member:Backup",
    "azure-native:recoveryservices:Vault",
    "azure-native:recoveryservices:ProtectionPolicy",
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:storage:BlobContainer",
    "azure-native:monitor:DiagnosticSetting",
}
IDENTITY = {
    "azure-native:monitor:MetricAlert",
    "consortium:member:Identity",
    "azuread:index/group:Group",
    "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy",
    "azure-native:authorization:RoleAssignment",
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:keyvault:Vault",
    "azure-native:monitor:DiagnosticSetting",
}
# The spoke as far as private endpoints need it: with backup or identity, or with networking.
LANDING_ZONE = {
    "consortium:member:Network",
    "pulumi:providers:azure-native",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:RouteTable",
    "azure-native:network:Route",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:VirtualNetworkPeering",
    "azure-native:monitor:DiagnosticSetting",
    "azure-native:network:FlowLog",  # every VNet has its flow log, from the landing zone on
}
# What networking adds to it (every example member in phase 4 has on-premises sites).
NETWORK = LANDING_ZONE | {
    "azure-native:network:LocalNetworkGateway",
    "azure-native:network:VirtualNetworkGatewayConnection",
    "azure-native:monitor:ActivityLogAlert",
}
HUB_READ = {"pulumi:pulumi:StackReference"}
BY_SERVICE = {Service.BACKUP: BACKUP, Service.IDENTITY: IDENTITY, Service.NETWORKING: NETWORK}
# With something private to reach (backup or identity), in every phase that has it.
PRIVATE_ENDPOINTS = {
    "consortium:member:PrivateEndpoints",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:PrivateDnsZoneGroup",
}


def expected_types(services: set[Service]) -> set[str]:
    types = set(BASE)
    for service, extra in BY_SERVICE.items():
        if service in services:
            types |= extra | HUB_READ
    if services & {Service.BACKUP, Service.IDENTITY}:
        types |= LANDING_ZONE | PRIVATE_ENDPOINTS
    return types


@pytest.mark.parametrize("slug", ["oregon", "cottage-grove"])
def test_a_phase_one_member_gets_its_resource_group_budget_and_the_desks_side(stack_plan, slug):
    plan = stack_plan(slug)
    assert {r.type for r in plan.records} == BASE
    # One of each: the desk's role, its assignment and its action group come with the tenancy.
    assert len(plan.records) == len(BASE)


def test_the_example_members_get_exactly_their_phases_services(example_registry, stack_plan):
    for entry in example_registry.members:
        m = entry.member
        services = set(example_registry.consortium.services_for(m.phase))
        assert {r.type for r in stack_plan(m.slug).records} == expected_types(services), m.slug


@pytest.mark.parametrize("phase", [1, 2, 3, 4])
def test_the_same_member_grows_with_its_phase(plan_member_at, example_registry, phase):
    plan = plan_member_at("fitchburg", phase)
    services = set(example_registry.consortium.services_for(phase))
    assert {r.type for r in plan.records} == expected_types(services)
    # Tags carry the phase the registry says.
    rg = next(r for r in plan.records if r.type == "azure-native:resources:ResourceGroup")
    assert rg.inputs["tags"]["phase"] == str(phase)


def test_vpn_secrets_are_only_required_with_networking(plan_member_at):
    """A phase-2 member with town-hall sites plans (and deploys) without any VPN key set."""
    plan = plan_member_at("sun-prairie", 2)
    assert not any("Gateway" in r.type for r in plan.records)


# --------------------------------------------------------------------------- tags

TAG_KEYS = {"consortium", "member", "cost-center", "phase", "managed-by"}


@cache
def taggable(type_: str) -> bool:
    """Whether the SDK's resource class for a type token takes a ``tags`` input."""
    package, module, name = type_.split(":")
    if package == "azure-native":
        cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    elif package == "azuread":
        cls = getattr(importlib.import_module("pulumi_azuread"), name)
    else:
        return False  # providers, stack references, our components
    return "tags" in inspect.signature(cls._internal_init).parameters


def test_every_taggable_resource_carries_the_stacks_tags(example_registry, example_plan):
    from consortium.registry.stackconfig import hub_stack, member_stack

    expected = {"hub": hub_stack(example_registry).tags}
    for entry in example_registry.members:
        expected[entry.member.slug] = member_stack(example_registry, entry.member).tags
    checked = 0
    for record in example_plan.records:
        if taggable(record.type):
            assert record.inputs.get("tags") == expected[record.stack], f"{record.stack}: {record.name}"
            assert set(record.inputs["tags"]) == TAG_KEYS
            checked += 1
    assert checked > 80


def test_member_tags_name_the_member_and_its_cost_center(stack_plan):
    vault = next(r for r in stack_plan("verona").records if r.type == "azure-native:recoveryservices:Vault")
    assert vault.inputs["tags"] == {
        "consortium": "dane-county",
        "member": "verona",
        "cost-center": "dane-county-verona",
        "phase": "4",
        "managed-by": "consortium-toolkit",
    }
    # A member's resources in the hub's resource group are still billed to the member.
    connection = next(r for r in stack_plan("verona").records if r.type.endswith("VirtualNetworkGatewayConnection"))
    assert connection.inputs["resourceGroupName"] == "rg-dane-county-hub"
    assert connection.inputs["tags"]["cost-center"] == "dane-county-verona"
