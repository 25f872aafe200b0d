"""The hub's route-based VPN gateway: the one tunnel endpoint for every member's town hall.

Each member stack adds its own local network gateways, IPsec connections and NAT rules to this
gateway (:mod:`infra.member_network`), so adding a town never touches the hub stack.

Active-active: both gateway instances hold a tunnel to every town site, each from its own public
address, so Azure's maintenance or the loss of one instance (or, with the ``AZ`` SKU and zonal
addresses, of one availability zone) moves traffic to the other tunnel instead of failing over. The
town's router therefore needs two tunnels, one to each address (the runbook shows both). Azure
charges the same hourly rate for the gateway either way; the second address is the extra cost.

Zone-redundant ``AZ`` SKU: what Azure offers for new gateways. Azure supports NAT on VpnGw2(AZ) and
up only, so a consortium with a NAT pool (``HubStack.nat_pool``) gets ``VpnGw2AZ``, one without the
cheaper ``VpnGw1AZ``. Adding a pool later resizes the gateway in place; deploy the hub before any
member stack adds a NAT rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming
from consortium.registry.models import GatewayMaintenance

from .diagnostics import send_to_workspace
from .hub_maintenance import gateway_maintenance_window
from .public_ip import hub_public_ip

SKU = "VpnGw1AZ"
NAT_SKU = "VpnGw2AZ"  # the smallest zone-redundant SKU that supports NAT rules
# The gateway's two instances' IP configurations, each with its own address (naming.hub_vpn_public_ips).
IP_CONFIGURATIONS = ("default", "active-active")


def gateway_sku(nat: bool) -> str:
    """The gateway SKU: NAT-capable when any town may be translated (the consortium has a NAT pool)."""
    return NAT_SKU if nat else SKU


@dataclass(frozen=True)
class HubVpnGatewayArgs:
    consortium_slug: str
    resource_group_name: pulumi.Input[str]
    location: str
    gateway_subnet_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]
    tags: dict[str, str]
    maintenance: GatewayMaintenance
    maintenance_start: str  # the window's first day, ``YYYY-MM-DD`` (the run's date; kept once deployed)
    nat: bool = False  # the consortium has a NAT pool: member stacks will add NAT rules
    zones: tuple[str, ...] = ()  # the hub region's availability zones (HubStack.zones); empty: regional


class HubVpnGateway(pulumi.ComponentResource):
    gateway: network.VirtualNetworkGateway
    public_ips: list[network.PublicIPAddress]

    def __init__(self, name: str, args: HubVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:VpnGateway", name, None, opts)
        self.public_ips = [
            hub_public_ip(
                name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                tags=args.tags,
                zones=args.zones,
                parent=self,
            )
            for name in naming.hub_vpn_public_ips(args.consortium_slug)
        ]
        gateway_name = naming.hub_vpn_gateway(args.consortium_slug)
        # No ``nat_rules``: member stacks own them. azure-native keeps existing rules on update by a read
        # then a write, so a hub update racing a member stack's new rule can drop it: never run both at once.
        self.gateway = network.VirtualNetworkGateway(
            gateway_name,
            virtual_network_gateway_name=gateway_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            gateway_type="Vpn",
            vpn_type="RouteBased",
            vpn_gateway_generation="Generation1",
            sku={"name": gateway_sku(args.nat), "tier": gateway_sku(args.nat)},
            active_active=True,
            enable_bgp=False,
            ip_configurations=[
                {
                    "name": config,
                    "private_ip_allocation_method": "Dynamic",
                    "subnet": {"id": args.gateway_subnet_id},
                    "public_ip_address": {"id": address.id},
                }
                for config, address in zip(IP_CONFIGURATIONS, self.public_ips, strict=True)
            ],
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        send_to_workspace(gateway_name, self.gateway.id, args.workspace_id, metrics=True, parent=self)
        gateway_maintenance_window(
            args.consortium_slug,
            self.gateway,
            args.maintenance,
            start_day=args.maintenance_start,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            parent=self,
        )
        self.register_outputs({"gateway_id": self.gateway.id})
