"""A member's spoke: its VNet on the allocated block, peering to the hub, routes, and site VPNs.

The subnets and the block come from the registry (``MemberStack.subnets``); the hub's facts (its
VNet, the firewall's address, the VPN gateway) come from the hub stack's outputs.

Two steps, one component, the same resource names (so the same URNs: the second step updates the
VNet and route table in place and only adds resources; the private endpoints are never disturbed):

* the **landing zone** (``workloads=False``), as soon as the member has backup or identity: the VNet
  with only its ``private-endpoints`` subnet, both peerings, the hub's route back, DNS through the
  hub firewall. Azure refuses an ``AzureBackup`` private endpoint on a Recovery Services vault that
  already has a registered item, so the endpoint must come with the vault
  (:mod:`infra.member_private_endpoints`);
* the **full spoke** (``workloads=True``, the networking service): the workload subnets, the
  on-premises routes, and the site VPNs (local network gateways and IPsec connections).

Routing: ``0.0.0.0/0``, the supernet (every other spoke) and the hub's shared services go to the
hub firewall; each of the member's on-premises ranges, as Azure sees them, goes straight to the VPN
gateway (its own tunnel, so the return path matches); BGP propagation is off so nothing learnt
elsewhere bypasses the firewall. The member adds its block, through the firewall, to the hub's
shared-services route table, so that traffic crosses the firewall both ways.

NAT, for a town hall whose LAN overlaps another town's (``OnPremSite.nat_cidrs``): one static
``IngressSnat`` rule per LAN range on the hub gateway (Azure takes one prefix per rule), attached to
the site's connection when it is created. Inside Azure the town is then its translated range (the
spoke routes and the firewall use it); the local network gateway keeps the real LAN ranges, which
Azure allows for overlapping sites once ingress SNAT maps them apart, and which the town's device
announces in its traffic selectors.

Resources that live in the hub (the hub side of the peering, the route back, the local network
gateways, NAT rules and connections, and the spoke's flow log under the hub's Network Watcher) use
an explicit provider for the hub's subscription: adding a town never needs a deployment of the hub
stack.
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
from .flow_logs import FlowLogSink, vnet_flow_log
from .subnets import subnet_ids, subnet_nsg

# Subnets people or servers use get remote management from the hub's management range.
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
    shared_services_route_table_name: pulumi.Input[str]
    vpn_gateway_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]
    flow_logs: FlowLogSink  # where the spoke's flow log goes (infra/flow_logs.py)


@dataclass(frozen=True)
class MemberNetworkArgs:
    member_slug: str
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
    # False from a leaving town's unhook date: no peering, no hub route, no site VPN (gateways,
    # connections, NAT rules): nothing of the town in the hub any more, nothing of the hub reachable
    # from the town. The spoke itself stays, with the private endpoints of the data kept for it.
    hooked: bool = True

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
                    "name": naming.onprem_route(site.name, i),
                    "address_prefix": str(cidr),
                    "next_hop_type": "VirtualNetworkGateway",
                }
            )
    return routes


@dataclass(frozen=True)
class NatRuleSpec:
    """One static ingress SNAT rule on the hub gateway: one LAN range of a site and its translation."""

    name: str  # naming.nat_rule: unique on the shared gateway
    internal: str  # the town's LAN range (pre-NAT)
    external: str  # how Azure sees it (post-NAT)


def nat_rule_specs(member_slug: str, site: OnPremSite) -> list[NatRuleSpec]:
    """The NAT rules a site needs: none without ``nat_cidrs``, else one per LAN range, in order."""
    if site.nat_cidrs is None:
        return []
    return [
        NatRuleSpec(naming.nat_rule(member_slug, site.name, i), str(lan), str(out))
        for i, (lan, out) in enumerate(zip(site.cidrs, site.nat_cidrs, strict=True))
    ]


def subnet_rules(subnet: str, management_range: str) -> list[dict[str, object]]:
    """Every spoke subnet denies the internet inbound and remote management outbound (administration
    comes from the hub's management subnet only); the workload subnets accept it from there."""
    rules = [security_rules.deny_internet_inbound(), security_rules.deny_lateral_management_outbound()]
    if subnet in MANAGED_SUBNETS:
        rules.insert(0, security_rules.allow_management_inbound(management_range))
    return rules


class MemberNetwork(pulumi.ComponentResource):
    vnet: network.VirtualNetwork
    route_table: network.RouteTable
    nsgs: dict[str, network.NetworkSecurityGroup]
    subnet_ids: dict[str, pulumi.Output[str]]  # name -> id (the private endpoints use one)
    vpn_connection_ids: dict[str, pulumi.Output[str]]  # site -> its connection's id (the desk's tunnel alert)

    def __init__(self, name: str, args: MemberNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        member_slug, hub = args.member_slug, args.hub
        subnets, sites = args.built_subnets(), args.built_sites() if args.hooked else []

        self.nsgs = {
            subnet: subnet_nsg(
                naming.spoke_subnet_nsg(member_slug, subnet),
                subnet_rules(subnet, args.management_range),
                resource_group_name=args.resource_group_name,
                location=args.location,
                workspace_id=hub.workspace_id,
                tags=args.tags,
                parent=self,
            )
            for subnet in sorted(subnets)
        }

        routes = pulumi.Output.all(hub.firewall_private_ip, hub.shared_services_prefix).apply(
            lambda hub_facts: spoke_routes(hub_facts[0], args.supernet, hub_facts[1], sites)
        )
        route_table_name = naming.spoke_route_table(member_slug)
        self.route_table = network.RouteTable(
            route_table_name,
            route_table_name=route_table_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            disable_bgp_route_propagation=True,
            routes=routes,
            tags=args.tags,
            opts=child,
        )

        vnet_name = naming.spoke_vnet(member_slug)
        self.vnet = network.VirtualNetwork(
            vnet_name,
            virtual_network_name=vnet_name,
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
        self.subnet_ids = subnet_ids(self.vnet, subnets)
        hub_provider = azure_native.Provider(
            f"{member_slug}-hub-subscription",
            subscription_id=hub.subscription_id,
            location=hub.location,
            opts=pulumi.ResourceOptions(parent=self),
        )
        in_hub = pulumi.ResourceOptions(parent=self, provider=hub_provider)
        # The spoke's flows are the consortium's security record: logged as long as the spoke exists,
        # unhooked or not, under the hub's Network Watcher (one per subscription and region).
        vnet_flow_log(vnet_name, self.vnet.id, hub.flow_logs, tags=args.tags, opts=in_hub)
        self.vpn_connection_ids = {}
        if args.hooked:
            self._hook(args, sites, in_hub)
        self.register_outputs({"vnet_id": self.vnet.id})

    def _hook(self, args: MemberNetworkArgs, sites: list[OnPremSite], in_hub: pulumi.ResourceOptions) -> None:
        """Everything that joins the town to the hub, in the hub's subscription (``in_hub``): peerings,
        the hub's route to the spoke, and each site's VPN (local gateway, connection, NAT rules)."""
        member_slug, hub = args.member_slug, args.hub
        # Hub side first: the spoke may only use the hub's gateway once the hub allows transit.
        hub_side = network.VirtualNetworkPeering(
            f"peer-hub-to-{member_slug}",
            virtual_network_peering_name=naming.hub_peering_to_spoke(member_slug),
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
            f"peer-{member_slug}-to-hub",
            virtual_network_peering_name=naming.SPOKE_PEERING_TO_HUB,
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
            f"route-hub-to-{member_slug}",
            route_name=naming.hub_route_to_spoke(member_slug),
            route_table_name=hub.shared_services_route_table_name,
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
                for spec in nat_rule_specs(member_slug, site)
            ]
            local_gateway_name = naming.local_network_gateway(member_slug, site.name)
            local_gateway = network.LocalNetworkGateway(
                local_gateway_name,
                local_network_gateway_name=local_gateway_name,
                resource_group_name=hub.resource_group_name,
                location=hub.location,
                gateway_ip_address=str(site.public_ip),
                # The town's real LAN ranges, also under NAT (see the module docstring).
                local_network_address_space={"address_prefixes": [str(cidr) for cidr in site.cidrs]},
                tags=args.tags,
                opts=in_hub,
            )
            connection_name = naming.vpn_connection(member_slug, site.name)
            connection = network.VirtualNetworkGatewayConnection(
                connection_name,
                virtual_network_gateway_connection_name=connection_name,
                resource_group_name=hub.resource_group_name,
                location=hub.location,
                connection_type="IPsec",
                connection_protocol="IKEv2",
                virtual_network_gateway1={"id": hub.vpn_gateway_id},
                local_network_gateway2={"id": local_gateway.id},
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
            self.vpn_connection_ids[site.name] = connection.id
