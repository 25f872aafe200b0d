"""The helpers the controls share: list properties and the address-range index."""

from __future__ import annotations

import ipaddress
import random

from policies.util import RangeIndex, mappings


def test_mappings_keeps_the_object_entries_of_a_list_property() -> None:
    assert mappings([{"name": "a"}, "junk", None, {"name": "b"}]) == [{"name": "a"}, {"name": "b"}]
    assert mappings({"name": "single"}) == [{"name": "single"}]
    assert mappings(None) == []


def test_range_index_agrees_with_pairwise_overlaps() -> None:
    rng = random.Random(11)

    def net(prefix: int) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(((10 << 24) | rng.getrandbits(24), prefix), strict=False)

    owned = [(f"m{i}", net(rng.choice([12, 16, 20, 24]))) for i in range(200)]
    index = RangeIndex(owned)
    for _ in range(300):
        q = net(rng.choice([9, 16, 20, 24, 28]))
        assert index.owners(q) == sorted({o for o, n in owned if n.overlaps(q)})
