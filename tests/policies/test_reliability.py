"""The Reliability area: advisory by default, mandatory on the hub; zones judged by Microsoft's region table."""

from __future__ import annotations

from datetime import date

from consortium.audit.run import run_audit
from policies.framework import Enforcement, Resource
from policies.reliability import firewall_zones, gateway_active_active

FIREWALL = "azure-native:network:AzureFirewall"


def _firewall(stack: str, location: str, zones: list[str] | None) -> Resource:
    props = {"location": location, **({"zones": zones} if zones is not None else {})}
    return Resource.at(f"urn:pulumi:{stack}::consortium::{FIREWALL}::afw", FIREWALL, props)


def test_zones_are_required_only_where_the_region_has_them() -> None:
    assert list(firewall_zones.check(_firewall("hub", "centralus", ["1", "2", "3"]), {})) == []
    assert list(firewall_zones.check(_firewall("hub", "centralus", None), {})) == [
        "zones are none; centralus has zones 1, 2, 3: use at least 2"
    ]
    assert list(firewall_zones.check(_firewall("hub", "westus", None), {})) == []  # listed without zones
    assert list(firewall_zones.check(_firewall("hub", "marsnorth", None), {})) == []  # not known: not guessed


def test_mandatory_on_the_hub_advisory_elsewhere() -> None:
    assert firewall_zones.enforcement is Enforcement.ADVISORY
    assert firewall_zones.level("hub") is Enforcement.MANDATORY
    assert firewall_zones.level("verona") is Enforcement.ADVISORY
    resources = [_firewall("hub", "centralus", None), _firewall("verona", "centralus", None)]
    audit = run_audit(
        resources, source="test", registry=None, exemptions=[], today=date(2026, 12, 1), catalog=[firewall_zones]
    )
    assert sorted((r.finding.stack, r.status) for r in audit.results) == [("hub", "failed"), ("verona", "advisory")]


def test_active_active_needs_two_addresses() -> None:
    gateway = Resource.at(
        "urn:pulumi:hub::consortium::azure-native:network:VirtualNetworkGateway::vgw",
        "azure-native:network:VirtualNetworkGateway",
        {"gatewayType": "Vpn", "activeActive": True, "ipConfigurations": [{"publicIPAddress": {"id": "/pip/a"}}]},
    )
    assert list(gateway_active_active.check(gateway, {})) == [
        "1 public address(es) in ipConfigurations; active-active needs two"
    ]
