"""The hub's virtual network: Azure's fixed-name firewall and gateway subnets, plus shared subnets.

The subnet layout comes from the registry (``HubStack.subnets``); this module only attaches what
each subnet needs. ``AzureFirewallSubnet`` and ``GatewaySubnet`` take no NSG (Azure refuses one);
the others get an NSG that denies the internet explicitly. The shared-services subnet gets a route
table whose routes the member stacks add (one per spoke, through the firewall), so traffic between
a spoke and the shared services crosses the firewall in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming

from . import security_rules
from .diagnostics import send_to_workspace

FIREWALL_SUBNET = "AzureFirewallSubnet"
GATEWAY_SUBNET = "GatewaySubnet"
SHARED_SERVICES = "shared-services"
MANAGEMENT = "management"
PRIVATE_ENDPOINTS = "private-endpoints"  # the hub's own private endpoints (the consortium Key Vault)
# Subnets Azure reserves for its own appliances: no NSG, no route table of ours.
AZURE_MANAGED_SUBNETS = frozenset({FIREWALL_SUBNET, GATEWAY_SUBNET})


@dataclass(frozen=True)
class HubNetworkArgs:
    consortium: str
    resource_group_name: pulumi.Input[str]
    location: str
    address_space: str
    subnets: dict[str, str]  # name -> prefix, from HubStack.subnets
    supernet: str
    workspace_id: pulumi.Input[str]
    tags: dict[str, str]


class HubNetwork(pulumi.ComponentResource):
    vnet: network.VirtualNetwork
    subnet_ids: dict[str, pulumi.Output[str]]
    shared_services_route_table: network.RouteTable

    def __init__(self, name: str, args: HubNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        vnet_name = naming.hub_vnet(args.consortium)

        nsgs: dict[str, network.NetworkSecurityGroup] = {}
        for subnet in sorted(set(args.subnets) - AZURE_MANAGED_SUBNETS):
            rules = [security_rules.deny_internet_inbound()]
            if subnet == SHARED_SERVICES:
                rules.insert(
                    0,
                    security_rules.allow_inbound_from(
                        "allow-spokes-inbound",
                        [args.supernet],
                        100,
                        "The members' spokes reach the shared services (through the hub firewall).",
                    ),
                )
            nsg_name = f"nsg-{args.consortium}-hub-{subnet}"
            nsgs[subnet] = network.NetworkSecurityGroup(
                nsg_name,
                network_security_group_name=nsg_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                security_rules=rules,
                tags=args.tags,
                opts=child,
            )
            send_to_workspace(nsg_name, nsgs[subnet].id, args.workspace_id, metrics=False, parent=self)

        rt_name = f"rt-{args.consortium}-hub-{SHARED_SERVICES}"
        # Routes are added by the member stacks (their spoke through the firewall); none here.
        self.shared_services_route_table = network.RouteTable(
            rt_name,
            route_table_name=rt_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            disable_bgp_route_propagation=False,
            tags=args.tags,
            opts=child,
        )

        subnets = []
        for subnet, prefix in args.subnets.items():
            spec: dict[str, object] = {"name": subnet, "address_prefix": prefix}
            if subnet in nsgs:
                spec["network_security_group"] = {"id": nsgs[subnet].id}
                spec["private_endpoint_network_policies"] = "Enabled"
                spec["default_outbound_access"] = False
            if subnet == SHARED_SERVICES:
                spec["route_table"] = {"id": self.shared_services_route_table.id}
            subnets.append(spec)

        self.vnet = network.VirtualNetwork(
            vnet_name,
            virtual_network_name=vnet_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            address_space={"address_prefixes": [args.address_space]},
            subnets=subnets,
            tags=args.tags,
            opts=child,
        )
        self.subnet_ids = {
            subnet: self.vnet.id.apply(lambda vnet_id, s=subnet: f"{vnet_id}/subnets/{s}") for subnet in args.subnets
        }
        self.register_outputs({"vnet_id": self.vnet.id})
