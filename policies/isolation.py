"""Tenant isolation across the consortium: nothing of one member reaches into another's.

These are stack controls: under ``consortium audit`` they see every member at once (all plans, or
every stack export in a directory); under CrossGuard they see one stack, and learn the other
members' resource groups, VNets and ranges from the pack config (``member_resource_groups``,
``member_vnets``, ``member_ranges``, from the registry), so one stack's resources are enough to
find a reach into another member. What the resources show and what the config says add up.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .framework import Message, Param, Resource, Severity, Unknown, UnknownValue, control, each
from .identity import ASSIGNMENT, member_resource_groups, scope_resource_group
from .network import NSG, PEERING, ROUTE_TABLE, RULE, VNET, nsg_rules, peering_local, peering_remote
from .util import RangeIndex, allows_inbound, as_list, mappings, network, priority, rule_sources

AREA = "isolation"
ROUTE = "azure-native:network:Route"
RULE_GROUP = "azure-native:network:FirewallPolicyRuleCollectionGroup"
Ranges = dict[str, list[ipaddress.IPv4Network]]


def member_ranges(resources: Sequence[Resource], p: Mapping[str, Any]) -> Ranges:
    """Each member's spoke address space: from its VNets, plus the configured ranges."""
    ranges: Ranges = {}
    for slug, cidrs in (p.get("member_ranges") or {}).items():
        ranges.setdefault(slug, []).extend(n for n in map(network, as_list(cidrs)) if n)
    for r in resources:
        if r.type == VNET and r.member is not None:
            ranges.setdefault(r.member, []).extend(
                n for n in map(network, as_list(r.get("addressSpace.addressPrefixes"))) if n
            )
    return ranges


def range_index(resources: Sequence[Resource], p: Mapping[str, Any]) -> RangeIndex:
    return RangeIndex((slug, net) for slug, nets in member_ranges(resources, p).items() for net in nets)


def other_owner(index: RangeIndex, net: ipaddress.IPv4Network | None, member: str) -> str | None:
    """The first other member whose address space ``net`` overlaps, if any."""
    return next((slug for slug in index.owners(net) if slug != member), None)


RANGES_PARAM = {"member_ranges": Param({}, "object", "Member slug -> spoke CIDRs (from the registry)")}
GROUPS_PARAM = {
    "member_resource_groups": Param({}, "object", "Member slug -> its resource group names (from the registry)")
}
VNETS_PARAM = {"member_vnets": Param({}, "object", "Member slug -> its VNet names (from the registry)")}


def _owners(configured: Any, found: Mapping[str, set[str]]) -> dict[str, str]:
    """Lower-case name -> member slug, from the pack config (``slug -> [names]``) and the resources seen."""
    owner = {str(n).lower(): str(slug) for slug, names in (configured or {}).items() for n in as_list(names)}
    owner.update({n.lower(): slug for slug, names in found.items() for n in names})
    return owner


def group_owners(resources: Sequence[Resource], p: Mapping[str, Any]) -> dict[str, str]:
    """Resource group (lower case) -> the member it belongs to."""
    return _owners(p.get("member_resource_groups"), member_resource_groups(resources))


def vnet_owners(resources: Sequence[Resource], p: Mapping[str, Any]) -> dict[str, str]:
    """VNet name (lower case) -> the member it belongs to."""
    found: dict[str, set[str]] = {}
    for r in resources:
        if r.type == VNET and r.member is not None:
            found.setdefault(r.member, set()).add(r.azure_name("virtualNetworkName"))
    return _owners(p.get("member_vnets"), found)


@control(
    "MCS-ISO-001",
    "No role assignment of one member reaches into another member's resource group",
    area=AREA,
    # Resource groups are read too, but a member is checked only where it has assignments (as before).
    types=[ASSIGNMENT],
    severity=Severity.CRITICAL,
    cis_v8=["3.3", "6.1"],
    scope="stack",
    params=GROUPS_PARAM,
    rationale="Each town's data is its own; the consortium shares a tenancy, not access.",
    fix="Remove the assignment; cross-member work goes through the consortium service desk.",
)
def no_cross_member_roles(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
    owner = group_owners(resources, p)

    def judge(r: Resource) -> Iterator[str]:
        rg = scope_resource_group(r.known("scope"))
        if rg in owner and owner[rg] != r.member:
            yield f"{r.member} is granted a role in {owner[rg]}'s resource group {rg}"

    yield from each((r for r in resources if r.type == ASSIGNMENT and r.member is not None), judge)


@control(
    "MCS-ISO-002",
    "No peering of one member reaches another member's network",
    area=AREA,
    types=[PEERING, VNET],  # and resource groups, which alone make no member subject to the control
    severity=Severity.CRITICAL,
    cis_v8=["3.3", "4.2"],
    scope="stack",
    params={**VNETS_PARAM, **GROUPS_PARAM},
    rationale="A direct peering bypasses the hub firewall's default deny between towns.",
    fix="Remove the peering.",
)
def no_cross_member_peering(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
    vnets = vnet_owners(resources, p)
    groups = group_owners(resources, p)

    def judge(r: Resource) -> Iterator[Message]:
        # Each end on its own: in a first preview the local end is unknown while a planted remote end is not.
        for end in (peering_local, peering_remote):
            try:
                rg, name = end(r)
            except UnknownValue as e:
                yield Unknown(e.path)
                continue
            # By the VNet's name, else by its resource group: any VNet in another member's group is its network.
            owner = vnets.get(name.lower()) or groups.get(rg.lower())
            if owner not in (None, r.member):
                yield f"{r.member}'s peering reaches {owner}'s network {name}"

    yield from each((r for r in resources if r.type == PEERING and r.member is not None), judge)


@control(
    "MCS-ISO-003",
    "No route of one member sends traffic for another member around the firewall",
    area=AREA,
    types=[ROUTE_TABLE, ROUTE, VNET],
    severity=Severity.CRITICAL,
    cis_v8=["3.3", "4.2"],
    scope="stack",
    params=RANGES_PARAM,
    rationale="Routes decide whether traffic meets the firewall; a direct route to another town skips it.",
    fix="Route other members' ranges (the supernet) to the hub firewall only; hub routes name the member's own block.",
)
def no_cross_member_routes(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, str]]:
    index = range_index(resources, p)
    for r in resources:
        if r.member is None or r.type not in (ROUTE_TABLE, ROUTE):
            continue
        routes = [r.props] if r.type == ROUTE else mappings(r.get("routes"))
        for route in routes:
            net = network(route.get("addressPrefix"))
            if net is None:
                continue
            hit = other_owner(index, net, r.member)
            if hit is None:
                continue
            if r.type == ROUTE:  # a route the member adds to a hub route table: its own block only
                yield r, f"{r.member} adds a hub route for {net}, which is {hit}'s address space"
            elif route.get("nextHopType") != "VirtualAppliance":
                yield r, f"route {route.get('name', '?')} sends {net} ({hit}'s space) to {route.get('nextHopType')}"


@control(
    "MCS-ISO-004",
    "No NSG rule of one member admits traffic from another member",
    area=AREA,
    types=[NSG, RULE, VNET],
    severity=Severity.CRITICAL,
    cis_v8=["3.3", "4.4"],
    scope="stack",
    params=RANGES_PARAM,
    rationale="Default deny between towns must hold on the towns' own NSGs too, not only on the firewall.",
    fix="Allow inbound only from the hub's management range and the member's own ranges.",
)
def no_cross_member_nsg(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, str]]:
    index = range_index(resources, p)
    for r in resources:
        if r.member is None or r.type not in (NSG, RULE):
            continue
        for rule in nsg_rules(r):
            if not allows_inbound(rule):
                continue
            for src in rule_sources(rule):
                net = network(src)
                hit = other_owner(index, net, r.member)
                if hit:
                    yield r, f"rule {rule.get('name', '?')} admits {src}, which covers {hit}'s address space"


def _addresses(rule: Mapping[str, Any], key: str) -> list[str]:
    return [str(a) for a in as_list(rule.get(key))]


@control(
    "MCS-ISO-005",
    "The hub firewall allows no traffic from one member to another",
    area=AREA,
    types=[RULE_GROUP, VNET],
    severity=Severity.CRITICAL,
    cis_v8=["3.3", "4.2"],
    scope="stack",
    params={**RANGES_PARAM, "supernet": Param("", "string", "The consortium supernet (all spokes)")},
    rationale="The firewall is where 'default deny between towns' is enforced.",
    fix="Remove the allow rule, or keep a deny between spokes at a higher priority (lower number).",
)
def firewall_isolation(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, str]]:
    index = range_index(resources, p)
    supernet = network(p["supernet"]) if p["supernet"] else None
    for r in resources:
        if r.type != RULE_GROUP:
            continue
        collections = mappings(r.get("ruleCollections"))
        deny_priority = min(
            (
                priority(c)
                for c in collections
                if str((c.get("action") or {}).get("type", "")).lower() == "deny"
                and any(
                    supernet and network(s) and network(s).overlaps(supernet)
                    for rule in as_list(c.get("rules"))
                    for s in _addresses(rule, "destinationAddresses")
                )
            ),
            default=None,
        )
        for c in collections:
            if str((c.get("action") or {}).get("type", "")).lower() != "allow":
                continue
            for rule in mappings(c.get("rules")):
                sources = [network(s) for s in _addresses(rule, "sourceAddresses")]
                for dest in _addresses(rule, "destinationAddresses"):
                    net = network(dest)
                    if dest.strip() == "*" and supernet is not None:
                        if deny_priority is None or deny_priority > priority(c):
                            yield (
                                r,
                                (f"rule {rule.get('name', '?')} allows any destination before any deny between spokes"),
                            )
                        continue
                    for slug in index.owners(net):
                        if any(other_owner(index, s, slug) for s in sources):
                            yield r, f"rule {rule.get('name', '?')} allows other spokes into {slug} ({dest})"


CONTROLS = (
    no_cross_member_roles,
    no_cross_member_peering,
    no_cross_member_routes,
    no_cross_member_nsg,
    firewall_isolation,
)
