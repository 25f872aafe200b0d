"""The typed content of the rendered Pulumi stack configs (``stacks/Pulumi.<stack>.yaml``).

Under ``pulumi up`` the stack config is the program's whole input, so everything the program needs
is resolved here, once, from the registry: the member (the same :class:`Member` model), the
services its phase turns on, its subnets, its budget, its tags. The program only reads it back
(``config.require_object("stack")``) and validates it with these models; it never recomputes a fact.
"""

from __future__ import annotations

from datetime import date
from ipaddress import IPv4Network
from typing import Literal

from pydantic import Field

from consortium.registry.estimates import budget_amount
from consortium.registry.fields import Email, ObjectId
from consortium.registry.ipam import hub_subnets, spoke_subnets
from consortium.registry.load import Registry
from consortium.registry.models import (
    VPN_SERVICES,
    Consortium,
    ConsortiumContacts,
    GatewayMaintenance,
    Member,
    Service,
    Strict,
)
from consortium.registry.regions import zone_support

PROJECT = "consortium"  # the Pulumi project name (Pulumi.yaml), also the config namespace
CONFIG_KEY = "stack"  # one structured key: ``consortium:stack``
HUB_STACK = "hub"
# Optional config key: the first day of the month a new member's budget starts (``YYYY-MM-01``).
# Unset, the program takes the current month; the offline runner pins it so plans are reproducible.
BUDGET_START_KEY = "budget-start"
# Optional config key: the run's date (``YYYY-MM-DD``), compared with a leaving town's unhook date.
# Unset, the program takes today; the offline runner pins it (``consortium plan --as-of``).
AS_OF_KEY = "as-of"
MANAGED_BY = "consortium-toolkit"


def vpn_secret_key(site: str) -> str:
    """The config key holding a site's VPN shared key; only ever set with ``--secret``."""
    return f"vpn-psk-{site}"


def vpn_sites(consortium: Consortium, member: Member) -> list[str]:
    """The member's on-premises sites that get a site-to-site VPN now (none before its phase brings networking)."""
    if not VPN_SERVICES & set(consortium.services_for(member.phase)):
        return []
    return [site.name for site in member.network.onprem]


class ConsortiumRef(Strict):
    name: str
    slug: str
    contacts: ConsortiumContacts


class Budget(Strict):
    amount: float = Field(ge=0)
    currency: str
    thresholds: list[int]
    contacts: list[Email]


class HubStack(Strict):
    kind: Literal["hub"] = "hub"
    consortium: ConsortiumRef
    location: str
    locations: list[str]
    address_space: IPv4Network
    supernet: IPv4Network
    # Translated on-prem ranges live here: the firewall keeps spokes out of them like out of any town
    # LAN, and the VPN gateway needs a SKU that supports NAT. None: no town is translated.
    nat_pool: IPv4Network | None = None
    subnets: dict[str, IPv4Network]
    # The primary region's availability zones (consortium/registry/regions.py): the firewall, the VPN
    # gateway and their public addresses span them; empty where the region has none or is not known,
    # and ``zone_support`` says which (the plan prints it).
    zones: list[str]
    zone_support: str
    gateway_maintenance: GatewayMaintenance
    log_retention_days: int
    # Every VNet's flow records (infra/flow_logs.py): the log retention within Azure's limit for them.
    flow_log_retention_days: int
    # Entra ID object ids granted the hub-side member deployer role on the hub resource group.
    member_deployers: list[ObjectId]
    tags: dict[str, str]


class MemberStack(Strict):
    kind: Literal["member"] = "member"
    consortium: ConsortiumRef
    hub_stack: str
    location: str
    locations: list[str]
    supernet: IPv4Network
    hub_address_space: IPv4Network
    management_range: IPv4Network
    member: Member
    services: list[Service]
    subnets: dict[str, IPv4Network]
    backup_retention_days: int
    vpn_secret_keys: dict[str, str]
    budget: Budget
    tags: dict[str, str]
    # A leaving town's: the day its data expires (Consortium.data_kept_until), computed here once so
    # the program keeps the town's data-bearing resources until then. None for everyone else.
    data_kept_until: date | None = None


def _ref(c: Consortium) -> ConsortiumRef:
    return ConsortiumRef(name=c.name, slug=c.slug, contacts=c.contacts)


def hub_stack(registry: Registry) -> HubStack:
    c = registry.consortium
    zones = zone_support(c.azure.primary)
    return HubStack(
        consortium=_ref(c),
        location=c.azure.primary,
        locations=c.azure.locations,
        address_space=c.network.hub,
        supernet=c.network.supernet,
        nat_pool=c.network.nat_pool,
        subnets=hub_subnets(c.network.hub),
        zones=list(zones.zones),
        zone_support=zones.statement,
        gateway_maintenance=c.azure.gateway_maintenance,
        log_retention_days=c.log_retention_days,
        flow_log_retention_days=c.flow_log_retention_days,
        member_deployers=c.azure.member_deployers,
        tags={
            "consortium": c.slug,
            "member": "shared",
            "cost-center": f"{c.slug}-shared",
            "phase": "0",
            "managed-by": MANAGED_BY,
        },
    )


def member_stack(registry: Registry, m: Member) -> MemberStack:
    c = registry.consortium
    if m.network.cidr is None:  # load_registry refuses this outside onboarding
        raise ValueError(f"{m.slug} has no allocated network.cidr")
    return MemberStack(
        consortium=_ref(c),
        hub_stack=HUB_STACK,
        location=c.azure.primary,
        locations=c.azure.locations,
        supernet=c.network.supernet,
        hub_address_space=c.network.hub,
        management_range=hub_subnets(c.network.hub)["management"],
        member=m.model_copy(update={"applications": []}),  # the program needs none of a town's applications
        services=c.services_for(m.phase),
        subnets=spoke_subnets(m.network.cidr),
        backup_retention_days=registry.retention_days(m),
        vpn_secret_keys={site.name: vpn_secret_key(site.name) for site in m.network.onprem},
        budget=Budget(
            amount=float(budget_amount(c, m, registry.estimates)),  # Azure's amount is a JSON number
            currency=c.costs.currency,
            thresholds=c.costs.budget.alert_thresholds,
            contacts=[m.contacts.billing, c.contacts.billing],
        ),
        tags={
            "consortium": c.slug,
            "member": m.slug,
            "cost-center": f"{c.slug}-{m.slug}",
            "phase": str(m.phase),
            "managed-by": MANAGED_BY,
        },
        data_kept_until=c.data_kept_until(m),
    )
