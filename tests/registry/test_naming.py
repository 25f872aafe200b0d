"""Azure names (consortium.registry.naming): stable, and within Azure's limits for the longest slugs.

A renamed resource is a replaced resource (Azure and the Pulumi state both key on the name), so the
names of the example are pinned here; any change to one must be deliberate.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network

import pytest

from consortium.registry import naming
from consortium.registry.fields import SLUG_PATTERN
from consortium.registry.ipam import SPOKE_LAYOUT, hub_subnets
from consortium.registry.models import OnPremSite

LONGEST_SLUG = "a23456789-123456789-1234"  # 24 characters, the registry's maximum
LONGEST_SITE = "s23456789-123456789-123456789-1234567890"  # 40 characters, the registry's maximum
# The longest subnet name of the hub's and the spokes' layouts.
LONGEST_SUBNET = max([*SPOKE_LAYOUT, *hub_subnets(IPv4Network("10.64.0.0/22"))], key=len)
GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

# Azure's "Naming rules and restrictions for Azure resources": most network resources take 1-80
# letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending
# with a letter, digit or underscore.
NETWORK_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]"


def test_the_longest_slugs_are_the_registrys_longest():
    assert re.fullmatch(SLUG_PATTERN, LONGEST_SLUG) and len(LONGEST_SLUG) == 24
    assert OnPremSite(name=LONGEST_SITE, public_ip="66.188.12.5", cidrs=["10.10.0.0/24"]).name == LONGEST_SITE
    assert len(LONGEST_SITE) == 40


LONGEST_ENDPOINT = naming.private_endpoint(naming.recovery_vault(LONGEST_SLUG), "AzureBackup")

# name, Azure's maximum length, Azure's characters
LIMITS = {
    "resource group": (naming.resource_group(LONGEST_SLUG, LONGEST_SLUG), 90, r"[A-Za-z0-9_.()-]*[A-Za-z0-9_()-]"),
    "hub vnet": (naming.hub_vnet(LONGEST_SLUG), 64, NETWORK_NAME),
    "spoke vnet": (naming.spoke_vnet(LONGEST_SLUG), 64, NETWORK_NAME),
    "hub workspace": (naming.hub_workspace(LONGEST_SLUG), 63, r"[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]"),
    "hub nsg": (naming.hub_subnet_nsg(LONGEST_SLUG, LONGEST_SUBNET), 80, NETWORK_NAME),
    "spoke nsg": (naming.spoke_subnet_nsg(LONGEST_SLUG, LONGEST_SUBNET), 80, NETWORK_NAME),
    "hub route table": (naming.hub_route_table(LONGEST_SLUG, LONGEST_SUBNET), 80, NETWORK_NAME),
    "spoke route table": (naming.spoke_route_table(LONGEST_SLUG), 80, NETWORK_NAME),
    "on-premises route": (naming.onprem_route(LONGEST_SITE, 99), 80, NETWORK_NAME),
    "hub route": (naming.hub_route_to_spoke(LONGEST_SLUG), 80, NETWORK_NAME),
    "hub peering": (naming.hub_peering_to_spoke(LONGEST_SLUG), 80, NETWORK_NAME),
    "hub public ip": (naming.hub_public_ip(LONGEST_SLUG, "firewall"), 80, NETWORK_NAME),
    "firewall": (naming.hub_firewall(LONGEST_SLUG), 56, NETWORK_NAME),
    "firewall policy": (naming.hub_firewall_policy(LONGEST_SLUG), 80, NETWORK_NAME),
    "vpn gateway": (naming.hub_vpn_gateway(LONGEST_SLUG), 80, NETWORK_NAME),
    "local network gateway": (naming.local_network_gateway(LONGEST_SLUG, LONGEST_SITE), 80, NETWORK_NAME),
    "connection": (naming.vpn_connection(LONGEST_SLUG, LONGEST_SITE), 80, NETWORK_NAME),
    "nat rule": (naming.nat_rule(LONGEST_SLUG, LONGEST_SITE, 99), 80, NETWORK_NAME),
    "recovery vault": (naming.recovery_vault(LONGEST_SLUG), 50, r"[A-Za-z][A-Za-z0-9-]{1,49}"),
    "budget": (naming.budget(LONGEST_SLUG), 63, r"[A-Za-z0-9_-]+"),
    "automation identity": (naming.automation_identity(LONGEST_SLUG), 128, r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}"),
    "private endpoint": (LONGEST_ENDPOINT, 64, NETWORK_NAME),
    "private endpoint nic": (naming.private_endpoint_nic(LONGEST_ENDPOINT), 80, NETWORK_NAME),
}


@pytest.mark.parametrize("kind", LIMITS)
def test_names_fit_azures_limits_for_the_longest_slugs(kind: str):
    name, max_length, pattern = LIMITS[kind]
    assert len(name) <= max_length, name
    assert re.fullmatch(pattern, name), name


@pytest.mark.parametrize("owner", ["verona", naming.HUB, LONGEST_SLUG, "sun--prairie"])
def test_key_vault_names_are_3_to_24_characters_without_double_hyphens(owner):
    name = naming.key_vault(LONGEST_SLUG, owner)
    assert re.fullmatch(r"[a-z][a-z0-9-]{1,22}[a-z0-9]", name) and "--" not in name, name


@pytest.mark.parametrize("owner", ["verona", naming.HUB, LONGEST_SLUG, "sun-prairie"])
def test_storage_account_names_are_3_to_24_lowercase_letters_and_digits(owner):
    assert re.fullmatch(r"[a-z0-9]{3,24}", naming.storage_account(LONGEST_SLUG, owner))


def test_globally_unique_names_differ_between_consortia():
    assert naming.key_vault("dane-county", "verona") != naming.key_vault("rock-county", "verona")
    assert naming.storage_account("dane-county", "verona") != naming.storage_account("rock-county", "verona")
    assert naming.role_definition("dane-county", "x") != naming.role_definition("rock-county", "x")


def test_guid_names_are_guids():
    assert re.fullmatch(GUID, naming.role_assignment("dane-county", "verona", "admins", "CONTRIBUTOR"))
    assert re.fullmatch(GUID, naming.role_definition("dane-county", "member deployer, hub side"))


def test_the_examples_names_are_stable():
    """The names the example's plan carries; changing one replaces the resource in Azure."""
    consortium, member, site = "dane-county", "verona", "city-hall"
    assert {
        "resource group": naming.resource_group(consortium, member),
        "hub resource group": naming.resource_group(consortium, naming.HUB),
        "key vault": naming.key_vault(consortium, member),
        "hub key vault": naming.key_vault(consortium, naming.HUB),
        "storage account": naming.storage_account(consortium, member),
        "role assignment": naming.role_assignment(consortium, member, "admins", "CONTRIBUTOR"),
        "role definition": naming.role_definition(consortium, "member deployer, hub side"),
        "role display name": naming.role_display_name(consortium, "member deployer, hub side"),
        "group": naming.group(member, "admins"),
        "hub vnet": naming.hub_vnet(consortium),
        "hub workspace": naming.hub_workspace(consortium),
        "hub nsg": naming.hub_subnet_nsg(consortium, "shared-services"),
        "hub route table": naming.hub_route_table(consortium, "shared-services"),
        "hub public ip": naming.hub_public_ip(consortium, "vpn"),
        "firewall": naming.hub_firewall(consortium),
        "firewall policy": naming.hub_firewall_policy(consortium),
        "vpn gateway": naming.hub_vpn_gateway(consortium),
        "spoke vnet": naming.spoke_vnet(member),
        "spoke nsg": naming.spoke_subnet_nsg(member, "servers"),
        "spoke route table": naming.spoke_route_table(member),
        "on-premises route": naming.onprem_route(site, 0),
        "hub peering": naming.hub_peering_to_spoke(member),
        "hub route": naming.hub_route_to_spoke(member),
        "local network gateway": naming.local_network_gateway(member, site),
        "connection": naming.vpn_connection(member, site),
        "nat rule": naming.nat_rule(member, site, 1),
        "recovery vault": naming.recovery_vault(member),
        "budget": naming.budget(member),
        "automation identity": naming.automation_identity(member),
        "mfa policy": naming.mfa_policy(member),
        "private endpoint": naming.private_endpoint("rsv-verona", "AzureBackup"),
        "private endpoint nic": naming.private_endpoint_nic("pe-rsv-verona-azurebackup"),
        "backup zone": naming.backup_private_dns_zone("centralus"),
    } == {
        "resource group": "rg-dane-county-verona",
        "hub resource group": "rg-dane-county-hub",
        "key vault": "kv-verona-4ed04d",
        "hub key vault": "kv-hub-0ea305",
        "storage account": "stverona4ed04d55",
        "role assignment": "d1d1e546-81ea-5668-b764-b7f003d3506f",
        "role definition": "eb94d3e6-716a-582f-ba43-bea7b38953eb",
        "role display name": "dane-county member deployer, hub side",
        "group": "verona-admins",
        "hub vnet": "vnet-dane-county-hub",
        "hub workspace": "log-dane-county-hub",
        "hub nsg": "nsg-dane-county-hub-shared-services",
        "hub route table": "rt-dane-county-hub-shared-services",
        "hub public ip": "pip-dane-county-hub-vpn",
        "firewall": "afw-dane-county-hub",
        "firewall policy": "afwp-dane-county-hub",
        "vpn gateway": "vgw-dane-county-hub",
        "spoke vnet": "vnet-verona",
        "spoke nsg": "nsg-verona-servers",
        "spoke route table": "rt-verona",
        "on-premises route": "onprem-city-hall-0",
        "hub peering": "to-verona",
        "hub route": "spoke-verona",
        "local network gateway": "lng-verona-city-hall",
        "connection": "cn-verona-city-hall",
        "nat rule": "nat-verona-city-hall-1",
        "recovery vault": "rsv-verona",
        "budget": "budget-verona",
        "automation identity": "id-verona-automation",
        "mfa policy": "verona: require MFA",
        "private endpoint": "pe-rsv-verona-azurebackup",
        "private endpoint nic": "pe-rsv-verona-azurebackup-nic",
        "backup zone": "privatelink.cus.backup.windowsazure.com",
    }


def test_backup_geo_codes_cannot_be_changed_at_run_time():
    with pytest.raises(TypeError):
        naming.BACKUP_GEO_CODES["atlantis"] = "atl"  # type: ignore[index]
