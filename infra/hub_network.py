"""The hub's virtual network: Azure's fixed-name firewall and gateway subnets, plus shared subnets.

The subnet layout comes from the registry (``HubStack.subnets``); this module only attaches what
each subnet needs. ``AzureFirewallSubnet`` and ``GatewaySubnet`` take no NSG (Azure refuses one);
the others get an NSG that denies the internet explicitly, and all but ``management`` (jump hosts,
the Ansible controller) deny outbound SSH/RDP/WinRM to the virtual network. The shared-services
subnet gets a route table whose routes the member stacks add (one per spoke, through the firewall),
so traffic between a spoke and the shared services crosses the firewall in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming
from consortium.registry.ipam import HUB_ADMIN_SUBNET

from . import security_rules
from .subnets import subnet_ids, subnet_nsg

FIREWALL_SUBNET = "AzureFirewallSubnet"
GATEWAY_SUBNET = "GatewaySubnet"
SHARED_SERVICES = "shared-services"
PRIVATE_ENDPOINTS = "private-endpoints"  # the hub's own private endpoints (the consortium Key Vault)
# Subnets Azure reserves for its own appliances: no NSG, no route table of ours.
AZURE_MANAGED_SUBNETS = frozenset({FIREWALL_SUBNET, GATEWAY_SUBNET})


@dataclass(frozen=True)
class HubNetworkArgs:
    consortium_slug: str
    resource_group_name: pulumi.Input[str]
    location: str
    address_space: str
    subnets: dict[str, str]  # name -> prefix, from HubStack.subnets
    supernet: str
    workspace_id: pulumi.Input[str]
    tags: dict[str, str]
    # The consortium's Network Watcher: the VNet waits for it, so that Azure, seeing a watcher in the
    # region already, does not auto-create its own NetworkWatcher_<region> and refuse ours.
    network_watcher: pulumi.Resource | None = None


def subnet_rules(subnet: str, supernet: str) -> list[dict[str, object]]:
    """An NSG subnet's rules: the explicit internet deny, the spokes into the shared services, and no
    outbound remote management except from the management subnet, where administration comes from."""
    rules = [security_rules.deny_internet_inbound()]
    if subnet != HUB_ADMIN_SUBNET:
        rules.append(security_rules.deny_lateral_management_outbound())
    if subnet == SHARED_SERVICES:
        rules.insert(
            0,
            security_rules.allow_inbound_from(
                "allow-spokes-inbound",
                [supernet],
                100,
                "The members' spokes reach the shared services (through the hub firewall).",
            ),
        )
    return rules


class HubNetwork(pulumi.ComponentResource):
    vnet: network.VirtualNetwork
    subnet_ids: dict[str, pulumi.Output[str]]
    shared_services_route_table: network.RouteTable

    def __init__(self, name: str, args: HubNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        vnet_name = naming.hub_vnet(args.consortium_slug)

        nsgs = {
            subnet: subnet_nsg(
                naming.hub_subnet_nsg(args.consortium_slug, subnet),
                subnet_rules(subnet, args.supernet),
                resource_group_name=args.resource_group_name,
                location=args.location,
                workspace_id=args.workspace_id,
                tags=args.tags,
                parent=self,
            )
            for subnet in sorted(set(args.subnets) - AZURE_MANAGED_SUBNETS)
        }

        route_table_name = naming.hub_route_table(args.consortium_slug, SHARED_SERVICES)
        # No routes here: each member stack adds its own (its spoke through the firewall).
        self.shared_services_route_table = network.RouteTable(
            route_table_name,
            route_table_name=route_table_name,
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
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[args.network_watcher] if args.network_watcher is not None else None
            ),
        )
        self.subnet_ids = subnet_ids(self.vnet, args.subnets)
        self.register_outputs({"vnet_id": self.vnet.id})
