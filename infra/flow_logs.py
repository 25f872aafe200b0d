"""Virtual network flow logs: every VNet's flows kept as evidence, analysed in the hub workspace.

NSG flow logs are retired (no new ones since June 2025); their successor is a *virtual network flow
log*: a ``Microsoft.Network/networkWatchers/flowLogs`` resource whose target is the VNet itself, so
one per VNet covers every subnet. The hub owns what they need (:class:`HubFlowLogs`):

* the consortium's own **Network Watcher** in the hub's resource group and region. Azure allows one
  per subscription and region and auto-creates ``NetworkWatcher_<region>`` in ``NetworkWatcherRG``
  when a VNet is created; the program declares its own instead of depending on that one, before the
  hub's VNet (so a new subscription never gets Azure's). In a subscription that already has VNets in
  the region, delete the auto-created watcher (or opt the subscription out of auto-creation) before
  the first ``pulumi up`` of the hub, or Azure refuses the second watcher;
* one **storage account** for the raw flow records (Azure wants it in the VNet's region; every VNet of
  the consortium is in its primary region, ``HubStack.location``, so one account serves them all),
  secured like every account of the standard: TLS 1.2, HTTPS only, no anonymous access, no shared
  key, no local users, private only with the trusted-services exception (Network Watcher is a
  trusted service), private endpoints in the hub, immutability support like every account (blob
  versioning with it, so a lifecycle rule drops previous versions after a day);
* a **user-assigned identity** the flow logs write with (Storage Blob Data Contributor on that
  account only): with it the account needs no shared key.

Each flow log (:func:`vnet_flow_log`: the hub's VNet here, each town's spoke from its own stack,
through the hub's subscription) is enabled, keeps its records ``HubStack.flow_log_retention_days`` (the
registry's one log retention, the workspace's too, within the 365 days Azure keeps flow records at
most: ``Consortium.flow_log_retention_days``) and sends them to
*traffic analytics* in the hub workspace every 60 minutes: Azure prices the 10-minute interval higher
per GB processed (not re-checked offline), and near-real-time processing serves a watch floor the
consortium does not staff; its investigations come after the fact, for which an hour's delay costs
nothing.

Not verified on Azure (no tenant here): that Network Watcher writes through the trusted-services
exception of an account whose public network access is Disabled, and that a member stack may place
its spoke's flow log under the hub's watcher when the member's subscription is not the hub's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization, managedidentity, network, storage

from consortium.registry import naming

from .diagnostics import send_to_workspace
from .private_endpoint import EndpointTarget, storage_targets
from .roles import Role, role_definition_id_output
from .storage_account import standard_account

# Traffic analytics' processing interval in minutes (Azure offers 10 or 60): see the module docstring.
TRAFFIC_ANALYTICS_INTERVAL_MINUTES = 60


# The fields of a FlowLogSink the hub exports in its ``flow_logs`` output, each under its own name (a
# member knows its resource group and region itself).
EXPORTED_FIELDS = (
    "network_watcher_name",
    "storage_account_id",
    "identity_id",
    "workspace_customer_id",
    "workspace_id",
    "retention_days",
)


@dataclass(frozen=True)
class FlowLogSink:
    """Where a flow log goes: the hub's watcher, account, identity and workspace (all in the hub's group)."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    network_watcher_name: pulumi.Input[str]
    storage_account_id: pulumi.Input[str]
    identity_id: pulumi.Input[str]
    workspace_customer_id: pulumi.Input[str]  # the workspace's GUID, which traffic analytics also wants
    workspace_id: pulumi.Input[str]
    retention_days: pulumi.Input[int]

    @classmethod
    def from_output(
        cls, resource_group_name: pulumi.Input[str], location: pulumi.Input[str], values: pulumi.Output[Any]
    ) -> FlowLogSink:
        """The sink a member reads from the hub's ``flow_logs`` output (a dict keyed by EXPORTED_FIELDS)."""
        parts = {key: values.apply(lambda v, key=key: v[key]) for key in EXPORTED_FIELDS}
        return cls(resource_group_name=resource_group_name, location=location, **parts)

    def output(self) -> dict[str, pulumi.Input[Any]]:
        """What the hub exports as ``flow_logs`` (the inverse of :meth:`from_output`)."""
        return {key: getattr(self, key) for key in EXPORTED_FIELDS}


def vnet_flow_log(
    vnet_name: str,
    vnet_id: pulumi.Input[str],
    sink: FlowLogSink,
    *,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> network.FlowLog:
    """The VNet's flow log under the hub's watcher (``opts`` carries the hub's provider for a member)."""
    name = naming.flow_log(vnet_name)
    return network.FlowLog(
        name,
        flow_log_name=name,
        network_watcher_name=sink.network_watcher_name,
        resource_group_name=sink.resource_group_name,
        location=sink.location,
        target_resource_id=vnet_id,
        storage_id=sink.storage_account_id,
        enabled=True,
        format={"type": "JSON", "version": 2},
        retention_policy={"enabled": True, "days": sink.retention_days},
        identity={"type": "UserAssigned", "user_assigned_identities": [sink.identity_id]},
        flow_analytics_configuration={
            "network_watcher_flow_analytics_configuration": {
                "enabled": True,
                "traffic_analytics_interval": TRAFFIC_ANALYTICS_INTERVAL_MINUTES,
                "workspace_id": sink.workspace_customer_id,
                "workspace_region": sink.location,
                "workspace_resource_id": sink.workspace_id,
            }
        },
        tags=tags,
        opts=opts,
    )


@dataclass(frozen=True)
class HubFlowLogsArgs:
    consortium_slug: str
    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]
    workspace_customer_id: pulumi.Input[str]
    retention_days: int  # HubStack.flow_log_retention_days
    tags: dict[str, str]


class HubFlowLogs(pulumi.ComponentResource):
    """The hub's Network Watcher, flow-log account and identity: everything a flow log writes to."""

    network_watcher: network.NetworkWatcher
    storage_account: storage.StorageAccount
    identity: managedidentity.UserAssignedIdentity
    writer: authorization.RoleAssignment
    sink: FlowLogSink

    def __init__(self, name: str, args: HubFlowLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:FlowLogs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        slug = args.consortium_slug

        watcher_name = naming.network_watcher(slug, args.location)
        self.network_watcher = network.NetworkWatcher(
            watcher_name,
            network_watcher_name=watcher_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            opts=child,
        )
        identity_name = naming.flow_log_identity(slug)
        self.identity = managedidentity.UserAssignedIdentity(
            identity_name,
            resource_name_=identity_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            opts=child,
        )
        self._account_name = account_name = naming.storage_account(slug, naming.FLOW_LOGS)
        # Geo-redundant like every account: the flow records are security evidence and must outlive a
        # regional outage. Hot: written every minute, read by traffic analytics every hour. The flow logs
        # write as their identity (no shared key), Network Watcher as a trusted Azure service.
        self.storage_account = standard_account(
            account_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            access_tier="Hot",
            services=["blob"],
            tags=args.tags,
            opts=child,
        )
        # Immutability support turns blob versioning on, and a flow log commits its hourly blob about
        # once a minute: every commit would keep the whole blob as a version. Previous versions go
        # after a day; the current blobs stay for the flow logs' own retention.
        storage.ManagementPolicy(
            f"{account_name}-lifecycle",
            management_policy_name="default",  # Azure's only name for an account's lifecycle policy
            account_name=self.storage_account.name,
            resource_group_name=args.resource_group_name,
            policy={
                "rules": [
                    {
                        "name": "previous-versions",
                        "enabled": True,
                        "type": "Lifecycle",
                        "definition": {
                            "filters": {"blob_types": ["blockBlob"]},
                            "actions": {"version": {"delete": {"days_after_creation_greater_than": 1}}},
                        },
                    }
                ]
            },
            opts=child,
        )
        # Who read or deleted the flow records (StorageRead/Write/Delete, MCS-LOG-006): the blob
        # service's own setting, as on the backup accounts; logs only (see member_backup).
        send_to_workspace(
            f"{account_name}-blob-service",
            self.storage_account.id.apply(lambda account_id: f"{account_id}/blobServices/default"),
            args.workspace_id,
            metrics=False,
            parent=self,
        )
        role = Role.STORAGE_BLOB_DATA_CONTRIBUTOR
        # The flow logs write before the first record only once their identity may: the hub's own
        # flow log depends on this (members' are deployed after the hub).
        self.writer = authorization.RoleAssignment(
            f"{identity_name}-blob-data-contributor",
            role_assignment_name=naming.role_assignment(slug, naming.HUB, identity_name, role.name),
            scope=self.storage_account.id,
            principal_id=self.identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id_output(args.subscription_id, role),
            opts=child,
        )
        self.sink = FlowLogSink(
            resource_group_name=args.resource_group_name,
            location=args.location,
            network_watcher_name=self.network_watcher.name,
            storage_account_id=self.storage_account.id,
            identity_id=self.identity.id,
            workspace_customer_id=args.workspace_customer_id,
            workspace_id=args.workspace_id,
            retention_days=args.retention_days,
        )
        self.register_outputs({"storage_account_id": self.storage_account.id})

    def private_endpoint_targets(self) -> list[EndpointTarget]:
        """The account's endpoints (it refuses public access); the hub creates them in its subnet. Its
        file service holds nothing, but MCS-NET-016 wants every group of a private-only account reachable
        privately, and one endpoint (about $7 a month) is cheaper than a standing exemption."""
        return storage_targets(self._account_name, self.storage_account.id)
