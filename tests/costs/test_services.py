"""Hub costs go to the pool of the services they serve."""

from __future__ import annotations

from consortium.costs.services import hub_resource_services
from consortium.registry import naming


def test_the_vpn_gateway_is_shared_by_networking_members_only() -> None:
    for name in (
        naming.hub_vpn_gateway("dane"),
        *naming.hub_vpn_public_ips("dane"),
        naming.hub_gateway_maintenance("dane"),
    ):
        assert hub_resource_services("dane", name) == {"networking"}


def test_the_landing_zone_is_shared_by_every_member_behind_the_hub() -> None:
    for name in (naming.hub_firewall("dane"), naming.hub_public_ip("dane", "firewall"), naming.hub_workspace("dane")):
        assert hub_resource_services("dane", name) == {"backup", "identity", "networking"}
