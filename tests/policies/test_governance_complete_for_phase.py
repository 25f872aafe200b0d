"""MCS-GOV-004: each member's tenancy is complete for its phase.

A phase with backup or identity brings its landing zone and private endpoints, networking its
workload subnets; each case shown firing on the bad resource and quiet on the good one.
"""

from __future__ import annotations

import pytest

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.registry.ipam import LANDING_ZONE_SUBNET, WORKLOAD_SUBNETS
from policies.catalog import by_id
from policies.framework import evaluate

from .helpers import ENDPOINT, PHASES, Record, drop_endpoints, findings, messages, pick

CONTROLS = by_id()
VNET = "azure-native:network:VirtualNetwork"
PEERING = "azure-native:network:VirtualNetworkPeering"
RT = "azure-native:network:RouteTable"
RG = "azure-native:resources:ResourceGroup"
SUBNET = "azure-native:network:Subnet"


def test_every_phase_is_complete_in_the_compliant_plan(records, example_registry):
    assert messages("MCS-GOV-004", records, example_registry) == []


@pytest.mark.parametrize("member", ["sun-prairie", "mcfarland"])
def test_backup_without_its_landing_zone_is_incomplete(records, example_registry, member):
    """Reported once, under the first service that brings the landing zone (backup), not once per service."""
    rg = pick(records, RG, member=member)
    bare = [r for r in records if not (r["member"] == member and r["type"] in {VNET, PEERING, RT})]
    phase = PHASES[member]
    assert sorted(messages("MCS-GOV-004", bare, example_registry, rg["urn"])) == [
        f"phase {phase} (backup) needs 1 route table; found 0",
        f"phase {phase} (backup) needs 1 spoke VNet; found 0",
        f"phase {phase} (backup) needs 2 peerings to and from the hub; found 0",
    ]


def test_backup_without_its_endpoints_is_incomplete(records, example_registry):
    rg = pick(records, RG, member="waunakee")
    drop_endpoints(records, "waunakee", {"AzureBackup", "file"})
    assert messages("MCS-GOV-004", records, example_registry, rg["urn"]) == [
        "phase 2 (backup) needs private endpoints for AzureBackup, blob, file; missing AzureBackup, file"
    ]


def test_identity_without_its_key_vault_endpoint_is_incomplete(records, example_registry):
    rg = pick(records, RG, member="monona")
    drop_endpoints(records, "monona", {"vault"})
    assert messages("MCS-GOV-004", records, example_registry, rg["urn"]) == [
        "phase 3 (identity) needs private endpoints for vault; missing vault"
    ]


def test_a_phase_1_member_needs_no_landing_zone(records, example_registry):
    assert not any(r["member"] == "oregon" and r["type"] in {VNET, ENDPOINT} for r in records)
    rg = pick(records, RG, member="oregon")
    assert messages("MCS-GOV-004", records, example_registry, rg["urn"]) == []


def subnet_names(vnet: Record) -> list[str]:
    return [s["name"] for s in vnet["inputs"]["subnets"]]


def keep_subnets(vnet: Record, keep: set[str]) -> None:
    vnet["inputs"]["subnets"] = [s for s in vnet["inputs"]["subnets"] if s["name"] in keep]


def test_the_workload_subnets_come_from_the_registrys_layout(example_registry):
    """The control's parameter is the registry's spoke layout without the landing zone's subnet."""
    assert registry_params(example_registry)["MCS-GOV-004"]["workload_subnets"] == list(WORKLOAD_SUBNETS)
    assert set(WORKLOAD_SUBNETS) == {"servers", "endpoints", "management"}
    assert LANDING_ZONE_SUBNET not in WORKLOAD_SUBNETS


@pytest.mark.parametrize("member", [m for m, phase in PHASES.items() if phase >= 4])
def test_a_networking_member_with_only_its_landing_zone_is_incomplete(records, example_registry, member):
    """The landing zone counts as a spoke VNet; only its subnets tell it from the full spoke."""
    vnet = pick(records, VNET, member=member)
    assert sorted(subnet_names(vnet)) == sorted([*WORKLOAD_SUBNETS, LANDING_ZONE_SUBNET])
    keep_subnets(vnet, {LANDING_ZONE_SUBNET})
    assert messages("MCS-GOV-004", records, example_registry) == [
        f"phase 4 (networking) needs the workload subnets {', '.join(WORKLOAD_SUBNETS)} on vnet-{member}; "
        f"missing {', '.join(WORKLOAD_SUBNETS)}"
    ]
    assert [f.urn for f in findings(CONTROLS["MCS-GOV-004"], records, example_registry)] == [vnet["urn"]]


@pytest.mark.parametrize("subnet", WORKLOAD_SUBNETS)
def test_each_missing_workload_subnet_is_named(records, example_registry, subnet):
    vnet = pick(records, VNET, member="fitchburg")
    keep_subnets(vnet, set(subnet_names(vnet)) - {subnet})
    assert messages("MCS-GOV-004", records, example_registry, vnet["urn"]) == [
        f"phase 4 (networking) needs the workload subnets {', '.join(WORKLOAD_SUBNETS)} on vnet-fitchburg; "
        f"missing {subnet}"
    ]


@pytest.mark.parametrize("member", [m for m, phase in PHASES.items() if phase < 4])
def test_before_networking_the_landing_zone_is_enough(records, example_registry, member):
    vnet = pick(records, VNET, member=member)
    assert subnet_names(vnet) == [LANDING_ZONE_SUBNET]
    assert messages("MCS-GOV-004", records, example_registry) == []


def test_workload_subnets_declared_as_subnet_resources_count(records, example_registry):
    """A VNet whose workload subnets are separate Subnet resources (naming it) is a full spoke too."""
    vnet = pick(records, VNET)
    workload = [s for s in vnet["inputs"]["subnets"] if s["name"] in WORKLOAD_SUBNETS]
    keep_subnets(vnet, {LANDING_ZONE_SUBNET})
    for s in workload:
        records.append(
            {
                **vnet,
                "type": SUBNET,
                "name": f"{vnet['name']}-{s['name']}",
                "urn": f"{vnet['urn'].rsplit('::', 1)[0]}::{vnet['name']}-{s['name']}",
                "inputs": {"virtualNetworkName": vnet["inputs"]["virtualNetworkName"], "subnetName": s["name"]},
            }
        )
    assert messages("MCS-GOV-004", records, example_registry) == []
    records.pop()  # one fewer, or one naming another VNet, does not
    assert len(messages("MCS-GOV-004", records, example_registry, vnet["urn"])) == 1


def test_without_the_registrys_layout_the_subnets_are_not_judged(records, example_registry):
    """The pack without its config (no workload_subnets) judges what it can and invents no subnet names."""
    keep_subnets(pick(records, VNET), {LANDING_ZONE_SUBNET})
    params = registry_params(example_registry)
    params["MCS-GOV-004"] = {k: v for k, v in params["MCS-GOV-004"].items() if k != "workload_subnets"}
    assert evaluate([CONTROLS["MCS-GOV-004"]], plan_resources(records), params).findings == []
