"""IPAM: lowest free block, stable, clear exhaustion; fixed subnet layouts; overlaps found by a sweep."""

from __future__ import annotations

from ipaddress import IPv4Network as Net

import pytest

from consortium.registry.ipam import SupernetExhausted, allocate, hub_subnets, spoke_subnets

SUPER = Net("10.64.0.0/12")
HUB = Net("10.64.0.0/20")


def test_lowest_free_block_skips_the_hub() -> None:
    assert allocate(SUPER, 20, [HUB]) == Net("10.64.16.0/20")


def test_fills_the_lowest_gap_first() -> None:
    taken = [HUB, Net("10.64.16.0/20"), Net("10.64.48.0/20")]
    assert allocate(SUPER, 20, taken) == Net("10.64.32.0/20")


def test_reserved_ranges_of_other_sizes_are_respected() -> None:
    # a /22 hub in the middle of the first /20 still blocks that whole /20
    assert allocate(SUPER, 20, [Net("10.64.4.0/22")]) == Net("10.64.16.0/20")
    # a reserved /16 blocks sixteen /20s
    assert allocate(SUPER, 20, [Net("10.64.0.0/16")]) == Net("10.65.0.0/20")


def test_order_of_reserved_does_not_matter() -> None:
    taken = [Net("10.64.48.0/20"), HUB, Net("10.64.16.0/20")]
    assert allocate(SUPER, 20, taken) == allocate(SUPER, 20, sorted(taken))


def test_exhaustion_is_a_clear_error() -> None:
    every = list(SUPER.subnets(new_prefix=20))
    with pytest.raises(SupernetExhausted) as exc:
        allocate(SUPER, 20, every, who="members/new.yaml")
    assert str(exc.value) == "members/new.yaml: network.cidr: no free /20 left in the supernet 10.64.0.0/12"


def test_last_block_is_still_allocatable() -> None:
    every = list(SUPER.subnets(new_prefix=20))
    assert allocate(SUPER, 20, every[:-1]) == every[-1]


def test_subnet_layouts_are_fixed_and_inside_their_block() -> None:
    spoke = spoke_subnets(Net("10.64.32.0/20"))
    assert {k: str(v) for k, v in spoke.items()} == {
        "servers": "10.64.32.0/22",
        "management": "10.64.36.0/24",
        "private-endpoints": "10.64.37.0/24",
        "endpoints": "10.64.40.0/21",
    }
    nets = list(spoke.values())
    assert all(n.subnet_of(Net("10.64.32.0/20")) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
    hub = hub_subnets(HUB)
    assert str(hub["AzureFirewallSubnet"]) == "10.64.0.0/26" and str(hub["management"]) == "10.64.0.128/25"
    hubs = list(hub.values())
    assert not any(a.overlaps(b) for i, a in enumerate(hubs) for b in hubs[i + 1 :])


def test_overlapping_pairs_matches_the_pairwise_definition() -> None:
    import random

    from consortium.registry.ipam import overlapping_pairs

    rng = random.Random(7)
    nets = [
        Net((rng.randrange(0, 1 << 12) << 20 >> rng.randrange(0, 4) & 0xFFFFFF00, p))
        for p in (rng.choice([16, 20, 22, 24]) for _ in range(300))
    ]
    nets = [Net((int(n.network_address) & (0xFFFFFFFF << (32 - n.prefixlen)) & 0xFFFFFFFF, n.prefixlen)) for n in nets]
    expected = [(i, j) for i in range(len(nets)) for j in range(i + 1, len(nets)) if nets[i].overlaps(nets[j])]
    assert expected, "the sample should contain overlaps"
    assert overlapping_pairs(nets) == expected
