"""Private endpoints from the first vault on, and Enhanced VM backup policies: the controls that judge them.

MCS-NET-016 (every private-only resource has its endpoints), MCS-GOV-004 (a phase with backup or
identity brings its landing zone and endpoints, networking its workload subnets) and MCS-BAK-007
(Enhanced VM policy), each shown
firing on the bad resource and quiet on the good one, in every phase and for the hub.
"""

from __future__ import annotations

from typing import Any

import pytest

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.registry.ipam import LANDING_ZONE_SUBNET, WORKLOAD_SUBNETS
from consortium.registry.load import Registry
from policies.catalog import by_id
from policies.framework import evaluate

from .helpers import Record, findings, pick

CONTROLS = by_id()
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
VNET = "azure-native:network:VirtualNetwork"
PEERING = "azure-native:network:VirtualNetworkPeering"
RT = "azure-native:network:RouteTable"
RG = "azure-native:resources:ResourceGroup"
SUBNET = "azure-native:network:Subnet"
KV = "azure-native:keyvault:Vault"
RSV = "azure-native:recoveryservices:Vault"
ACCOUNT = "azure-native:storage:StorageAccount"
POLICY = "azure-native:recoveryservices:ProtectionPolicy"
# member -> its phase in the bundled example
PHASES = {"sun-prairie": 2, "waunakee": 2, "mcfarland": 3, "monona": 3, "verona": 4, "fitchburg": 4}
TARGET_TYPE = {"AzureBackup": RSV, "blob": ACCOUNT, "file": ACCOUNT, "vault": KV}


def group_of(endpoint: Record) -> str:
    (group,) = endpoint["inputs"]["privateLinkServiceConnections"][0]["groupIds"]
    return group


def drop_endpoints(records: list[Record], member: str | None, groups: set[str]) -> None:
    records[:] = [
        r
        for r in records
        if not (r["member"] == member and r["type"] == ENDPOINT and group_of(r) in groups)
        and not (
            r["member"] == member
            and r["type"] == ZONE_GROUP
            and r["inputs"]["privateEndpointName"].endswith(tuple(f"-{g.lower()}" for g in groups))
        )
    ]


def messages(cid: str, records: list[Record], registry: Registry, urn: str | None = None) -> list[str]:
    return [f.message for f in findings(CONTROLS[cid], records, registry) if urn is None or f.urn == urn]


# --------------------------------------------------------------------------- MCS-NET-016


def test_every_private_only_resource_is_reached_in_the_compliant_plan(records, example_registry):
    assert messages("MCS-NET-016", records, example_registry) == []
    endpoints = [r for r in records if r["type"] == ENDPOINT]
    assert {r["member"] for r in endpoints} == {None, *PHASES, "middleton"}  # the hub and every member with a vault


@pytest.mark.parametrize("member", sorted(PHASES))
def test_a_missing_endpoint_fails_in_every_phase(records, example_registry, member):
    groups = ["AzureBackup", "blob", "file"] + (["vault"] if PHASES[member] >= 3 else [])
    for group in groups:
        broken = [dict(r) for r in records]
        drop_endpoints(broken, member, {group})
        target = pick(broken, TARGET_TYPE[group], member=member)
        found = messages("MCS-NET-016", broken, example_registry, target["urn"])
        assert found == [f"public network access is disabled but no private endpoint reaches {group}"], (member, group)


def test_a_phase_2_member_without_a_landing_zone_fails_as_it_did_before(records, example_registry):
    """The old program's shape: vault and storage private, no spoke, no endpoint. No longer 'not judged'."""
    member = "sun-prairie"
    bare = [r for r in records if not (r["member"] == member and r["type"] in {ENDPOINT, ZONE_GROUP, VNET, PEERING})]
    found = {f.resource_type: f.message for f in findings(CONTROLS["MCS-NET-016"], bare, example_registry)}
    assert found == {
        RSV: "public network access is disabled but no private endpoint reaches AzureBackup",
        ACCOUNT: "public network access is disabled but no private endpoint reaches blob, file",
    }


def test_the_hubs_key_vault_needs_its_endpoint(records, example_registry):
    vault = pick(records, KV, member=None)
    assert messages("MCS-NET-016", records, example_registry, vault["urn"]) == []
    drop_endpoints(records, None, {"vault"})
    assert messages("MCS-NET-016", records, example_registry, vault["urn"]) == [
        "public network access is disabled but no private endpoint reaches vault"
    ]


def test_a_members_endpoint_does_not_count_for_the_hubs_vault(records, example_registry):
    """Reached by name: verona's vault endpoint says nothing about the hub's vault."""
    drop_endpoints(records, None, {"vault"})
    assert any(r["type"] == ENDPOINT and group_of(r) == "vault" for r in records)
    assert len(messages("MCS-NET-016", records, example_registry)) == 1


# --------------------------------------------------------------------------- MCS-GOV-004


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


# --------------------------------------------------------------------------- MCS-BAK-007


def _vm_policy(records: list[Record], member: str = "verona") -> Record:
    return pick(records, POLICY, member=member, where=lambda r: r["name"].endswith("-vm-daily"))


def _props(record: Record) -> dict[str, Any]:
    return record["inputs"]["properties"]


def test_enhanced_vm_policies_pass(records, example_registry):
    assert messages("MCS-BAK-007", records, example_registry) == []
    assert _props(_vm_policy(records))["policyType"] == "V2"


def test_the_standard_v1_vm_policy_fails(records, example_registry):
    """Exactly what the program declared before: no policyType (V1) and the V1 schedule."""
    policy = _vm_policy(records, "sun-prairie")
    props = _props(policy)
    props.pop("policyType")
    props["schedulePolicy"] = {
        "schedulePolicyType": "SimpleSchedulePolicy",
        "scheduleRunFrequency": "Daily",
        "scheduleRunTimes": ["2024-01-01T01:00:00Z"],
    }
    assert messages("MCS-BAK-007", records, example_registry, policy["urn"]) == [
        "policyType is not set (V1, Standard); VM policies must be Enhanced (V2)"
    ]


def test_a_v2_policy_with_a_v1_schedule_fails(records, example_registry):
    policy = _vm_policy(records)
    _props(policy)["schedulePolicy"]["schedulePolicyType"] = "SimpleSchedulePolicy"
    assert messages("MCS-BAK-007", records, example_registry, policy["urn"]) == [
        "schedulePolicyType is SimpleSchedulePolicy; an Enhanced policy takes SimpleSchedulePolicyV2"
    ]


def test_file_share_policies_are_not_judged(records, example_registry):
    files = pick(records, POLICY, where=lambda r: r["name"].endswith("-files-daily"))
    assert "policyType" not in _props(files)
    assert _props(files)["schedulePolicy"]["schedulePolicyType"] == "SimpleSchedulePolicy"
    assert messages("MCS-BAK-007", records, example_registry, files["urn"]) == []
