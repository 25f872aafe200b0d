"""The landing zone: a member's spoke, as far as its private endpoints need it, from its first vault on.

A member with backup or identity gets the spoke VNet with only its ``private-endpoints`` subnet,
peered to the hub, and its private endpoints in it; the networking service adds the workload
subnets, on-premises routes and site VPNs to the same resources. The tests here prove that the
step from one to the other is an in-place update: every resource of the earlier phase keeps its
URN, and its inputs change only where the networking service adds something.
"""

from __future__ import annotations

import pytest

from consortium.registry.stackconfig import member_stack
from infra.member_network import PRIVATE_ENDPOINTS_SUBNET, MemberNetworkArgs
from tests.infra.helpers import of_type, one

VNET = "azure-native:network:VirtualNetwork"
NSG = "azure-native:network:NetworkSecurityGroup"
ROUTE_TABLE = "azure-native:network:RouteTable"
PEERING = "azure-native:network:VirtualNetworkPeering"
ROUTE = "azure-native:network:Route"
LOCAL_GATEWAY = "azure-native:network:LocalNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
NETWORK = "consortium:member:Network"
ENDPOINTS = "consortium:member:PrivateEndpoints"

LANDING_ZONE_MEMBERS = ["sun-prairie", "waunakee", "mcfarland", "monona"]  # phases 2 and 3


def under(plan, component_type: str) -> list:
    """The component of that type and every resource beneath it."""
    root = one(plan, component_type)
    urns, found = {root.urn}, [root]
    changed = True
    while changed:  # records are sorted by URN, not by nesting: repeat until no new child turns up
        changed = False
        for record in plan.records:
            if record.parent in urns and record.urn not in urns:
                urns.add(record.urn)
                found.append(record)
                changed = True
    return found


@pytest.mark.parametrize("slug", LANDING_ZONE_MEMBERS)
def test_the_landing_zone_is_the_spoke_with_only_its_private_endpoints_subnet(
    example_registry, stack_plan, hub_plan, slug
):
    plan = stack_plan(slug)
    config = member_stack(example_registry, example_registry.entry(slug).member)
    assert config.member.network.onprem, "the example's landing-zone members have town-hall sites"
    vnet = one(plan, VNET).inputs
    assert vnet["virtualNetworkName"] == f"vnet-{slug}"
    assert vnet["addressSpace"] == {"addressPrefixes": [str(config.member.network.cidr)]}
    assert vnet["dhcpOptions"]["dnsServers"] == [hub_plan.outputs["firewall_private_ip"]]
    (subnet,) = vnet["subnets"]
    assert subnet["name"] == PRIVATE_ENDPOINTS_SUBNET
    assert subnet["addressPrefix"] == str(config.subnets[PRIVATE_ENDPOINTS_SUBNET])
    nsg = one(plan, NSG)
    assert nsg.name == f"nsg-{slug}-private-endpoints"
    assert subnet["networkSecurityGroup"] == {"id": nsg.id}
    assert subnet["routeTable"] == {"id": one(plan, ROUTE_TABLE).id}
    assert any(d.inputs["resourceUri"] == nsg.id for d in of_type(plan, DIAGNOSTICS))
    # Through the firewall like every spoke, but no on-premises routes and no VPN before networking.
    routes = one(plan, ROUTE_TABLE).inputs["routes"]
    assert [r["name"] for r in routes] == [
        "default-via-firewall",
        "spokes-via-firewall",
        "shared-services-via-firewall",
    ]
    assert {r.name for r in of_type(plan, PEERING)} == {f"peer-hub-to-{slug}", f"peer-{slug}-to-hub"}
    assert one(plan, ROUTE).inputs["addressPrefix"] == str(config.member.network.cidr)
    assert not of_type(plan, LOCAL_GATEWAY) and not of_type(plan, CONNECTION)


def test_the_args_say_what_each_step_builds(example_registry):
    config = member_stack(example_registry, example_registry.entry("fitchburg").member)
    subnets = {k: str(v) for k, v in config.subnets.items()}

    def args(workloads: bool) -> MemberNetworkArgs:
        return MemberNetworkArgs(
            member_slug="fitchburg",
            resource_group_name="rg",
            location="centralus",
            cidr=str(config.member.network.cidr),
            subnets=subnets,
            supernet=str(config.supernet),
            management_range=str(config.management_range),
            sites=list(config.member.network.onprem),
            vpn_shared_keys={},
            hub=None,  # type: ignore[arg-type]  # not read by these methods
            tags={},
            workloads=workloads,
        )

    assert args(False).built_subnets() == {PRIVATE_ENDPOINTS_SUBNET: subnets[PRIVATE_ENDPOINTS_SUBNET]}
    assert args(False).built_sites() == []
    assert args(True).built_subnets() == subnets and len(subnets) == 4
    assert args(True).built_sites() == list(config.member.network.onprem) != []


# --------------------------------------------------------------------------- phase 2 -> 4 in place


def _without_tags(inputs: dict) -> dict:
    return {k: v for k, v in inputs.items() if k != "tags"}  # the phase tag changes with the phase


@pytest.mark.parametrize("earlier", [2, 3])
def test_landing_zone_urns_are_identical_in_the_full_spoke(plan_member_at, earlier):
    """The same member planned in an earlier phase and in phase 4: no landing-zone resource is renamed."""
    before, after = plan_member_at("fitchburg", earlier), plan_member_at("fitchburg", 4)
    landing_zone = under(before, NETWORK) + under(before, ENDPOINTS)
    assert len(landing_zone) >= 16  # component, provider, NSG + diagnostics, route table, VNet, 2 peerings, route, ...
    after_by_urn = {r.urn: r for r in after.records}
    for record in landing_zone:
        assert record.urn in after_by_urn, f"{record.urn} would be deleted (and recreated under another URN)"
        assert after_by_urn[record.urn].type == record.type
        assert after_by_urn[record.urn].parent == record.parent
    # Nothing at all of the earlier phase disappears: moving on only adds and updates.
    assert {r.urn for r in before.records} <= set(after_by_urn)


def test_moving_to_networking_changes_only_what_networking_adds(plan_member_at):
    """Inputs of the landing zone in phase 2 and phase 4: equal except the VNet's subnets and the routes."""
    before, after = plan_member_at("fitchburg", 2), plan_member_at("fitchburg", 4)
    after_by_urn = {r.urn: r for r in after.records}
    for record in under(before, NETWORK) + under(before, ENDPOINTS):
        old, new = _without_tags(record.inputs), _without_tags(after_by_urn[record.urn].inputs)
        if record.type == VNET:
            old_subnets, new_subnets = old.pop("subnets"), new.pop("subnets")
            assert old_subnets == [s for s in new_subnets if s["name"] == PRIVATE_ENDPOINTS_SUBNET]
            assert {s["name"] for s in new_subnets} == {"servers", "endpoints", "management", PRIVATE_ENDPOINTS_SUBNET}
        if record.type == ROUTE_TABLE:
            old_routes, new_routes = old.pop("routes"), new.pop("routes")
            assert new_routes[: len(old_routes)] == old_routes
            assert all(r["nextHopType"] == "VirtualNetworkGateway" for r in new_routes[len(old_routes) :])
            assert len(new_routes) > len(old_routes)
        assert old == new, f"{record.name} changes beyond what networking adds"
        assert after_by_urn[record.urn].id == record.id
    added = {r.type for r in after.records if r.urn not in {x.urn for x in before.records}}
    assert {LOCAL_GATEWAY, CONNECTION, NSG} <= added
