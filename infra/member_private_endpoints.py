"""A member's private endpoints: how its private-only vaults and storage are reached at all.

The backup storage account, the member's Key Vault and the Recovery Services vault refuse public
network access, so clients reach them only through endpoints in the member's ``private-endpoints``
subnet, resolved through the hub's private DNS zones (the spoke's DNS server is the hub firewall's
proxy). One endpoint per resource and sub-resource; the zones each needs are in
:mod:`infra.private_endpoint`.

The endpoints come with the protected resources (backup: phase 2, identity: phase 3), in the
member's landing zone, not with the networking phase: Azure accepts an ``AzureBackup`` endpoint on
a Recovery Services vault only while no item is registered in it, so waiting would lock the vault
out for good. A component of its own, so that Backup and Identity need no "subnet, if any" argument
and every endpoint of a member sits under one component.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming

from .private_endpoint import EndpointTarget, private_endpoint


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
        self.endpoints = {
            naming.private_endpoint(target.resource_name, target.group_id): private_endpoint(
                target,
                resource_group_name=args.resource_group_name,
                location=args.location,
                subnet_id=args.subnet_id,
                zone_ids=args.private_dns_zone_ids,
                tags=args.tags,
                parent=self,
            )
            for target in args.targets
        }
        self.register_outputs({name: endpoint.id for name, endpoint in self.endpoints.items()})
