"""Address management: carving member blocks from the supernet, and the fixed subnet layouts.

Every address fact is derived here from ``consortium.yaml`` and the member's allocated block, so the
Pulumi program, the inventories and the policies never compute a subnet themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Network

from consortium.registry.errors import InputError, Problem


class SupernetExhausted(InputError):
    """No free block of the member size is left in the supernet."""


def allocate(
    supernet: IPv4Network,
    prefix: int,
    reserved: Iterable[IPv4Network],
    *,
    who: str = "",
    field: str = "network.cidr",
    space: str = "the supernet",
) -> IPv4Network:
    """Return the lowest block of size ``/prefix`` in ``supernet`` that overlaps nothing reserved.

    ``reserved`` holds the hub and every allocated member block (or, for translated on-prem ranges,
    every range already in use, with ``supernet`` the NAT pool). Existing blocks are never moved:
    allocation only ever fills a gap, so removing one member and adding another reuses the gap
    without renumbering anyone. ``field`` and ``space`` name them in the error when nothing is free.
    """
    taken = sorted(reserved, key=lambda n: (int(n.network_address), n.prefixlen))
    size = 1 << (32 - prefix)
    start, end = int(supernet.network_address), int(supernet.broadcast_address)
    candidate = start
    # Walk the reserved ranges in address order, jumping the candidate past each one it hits.
    for net in taken:
        lo, hi = int(net.network_address), int(net.broadcast_address)
        if hi < candidate:
            continue
        if lo >= candidate + size:
            break
        candidate = ((hi + 1 + size - 1) // size) * size
    if candidate + size - 1 > end:
        raise SupernetExhausted([Problem(who, field, f"no free /{prefix} left in {space} {supernet}")])
    return IPv4Network((candidate, prefix))


# The member spoke's subnet layout, the one place its subnet names are written: name -> (how many
# bits longer than the member block, which of those blocks). Order is the layout's, low to high
# address except the /21 at the end. For a /20: servers /22 (first quarter), management /24 and
# private endpoints /24 (the next two /24s), endpoints (VDI) /21 (the second half).
SPOKE_LAYOUT: dict[str, tuple[int, int]] = {
    "servers": (2, 0),
    "management": (4, 4),
    "private-endpoints": (4, 5),
    "endpoints": (1, 1),
}
# The landing zone's only subnet (the spoke before the networking service: private endpoints).
LANDING_ZONE_SUBNET = "private-endpoints"
# The subnets the networking service adds to the landing zone: what makes a spoke a full spoke.
WORKLOAD_SUBNETS: tuple[str, ...] = tuple(name for name in SPOKE_LAYOUT if name != LANDING_ZONE_SUBNET)


def spoke_subnets(cidr: IPv4Network) -> dict[str, IPv4Network]:
    """The member spoke's subnets (:data:`SPOKE_LAYOUT`), carved at fixed offsets so they never move.

    Requires a /24 or larger block.
    """
    p = cidr.prefixlen
    if p > 24:
        raise ValueError(f"a member block must be /24 or larger, got {cidr}")
    return {name: _nth_subnet(cidr, p + extra, index) for name, (extra, index) in SPOKE_LAYOUT.items()}


def _nth_subnet(cidr: IPv4Network, prefix: int, index: int) -> IPv4Network:
    """The ``index``-th ``/prefix`` block of ``cidr`` (without listing the ones before it)."""
    size = 1 << (32 - prefix)
    return IPv4Network((int(cidr.network_address) + index * size, prefix))


# The hub subnet administration comes from (jump hosts, the Ansible controller): the one source of
# remote management into the members, and so the one subnet whose servers may open SSH/RDP/WinRM.
HUB_ADMIN_SUBNET = "management"


def hub_subnets(hub: IPv4Network) -> dict[str, IPv4Network]:
    """The hub's subnets: Azure's fixed-name firewall and gateway subnets, then shared ones.

    The first /24 of the hub holds ``AzureFirewallSubnet`` (/26, Azure's minimum), ``GatewaySubnet``
    (/26) and ``management`` (/25: jump hosts and the Ansible controller — the only range allowed
    to SSH into members' servers); the second /24 is ``shared-services`` and the third
    ``private-endpoints``. Requires a /22 or larger hub.
    """
    first, second, third = list(hub.subnets(new_prefix=24))[:3]
    quarters = list(first.subnets(new_prefix=26))
    return {
        "AzureFirewallSubnet": quarters[0],
        "GatewaySubnet": quarters[1],
        HUB_ADMIN_SUBNET: list(first.subnets(new_prefix=25))[1],
        "shared-services": second,
        "private-endpoints": third,
    }


def overlapping_pairs(nets: Sequence[IPv4Network]) -> list[tuple[int, int]]:
    """Every pair of indexes ``(i, j)``, ``i < j``, whose networks overlap, sorted.

    A sweep over the ranges in address order: O(n log n + pairs) instead of comparing every pair,
    which matters at state scale (351 members, each with on-prem ranges).
    """
    order = sorted(range(len(nets)), key=lambda k: (int(nets[k].network_address), -nets[k].prefixlen))
    active: list[tuple[int, int]] = []  # (last address, index) of ranges that may still overlap
    pairs = []
    for k in order:
        start = int(nets[k].network_address)
        active = [(end, idx) for end, idx in active if end >= start]
        pairs.extend((min(idx, k), max(idx, k)) for _, idx in active)
        active.append((int(nets[k].broadcast_address), k))
    return sorted(pairs)
