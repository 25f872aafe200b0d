"""Reliability: the hub every town depends on survives the loss of a zone or a gateway instance.

Advisory by default, so a council sees resilience next to security; mandatory on the hub stack
(``mandatory_stacks``), where one failure cuts every town off. Where a region has no availability
zones (Microsoft's list, :mod:`consortium.registry.regions`) the zone controls pass, as PSRule's do;
a region that list does not know counts as one without zones, and the plan says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from consortium.registry.regions import zone_support

from .framework import Enforcement, Resource, Severity, control, each
from .util import as_list, mappings, ref_id

AREA = "reliability"
HUB = ("hub",)
FIREWALL = "azure-native:network:AzureFirewall"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
MAINTENANCE = "azure-native:maintenance:MaintenanceConfiguration"
ASSIGNMENT = "azure-native:maintenance:ConfigurationAssignment"
ZONE_SKUS = ("VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ")
MIN_WINDOW_HOURS = 5  # Azure's least window for network gateways


def _missing_zones(r: Resource, least: int) -> Iterator[str]:
    """The resource's zones against its region's: fewer than ``least`` of them where the region has zones."""
    region = zone_support(str(r.known("location", "")))
    if not region.zones:
        return
    zones = {str(z) for z in as_list(r.known("zones"))}
    if len(zones & set(region.zones)) < least:
        have = ", ".join(sorted(zones)) or "none"
        yield f"zones are {have}; {region.location} has zones {', '.join(region.zones)}: use at least {least}"


@control(
    "MCS-REL-001",
    "The hub firewall spans the region's availability zones",
    area=AREA,
    types=[FIREWALL],
    severity=Severity.HIGH,
    cis_v8=["12.2"],
    enforcement=Enforcement.ADVISORY,
    mandatory_stacks=HUB,
    psrule=["Azure.Firewall.AvailabilityZone"],
    rationale="Every spoke reaches the shared services and the internet through the firewall: a firewall in one "
    "zone (or none) fails with that zone; across two or more zones it carries the 99.99 % SLA.",
    fix="Set zones to the region's zones (1, 2, 3); Azure sets them only at deployment, so the firewall is "
    "replaced: schedule it (README, 'The resilient hub').",
)
def firewall_zones(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from _missing_zones(r, 2)


@control(
    "MCS-REL-002",
    "The hub's public addresses are Standard and zone-redundant",
    area=AREA,
    types=[PUBLIC_IP],
    severity=Severity.MEDIUM,
    cis_v8=["12.2"],
    enforcement=Enforcement.ADVISORY,
    mandatory_stacks=HUB,
    psrule=["Azure.PublicIP.AvailabilityZone", "Azure.PublicIP.StandardSKU"],
    rationale="A firewall or gateway spread over zones is only as available as its address: a zonal or "
    "regional address goes down with its zone, and a Basic address has no zones at all.",
    fix="Use a Standard address in every zone of the region (zones 1, 2, 3); zones cannot change in place: "
    "a new address, which the towns' routers must learn.",
)
def public_ip_zones(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    sku = r.known("sku.name")
    if sku != "Standard":
        yield f"sku is {sku}; Standard only (zones and a static address)"
    yield from _missing_zones(r, 3)


@control(
    "MCS-REL-003",
    "The hub VPN gateway uses a zone-redundant (AZ) SKU",
    area=AREA,
    types=[GATEWAY],
    severity=Severity.HIGH,
    cis_v8=["12.2"],
    enforcement=Enforcement.ADVISORY,
    mandatory_stacks=HUB,
    psrule=["Azure.VNG.VPNAvailabilityZoneSKU", "Azure.VNG.VPNLegacySKU"],
    rationale="Every town's tunnel ends on this gateway; an AZ SKU spreads its instances over zones, and the "
    "legacy SKUs (Basic, Standard, HighPerformance) are being retired.",
    fix="Use VpnGw1AZ (VpnGw2AZ with NAT) or larger.",
)
def gateway_zone_sku(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if r.known("gatewayType") != "Vpn":
        return
    sku = r.known("sku.name")
    if sku not in ZONE_SKUS:
        yield f"sku is {sku}; use one of {', '.join(ZONE_SKUS)}"


@control(
    "MCS-REL-004",
    "The hub VPN gateway is active-active, one public address per instance",
    area=AREA,
    types=[GATEWAY],
    severity=Severity.HIGH,
    cis_v8=["12.2"],
    enforcement=Enforcement.ADVISORY,
    mandatory_stacks=HUB,
    psrule=["Azure.VNG.VPNActiveActive"],
    rationale="Active-standby drops every town's tunnel while the standby instance takes over (maintenance or a "
    "fault); active-active keeps a second tunnel per site up, from the other instance.",
    fix="Set activeActive to true with two IP configurations, each with its own Standard public address; give "
    "each town's router the second tunnel (the runbook lists both addresses).",
)
def gateway_active_active(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if r.known("gatewayType") != "Vpn":
        return
    if r.known("activeActive") is not True:
        yield "activeActive is not true: a failover drops every town's tunnel"
    addresses = {ref_id(c.get("publicIPAddress")) for c in mappings(r.known("ipConfigurations"))}
    if len(addresses - {""}) < 2:
        yield f"{len(addresses - {''})} public address(es) in ipConfigurations; active-active needs two"


def _hours(duration: Any) -> float:
    """``HH:mm`` -> hours (0 when unreadable)."""
    try:
        hours, minutes = str(duration).split(":")
        return int(hours) + int(minutes) / 60
    except ValueError:
        return 0


@control(
    "MCS-REL-005",
    "The hub VPN gateway has a customer-controlled maintenance window",
    area=AREA,
    types=[GATEWAY, ASSIGNMENT, MAINTENANCE],
    severity=Severity.MEDIUM,
    cis_v8=["12.1", "12.2"],
    enforcement=Enforcement.ADVISORY,
    mandatory_stacks=HUB,
    scope="stack",
    psrule=["Azure.VNG.MaintenanceConfig"],
    rationale="Azure updates gateways when it chooses unless a maintenance configuration says when; the towns "
    "should learn of a tunnel reset from the consortium's calendar, not from a dropped call.",
    fix="Assign the gateway a maintenance configuration (scope Resource, NetworkGatewayMaintenance, daily, at "
    "least 5 hours): azure.gateway_maintenance in consortium.yaml.",
)
def gateway_maintenance(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, str]]:
    configs = {r.azure_name("resourceName"): r for r in resources if r.type == MAINTENANCE}

    def judge(gateway: Resource) -> Iterator[str]:
        name = gateway.azure_name("virtualNetworkGatewayName")
        assigned = [
            a
            for a in resources
            if a.type == ASSIGNMENT
            and (a.known("resourceName") == name or ref_id(a.known("resourceId")).endswith(f"/{name}"))
        ]
        if not assigned:
            yield "no maintenance configuration is assigned: Azure updates it when it chooses"
            return
        for a in assigned:
            config = configs.get(ref_id(a.known("maintenanceConfigurationId")).rstrip("/").rsplit("/", 1)[-1])
            if config is None:
                yield "its maintenance assignment names no maintenance configuration of this stack"
                continue
            if config.known("maintenanceScope") != "Resource":
                yield f"maintenance scope is {config.get('maintenanceScope')}; Resource (network gateways)"
            if _hours(config.known("duration")) < MIN_WINDOW_HOURS:
                yield f"maintenance window is {config.get('duration')}; Azure needs at least {MIN_WINDOW_HOURS} hours"

    yield from each((r for r in resources if r.type == GATEWAY and r.get("gatewayType") == "Vpn"), judge)


CONTROLS = (firewall_zones, public_ip_zones, gateway_zone_sku, gateway_active_active, gateway_maintenance)
