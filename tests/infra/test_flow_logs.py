"""Virtual network flow logs (infra/flow_logs.py): every VNet of the example logs its flows to the hub."""

from __future__ import annotations

import uuid

from consortium.registry import naming
from consortium.registry.models import MAX_FLOW_LOG_RETENTION_DAYS
from infra.flow_logs import TRAFFIC_ANALYTICS_INTERVAL_MINUTES
from infra.roles import Role
from tests.infra.helpers import of_type, one

FLOW_LOG = "azure-native:network:FlowLog"
VNET = "azure-native:network:VirtualNetwork"
ACCOUNT = "azure-native:storage:StorageAccount"
WATCHER = "azure-native:network:NetworkWatcher"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
WORKSPACE = "azure-native:operationalinsights:Workspace"


def test_retention_is_the_consortiums_log_retention_within_azures_limit(example_registry) -> None:
    c = example_registry.consortium
    assert c.log_retention_days == c.flow_log_retention_days == 120
    assert c.model_copy(update={"log_retention_days": 730}).flow_log_retention_days == MAX_FLOW_LOG_RETENTION_DAYS


def test_every_vnet_of_the_example_has_one_enabled_flow_log_to_the_hub(example_plan, example_registry) -> None:
    hub = next(s for s in example_plan.stacks if s.stack == "hub")
    watcher = one(hub, WATCHER)
    account = one(hub, ACCOUNT)
    identity = one(hub, IDENTITY, naming.flow_log_identity("dane-county"))
    workspace = one(hub, WORKSPACE)
    vnets = [r for r in example_plan.records if r.type == VNET]
    logs = {r.inputs["targetResourceId"]: r for r in example_plan.records if r.type == FLOW_LOG}
    assert len(vnets) > 1 and sorted(logs) == sorted(v.id for v in vnets)
    for vnet in vnets:
        log = logs[vnet.id].inputs
        assert log["flowLogName"] == naming.flow_log(vnet.inputs["virtualNetworkName"])
        assert log["enabled"] is True
        assert log["retentionPolicy"] == {"enabled": True, "days": example_registry.consortium.flow_log_retention_days}
        assert log["networkWatcherName"] == watcher.inputs["networkWatcherName"]
        assert log["resourceGroupName"] == watcher.inputs["resourceGroupName"] == "rg-dane-county-hub"
        assert log["location"] == vnet.inputs["location"] == watcher.inputs["location"]
        assert log["storageId"] == account.id
        assert log["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}
        analytics = log["flowAnalyticsConfiguration"]["networkWatcherFlowAnalyticsConfiguration"]
        assert analytics == {
            "enabled": True,
            "trafficAnalyticsInterval": TRAFFIC_ANALYTICS_INTERVAL_MINUTES,
            "workspaceId": hub.outputs["flow_logs"]["workspace_customer_id"],
            "workspaceRegion": workspace.inputs["location"],
            "workspaceResourceId": workspace.id,
        }
        assert uuid.UUID(analytics["workspaceId"])  # the workspace's GUID, not its name or ARM id
        # Each flow log carries its VNet's owner's tags, so its cost lands on that town (or the hub).
        assert log["tags"] == vnet.inputs["tags"]


def test_the_flow_log_account_refuses_shared_keys_and_the_identity_writes_as_itself(hub_plan) -> None:
    account = one(hub_plan, ACCOUNT)
    assert account.inputs["accountName"] == naming.storage_account("dane-county", naming.FLOW_LOGS)
    assert account.inputs["allowSharedKeyAccess"] is False
    assert account.inputs["publicNetworkAccess"] == "Disabled"
    assert account.inputs["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
    identity = one(hub_plan, IDENTITY, naming.flow_log_identity("dane-county"))
    [writer] = [a for a in of_type(hub_plan, ASSIGNMENT) if a.inputs["scope"] == account.id]
    assert identity.urn in writer.dependencies  # its principalId is the identity's
    assert writer.inputs["principalType"] == "ServicePrincipal"
    assert writer.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{Role.STORAGE_BLOB_DATA_CONTRIBUTOR}")
    # The hub's own flow log waits for that right; previous blob versions are cleared after a day.
    hub_log = one(hub_plan, FLOW_LOG)
    assert writer.urn in hub_log.dependencies
    assert one(hub_plan, WORKSPACE).urn in hub_log.dependencies  # traffic analytics reads its GUID
    [rule] = one(hub_plan, "azure-native:storage:ManagementPolicy").inputs["policy"]["rules"]
    assert rule["definition"]["actions"] == {"version": {"delete": {"daysAfterCreationGreaterThan": 1}}}


def test_a_member_flow_log_goes_through_the_hub_subscription(stack_plan) -> None:
    plan = stack_plan("verona")
    provider = one(plan, "pulumi:providers:azure-native")
    log = one(plan, FLOW_LOG)
    assert log.provider == provider.urn
    assert log.inputs["targetResourceId"] == one(plan, VNET).id


def test_the_hub_vnet_waits_for_the_consortiums_network_watcher(example_plan) -> None:
    """Azure auto-creates a watcher when a region's first VNet appears, and then refuses a second one:
    the program's watcher must exist first."""
    hub = next(s for s in example_plan.stacks if s.stack == "hub")
    vnet = one(hub, VNET)
    assert one(hub, WATCHER).urn in vnet.dependencies
