"""The public addresses of the hub's appliances (firewall, VPN gateway): static Standard IPv4."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming


def hub_public_ip(
    consortium_slug: str,
    appliance: str,
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    tags: dict[str, str],
    zones: Sequence[str] | None = None,
    parent: pulumi.Resource,
) -> network.PublicIPAddress:
    """``zones``: the address must be zone-redundant where its appliance is (the zone-redundant VPN gateway)."""
    name = naming.hub_public_ip(consortium_slug, appliance)
    return network.PublicIPAddress(
        name,
        public_ip_address_name=name,
        resource_group_name=resource_group_name,
        location=location,
        sku={"name": "Standard", "tier": "Regional"},
        public_ip_allocation_method="Static",
        public_ip_address_version="IPv4",
        zones=list(zones) if zones else None,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
