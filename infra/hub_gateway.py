"""The hub's route-based VPN gateway: the one tunnel endpoint for every member's town hall.

Each member stack adds its own local network gateways and IPsec connections to this gateway (see
:mod:`infra.member_network`), so adding a town never touches the hub stack. The zone-redundant
``AZ`` SKU and a zone-redundant Standard public IP are what Azure now offers for new gateways.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from .diagnostics import send_to_workspace

SKU = "VpnGw1AZ"
ZONES = ("1", "2", "3")


@dataclass(frozen=True)
class HubVpnGatewayArgs:
    consortium: str
    resource_group_name: pulumi.Input[str]
    location: str
    gateway_subnet_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]
    tags: dict[str, str]


class HubVpnGateway(pulumi.ComponentResource):
    gateway: network.VirtualNetworkGateway

    def __init__(self, name: str, args: HubVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:VpnGateway", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        base = f"{args.consortium}-hub"
        public_ip = network.PublicIPAddress(
            f"pip-{base}-vpn",
            public_ip_address_name=f"pip-{base}-vpn",
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku={"name": "Standard", "tier": "Regional"},
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=list(ZONES),
            tags=args.tags,
            opts=child,
        )
        self.gateway = network.VirtualNetworkGateway(
            f"vgw-{base}",
            virtual_network_gateway_name=f"vgw-{base}",
            resource_group_name=args.resource_group_name,
            location=args.location,
            gateway_type="Vpn",
            vpn_type="RouteBased",
            vpn_gateway_generation="Generation1",
            sku={"name": SKU, "tier": SKU},
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
            opts=child,
        )
        send_to_workspace(f"vgw-{base}", self.gateway.id, args.workspace_id, metrics=True, parent=self)
        self.register_outputs({"gateway_id": self.gateway.id})
