"""Tenant isolation judged from one stack, as `pulumi preview --stack <member> --policy-pack policies` sees it.

Under CrossGuard a stack policy sees one stack's resources; what it knows of the other members (their
resource groups, VNets, ranges) comes from the pack config, i.e. ``registry_params``. These tests give
the isolation controls one stack and the registry's parameters only, in-process; and a first preview,
where the stack's own ids are still unknown.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.registry.load import Registry
from consortium.wire import UNKNOWN
from policies.catalog import CATALOG, by_id
from policies.framework import Finding, evaluate

from .helpers import first_preview, pick
from .mutations import ASSIGNMENT, FITCHBURG_RG, MUTATIONS, PEERING, _spoke_peering, add_rule, setp

CONTROLS = by_id()
ISOLATION = sorted(cid for cid in CONTROLS if cid.startswith("MCS-ISO-"))
Records = list[dict[str, Any]]


def _one_stack(records: Records, stack: str) -> Records:
    return [r for r in records if r["stack"] == stack]


def _findings(cid: str, records: Records, params: dict[str, Any]) -> list[Finding]:
    return evaluate([CONTROLS[cid]], plan_resources(records), params).findings


def _mandatory(found: list[Finding]) -> set[tuple[str, str]]:
    return {(f.control, f.urn) for f in found if not f.advisory and CONTROLS[f.control].enforcement == "mandatory"}


@pytest.mark.parametrize("cid", ISOLATION)
def test_fires_on_one_stack_given_the_registry(cid: str, records: Records, example_registry: Registry) -> None:
    mutate, fragment = MUTATIONS[cid]
    target = mutate(records)
    mine = _one_stack(records, target["stack"])
    found = _findings(cid, mine, registry_params(example_registry))
    assert [f.message for f in found if f.urn == target["urn"] and not f.advisory and fragment in f.message], found


@pytest.mark.parametrize("cid", ISOLATION)
def test_one_stack_alone_shows_no_other_member(cid: str, records: Records) -> None:
    """Without the registry's parameters one stack cannot tell another member's things from nobody's."""
    target = MUTATIONS[cid][0](records)
    assert _findings(cid, _one_stack(records, target["stack"]), {}) == []


@pytest.mark.parametrize("stack", ["hub", "sun-prairie", "monona", "verona", "fitchburg"])
def test_quiet_on_each_clean_stack_alone(stack: str, records: Records, example_registry: Registry) -> None:
    mine = _one_stack(records, stack)
    assert mine
    params = registry_params(example_registry)
    assert [f for cid in ISOLATION for f in _findings(cid, mine, params)] == []


def test_a_peering_into_any_vnet_of_another_members_resource_group_reaches_it(
    records: Records, example_registry: Registry
) -> None:
    template = pick(records, PEERING, where=lambda r: r["name"] == "peer-verona-to-hub")
    peering = copy.deepcopy(template)
    peering["urn"] = template["urn"].replace("peer-verona-to-hub", "peer-verona-to-lab")
    peering["inputs"]["remoteVirtualNetwork"] = {
        "id": f"{FITCHBURG_RG}/providers/Microsoft.Network/virtualNetworks/lab"
    }
    found = _findings("MCS-ISO-002", [*_one_stack(records, "verona"), peering], registry_params(example_registry))
    assert [f.message for f in found] == ["verona's peering reaches fitchburg's network lab"]


def test_registry_params_name_every_members_groups_and_vnets(example_registry: Registry) -> None:
    params = registry_params(example_registry)
    slugs = sorted(e.member.slug for e in example_registry.members)
    assert sorted(params["MCS-ISO-001"]["member_resource_groups"]) == slugs
    assert params["MCS-ISO-002"]["member_vnets"]["fitchburg"] == ["vnet-fitchburg"]
    assert params["MCS-ISO-002"]["member_resource_groups"]["fitchburg"] == ["rg-dane-county-fitchburg"]


# --------------------------------------------------------------------------- a first preview


def test_the_first_preview_masks_the_stacks_own_ids(records: Records) -> None:
    preview = first_preview(records, "verona")
    peering = pick(preview, PEERING, where=lambda r: r["name"] == "peer-hub-to-verona")
    assert peering["inputs"]["remoteVirtualNetwork"]["id"] == UNKNOWN  # verona's VNet: created in this preview
    to_hub = pick(preview, PEERING, where=lambda r: r["name"] == "peer-verona-to-hub")
    assert "vnet-dane-county-hub" in to_hub["inputs"]["remoteVirtualNetwork"]["id"]  # the hub exists already
    assert all(r["id"] == UNKNOWN for r in preview if r["type"] != "pulumi:pulumi:StackReference")


def test_a_clean_first_preview_has_no_mandatory_finding(records: Records, example_registry: Registry) -> None:
    found = evaluate(CATALOG, plan_resources(first_preview(records, "verona")), registry_params(example_registry))
    assert _mandatory(found.findings) == set()
    advisory = [f for f in found.findings if f.advisory]
    assert advisory and all(f.message.startswith("cannot be judged until deployed: ") for f in advisory)
    # only the hub side's peering needs verona's VNet id; the spoke side (to the hub) is judged
    assert {f.resource_name for f in advisory if f.control == "MCS-ISO-002"} == {"peer-hub-to-verona"}


def test_a_first_preview_flags_a_planted_peering_to_another_spoke(records: Records, example_registry: Registry) -> None:
    preview = first_preview(records, "verona")
    planted = _spoke_peering(preview)
    found = evaluate(CATALOG, plan_resources(preview), registry_params(example_registry)).findings
    assert _mandatory(found) == {("MCS-ISO-002", planted["urn"]), ("MCS-NET-009", planted["urn"])}
    (iso,) = [f for f in found if f.control == "MCS-ISO-002" and f.urn == planted["urn"]]
    assert iso.message == "verona's peering reaches fitchburg's network vnet-fitchburg"


def test_stack_controls_judge_the_known_resources_of_a_first_preview(
    records: Records, example_registry: Registry
) -> None:
    """Unknown scopes make those assignments advisory; the one planted into Fitchburg's group is still judged."""
    preview = first_preview(records, "verona")
    assignments = sorted((r for r in preview if r["type"] == ASSIGNMENT), key=lambda r: r["urn"])
    planted = setp(assignments[-1], "scope", FITCHBURG_RG)  # judged after the unknown ones
    rule = add_rule({"sourceAddressPrefix": "10.64.16.0/20", "destinationPortRange": "443"})(preview)
    found = evaluate(CATALOG, plan_resources(preview), registry_params(example_registry)).findings
    assert _mandatory(found) >= {("MCS-ISO-001", planted["urn"]), ("MCS-ISO-004", rule["urn"])}
    unknown = {f.urn for f in found if f.control == "MCS-ISO-001" and f.advisory}
    assert unknown == {r["urn"] for r in assignments if r["inputs"]["scope"] == UNKNOWN}
    assert planted["urn"] not in unknown and len(unknown) == len(assignments) - 1


def test_mandatory_controls_name_the_unknown_property(records: Records, example_registry: Registry) -> None:
    found = evaluate(CATALOG, plan_resources(first_preview(records, "verona")), registry_params(example_registry))
    messages = {(f.control, f.message) for f in found.findings if f.resource_name == "peer-hub-to-verona"}
    assert messages == {("MCS-ISO-002", "cannot be judged until deployed: remoteVirtualNetwork.id is not known yet")}


@pytest.mark.parametrize("allow_priority, flagged", [("not-a-number", False), (None, False), (100, True)])
def test_firewall_collections_without_a_readable_priority_sort_last(allow_priority: Any, flagged: bool) -> None:
    """MCS-ISO-005: an allow-any collection whose priority cannot be read is tried after the deny between
    spokes (Azure would refuse it; the pack must judge it, not crash on it)."""
    from policies.framework import Resource
    from policies.isolation import RULE_GROUP

    deny = {"name": "deny-spokes", "priority": 200, "action": {"type": "Deny"},
            "rules": [{"name": "d", "sourceAddresses": ["*"], "destinationAddresses": ["10.20.0.0/16"]}]}  # fmt: skip
    allow = {"name": "allow-any", "priority": allow_priority, "action": {"type": "Allow"},
             "rules": [{"name": "a", "sourceAddresses": ["10.20.1.0/24"], "destinationAddresses": ["*"]}]}  # fmt: skip
    urn = f"urn:pulumi:hub::consortium::{RULE_GROUP}::rules"
    group = Resource.at(urn, RULE_GROUP, {"ruleCollections": [deny, allow]})
    params = {"supernet": "10.20.0.0/16", "member_ranges": {}}
    found = evaluate([by_id()["MCS-ISO-005"]], [group], {"MCS-ISO-005": params}).findings
    assert bool([f for f in found if "allows any destination" in f.message]) is flagged, found
