"""The desk's side of every member and of the hub: action groups, each service's alerts, the desk's role."""

from __future__ import annotations

import pytest

from consortium.registry.desk_access import role_actions
from consortium.registry.models import Service

from .helpers import inputs, of_type, one

AG = "azure-native:monitor:ActionGroup"
RULES = (
    "azure-native:monitor:MetricAlert",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:monitor:ActivityLogAlert",
    "azure-native:alertsmanagement:AlertProcessingRuleByName",
)


def scopes(record):
    return record.inputs.get("scopes") or record.inputs["properties"]["scopes"]


def routed_to(record):
    i = record.inputs
    if "properties" in i:
        return [g for a in i["properties"]["actions"] for g in a["actionGroupIds"]]
    if isinstance(i["actions"], list):
        return [a["actionGroupId"] for a in i["actions"]]
    groups = i["actions"]["actionGroups"]
    return [g["actionGroupId"] if isinstance(g, dict) else g for g in groups]


@pytest.mark.parametrize("slug", ["oregon", "cottage-grove"])
def test_a_phase_one_member_mails_the_desk_and_its_it_lead_and_its_budget_alerts_them(
    stack_plan, example_registry, slug
):
    plan = stack_plan(slug)
    group = one(plan, AG)
    member = example_registry.entry(slug).member
    assert [r["emailAddress"] for r in group.inputs["emailReceivers"]] == [
        example_registry.consortium.contacts.service_desk,
        member.contacts.it_lead,
    ]
    assert group.inputs["enabled"] is True and len(group.inputs["groupShortName"]) <= 12
    for n in inputs(plan, "azure-native:consumption:Budget")["notifications"].values():
        assert n["contactGroups"] == [group.id] and n["contactEmails"]
    assert not [r for t in RULES for r in of_type(plan, t)], "no service beyond the desk yet: no rule"


def test_each_service_alerts_on_its_own_resource(stack_plan):
    plan = stack_plan("verona")  # phase 4: every service
    group = one(plan, AG)
    rules = [r for t in RULES for r in of_type(plan, t)]
    assert rules and all(routed_to(r) == [group.id] for r in rules)
    by_name = {r.name: r for r in rules}
    vault = one(plan, "azure-native:recoveryservices:Vault")
    assert scopes(by_name["alert-verona-backup-job-failed"]) == [vault.id]
    assert scopes(by_name["alert-verona-backup-missing"]) == [vault.id]
    kv = one(plan, "azure-native:keyvault:Vault")
    assert scopes(by_name["alert-verona-key-vault-availability"]) == [kv.id]
    assert scopes(by_name["alert-verona-key-vault-access-denied"]) == [kv.id]
    connections = [r.id for r in of_type(plan, "azure-native:network:VirtualNetworkGatewayConnection")]
    assert connections and scopes(by_name["alert-verona-vpn-tunnel-down"]) == connections
    # The vault raises Azure Backup's built-in alerts and writes the tables the 36-hour rule reads.
    settings = vault.inputs["properties"]["monitoringSettings"]
    assert settings["azureMonitorAlertSettings"]["alertsForAllJobFailures"] == "Enabled"
    diagnostics = of_type(plan, "azure-native:monitor:DiagnosticSetting")
    diag = next(r for r in diagnostics if r.inputs["resourceUri"] == vault.id)
    assert diag.inputs["logAnalyticsDestinationType"] == "Dedicated"


def test_the_hub_alerts_the_desk_on_its_firewall_and_gateway(hub_plan, example_registry):
    group = one(hub_plan, AG)
    assert [r["emailAddress"] for r in group.inputs["emailReceivers"]] == [
        example_registry.consortium.contacts.service_desk
    ]
    firewall = one(hub_plan, "azure-native:network:AzureFirewall")
    gateway = one(hub_plan, "azure-native:network:VirtualNetworkGateway")
    health = one(hub_plan, "azure-native:monitor:MetricAlert", "alert-hub-firewall-health")
    assert health.inputs["scopes"] == [firewall.id] and health.inputs["criteria"]["allOf"][0]["threshold"] == 90
    assert one(hub_plan, "azure-native:monitor:ActivityLogAlert").inputs["scopes"] == [gateway.id]


@pytest.mark.parametrize("slug", ["oregon", "sun-prairie", "monona", "verona"])
def test_the_desk_role_grows_with_the_phase_and_stays_in_the_town(stack_plan, example_registry, slug):
    plan = stack_plan(slug)
    rg = one(plan, "azure-native:resources:ResourceGroup")
    role = one(plan, "azure-native:authorization:RoleDefinition")
    services = example_registry.consortium.services_for(example_registry.entry(slug).member.phase)
    assert role.inputs["assignableScopes"] == [rg.id] and role.inputs["scope"] == rg.id
    assert role.inputs["permissions"] == [
        {"actions": role_actions(services), "notActions": [], "dataActions": [], "notDataActions": []}
    ]
    desk = one(plan, "azure-native:authorization:RoleAssignment", f"{slug}-service-desk-desk-role")
    assert desk.inputs["scope"] == rg.id and desk.inputs["principalType"] == "Group"
    assert desk.inputs["roleDefinitionId"].endswith(role.inputs["roleDefinitionId"])
    assert ("Microsoft.Compute/virtualMachines/restart/action" in role_actions(services)) == (
        Service.NETWORKING in services
    )
