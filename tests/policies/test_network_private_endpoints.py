"""MCS-NET-016: every private-only vault and storage account has its private endpoints.

Judged from the first vault on (not only once networking arrives), in every phase and for the hub;
each case shown firing on the bad resource and quiet on the good one.
"""

from __future__ import annotations

import pytest

from policies.catalog import by_id

from .helpers import ENDPOINT, PHASES, ZONE_GROUP, drop_endpoints, findings, group_of, messages, pick

CONTROLS = by_id()
VNET = "azure-native:network:VirtualNetwork"
PEERING = "azure-native:network:VirtualNetworkPeering"
KV = "azure-native:keyvault:Vault"
RSV = "azure-native:recoveryservices:Vault"
ACCOUNT = "azure-native:storage:StorageAccount"
TARGET_TYPE = {"AzureBackup": RSV, "blob": ACCOUNT, "file": ACCOUNT, "vault": KV}


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
