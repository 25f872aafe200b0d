"""The public addresses of the hub's appliances (firewall, VPN gateway): static Standard IPv4.

Zone-redundant (zones 1, 2, 3) where the hub's region has availability zones (``HubStack.zones``).
Azure cannot change an address's zones or SKU in place, so a change of either replaces it, the old
one deleted first (its Azure name is fixed): a new address, which the towns' routers must learn.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import network

# Inputs Azure cannot change in place: `pulumi up` replaces the address (and `plan --against` says so).
REPLACED_ON_CHANGE = ["zones", "sku"]


def hub_public_ip(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    tags: dict[str, str],
    zones: Sequence[str] = (),
    parent: pulumi.Resource,
) -> network.PublicIPAddress:
    """The address ``name`` (``naming.hub_public_ip``); ``zones``: the hub region's (empty: regional)."""
    return network.PublicIPAddress(
        name,
        public_ip_address_name=name,
        resource_group_name=resource_group_name,
        location=location,
        sku={"name": "Standard", "tier": "Regional"},
        public_ip_allocation_method="Static",
        public_ip_address_version="IPv4",
        zones=list(zones) or None,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, replace_on_changes=REPLACED_ON_CHANGE, delete_before_replace=True),
    )
