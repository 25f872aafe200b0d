"""The hub's route-based VPN gateway: the one tunnel endpoint for every member's town hall.

Each member stack adds its own local network gateways, IPsec connections and NAT rules to this
gateway (:mod:`infra.member_network`), so adding a town never touches the hub stack. Zone-redundant
``AZ`` SKU and public IP: what Azure offers for new gateways.

Azure supports NAT on VpnGw2(AZ) and up only, so a consortium with a NAT pool (``HubStack.nat_pool``)
gets ``VpnGw2AZ``, one without the cheaper ``VpnGw1AZ``. Adding a pool later resizes the gateway in
place; deploy the hub before any member stack adds a NAT rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming

from .diagnostics import send_to_workspace
from .public_ip import hub_public_ip

SKU = "VpnGw1AZ"
NAT_SKU = "VpnGw2AZ"  # the smallest zone-redundant SKU that supports NAT rules
ZONES = ("1", "2", "3")


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
    nat: bool = False  # the consortium has a NAT pool: member stacks will add NAT rules


class HubVpnGateway(pulumi.ComponentResource):
    gateway: network.VirtualNetworkGateway

    def __init__(self, name: str, args: HubVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:VpnGateway", name, None, opts)
        public_ip = hub_public_ip(
            args.consortium_slug,
            "vpn",
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            zones=ZONES,
            parent=self,
        )
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
            active_active=False,
            enable_bgp=False,
            ip_configurations=[
                {
                    "name": "default",
                    "private_ip_allocation_method": "Dynamic",
                    "subnet": {"id": args.gateway_subnet_id},
                    "public_ip_address": {"id": public_ip.id},
                }
            ],
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        send_to_workspace(gateway_name, self.gateway.id, args.workspace_id, metrics=True, parent=self)
        self.register_outputs({"gateway_id": self.gateway.id})
