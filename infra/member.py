"""A member's tenancy (one stack per member): resource group, budget, and what its phase turns on.

The registry decides which services a member gets (``MemberStack.services``: its phase and every
earlier one); this component only switches on the matching components. Every member has its
resource group and budget from day one, since the service desk works in that tenancy, and with
them the desk's side: :class:`~infra.member_alerts.MemberAlerts` (an action group mailing the desk and
the town's IT lead, and each service's alerts as its phase arrives) and
:class:`~infra.member_desk_access.MemberDeskAccess` (the desk's own least-privilege role on the
resource group, its actions growing with the services):

* ``backup``     -> :class:`~infra.member_backup.MemberBackup`
* ``identity``   -> :class:`~infra.member_identity.MemberIdentity`
* ``networking`` -> :class:`~infra.member_network.MemberNetwork` with its workloads: the spoke's
  workload subnets, on-premises routes and site VPNs

and, as soon as Backup or Identity has a private-only resource to reach, the member's *landing
zone* (:class:`~infra.member_network.MemberNetwork` without workloads) and
:class:`~infra.member_private_endpoints.MemberPrivateEndpoints` in it, deployed with the vaults
(Azure refuses an ``AzureBackup`` endpoint on a vault that already protects an item). Reaching the
networking phase later updates the same resources in place.

A leaving town (``MemberStack.member.leaving``) keeps its data-bearing resources protected and
retained on delete (:mod:`infra.retention`); from its unhook date (compared with ``as_of``, the
run's date, which the entry point reads from the stack config) its network is unhooked from the hub
and its own rights withdrawn; the rest stays as it is until the town has left.

The hub's outputs are read through a ``StackReference``; from phase 1 the desk's role assignment
needs the hub's service-desk group, so the hub is deployed first (as it always was for later phases).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pulumi
from pulumi_azure_native import resources

from consortium.registry import naming
from consortium.registry.models import HUB_SERVICES, Service
from consortium.registry.stackconfig import MemberStack

from .flow_logs import FlowLogSink
from .hub_outputs import HubOutput, HubReference, hub_stack_name
from .member_alerts import MemberAlerts, MemberAlertsArgs
from .member_backup import MemberBackup, MemberBackupArgs
from .member_budget import MemberBudget, MemberBudgetArgs
from .member_desk_access import MemberDeskAccess, MemberDeskAccessArgs
from .member_identity import MemberIdentity, MemberIdentityArgs
from .member_network import PRIVATE_ENDPOINTS_SUBNET, HubView, MemberNetwork, MemberNetworkArgs
from .member_private_endpoints import MemberPrivateEndpoints, MemberPrivateEndpointsArgs
from .private_endpoint import EndpointTarget


@dataclass(frozen=True)
class MemberArgs:
    stack: MemberStack
    tenant_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    budget_start: date
    # The run's date (infra.program.as_of): decides whether a leaving town is unhooked yet.
    as_of: date
    # Only read when the member has ``identity``: the registry's admins, looked up by UPN.
    admin_object_ids: pulumi.Input[list[str]] | None = None
    # Only read when the member has ``networking``: site -> VPN shared key (a secret).
    vpn_shared_keys: dict[str, pulumi.Input[str]] | None = None


class Member(pulumi.ComponentResource):
    resource_group: resources.ResourceGroup

    def __init__(self, name: str, args: MemberArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:Member", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stack = args.stack
        member, consortium_slug, tags = stack.member, stack.consortium.slug, stack.tags
        services = set(stack.services)
        unhooked = member.unhooked(args.as_of)

        rg_name = naming.resource_group(consortium_slug, member.slug)
        self.resource_group = rg = resources.ResourceGroup(
            rg_name, resource_group_name=rg_name, location=stack.location, tags=tags, opts=child
        )
        hub = HubReference(hub_stack_name(stack.hub_stack), opts=child)
        MemberDeskAccess(
            "desk-access",
            MemberDeskAccessArgs(
                consortium_slug=consortium_slug,
                consortium_name=stack.consortium.name,
                member_slug=member.slug,
                services=tuple(stack.services),
                resource_group_id=rg.id,
                subscription_id=args.subscription_id,
                service_desk_group_id=hub.get(HubOutput.SERVICE_DESK_GROUP_ID),
            ),
            opts=child,
        )
        watched = self._services(args, rg, hub, services, unhooked)
        alerts = MemberAlerts(
            "alerts",
            MemberAlertsArgs(
                member_slug=member.slug,
                resource_group_name=rg.name,
                location=stack.location,
                services=tuple(stack.services),
                service_desk_email=stack.consortium.contacts.service_desk,
                it_lead_email=member.contacts.it_lead,
                tags=tags,
                **watched,
            ),
            opts=child,
        )
        MemberBudget(
            "budget",
            MemberBudgetArgs(
                member_slug=member.slug,
                scope=rg.id,
                amount=stack.budget.amount,
                thresholds=stack.budget.thresholds,
                contacts=stack.budget.contacts,
                start=args.budget_start,
                action_group_ids=(alerts.action_group_id,),
            ),
            opts=child,
        )
        self.register_outputs({"resource_group_id": rg.id})

    def _services(
        self,
        args: MemberArgs,
        rg: resources.ResourceGroup,
        hub: HubReference,
        services: set[Service],
        unhooked: bool,
    ) -> dict[str, Any]:
        """Build the member's hub services; return what the desk's alerts watch (MemberAlertsArgs fields)."""
        child = pulumi.ResourceOptions(parent=self)
        stack = args.stack
        member, consortium_slug, tags = stack.member, stack.consortium.slug, stack.tags
        watched: dict[str, Any] = {}
        if not services & HUB_SERVICES:
            return watched
        # What the private endpoints must reach, from the components that own it.
        targets: list[EndpointTarget] = []
        if Service.BACKUP in services:
            backup = MemberBackup(
                "backup",
                MemberBackupArgs(
                    consortium_slug=consortium_slug,
                    member_slug=member.slug,
                    resource_group_name=rg.name,
                    location=stack.location,
                    retention_days=stack.backup_retention_days,
                    workspace_id=hub.get(HubOutput.WORKSPACE_ID),
                    tags=tags,
                    kept_until=stack.data_kept_until,
                ),
                opts=child,
            )
            targets += backup.private_endpoint_targets()
            watched["vault_id"] = backup.vault.id
        if Service.IDENTITY in services:
            if args.admin_object_ids is None:
                raise ValueError(f"{member.slug} has identity but no admin object ids were looked up")
            identity = MemberIdentity(
                "identity",
                MemberIdentityArgs(
                    consortium_slug=consortium_slug,
                    member_slug=member.slug,
                    member_name=member.name,
                    resource_group_name=rg.name,
                    resource_group_id=rg.id,
                    location=stack.location,
                    tenant_id=args.tenant_id,
                    subscription_id=args.subscription_id,
                    admin_object_ids=args.admin_object_ids,
                    service_desk_group_id=hub.get(HubOutput.SERVICE_DESK_GROUP_ID),
                    auditors_group_id=hub.get(HubOutput.AUDITORS_GROUP_ID),
                    workspace_id=hub.get(HubOutput.WORKSPACE_ID),
                    tags=tags,
                    kept_until=stack.data_kept_until,
                    rights_withdrawn=unhooked,
                ),
                opts=child,
            )
            targets += identity.private_endpoint_targets()
            watched["key_vault_id"] = identity.key_vault.id
        workloads = Service.NETWORKING in services
        if workloads or targets:
            if member.network.cidr is None:  # stackconfig refuses this; keep the type checker honest
                raise ValueError(f"{member.slug} has no allocated network.cidr")
            # One component, one name, in both steps: the landing zone grows into the full spoke in place.
            spoke = MemberNetwork(
                "network",
                MemberNetworkArgs(
                    member_slug=member.slug,
                    resource_group_name=rg.name,
                    location=stack.location,
                    cidr=str(member.network.cidr),
                    subnets={k: str(v) for k, v in stack.subnets.items()},
                    supernet=str(stack.supernet),
                    management_range=str(stack.management_range),
                    sites=list(member.network.onprem),
                    vpn_shared_keys=dict(args.vpn_shared_keys or {}),
                    hub=HubView(
                        subscription_id=hub.get(HubOutput.SUBSCRIPTION_ID),
                        location=hub.get(HubOutput.LOCATION),
                        resource_group_name=hub.get(HubOutput.RESOURCE_GROUP),
                        vnet_id=hub.get(HubOutput.VNET_ID),
                        vnet_name=hub.get(HubOutput.VNET_NAME),
                        firewall_private_ip=hub.get(HubOutput.FIREWALL_PRIVATE_IP),
                        shared_services_prefix=hub.get(HubOutput.SHARED_SERVICES_PREFIX),
                        shared_services_route_table_name=hub.get(HubOutput.SHARED_SERVICES_ROUTE_TABLE),
                        vpn_gateway_id=hub.get(HubOutput.VPN_GATEWAY_ID),
                        workspace_id=hub.get(HubOutput.WORKSPACE_ID),
                        flow_logs=FlowLogSink.from_output(
                            hub.get(HubOutput.RESOURCE_GROUP), hub.get(HubOutput.LOCATION), hub.get(HubOutput.FLOW_LOGS)
                        ),
                    ),
                    tags=tags,
                    workloads=workloads,
                    hooked=not unhooked,
                ),
                opts=child,
            )
            watched["vpn_connection_ids"] = dict(spoke.vpn_connection_ids)
            if targets:
                MemberPrivateEndpoints(
                    "private-endpoints",
                    MemberPrivateEndpointsArgs(
                        resource_group_name=rg.name,
                        location=stack.location,
                        subnet_id=spoke.subnet_ids[PRIVATE_ENDPOINTS_SUBNET],
                        targets=targets,
                        private_dns_zone_ids=hub.get(HubOutput.PRIVATE_DNS_ZONE_IDS),
                        tags=tags,
                    ),
                    opts=child,
                )
        return watched
