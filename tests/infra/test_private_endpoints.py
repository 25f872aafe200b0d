"""Private endpoints: every private-only vault and storage account is reachable from a subnet of ours.

A member's endpoints arrive with the vaults they reach (backup: phase 2, identity: phase 3), in its
landing zone; the hub's Key Vault has its own in the hub's private-endpoints subnet.
"""

from __future__ import annotations

import re

import pytest

from consortium.plan import runner
from consortium.registry import naming
from consortium.registry.models import Service
from consortium.registry.stackconfig import hub_stack, member_stack
from infra.private_endpoint import zone_configs
from tests.infra.helpers import of_type, one
from tests.planned_example import AS_OF, BUDGET_START

ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
COMPONENT = "consortium:member:PrivateEndpoints"
VNET = "azure-native:network:VirtualNetwork"
ZONE = "azure-native:privatedns:PrivateZone"

FULL = ["verona", "fitchburg", "middleton"]  # phase 4: a spoke, backup and identity
IDENTITY = ["mcfarland", "monona"]  # phase 3: backup and identity, landing zone only
BACKUP = ["sun-prairie", "waunakee"]  # phase 2: backup, landing zone only
WITH_ENDPOINTS = FULL + IDENTITY + BACKUP
SERVICE_DESK_ONLY = ["oregon", "cottage-grove"]
LONGEST_SLUG = "a23456789-123456789-1234"
HUB_KEY_VAULT = naming.key_vault("dane-county", "hub")


def expected_endpoints(slug: str, phase: int = 4) -> dict[str, tuple[str, str]]:
    """endpoint name -> (group id, type of the protected resource), for the member's phase."""
    kv, st = naming.key_vault("dane-county", slug), naming.storage_account("dane-county", slug)
    backup = {
        f"pe-{st}-blob": ("blob", "azure-native:storage:StorageAccount"),
        f"pe-{st}-file": ("file", "azure-native:storage:StorageAccount"),
        f"pe-rsv-{slug}-azurebackup": ("AzureBackup", "azure-native:recoveryservices:Vault"),
    }
    identity = {f"pe-{kv}-vault": ("vault", "azure-native:keyvault:Vault")}
    return {**(backup if phase >= 2 else {}), **(identity if phase >= 3 else {})}


def expected_zones(slug: str, phase: int = 4) -> dict[str, list[str]]:
    kv, st = naming.key_vault("dane-county", slug), naming.storage_account("dane-county", slug)
    zones = {
        f"pe-{st}-blob": ["privatelink.blob.core.windows.net"],
        f"pe-{st}-file": ["privatelink.file.core.windows.net"],
        f"pe-{kv}-vault": ["privatelink.vaultcore.azure.net"],
        # centralus (the consortium's primary region, where member vaults live): geo code cus.
        f"pe-rsv-{slug}-azurebackup": [
            "privatelink.cus.backup.windowsazure.com",
            "privatelink.blob.core.windows.net",
            "privatelink.queue.core.windows.net",
        ],
    }
    return {name: zones[name] for name in expected_endpoints(slug, phase)}


def phase_of(example_registry, slug: str) -> int:
    return example_registry.entry(slug).member.phase


@pytest.mark.parametrize("slug", WITH_ENDPOINTS)
def test_one_endpoint_per_protected_resource_and_group_id(example_registry, stack_plan, slug):
    plan = stack_plan(slug)
    endpoints = {r.name: r for r in of_type(plan, ENDPOINT)}
    expected = expected_endpoints(slug, phase_of(example_registry, slug))
    assert set(endpoints) == set(expected)
    for name, (group_id, target_type) in expected.items():
        endpoint = endpoints[name].inputs
        assert endpoint["privateEndpointName"] == name
        assert endpoint["resourceGroupName"] == f"rg-dane-county-{slug}"
        assert endpoint["location"] == "centralus"
        (connection,) = endpoint["privateLinkServiceConnections"]
        assert connection["groupIds"] == [group_id]
        target = one(plan, target_type)
        assert connection["privateLinkServiceId"] == target.id
        # Created after the resource it reaches and after the spoke that holds its subnet.
        assert target.urn in endpoints[name].dependencies
        assert one(plan, VNET).urn in endpoints[name].dependencies
        assert "manualPrivateLinkServiceConnections" not in endpoint, "auto-approved: same tenant and owner"


@pytest.mark.parametrize("slug", WITH_ENDPOINTS)
def test_every_endpoint_sits_in_the_members_private_endpoints_subnet(example_registry, stack_plan, slug):
    plan = stack_plan(slug)
    vnet = one(plan, VNET)
    prefix = str(member_stack(example_registry, example_registry.entry(slug).member).subnets["private-endpoints"])
    subnets = {s["name"]: s["addressPrefix"] for s in vnet.inputs["subnets"]}
    assert subnets["private-endpoints"] == prefix
    for endpoint in of_type(plan, ENDPOINT):
        assert endpoint.inputs["subnet"] == {"id": f"{vnet.id}/subnets/private-endpoints"}, endpoint.name


@pytest.mark.parametrize("slug", WITH_ENDPOINTS)
def test_dns_zone_groups_use_the_hubs_zones(example_registry, stack_plan, hub_plan, slug):
    plan = stack_plan(slug)
    phase = phase_of(example_registry, slug)
    hub_zone_ids = hub_plan.outputs["private_dns_zone_ids"]
    hub_zone_records = {r.id for r in of_type(hub_plan, ZONE)}
    groups = {r.inputs["privateEndpointName"]: r for r in of_type(plan, ZONE_GROUP)}
    assert set(groups) == set(expected_endpoints(slug, phase))
    endpoints = {r.name: r for r in of_type(plan, ENDPOINT)}
    for name, zones in expected_zones(slug, phase).items():
        group = groups[name]
        assert group.inputs["privateDnsZoneGroupName"] == "default"
        assert group.inputs["resourceGroupName"] == f"rg-dane-county-{slug}"
        configs = group.inputs["privateDnsZoneConfigs"]
        assert [c["privateDnsZoneId"] for c in configs] == [hub_zone_ids[z] for z in zones]
        assert {c["privateDnsZoneId"] for c in configs} <= hub_zone_records
        assert len({c["name"] for c in configs}) == len(configs)
        # The zone ids come through the hub StackReference, the group after its endpoint.
        assert one(plan, "pulumi:pulumi:StackReference").urn in group.dependencies
        assert endpoints[name].urn in group.dependencies


def test_the_hub_exports_a_backup_zone_per_consortium_location(example_registry, hub_plan):
    zone_ids = hub_plan.outputs["private_dns_zone_ids"]
    records = {r.inputs["privateZoneName"]: r for r in of_type(hub_plan, ZONE)}
    assert set(zone_ids) == set(records)
    assert example_registry.consortium.azure.locations == ["centralus", "eastus2"]
    for zone in ("privatelink.cus.backup.windowsazure.com", "privatelink.eus2.backup.windowsazure.com"):
        assert zone_ids[zone] == records[zone].id
        assert records[zone].inputs["location"] == "global"
    links = {r.inputs["privateZoneName"] for r in of_type(hub_plan, "azure-native:privatedns:VirtualNetworkLink")}
    assert links == set(records)


def test_endpoints_carry_the_stacks_tags(example_registry, stack_plan):
    for slug in WITH_ENDPOINTS:
        tags = member_stack(example_registry, example_registry.entry(slug).member).tags
        for endpoint in of_type(stack_plan(slug), ENDPOINT):
            assert endpoint.inputs["tags"] == tags, endpoint.name
        for group in of_type(stack_plan(slug), ZONE_GROUP):
            assert "tags" not in group.inputs  # a sub-resource: Azure takes no tags on it


def test_endpoints_belong_to_one_component(stack_plan):
    plan = stack_plan("verona")
    component = one(plan, COMPONENT)
    assert component.parent == one(plan, "consortium:member:Member").urn
    for record in of_type(plan, ENDPOINT) + of_type(plan, ZONE_GROUP):
        assert record.parent == component.urn
        assert record.provider is None, "the member's own subscription, not the hub's"


# --------------------------------------------------------------------------- phase gating


@pytest.mark.parametrize("slug", SERVICE_DESK_ONLY)
def test_no_endpoint_and_no_spoke_with_nothing_private(stack_plan, slug):
    types = {r.type for r in stack_plan(slug).records}
    assert not types & {ENDPOINT, ZONE_GROUP, COMPONENT, VNET}


@pytest.mark.parametrize(("phase", "count"), [(1, 0), (2, 3), (3, 4), (4, 4)])
def test_endpoints_arrive_with_the_vaults_they_reach(plan_member_at, phase, count):
    """Backup's three endpoints in phase 2, Identity's in phase 3; the spoke (landing zone) with the first."""
    plan = plan_member_at("fitchburg", phase)
    assert len(of_type(plan, ENDPOINT)) == len(of_type(plan, ZONE_GROUP)) == count
    assert set(r.name for r in of_type(plan, ENDPOINT)) == set(expected_endpoints("fitchburg", phase))
    assert len(of_type(plan, VNET)) == (1 if phase >= 2 else 0)


def test_a_spoke_with_nothing_private_to_reach_gets_no_endpoints(example_registry, hub_plan):
    """A consortium that rolls out networking before backup and identity: endpoints come with them."""
    base = member_stack(example_registry, example_registry.entry("verona").member)
    only_network = base.model_copy(update={"services": [Service.SERVICE_DESK, Service.NETWORKING]})
    plan = runner.plan_stack(only_network, hub_outputs=hub_plan.outputs, budget_start=BUDGET_START, as_of=AS_OF)
    assert len(of_type(plan, VNET)) == 1
    assert not of_type(plan, COMPONENT) and not of_type(plan, ENDPOINT)
    with_identity = base.model_copy(update={"services": [Service.SERVICE_DESK, Service.IDENTITY, Service.NETWORKING]})
    plan = runner.plan_stack(with_identity, hub_outputs=hub_plan.outputs, budget_start=BUDGET_START, as_of=AS_OF)
    assert [r.inputs["privateLinkServiceConnections"][0]["groupIds"] for r in of_type(plan, ENDPOINT)] == [["vault"]]


# --------------------------------------------------------------------------- names and zones


@pytest.mark.parametrize(("location", "zone"), [("centralus", "cus"), ("eastus2", "eus2")])
def test_backup_zone_names_are_per_region(location, zone):
    assert naming.backup_private_dns_zone(location) == f"privatelink.{zone}.backup.windowsazure.com"


def test_an_unknown_region_fails_clearly():
    with pytest.raises(ValueError, match="no Azure Backup geo code known for location 'atlantis'"):
        naming.backup_private_dns_zone("atlantis")


def test_the_hub_refuses_a_location_without_a_backup_zone(example_registry):
    config = hub_stack(example_registry).model_copy(update={"locations": ["centralus", "atlantis"]})
    with pytest.raises(ValueError, match=r"no Azure Backup geo code known for location 'atlantis'"):
        runner.plan_stack(config, budget_start=BUDGET_START, as_of=AS_OF)


@pytest.mark.parametrize("owner", ["verona", LONGEST_SLUG])
def test_private_endpoint_names_fit_azures_rules(owner):
    for resource in (naming.key_vault("c", owner), naming.storage_account("c", owner), f"rsv-{owner}"):
        for group_id in ("blob", "file", "vault", "AzureBackup"):
            name = naming.private_endpoint(resource, group_id)
            assert re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,62}[a-z0-9_]", name), name
            assert len(f"{name}-nic") <= 80  # network interface names


def test_a_zone_the_hub_does_not_export_is_an_error():
    ids = {"privatelink.blob.core.windows.net": "/zones/blob"}
    assert zone_configs(ids, ("privatelink.blob.core.windows.net",)) == [
        {"name": "privatelink-blob-core-windows-net", "private_dns_zone_id": "/zones/blob"}
    ]
    with pytest.raises(
        ValueError, match=re.escape("exports no private DNS zone privatelink.cus.backup.windowsazure.com")
    ):
        zone_configs(ids, ("privatelink.cus.backup.windowsazure.com",))


# --------------------------------------------------------------------------- the hub's own


def test_the_hubs_key_vault_has_an_endpoint_in_the_hubs_private_endpoints_subnet(example_registry, hub_plan):
    vnet = one(hub_plan, VNET)
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert subnets["private-endpoints"]["addressPrefix"] == str(
        hub_stack(example_registry).subnets["private-endpoints"]
    )
    assert "networkSecurityGroup" in subnets["private-endpoints"]
    vault = one(hub_plan, "azure-native:keyvault:Vault")
    assert vault.inputs["vaultName"] == HUB_KEY_VAULT
    assert vault.inputs["properties"]["publicNetworkAccess"] == "Disabled"
    endpoint = one(hub_plan, ENDPOINT, f"pe-{HUB_KEY_VAULT}-vault")
    assert endpoint.inputs["subnet"] == {"id": f"{vnet.id}/subnets/private-endpoints"}
    assert endpoint.inputs["resourceGroupName"] == "rg-dane-county-hub"
    assert endpoint.inputs["tags"] == hub_stack(example_registry).tags
    (connection,) = endpoint.inputs["privateLinkServiceConnections"]
    assert connection["privateLinkServiceId"] == vault.id and connection["groupIds"] == ["vault"]
    assert vault.urn in endpoint.dependencies
    assert endpoint.parent == one(hub_plan, "consortium:hub:Hub").urn
    group = one(hub_plan, ZONE_GROUP, f"{endpoint.name}-dns")
    assert group.inputs["privateEndpointName"] == endpoint.name
    zone = next(r for r in of_type(hub_plan, ZONE) if r.inputs["privateZoneName"] == "privatelink.vaultcore.azure.net")
    assert [c["privateDnsZoneId"] for c in group.inputs["privateDnsZoneConfigs"]] == [zone.id]
    assert zone.urn in group.dependencies and endpoint.urn in group.dependencies
