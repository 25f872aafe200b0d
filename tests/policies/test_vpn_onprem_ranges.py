"""MCS-NET-017 on real plans of two towns whose halls share 192.168.1.0/24 (McFarland and Monona).

Both are planned at phase 4 (their VPNs exist): with Monona translated (the example) the control is
quiet; without the NAT rule on Monona's connection, or with a translation onto another town's
range, it fires on the local network gateway that claims the range.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.plan import runner as offline
from consortium.registry.load import Registry
from consortium.registry.stackconfig import member_stack
from policies.catalog import by_id
from policies.framework import evaluate

from .helpers import Record, pick

CONTROL = by_id()["MCS-NET-017"]
LNG = "azure-native:network:LocalNetworkGateway"
CONN = "azure-native:network:VirtualNetworkGatewayConnection"
NAT_RULE = "azure-native:network:VirtualNetworkGatewayNatRule"
MCFARLAND_LAN = "192.168.1.0/24"


@pytest.fixture(scope="module")
def _two_towns(example_registry: Registry) -> list[Record]:
    hub = offline.plan_registry(example_registry, [], include_hub=True).stacks[0]
    records: list[Record] = []
    for slug in ("mcfarland", "monona", "verona"):
        member = example_registry.entry(slug).member.model_copy(update={"phase": 4})
        plan = offline.plan_stack(member_stack(example_registry, member), hub_outputs=hub.outputs)
        records += [r.to_json() for r in plan.records]
    return records


@pytest.fixture
def towns(_two_towns: list[Record]) -> list[Record]:
    return copy.deepcopy(_two_towns)


def _findings(records: list[Record], params: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    result = evaluate([CONTROL], plan_resources(records), {CONTROL.id: params or {}})
    return [(f.urn.rsplit("::", 1)[-1], f.message) for f in result.findings]


def test_quiet_when_the_overlapping_town_is_translated(towns: list[Record]) -> None:
    assert pick(towns, NAT_RULE, member="monona")["inputs"]["internalMappings"] == [{"addressSpace": MCFARLAND_LAN}]
    assert _findings(towns) == []


def test_fires_on_both_halls_when_the_connection_loses_its_nat_rule(towns: list[Record]) -> None:
    del pick(towns, CONN, member="monona")["inputs"]["ingressNatRules"]
    assert _findings(towns) == [
        (
            "lng-mcfarland-village-hall",
            f"{MCFARLAND_LAN} (no NAT) overlaps monona's on-premises range on the hub "
            "gateway; translate one of the sites",
        ),
        (
            "lng-monona-city-hall",
            f"{MCFARLAND_LAN} (no NAT) overlaps mcfarland's on-premises range on the hub "
            "gateway; translate one of the sites",
        ),
    ]


def test_a_rule_the_connection_does_not_use_translates_nothing(towns: list[Record]) -> None:
    pick(towns, CONN, member="monona")["inputs"]["ingressNatRules"] = [{"id": "/x/natRules/nat-someone-else-0"}]
    assert {urn for urn, _ in _findings(towns)} == {"lng-mcfarland-village-hall", "lng-monona-city-hall"}


def test_fires_when_the_translation_lands_on_another_towns_lan(towns: list[Record]) -> None:
    rule = pick(towns, NAT_RULE, member="monona")
    rule["inputs"]["externalMappings"] = [{"addressSpace": "10.10.1.0/24"}]  # inside Verona's 10.10.0.0/23
    assert (
        "lng-monona-city-hall",
        f"{MCFARLAND_LAN} translated to 10.10.1.0/24 overlaps verona's on-premises "
        "range on the hub gateway; translate one of the sites",
    ) in _findings(towns)


def test_one_stack_under_crossguard_learns_the_other_towns_from_the_pack_config(towns: list[Record]) -> None:
    monona = [r for r in towns if r["member"] == "monona"]
    others = {"mcfarland": [MCFARLAND_LAN], "verona": ["10.10.0.0/23"]}
    assert _findings(monona, {"onprem_ranges": others}) == []
    del pick(monona, CONN, member="monona")["inputs"]["ingressNatRules"]
    assert [urn for urn, _ in _findings(monona, {"onprem_ranges": others})] == ["lng-monona-city-hall"]


def test_the_registry_gives_the_ranges_of_towns_with_vpns_as_azure_sees_them(example_registry: Registry) -> None:
    ranges = registry_params(example_registry)[CONTROL.id]["onprem_ranges"]
    assert ranges == {
        "fitchburg": ["172.20.0.0/22", "172.20.8.0/24"],
        "middleton": ["192.168.10.0/24", "192.168.11.0/24"],
        "verona": ["10.10.0.0/23"],
    }  # McFarland and Monona (phase 3) have no VPN yet
    monona = example_registry.entry("monona").member.model_copy(update={"phase": 4})
    entries = tuple(e if e.member.slug != "monona" else type(e)(e.path, monona) for e in example_registry.members)
    moved = type(example_registry)(example_registry.root, example_registry.consortium, entries)
    assert registry_params(moved)[CONTROL.id]["onprem_ranges"]["monona"] == ["100.64.0.0/24"]
