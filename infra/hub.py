"""The shared hub (stack ``hub``): what every member's spoke connects to and reports to.

Resource group, hub VNet, firewall, VPN gateway, the Log Analytics workspace every diagnostic
setting sends to, private DNS zones for every private endpoint of the consortium, a consortium Key
Vault, the Network Watcher and what every VNet's flow log writes to (:mod:`infra.flow_logs`), the
two consortium-wide Entra ID groups the member stacks grant access to (the service desk and the
auditors), and the custom role whoever runs a member stack holds on the hub's resource
group (:mod:`infra.hub_deployer_role`), and the service desk's alerts on the firewall and the VPN
gateway (:mod:`infra.hub_alerts`). Everything a member needs from here is exported (:mod:`infra.hub_outputs`).

The consortium Key Vault refuses public network access like the members' vaults, so it has a private
endpoint in the hub's ``private-endpoints`` subnet: without one its secrets could be read from nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pulumi
from pulumi_azure_native import operationalinsights, privatedns, resources

from consortium.registry import naming
from consortium.registry.stackconfig import HubStack

from .flow_logs import HubFlowLogs, HubFlowLogsArgs, vnet_flow_log
from .groups import security_group
from .hub_alerts import HubAlerts, HubAlertsArgs
from .hub_deployer_role import HubDeployerRole, HubDeployerRoleArgs
from .hub_firewall import HubFirewall, HubFirewallArgs
from .hub_gateway import HubVpnGateway, HubVpnGatewayArgs
from .hub_network import (
    FIREWALL_SUBNET,
    GATEWAY_SUBNET,
    PRIVATE_ENDPOINTS,
    SHARED_SERVICES,
    HubNetwork,
    HubNetworkArgs,
)
from .hub_outputs import HubOutput
from .key_vault import hardened_key_vault
from .private_endpoint import PRIVATE_DNS_ZONES, key_vault_target, private_endpoint

# The consortium-wide groups (named ``<consortium>-<purpose>``) the member stacks grant access to.
SERVICE_DESK, AUDITORS = "service-desk", "auditors"


def backup_zones(locations: list[str]) -> list[str]:
    """One Azure Backup zone per consortium location; an unknown location fails the hub's deployment."""
    return [naming.backup_private_dns_zone(location) for location in locations]


@dataclass(frozen=True)
class HubArgs:
    stack: HubStack
    tenant_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    # The deploying principal owns the consortium groups, so later deployments can manage them.
    deployer_object_id: pulumi.Input[str]
    # The run's date: the first day of the VPN gateway's maintenance window (infra/hub_maintenance.py).
    as_of: date


class Hub(pulumi.ComponentResource):
    # What the member stacks read through their StackReference; the program exports it.
    outputs: dict[HubOutput, pulumi.Input[object]]

    def __init__(self, name: str, args: HubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:Hub", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stack = args.stack
        consortium_slug = stack.consortium.slug
        tags = stack.tags
        subnets = {k: str(v) for k, v in stack.subnets.items()}

        rg_name = naming.resource_group(consortium_slug, naming.HUB)
        rg = resources.ResourceGroup(
            rg_name, resource_group_name=rg_name, location=stack.location, tags=tags, opts=child
        )
        deployer_role = HubDeployerRole(
            "member-deployer",
            HubDeployerRoleArgs(
                consortium_slug=consortium_slug,
                consortium_name=stack.consortium.name,
                resource_group_id=rg.id,
                subscription_id=args.subscription_id,
                deployers=tuple(stack.member_deployers),
            ),
            opts=child,
        )
        workspace = operationalinsights.Workspace(
            naming.hub_workspace(consortium_slug),
            workspace_name=naming.hub_workspace(consortium_slug),
            resource_group_name=rg.name,
            location=stack.location,
            sku={"name": "PerGB2018"},
            retention_in_days=stack.log_retention_days,
            tags=tags,
            opts=child,
        )
        flow_logs = HubFlowLogs(
            "flow-logs",
            HubFlowLogsArgs(
                consortium_slug=consortium_slug,
                resource_group_name=rg.name,
                location=stack.location,
                subscription_id=args.subscription_id,
                workspace_id=workspace.id,
                workspace_customer_id=workspace.customer_id,
                retention_days=stack.flow_log_retention_days,
                tags=tags,
            ),
            opts=child,
        )
        hub_network = HubNetwork(
            "network",
            HubNetworkArgs(
                consortium_slug=consortium_slug,
                resource_group_name=rg.name,
                location=stack.location,
                address_space=str(stack.address_space),
                subnets=subnets,
                supernet=str(stack.supernet),
                workspace_id=workspace.id,
                tags=tags,
                network_watcher=flow_logs.network_watcher,
            ),
            opts=child,
        )
        vnet_flow_log(
            naming.hub_vnet(consortium_slug),
            hub_network.vnet.id,
            flow_logs.sink,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[flow_logs.writer]),
        )
        firewall = HubFirewall(
            "firewall",
            HubFirewallArgs(
                consortium_slug=consortium_slug,
                resource_group_name=rg.name,
                location=stack.location,
                firewall_subnet_id=hub_network.subnet_ids[FIREWALL_SUBNET],
                supernet=str(stack.supernet),
                shared_services_prefix=subnets[SHARED_SERVICES],
                workspace_id=workspace.id,
                tags=tags,
                nat_pool=str(stack.nat_pool) if stack.nat_pool else None,
                zones=tuple(stack.zones),
            ),
            opts=child,
        )
        gateway = HubVpnGateway(
            "vpn",
            HubVpnGatewayArgs(
                consortium_slug=consortium_slug,
                resource_group_name=rg.name,
                location=stack.location,
                gateway_subnet_id=hub_network.subnet_ids[GATEWAY_SUBNET],
                workspace_id=workspace.id,
                tags=tags,
                nat=stack.nat_pool is not None,
                zones=tuple(stack.zones),
                maintenance=stack.gateway_maintenance,
                maintenance_start=args.as_of.isoformat(),
            ),
            opts=child,
        )
        HubAlerts(
            "alerts",
            HubAlertsArgs(
                resource_group_name=rg.name,
                service_desk_email=stack.consortium.contacts.service_desk,
                firewall_id=firewall.firewall.id,
                vpn_gateway_id=gateway.gateway.id,
                tags=tags,
            ),
            opts=child,
        )
        vault_name = naming.key_vault(consortium_slug, naming.HUB)
        vault = hardened_key_vault(
            vault_name,
            resource_group_name=rg.name,
            location=stack.location,
            tenant_id=args.tenant_id,
            workspace_id=workspace.id,
            tags=tags,
            parent=self,
        )

        zone_ids: dict[str, pulumi.Output[str]] = {}
        for zone_name in (*PRIVATE_DNS_ZONES, *backup_zones(stack.locations)):
            zone = privatedns.PrivateZone(
                zone_name,
                private_zone_name=zone_name,
                resource_group_name=rg.name,
                location="global",
                tags=tags,
                opts=child,
            )
            privatedns.VirtualNetworkLink(
                f"{zone_name}-hub-link",
                virtual_network_link_name=naming.hub_vnet(consortium_slug),
                private_zone_name=zone.name,
                resource_group_name=rg.name,
                location="global",
                virtual_network={"id": hub_network.vnet.id},
                registration_enabled=False,
                tags=tags,
                opts=child,
            )
            zone_ids[zone_name] = zone.id
        for target in (key_vault_target(vault_name, vault.id), *flow_logs.private_endpoint_targets()):
            private_endpoint(
                target,
                resource_group_name=rg.name,
                location=stack.location,
                subnet_id=hub_network.subnet_ids[PRIVATE_ENDPOINTS],
                zone_ids=zone_ids,
                tags=tags,
                parent=self,
            )

        groups = {
            purpose: security_group(
                naming.group(consortium_slug, purpose),
                description=f"{stack.consortium.name}: {description}",
                owners=[args.deployer_object_id],
                parent=self,
            )
            for purpose, description in (
                (SERVICE_DESK, "service desk staff (each member's helpdesk group)"),
                (AUDITORS, "auditors (read-only on every member)"),
            )
        }

        self.outputs = {
            HubOutput.SUBSCRIPTION_ID: args.subscription_id,
            HubOutput.RESOURCE_GROUP: rg.name,
            HubOutput.LOCATION: stack.location,
            HubOutput.VNET_ID: hub_network.vnet.id,
            HubOutput.VNET_NAME: hub_network.vnet.name,
            HubOutput.FIREWALL_PRIVATE_IP: firewall.private_ip,
            HubOutput.SHARED_SERVICES_PREFIX: subnets[SHARED_SERVICES],
            HubOutput.SHARED_SERVICES_ROUTE_TABLE: hub_network.shared_services_route_table.name,
            HubOutput.VPN_GATEWAY_ID: gateway.gateway.id,
            HubOutput.WORKSPACE_ID: workspace.id,
            HubOutput.KEY_VAULT_ID: vault.id,
            HubOutput.SERVICE_DESK_GROUP_ID: groups[SERVICE_DESK].object_id,
            HubOutput.AUDITORS_GROUP_ID: groups[AUDITORS].object_id,
            HubOutput.PRIVATE_DNS_ZONE_IDS: zone_ids,
            HubOutput.MEMBER_DEPLOYER_ROLE_ID: deployer_role.definition_id,
            HubOutput.FLOW_LOGS: flow_logs.sink.output(),
        }
        self.register_outputs({key.value: value for key, value in self.outputs.items()})
