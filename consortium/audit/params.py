"""Control parameters from the registry (the consortium's minimum retention, its supernet, each
member's range ...), so the auditor never retypes them, for ``consortium audit`` and CrossGuard alike."""

from __future__ import annotations

from typing import Any

from consortium.registry import naming
from consortium.registry.ipam import HUB_ADMIN_SUBNET, WORKLOAD_SUBNETS, hub_subnets
from consortium.registry.load import Registry
from consortium.registry.models import Service, Status
from policies.catalog import CATALOG


def registry_params(registry: Registry | None) -> dict[str, dict[str, Any]]:
    """Control parameters the registry knows, keyed by control id (unknown names are ignored)."""
    if registry is None:
        return {}
    c = registry.consortium
    estimates = registry.estimates.members if registry.estimates is not None else {}
    values: dict[str, Any] = {
        "minimum_retention_days": c.backup.minimum_retention_days,
        "supernet": str(c.network.supernet),
        "firewall_subnet": str(hub_subnets(c.network.hub)["AzureFirewallSubnet"]),
        "member_ranges": {e.member.slug: [str(e.member.network.cidr)] for e in registry.members},
        # What a one-stack preview cannot see of the other members: where their resources and networks live.
        "member_resource_groups": {
            e.member.slug: [naming.resource_group(c.slug, e.member.slug)] for e in registry.members
        },
        "member_vnets": {e.member.slug: [naming.spoke_vnet(e.member.slug)] for e in registry.members},
        # What the hub gateway sees of each town hall (translated where NAT), for members with site VPNs.
        "onprem_ranges": {
            e.member.slug: [str(n) for site in e.member.network.onprem for n in site.azure_cidrs]
            for e in registry.members
            if Service.NETWORKING in c.services_for(e.member.phase) and e.member.network.onprem
        },
        "consortium": c.slug,
        # MCS-OPS-001: the action groups that count are those mailing the service desk.
        "service_desk_email": str(c.contacts.service_desk),
        "phase_services": {str(p.phase): [s.value for s in p.services] for p in c.phases},
        "workload_subnets": list(WORKLOAD_SUBNETS),
        "hub_vnet_names": [naming.hub_vnet(c.slug)],
        "hub_workspace_names": [naming.hub_workspace(c.slug)],
        # MCS-NET-019: the one NSG whose subnet may open remote management (the hub's management subnet).
        "admin_nsgs": [naming.hub_subnet_nsg(c.slug, HUB_ADMIN_SUBNET)],
        # The towns leaving (MCS-BAK-008): their data-bearing resources must be protected until then.
        "leaving_members": {
            e.member.slug: kept.isoformat()
            for e in registry.members
            if e.member.status is Status.LEAVING and (kept := c.data_kept_until(e.member)) is not None
        },
        # Each member's estimated direct costs (MCS-GOV-005): its budget must cover them.
        "estimated_direct_monthly": {slug: f"{e.direct_monthly:.2f}" for slug, e in estimates.items()},
    }
    return {ctrl.id: {k: v for k, v in values.items() if k in ctrl.params} for ctrl in CATALOG}


def pack_config(registry: Registry) -> dict[str, Any]:
    """The CrossGuard pack config with the registry's parameters (``--policy-pack-config``).

    Keys are policy names (``mcs-bak-005``); each value sets the enforcement level and the
    parameters, so ``pulumi preview --policy-pack policies`` judges with the same values as
    ``consortium audit``.
    """
    params = registry_params(registry)
    # A control whose level depends on the stack (mandatory on the hub) sets none here: one config
    # serves every stack, and the pack decides it for the stack it runs on.
    return {
        c.policy_name: {
            **({} if c.mandatory_stacks else {"enforcementLevel": c.enforcement.value}),
            **params.get(c.id, {}),
        }
        for c in CATALOG
        if c.crossguard
    }
