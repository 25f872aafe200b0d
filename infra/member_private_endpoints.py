"""A member's private endpoints: how its private-only vaults and storage are reached at all.

The backup storage account, the member's Key Vault and the Recovery Services vault all refuse
public network access, so clients (the member's servers, the service desk through the VPN, the
MARS agent) reach them only through a private endpoint in the member's ``private-endpoints``
subnet, whose name resolves through the hub's private DNS zones (the spoke's DNS server is the hub
firewall's DNS proxy, which resolves them). One endpoint per protected resource and sub-resource:

=====================  ===============  ==================================================
resource               group id         hub private DNS zones
=====================  ===============  ==================================================
backup storage         ``blob``         ``privatelink.blob.core.windows.net``
backup storage         ``file``         ``privatelink.file.core.windows.net``
member Key Vault       ``vault``        ``privatelink.vaultcore.azure.net``
Recovery Services      ``AzureBackup``  ``privatelink.<geo>.backup.windowsazure.com`` of the
vault                                   vault's region, and the blob and queue zones (Azure
                                        Backup's own storage and queues)
=====================  ===============  ==================================================

Why a component of its own rather than inside Backup and Identity: an endpoint needs two things
that arrive in different phases — the protected resource (backup: phase 2, identity: phase 3) and
the spoke's subnet (networking: phase 4). Putting the endpoints here, created by the member only
once it has its spoke, keeps Backup and Identity the same in every phase (no "subnet, if any"
argument), keeps the phase gating in one place (:class:`infra.member.Member`), and gives an
auditor one component holding every endpoint of a member.

Phase gating. Without the networking service a member has no spoke and so no subnet: no endpoint
is created (never one in some other subnet). Until its phase-4 deployment such a member's vaults
and storage exist and are managed through Azure Resource Manager as usual (Pulumi creates them,
the containers, policies and role assignments; Azure VM snapshot backups run inside Azure), but
their data planes (secrets in the Key Vault, blobs and shares in the storage account, agent
backups to the Recovery Services vault) are reachable from nowhere: private and unreachable until
the spoke and these endpoints are deployed together in phase 4. That is deliberate — opening
public access for phases 2-3 would be a weaker default than waiting. One caveat Azure imposes: a
Recovery Services vault accepts a private endpoint only while no item is registered in it, so a
member must not register servers to its vault before its phase-4 deployment (see the runbook).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from consortium import naming

from .hub import BLOB_ZONE, FILE_ZONE, KEY_VAULT_ZONE, QUEUE_ZONE

BLOB, FILE, VAULT, AZURE_BACKUP = "blob", "file", "vault", "AzureBackup"
# Azure's conventional name for an endpoint's (only) DNS zone group.
DNS_ZONE_GROUP = "default"


@dataclass(frozen=True)
class EndpointTarget:
    """One resource and sub-resource (group id) to reach privately, and the zones its names go to."""

    resource_name: str  # the protected resource's Azure name (names the endpoint)
    resource_id: pulumi.Input[str]
    group_id: str
    zones: tuple[str, ...]


def storage_targets(account_name: str, account_id: pulumi.Input[str]) -> list[EndpointTarget]:
    """The backup storage account: blob (file-level backups) and file (Azure Files shares)."""
    return [
        EndpointTarget(account_name, account_id, BLOB, (BLOB_ZONE,)),
        EndpointTarget(account_name, account_id, FILE, (FILE_ZONE,)),
    ]


def key_vault_target(vault_name: str, vault_id: pulumi.Input[str]) -> EndpointTarget:
    return EndpointTarget(vault_name, vault_id, VAULT, (KEY_VAULT_ZONE,))


def recovery_vault_target(vault_name: str, vault_id: pulumi.Input[str], location: str) -> EndpointTarget:
    """The Recovery Services vault; its backup zone is its region's (an unknown region fails here)."""
    zones = (naming.backup_private_dns_zone(location), BLOB_ZONE, QUEUE_ZONE)
    return EndpointTarget(vault_name, vault_id, AZURE_BACKUP, zones)


def zone_configs(zone_ids: dict[str, str], zones: tuple[str, ...]) -> list[dict[str, str]]:
    """The zone group's configs from the hub's exported zone ids; a zone the hub lacks is an error."""
    missing = [zone for zone in zones if zone not in zone_ids]
    if missing:
        raise ValueError(
            f"the hub stack exports no private DNS zone {', '.join(missing)}; update and deploy the hub first"
        )
    return [{"name": zone.replace(".", "-"), "private_dns_zone_id": zone_ids[zone]} for zone in zones]


@dataclass(frozen=True)
class MemberPrivateEndpointsArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    subnet_id: pulumi.Input[str]  # the spoke's private-endpoints subnet
    targets: list[EndpointTarget]
    private_dns_zone_ids: pulumi.Input[dict[str, str]]  # hub output: zone name -> zone id
    tags: dict[str, str]


class MemberPrivateEndpoints(pulumi.ComponentResource):
    endpoints: dict[str, network.PrivateEndpoint]

    def __init__(self, name: str, args: MemberPrivateEndpointsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:PrivateEndpoints", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zone_ids = pulumi.Output.from_input(args.private_dns_zone_ids)

        self.endpoints = {}
        for target in args.targets:
            endpoint_name = naming.private_endpoint(target.resource_name, target.group_id)
            endpoint = network.PrivateEndpoint(
                endpoint_name,
                private_endpoint_name=endpoint_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                subnet={"id": args.subnet_id},
                custom_network_interface_name=f"{endpoint_name}-nic",
                private_link_service_connections=[
                    {
                        "name": endpoint_name,
                        "private_link_service_id": target.resource_id,
                        "group_ids": [target.group_id],
                    }
                ],
                tags=args.tags,
                opts=child,
            )
            network.PrivateDnsZoneGroup(
                f"{endpoint_name}-dns",
                private_dns_zone_group_name=DNS_ZONE_GROUP,
                private_endpoint_name=endpoint.name,
                resource_group_name=args.resource_group_name,
                private_dns_zone_configs=zone_ids.apply(lambda ids, zones=target.zones: zone_configs(ids, zones)),
                opts=child,
            )
            self.endpoints[endpoint_name] = endpoint
        self.register_outputs({name: endpoint.id for name, endpoint in self.endpoints.items()})
