"""Which services each of the hub's resources serves: the one table the estimate (from a plan) and
the chargeback (from the bill) both use to put a hub cost into the right shared pool."""

from __future__ import annotations

from consortium.registry import naming
from consortium.registry.models import HUB_SERVICES, VPN_SERVICES


def hub_resource_services(consortium_slug: str, name: str) -> frozenset[str]:
    """The services a hub resource, known by its Azure name, is there for: the VPN gateway and its
    public address serve site-to-site networking only; everything else in the hub (firewall, DNS,
    log workspace, key vault, network) is the landing zone every member behind the hub uses. The
    gateway's two addresses (active-active) and its maintenance window are the gateway's."""
    vpn = {
        naming.hub_vpn_gateway(consortium_slug),
        naming.hub_gateway_maintenance(consortium_slug),
        *naming.hub_vpn_public_ips(consortium_slug),
    }
    return frozenset(VPN_SERVICES if name in vpn else HUB_SERVICES)
