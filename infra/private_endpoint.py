"""One private endpoint and its DNS registration: the building block the hub and every member use.

A resource that refuses public network access (a Key Vault, a storage account, a Recovery Services
vault) is reachable only through a private endpoint: a network interface in a subnet of ours,
connected to one sub-resource (``group id``) of the resource, whose name is registered in the
hub's private DNS zones so that the resource's usual host name resolves to the endpoint's address.
The zones live in the hub (:mod:`infra.hub` creates them and exports their ids); which zones a
group id needs is fixed by Azure:

=====================  ===============  ==================================================
resource               group id         private DNS zones
=====================  ===============  ==================================================
storage account        ``blob``         ``privatelink.blob.core.windows.net``
storage account        ``file``         ``privatelink.file.core.windows.net``
Key Vault              ``vault``        ``privatelink.vaultcore.azure.net``
Recovery Services      ``AzureBackup``  ``privatelink.<geo>.backup.windowsazure.com`` of the
vault                                   vault's region, and the blob and queue zones (Azure
                                        Backup's own storage and queues)
=====================  ===============  ==================================================

The resource's owner describes what to reach (:class:`EndpointTarget`, built with the helpers
below); who holds the subnet creates the endpoint (:func:`private_endpoint`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming

# Zones the private endpoints register in: Key Vault, blob, file and queue storage (the Recovery
# Services vault's endpoint also uses blob and queue), plus one Azure Backup zone per region
# (:func:`consortium.registry.naming.backup_private_dns_zone`; its name depends on the region).
KEY_VAULT_ZONE = "privatelink.vaultcore.azure.net"
BLOB_ZONE = "privatelink.blob.core.windows.net"
FILE_ZONE = "privatelink.file.core.windows.net"
QUEUE_ZONE = "privatelink.queue.core.windows.net"
PRIVATE_DNS_ZONES = (KEY_VAULT_ZONE, BLOB_ZONE, FILE_ZONE, QUEUE_ZONE)

BLOB, FILE, VAULT, AZURE_BACKUP = "blob", "file", "vault", "AzureBackup"


@dataclass(frozen=True)
class EndpointTarget:
    """One resource and sub-resource (group id) to reach privately, and the zones its names go to."""

    resource_name: str  # the protected resource's Azure name (names the endpoint)
    resource_id: pulumi.Input[str]
    group_id: str
    zones: tuple[str, ...]


def storage_targets(account_name: str, account_id: pulumi.Input[str]) -> list[EndpointTarget]:
    """A storage account: blob (file-level backups) and file (Azure Files shares)."""
    return [
        EndpointTarget(account_name, account_id, BLOB, (BLOB_ZONE,)),
        EndpointTarget(account_name, account_id, FILE, (FILE_ZONE,)),
    ]


def key_vault_target(vault_name: str, vault_id: pulumi.Input[str]) -> EndpointTarget:
    return EndpointTarget(vault_name, vault_id, VAULT, (KEY_VAULT_ZONE,))


def recovery_vault_target(vault_name: str, vault_id: pulumi.Input[str], location: str) -> EndpointTarget:
    """A Recovery Services vault; its backup zone is its region's (an unknown region fails here)."""
    zones = (naming.backup_private_dns_zone(location), BLOB_ZONE, QUEUE_ZONE)
    return EndpointTarget(vault_name, vault_id, AZURE_BACKUP, zones)


def zone_configs(zone_ids: dict[str, str], zones: tuple[str, ...]) -> list[dict[str, str]]:
    """The zone group's configs from the hub's zone ids; a zone the hub lacks is an error."""
    missing = [zone for zone in zones if zone not in zone_ids]
    if missing:
        raise ValueError(
            f"the hub stack exports no private DNS zone {', '.join(missing)}; update and deploy the hub first"
        )
    return [{"name": zone.replace(".", "-"), "private_dns_zone_id": zone_ids[zone]} for zone in zones]


def private_endpoint(
    target: EndpointTarget,
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    subnet_id: pulumi.Input[str],
    zone_ids: pulumi.Input[dict[str, str]],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> network.PrivateEndpoint:
    """The endpoint (auto-approved: same tenant and owner) and its DNS zone group, children of ``parent``."""
    child = pulumi.ResourceOptions(parent=parent)
    endpoint_name = naming.private_endpoint(target.resource_name, target.group_id)
    endpoint = network.PrivateEndpoint(
        endpoint_name,
        private_endpoint_name=endpoint_name,
        resource_group_name=resource_group_name,
        location=location,
        subnet={"id": subnet_id},
        custom_network_interface_name=naming.private_endpoint_nic(endpoint_name),
        private_link_service_connections=[
            {
                "name": endpoint_name,
                "private_link_service_id": target.resource_id,
                "group_ids": [target.group_id],
            }
        ],
        tags=tags,
        opts=child,
    )
    network.PrivateDnsZoneGroup(
        f"{endpoint_name}-dns",
        private_dns_zone_group_name=naming.PRIVATE_DNS_ZONE_GROUP,
        private_endpoint_name=endpoint.name,
        resource_group_name=resource_group_name,
        private_dns_zone_configs=pulumi.Output.from_input(zone_ids).apply(
            lambda ids, zones=target.zones: zone_configs(ids, zones)
        ),
        opts=child,
    )
    return endpoint
