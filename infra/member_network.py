"""A member's spoke: its VNet on the allocated block, peering to the hub, routes, and site VPNs.

The subnets and the block come from the registry (``MemberStack.subnets``); the hub's facts (its
VNet, the firewall's address, the VPN gateway) come from the hub stack's outputs.

The spoke is built in two steps, by the same component with the same resource names:

* the **landing zone** (``workloads=False``), as soon as the member has anything with a private
  data plane (backup or identity): the VNet on the allocated block with only its
  ``private-endpoints`` subnet (NSG, route table, diagnostics), both peerings, the hub's route
  back, and DNS through the hub firewall. It exists so that the member's private endpoints
  (:mod:`infra.member_private_endpoints`) are deployed together with the vaults they reach —
  Azure refuses an ``AzureBackup`` private endpoint on a Recovery Services vault that already has
  a registered item, so that endpoint must exist before the first VM is protected;
* the **full spoke** (``workloads=True``, the networking service): the same VNet gains the
  workload subnets (servers, endpoints, management), the route table gains the on-premises
  routes, and the site VPNs (local network gateways and IPsec connections) are added.

Same component and resource names in both steps means same URNs: moving a member to the
networking phase updates the VNet and the route table in place and adds resources; nothing is
replaced, so the private endpoints (and the vaults' registered items) are never disturbed.

Routing:

* the spoke's route table sends ``0.0.0.0/0``, the consortium supernet (every other spoke; the
  spoke's own block and the hub are more specific system routes) and the hub's shared-services
  subnet to the hub firewall; each of the member's own on-premises ranges, as Azure sees them
  (translated under NAT, below), goes straight to the VPN gateway (its own tunnel, not
  inspected, so the return path through the gateway matches); BGP propagation is off so nothing
  learnt elsewhere bypasses the firewall;
* the member adds the route back (its block through the firewall) to the hub's shared-services
  route table, so that traffic crosses the firewall in both directions.

NAT, for a town hall whose LAN overlaps another town's (``OnPremSite.nat_cidrs``, checked by the
registry): one static ``IngressSnat`` rule per LAN range on the hub gateway (internal mapping the
LAN range, external mapping its translation; one prefix per rule, as Azure requires), attached to
the site's connection as its ingress NAT rules in the same request that creates the connection.
Azure then translates the town's source addresses on the way in and the destinations on the way
back, so inside Azure the town is its translated range: the spoke routes and the hub firewall
(which denies the whole NAT pool to spokes) use the translated ranges. The local network gateway
keeps the town's real LAN ranges: for a VPN gateway (not Virtual WAN) Azure documents that two
local network gateways may carry the same address space when ingress SNAT rules map them to
distinct ranges ("Once a NAT rule is defined for a connection, the effective address space for
the connection will change with the rule", About NAT on Azure VPN Gateway); it is the address
space the town's device announces in its traffic selectors.

Resources that live in the hub (the hub side of the peering, that route, the local network
gateways, NAT rules and IPsec connections) are created with an explicit provider for the hub's
subscription: adding a town never needs a change to, or a deployment of, the hub stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import network

from consortium.registry import naming
from consortium.registry.ipam import LANDING_ZONE_SUBNET, WORKLOAD_SUBNETS
from consortium.registry.models import OnPremSite

from . import security_rules
from .diagnostics import send_to_workspace

# Subnets people or servers use (the registry's workload subnets, not the private endpoints') get
# remote management from the hub's management range.
MANAGED_SUBNETS = frozenset(WORKLOAD_SUBNETS)
# The landing zone's only subnet (named by the registry's spoke layout).
PRIVATE_ENDPOINTS_SUBNET = LANDING_ZONE_SUBNET

# One custom IPsec/IKE policy for every town hall (IKEv2, AES-256/SHA-384, DH and PFS group 24,
# GCM-AES-256), instead of Azure's negotiable defaults; change it here for all towns at once.
IPSEC_POLICY = MappingProxyType(
    {
        "ike_encryption": "AES256",
        "ike_integrity": "SHA384",
        "dh_group": "DHGroup24",
        "ipsec_encryption": "GCMAES256",
        "ipsec_integrity": "GCMAES256",
        "pfs_group": "PFS24",
        "sa_life_time_seconds": 27000,
        "sa_data_size_kilobytes": 102400000,
    }
)


@dataclass(frozen=True)
class HubView:
    """The hub's outputs the spoke needs (read through the member's StackReference)."""

    subscription_id: pulumi.Input[str]
    location: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    vnet_id: pulumi.Input[str]
    vnet_name: pulumi.Input[str]
    firewall_private_ip: pulumi.Input[str]
    shared_services_prefix: pulumi.Input[str]
    shared_services_route_table: pulumi.Input[str]
    vpn_gateway_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]


@dataclass(frozen=True)
class MemberNetworkArgs:
    slug: str
    resource_group_name: pulumi.Input[str]
    location: str
    cidr: str
    subnets: dict[str, str]  # name -> prefix, from MemberStack.subnets (the whole layout)
    supernet: str
    management_range: str
    sites: list[OnPremSite]
    vpn_shared_keys: dict[str, pulumi.Input[str]]  # site -> secret; read only with workloads
    hub: HubView
    tags: dict[str, str]
    # False: the landing zone (private-endpoints subnet only, no sites); True: the full spoke.
    workloads: bool = True

    def built_subnets(self) -> dict[str, str]:
        """The subnets this step builds: all of them, or the landing zone's one."""
        if self.workloads:
            return dict(self.subnets)
        return {PRIVATE_ENDPOINTS_SUBNET: self.subnets[PRIVATE_ENDPOINTS_SUBNET]}

    def built_sites(self) -> list[OnPremSite]:
        """The on-premises sites routed and connected: none before the networking service."""
        return list(self.sites) if self.workloads else []


def spoke_routes(
    firewall_ip: str, supernet: str, shared_services: str, sites: list[OnPremSite]
) -> list[dict[str, str]]:
    """The spoke's routes (see the module docstring for why each one exists)."""
    via_firewall = {"next_hop_type": "VirtualAppliance", "next_hop_ip_address": firewall_ip}
    routes = [
        {"name": "default-via-firewall", "address_prefix": "0.0.0.0/0", **via_firewall},
        {"name": "spokes-via-firewall", "address_prefix": supernet, **via_firewall},
        {"name": "shared-services-via-firewall", "address_prefix": shared_services, **via_firewall},
    ]
    for site in sites:
        for i, cidr in enumerate(site.azure_cidrs):
            routes.append(
                {
                    "name": f"onprem-{site.name}-{i}",
                    "address_prefix": str(cidr),
                    "next_hop_type": "VirtualNetworkGateway",
                }
            )
    return routes


@dataclass(frozen=True)
class NatRuleSpec:
    """One static ingress SNAT rule on the hub gateway: one LAN range of a site and its translation."""

    name: str  # unique on the shared gateway: carries the member and the site
    internal: str  # the town's LAN range (pre-NAT)
    external: str  # how Azure sees it (post-NAT)


def nat_rule_specs(slug: str, site: OnPremSite) -> list[NatRuleSpec]:
    """The NAT rules a site needs: none without ``nat_cidrs``, else one per LAN range, in order."""
    if site.nat_cidrs is None:
        return []
    return [
        NatRuleSpec(f"nat-{slug}-{site.name}-{i}", str(lan), str(out))
        for i, (lan, out) in enumerate(zip(site.cidrs, site.nat_cidrs, strict=True))
    ]


def subnet_rules(subnet: str, management_range: str) -> list[dict[str, object]]:
    rules = [security_rules.deny_internet_inbound()]
    if subnet in MANAGED_SUBNETS:
        rules.insert(0, security_rules.allow_management_inbound(management_range))
    return rules


class MemberNetwork(pulumi.ComponentResource):
    vnet: network.VirtualNetwork
    route_table: network.RouteTable
    nsgs: dict[str, network.NetworkSecurityGroup]
    subnet_ids: dict[str, pulumi.Output[str]]  # name -> id (the private endpoints use one)

    def __init__(self, name: str, args: MemberNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        slug, hub = args.slug, args.hub
        hub_provider = azure_native.Provider(
            f"{slug}-hub-subscription",
            subscription_id=hub.subscription_id,
            location=hub.location,
            opts=child,
        )
        in_hub = pulumi.ResourceOptions(parent=self, provider=hub_provider)
        subnets, sites = args.built_subnets(), args.built_sites()

        self.nsgs = {}
        for subnet in sorted(subnets):
            nsg_name = f"nsg-{slug}-{subnet}"
            self.nsgs[subnet] = network.NetworkSecurityGroup(
                nsg_name,
                network_security_group_name=nsg_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                security_rules=subnet_rules(subnet, args.management_range),
                tags=args.tags,
                opts=child,
            )
            send_to_workspace(nsg_name, self.nsgs[subnet].id, hub.workspace_id, metrics=False, parent=self)

        routes = pulumi.Output.all(hub.firewall_private_ip, hub.shared_services_prefix).apply(
            lambda hub_facts: spoke_routes(hub_facts[0], args.supernet, hub_facts[1], sites)
        )
        self.route_table = network.RouteTable(
            f"rt-{slug}",
            route_table_name=f"rt-{slug}",
            resource_group_name=args.resource_group_name,
            location=args.location,
            disable_bgp_route_propagation=True,
            routes=routes,
            tags=args.tags,
            opts=child,
        )

        self.vnet = network.VirtualNetwork(
            naming.spoke_vnet(slug),
            virtual_network_name=naming.spoke_vnet(slug),
            resource_group_name=args.resource_group_name,
            location=args.location,
            address_space={"address_prefixes": [args.cidr]},
            # The firewall's DNS proxy resolves the hub's private DNS zones for the spoke.
            dhcp_options={"dns_servers": pulumi.Output.from_input(hub.firewall_private_ip).apply(lambda ip: [ip])},
            subnets=[
                {
                    "name": subnet,
                    "address_prefix": prefix,
                    "network_security_group": {"id": self.nsgs[subnet].id},
                    "route_table": {"id": self.route_table.id},
                    "private_endpoint_network_policies": "Enabled",
                    "default_outbound_access": False,
                }
                for subnet, prefix in sorted(subnets.items())
            ],
            tags=args.tags,
            opts=child,
        )
        self.subnet_ids = {
            subnet: self.vnet.id.apply(lambda vnet_id, s=subnet: f"{vnet_id}/subnets/{s}") for subnet in subnets
        }

        # Hub side first: the spoke may only use the hub's gateway once the hub allows transit.
        hub_side = network.VirtualNetworkPeering(
            f"peer-hub-to-{slug}",
            virtual_network_peering_name=f"to-{slug}",
            resource_group_name=hub.resource_group_name,
            virtual_network_name=hub.vnet_name,
            remote_virtual_network={"id": self.vnet.id},
            allow_virtual_network_access=True,
            allow_forwarded_traffic=True,
            allow_gateway_transit=True,
            use_remote_gateways=False,
            opts=in_hub,
        )
        network.VirtualNetworkPeering(
            f"peer-{slug}-to-hub",
            virtual_network_peering_name="to-hub",
            resource_group_name=args.resource_group_name,
            virtual_network_name=self.vnet.name,
            remote_virtual_network={"id": hub.vnet_id},
            allow_virtual_network_access=True,
            allow_forwarded_traffic=True,
            allow_gateway_transit=False,
            use_remote_gateways=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[hub_side]),
        )
        network.Route(
            f"route-hub-to-{slug}",
            route_name=f"spoke-{slug}",
            route_table_name=hub.shared_services_route_table,
            resource_group_name=hub.resource_group_name,
            address_prefix=args.cidr,
            next_hop_type="VirtualAppliance",
            next_hop_ip_address=hub.firewall_private_ip,
            opts=in_hub,
        )

        gateway_name = pulumi.Output.from_input(hub.vpn_gateway_id).apply(lambda gw: gw.rsplit("/", 1)[-1])
        for site in sites:
            nat_rules = [
                network.VirtualNetworkGatewayNatRule(
                    spec.name,
                    nat_rule_name=spec.name,
                    resource_group_name=hub.resource_group_name,
                    virtual_network_gateway_name=gateway_name,
                    type="Static",
                    mode="IngressSnat",
                    internal_mappings=[{"address_space": spec.internal}],
                    external_mappings=[{"address_space": spec.external}],
                    opts=in_hub,
                )
                for spec in nat_rule_specs(slug, site)
            ]
            local = network.LocalNetworkGateway(
                f"lng-{slug}-{site.name}",
                local_network_gateway_name=f"lng-{slug}-{site.name}",
                resource_group_name=hub.resource_group_name,
                location=hub.location,
                gateway_ip_address=str(site.public_ip),
                # The town's real LAN ranges, also under NAT (see the module docstring).
                local_network_address_space={"address_prefixes": [str(c) for c in site.cidrs]},
                tags=args.tags,
                opts=in_hub,
            )
            network.VirtualNetworkGatewayConnection(
                f"cn-{slug}-{site.name}",
                virtual_network_gateway_connection_name=f"cn-{slug}-{site.name}",
                resource_group_name=hub.resource_group_name,
                location=hub.location,
                connection_type="IPsec",
                connection_protocol="IKEv2",
                virtual_network_gateway1={"id": hub.vpn_gateway_id},
                local_network_gateway2={"id": local.id},
                shared_key=args.vpn_shared_keys[site.name],
                ipsec_policies=[dict(IPSEC_POLICY)],
                # NAT rules need route-based (any-to-any) selectors: Azure refuses them with policy-based ones.
                use_policy_based_traffic_selectors=False,
                ingress_nat_rules=[{"id": rule.id} for rule in nat_rules] or None,
                enable_bgp=False,
                dpd_timeout_seconds=45,
                tags=args.tags,
                opts=in_hub,
            )
        self.register_outputs({"vnet_id": self.vnet.id})
