"""NAT on the hub VPN gateway for town halls whose LANs overlap (the example translates Monona).

Monona (phase 3 in the example) shares 192.168.1.0/24 with McFarland and is translated to
100.64.0.0/24; planned at phase 4 it gets its site VPN, and with it the NAT rule.
"""

from __future__ import annotations

from consortium.registry.models import OnPremSite
from infra.hub_firewall import PRIVATE_RANGES, rule_collections
from infra.hub_gateway import gateway_sku
from infra.member_network import NatRuleSpec, nat_rule_specs, spoke_routes
from tests.infra.helpers import inputs, of_type, one

NAT_RULE = "azure-native:network:VirtualNetworkGatewayNatRule"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
LNG = "azure-native:network:LocalNetworkGateway"
ROUTE_TABLE = "azure-native:network:RouteTable"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
RULE_GROUP = "azure-native:network:FirewallPolicyRuleCollectionGroup"

TRANSLATED = OnPremSite(
    name="town-hall",
    public_ip="24.177.30.81",
    cidrs=["192.168.1.0/24", "10.9.0.0/23"],
    nat_cidrs=["100.64.0.0/24", "100.64.2.0/23"],
)
PLAIN = OnPremSite(name="city-hall", public_ip="66.188.12.5", cidrs=["10.10.0.0/23"])


def test_one_static_rule_per_lan_range_in_order():
    assert nat_rule_specs("monona", TRANSLATED) == [
        NatRuleSpec("nat-monona-town-hall-0", "192.168.1.0/24", "100.64.0.0/24"),
        NatRuleSpec("nat-monona-town-hall-1", "10.9.0.0/23", "100.64.2.0/23"),
    ]
    assert nat_rule_specs("verona", PLAIN) == []


def test_spoke_routes_send_the_translated_ranges_to_the_gateway():
    routes = spoke_routes("10.64.0.4", "10.64.0.0/12", "10.64.1.0/24", [TRANSLATED, PLAIN])
    to_gateway = [(r["name"], r["address_prefix"]) for r in routes if r["next_hop_type"] == "VirtualNetworkGateway"]
    assert to_gateway == [
        ("onprem-town-hall-0", "100.64.0.0/24"),
        ("onprem-town-hall-1", "100.64.2.0/23"),
        ("onprem-city-hall-0", "10.10.0.0/23"),
    ]


def test_the_firewall_denies_the_nat_pool_to_spokes_only_when_there_is_one():
    def denied(nat_pool):
        deny = next(c for c in rule_collections("10.64.0.0/12", "10.64.1.0/24", nat_pool) if c.action.type == "Deny")
        return next(r for r in deny.rules if r.name == "spoke-to-private-ranges").destination_addresses

    assert denied(None) == list(PRIVATE_RANGES)
    assert denied("100.64.0.0/16") == [*PRIVATE_RANGES, "100.64.0.0/16"]


def test_a_nat_pool_needs_a_gateway_sku_that_supports_nat():
    assert gateway_sku(False) == "VpnGw1AZ"
    assert gateway_sku(True) == "VpnGw2AZ"  # Azure: NAT on VpnGw2-5 and VpnGw2AZ-5AZ only


def test_the_example_hub_has_a_nat_capable_gateway_and_denies_the_pool(hub_plan):
    assert inputs(hub_plan, GATEWAY)["sku"] == {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"}
    groups = of_type(hub_plan, RULE_GROUP)
    destinations = [
        d
        for g in groups
        for c in g.inputs["ruleCollections"]
        if c["action"]["type"] == "Deny"
        for r in c["rules"]
        for d in r["destinationAddresses"]
    ]
    assert "100.64.0.0/16" in destinations


def test_a_translated_site_gets_its_nat_rule_on_the_hub_gateway(plan_member_at, hub_plan):
    plan = plan_member_at("monona", 4)
    rule = one(plan, NAT_RULE, "nat-monona-city-hall-0")
    assert rule.inputs == {
        "natRuleName": "nat-monona-city-hall-0",
        "resourceGroupName": "rg-dane-county-hub",
        "virtualNetworkGatewayName": "vgw-dane-county-hub",
        "type": "Static",
        "mode": "IngressSnat",
        "internalMappings": [{"addressSpace": "192.168.1.0/24"}],
        "externalMappings": [{"addressSpace": "100.64.0.0/24"}],
    }
    gateway = one(hub_plan, GATEWAY)
    assert gateway.id.rsplit("/", 1)[-1] == rule.inputs["virtualNetworkGatewayName"]
    # Azure's id for it: a child of the hub gateway (what the connection's ingressNatRules names).
    assert rule.id == f"{gateway.id}/natRules/nat-monona-city-hall-0"
    assert rule.id.startswith("/subscriptions/") and "/resourceGroups/rg-dane-county-hub/" in rule.id
    # Created in the hub's subscription, like the connection it belongs to.
    connection = one(plan, CONNECTION, "cn-monona-city-hall")
    assert rule.provider == connection.provider and "hub-subscription" in rule.provider


def test_the_connection_carries_the_rule_as_ingress_nat(plan_member_at):
    plan = plan_member_at("monona", 4)
    rule = one(plan, NAT_RULE, "nat-monona-city-hall-0")
    connection = one(plan, CONNECTION, "cn-monona-city-hall")
    assert connection.inputs["ingressNatRules"] == [{"id": rule.id}]
    assert "egressNatRules" not in connection.inputs
    assert connection.inputs["usePolicyBasedTrafficSelectors"] is False  # NAT refuses policy-based selectors
    assert rule.urn in connection.dependencies


def test_the_local_gateway_keeps_the_lan_and_the_spoke_routes_the_translation(plan_member_at):
    plan = plan_member_at("monona", 4)
    assert inputs(plan, LNG)["localNetworkAddressSpace"] == {"addressPrefixes": ["192.168.1.0/24"]}
    routes = {r["name"]: r for r in inputs(plan, ROUTE_TABLE)["routes"]}
    assert routes["onprem-city-hall-0"]["addressPrefix"] == "100.64.0.0/24"
    assert not any(r["addressPrefix"] == "192.168.1.0/24" for r in routes.values())


def test_untranslated_sites_and_earlier_phases_have_no_nat_rule(stack_plan, plan_member_at):
    verona = stack_plan("verona")
    assert of_type(verona, NAT_RULE) == []
    assert "ingressNatRules" not in inputs(verona, CONNECTION)
    assert of_type(plan_member_at("monona", 3), NAT_RULE) == []  # no VPN before networking
    assert of_type(plan_member_at("mcfarland", 4), NAT_RULE) == []  # the other town keeps its LAN
