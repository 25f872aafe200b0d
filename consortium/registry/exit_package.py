"""A leaving town's exit package (``docs/members/<slug>-exit.md``): what it takes with it.

Rendered by ``consortium render`` from the registry alone, like the runbook, for every member with
status leaving or left: the dates (unhook, data kept until, left, end of the address block's
quarantine), the inventory of its resources and data by their Azure names (:mod:`naming`, the
names the program gives them), what goes on the unhook date and what stays, how the town restores
its data with its own key, and whom to call. The plan's own view of the same (``plan --against``)
is what ``consortium offboard`` prints.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from consortium.money import cents
from consortium.registry import naming
from consortium.registry.load import Registry
from consortium.registry.models import DATA_SERVICES, HUB_SERVICES, Member, Service, Status
from consortium.registry.rules import quarantine_ends
from consortium.registry.stackconfig import vpn_sites

# The rights the unhook withdraws (infra/member_identity.py: rights_withdrawn), as the town reads them.
WITHDRAWN_RIGHTS = (
    "the town's administrators group: Contributor on the town's resource group",
    "the town's automation identity: Key Vault Secrets User on the town's Key Vault",
)
# The rights that stay until the data expires, and why.
KEPT_RIGHTS = (
    "the consortium service desk: Backup Operator on the town's resource group (restores on request)",
    "the consortium auditors: Reader on the town's resource group",
)


def exit_path(slug: str) -> str:
    return f"docs/members/{slug}-exit.md"


@dataclass(frozen=True)
class Item:
    kind: str
    name: str
    holds: str


def kept_data(registry: Registry, m: Member) -> list[Item]:
    """The resources holding the town's data, kept until its data expires (infra/retention.py)."""
    c, services = registry.consortium, set(registry.consortium.services_for(m.phase))
    items = []
    if Service.BACKUP in services:
        days = registry.retention_days(m)
        items.append(
            Item(
                "Recovery Services vault",
                naming.recovery_vault(m.slug),
                f"VM and file-share recovery points ({days} days)",
            )
        )
        account = naming.storage_account(c.slug, m.slug)
        items.append(
            Item(
                "Storage account (backup storage)",
                account,
                "file-level backups: containers " + ", ".join(naming.BACKUP_CONTAINERS),
            )
        )
    if Service.IDENTITY in services:
        items.append(
            Item("Key Vault", naming.key_vault(c.slug, m.slug), "the town's secrets and keys (90 days of soft delete)")
        )
    return items


def unhooked(registry: Registry, m: Member) -> list[Item]:
    """What the unhook removes: everything joining the town to the hub (infra/member_network.py)."""
    if not HUB_SERVICES & set(registry.consortium.services_for(m.phase)):
        return []
    items = [
        Item("Peering (hub side)", naming.hub_peering_to_spoke(m.slug), "the hub's link to the town's network"),
        Item("Peering (town side)", naming.SPOKE_PEERING_TO_HUB, "the town's link to the hub"),
        Item("Route (hub)", naming.hub_route_to_spoke(m.slug), "the hub's route to the town's network"),
    ]
    for site in vpn_sites(registry.consortium, m):
        items.append(Item("VPN connection", naming.vpn_connection(m.slug, site), f"site-to-site VPN of {site}"))
        items.append(
            Item("Local network gateway", naming.local_network_gateway(m.slug, site), f"{site} as the hub sees it")
        )
    return items


def consortium_records(registry: Registry, m: Member) -> list[Item]:
    """What of the town stays with the consortium, not the town: its spoke's flow log (infra/flow_logs.py),
    logging as long as the spoke exists, and the flow records already written, the consortium's security
    record, kept in the hub's flow-log account for the consortium's flow-log retention."""
    c = registry.consortium
    if not HUB_SERVICES & set(c.services_for(m.phase)):
        return []
    account = naming.storage_account(c.slug, naming.FLOW_LOGS)
    return [
        Item(
            "Flow log (hub)",
            naming.flow_log(naming.spoke_vnet(m.slug)),
            f"the flows of the town's network, in the consortium's account {account}, each record kept "
            f"{c.flow_log_retention_days} days",
        )
    ]


@dataclass(frozen=True)
class FinalShare:
    """The town's share for its last month of service, prorated by day from the estimated monthly share."""

    month: str  # "December 2026": the month of the last day of service (the day before the unhook)
    days: int  # days of service in that month
    days_in_month: int
    monthly: Decimal  # the monthly share by the formula (estimates.json)
    amount: Decimal  # monthly x days / days_in_month, half-up to the cent
    currency: str
    estimated_on: str


def final_share(registry: Registry, m: Member) -> FinalShare | None:
    """The prorated final share from the registry's estimates; None when they have no figure for the town."""
    estimates = registry.estimates
    figure = estimates.members.get(m.slug) if estimates is not None else None
    if m.leaving is None or estimates is None or figure is None:
        return None
    last = m.leaving.unhook_on - timedelta(days=1)
    days_in_month = calendar.monthrange(last.year, last.month)[1]
    amount = cents(figure.share_monthly * last.day / days_in_month)
    month = f"{calendar.month_name[last.month]} {last.year}"
    return FinalShare(
        month, last.day, days_in_month, figure.share_monthly, amount, estimates.currency, estimates.made_on.isoformat()
    )


def context(registry: Registry, m: Member) -> dict[str, Any]:
    """What the exit template shows; only for an offboarded member (status leaving or left)."""
    c = registry.consortium
    if m.leaving is None:
        raise ValueError(f"{m.slug} is not offboarded")
    services = set(c.services_for(m.phase))
    offsite = Service.BACKUP in services and m.backup.offsite and c.operations.offsite_store is not None
    store = c.operations.offsite_store
    left_on = m.leaving.left_on
    return {
        "status": m.status.value,
        "left": m.status is Status.LEFT,
        "unhook_on": m.leaving.unhook_on.isoformat(),
        "data_kept_until": (c.data_kept_until(m) or m.leaving.unhook_on).isoformat(),
        "left_on": left_on.isoformat() if left_on else None,
        "quarantine_ends": quarantine_ends(c, left_on).isoformat() if left_on else None,
        "quarantine_days": c.offboarding.quarantine_days,
        "retention_days": registry.retention_days(m),
        "resource_group": naming.resource_group(c.slug, m.slug),
        "kept": kept_data(registry, m),
        "unhooked": unhooked(registry, m),
        "consortium_records": consortium_records(registry, m),
        "withdrawn_rights": WITHDRAWN_RIGHTS if Service.IDENTITY in services else (),
        "kept_rights": KEPT_RIGHTS if Service.IDENTITY in services else (),
        "data_services": [what for s, what in DATA_SERVICES.items() if s in services],
        "offsite": {"endpoint": store.endpoint, "bucket": store.bucket, "prefix": m.slug}
        if offsite and store
        else None,
        "servers": [s.name for s in m.servers],
        "final_share": final_share(registry, m),
    }
