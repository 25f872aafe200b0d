"""A member's private endpoints: how its private-only vaults and storage are reached at all.

The backup storage account, the member's Key Vault and the Recovery Services vault all refuse
public network access, so clients (the member's servers, the service desk, the MARS agent, Azure
Backup itself) reach them only through a private endpoint in the member's ``private-endpoints``
subnet, whose name resolves through the hub's private DNS zones (the spoke's DNS server is the hub
firewall's DNS proxy, which resolves them). One endpoint per protected resource and sub-resource
(``blob`` and ``file`` of the backup storage, ``vault`` of the Key Vault, ``AzureBackup`` of the
Recovery Services vault); the zones each needs are listed in :mod:`infra.private_endpoint`.

Why the endpoints come with the protected resources, not with the networking service. An endpoint
needs the protected resource (backup: phase 2, identity: phase 3) and a subnet. Waiting for the
member's full spoke (networking, phase 4) would leave every vault's data plane unreachable for two
phases, and worse, would make phase 4 fail for good: **Azure accepts an ``AzureBackup`` private
endpoint on a Recovery Services vault only while no item is registered in it**, so a vault that
protected even one VM in phase 2 could never get its endpoint (short of a new vault and moving
every protected item to it). So a member with anything private to reach gets a
*landing zone* in the same deployment as the vault (:class:`infra.member_network.MemberNetwork`
without workloads: the spoke VNet with only its ``private-endpoints`` subnet, peered to the hub),
and these endpoints in it; the networking service later adds the workload subnets and the site
VPNs to that same VNet, in place. Opening public access for phases 2-3 instead would be a weaker
default than any of this.

Why a component of its own rather than inside Backup and Identity: Backup and Identity stay the
same whatever subnet exists (no "subnet, if any" argument), the member decides in one place
(:class:`infra.member.Member`) where its endpoints go, and an auditor finds every endpoint of a
member under one component.
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
