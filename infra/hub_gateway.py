"""The hub's route-based VPN gateway: the one tunnel endpoint for every member's town hall.

Each member stack adds its own local network gateways and IPsec connections to this gateway (see
:mod:`infra.member_network`), so adding a town never touches the hub stack. The zone-redundant
``AZ`` SKU and a zone-redundant Standard public IP are what Azure now offers for new gateways.

NAT: member stacks also add static NAT rules to this gateway for towns whose LANs overlap (see
:mod:`infra.member_network`). Azure supports NAT on VpnGw2-5 and VpnGw2AZ-5AZ only, not on
VpnGw1/VpnGw1AZ ("About NAT on Azure VPN Gateway", learn.microsoft.com), so a consortium with a
NAT pool (``HubStack.nat_pool``) gets ``VpnGw2AZ``; one without keeps the cheaper ``VpnGw1AZ``.
Adding the pool later resizes the gateway in place (1AZ -> 2AZ is a resize within one family, not
a rebuild), which the hub must be deployed for before any member stack adds a NAT rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from .diagnostics import send_to_workspace

SKU = "VpnGw1AZ"
NAT_SKU = "VpnGw2AZ"  # the smallest zone-redundant SKU that supports NAT rules
ZONES = ("1", "2", "3")


def gateway_sku(nat: bool) -> str:
    """The gateway SKU: NAT-capable when any town may be translated (the consortium has a NAT pool)."""
    return NAT_SKU if nat else SKU


@dataclass(frozen=True)
class HubVpnGatewayArgs:
    consortium: str
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
        # No `nat_rules` here, on purpose: member stacks own them (VirtualNetworkGatewayNatRule). A
        # gateway PUT without natRules removes them (ARM PUT semantics; terraform-provider-azurerm PR
        # #25690 reports it for this gateway), but pulumi-azure-native keeps them, as it keeps a VNet's
        # subnets: its code generator marks an array input whose items are the body of a
        # standalone child resource "maintain if unset" (genProperty, maintainSubResourceIfUnset, in
        # provider/pkg/gen/properties.go of pulumi/pulumi-azure-native; such an input's docstring gets
        # "These are also available as standalone resources. Do not mix inline and standalone resource
        # ...", which VirtualNetworkGateway.nat_rules carries in the pinned pulumi-azure-native 3.29.0),
        # and on update the provider reads the gateway and copies the unset natRules into the PUT
        # (defaultUpdate in provider/pkg/provider/provider.go -> MaintainSubResourcePropertiesIfNotSet
        # in provider/pkg/provider/crud/crud.go). That is a read then a write, not atomic: a hub update
        # running while a member stack adds a rule can drop the new rule, so deploy them one at a time.
        self.gateway = network.VirtualNetworkGateway(
            f"vgw-{base}",
            virtual_network_gateway_name=f"vgw-{base}",
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
            opts=child,
        )
        send_to_workspace(f"vgw-{base}", self.gateway.id, args.workspace_id, metrics=True, parent=self)
        self.register_outputs({"gateway_id": self.gateway.id})
