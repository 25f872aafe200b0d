"""Governance: tags that say whose a resource is, budgets, and the completeness of each tenancy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from consortium.money import parse_decimal

from .framework import Param, Resource, Severity, control
from .identity import RESOURCE_GROUP
from .network import PRIVATE_ENDPOINT, SUBNET, VNET, endpoint_connections
from .util import as_list, mappings

AREA = "governance"
REQUIRED_TAGS = ("consortium", "member", "cost-center", "phase", "managed-by")
BUDGET = "azure-native:consumption:Budget"
# Resource types that accept tags (sub-resources such as subnets, rules, routes, peerings, role
# assignments, diagnostic settings and budgets do not).
TAGGABLE = frozenset(
    {
        RESOURCE_GROUP,
        "azure-native:network:VirtualNetwork",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:network:RouteTable",
        "azure-native:network:PublicIPAddress",
        "azure-native:network:AzureFirewall",
        "azure-native:network:FirewallPolicy",
        "azure-native:network:VirtualNetworkGateway",
        "azure-native:network:LocalNetworkGateway",
        "azure-native:network:VirtualNetworkGatewayConnection",
        "azure-native:network:PrivateEndpoint",
        "azure-native:storage:StorageAccount",
        "azure-native:keyvault:Vault",
        "azure-native:recoveryservices:Vault",
        "azure-native:recoveryservices:ProtectionPolicy",
        "azure-native:managedidentity:UserAssignedIdentity",
        "azure-native:operationalinsights:Workspace",
        "azure-native:privatedns:PrivateZone",
    }
)

# The spoke as far as private endpoints need it: every service with a private data plane brings it
# (its endpoints must exist before the vaults are used), and networking builds on it.
LANDING_ZONE: tuple[tuple[str, int, str], ...] = (
    (VNET, 1, "spoke VNet"),
    ("azure-native:network:VirtualNetworkPeering", 2, "peerings to and from the hub"),
    ("azure-native:network:RouteTable", 1, "route table"),
)
# What each service puts in a member's tenancy: (resource type, how many at least, what it is).
SERVICE_RESOURCES: dict[str, tuple[tuple[str, int, str], ...]] = {
    "service_desk": ((RESOURCE_GROUP, 1, "resource group"), (BUDGET, 1, "budget")),
    "backup": (
        ("azure-native:recoveryservices:Vault", 1, "Recovery Services vault"),
        ("azure-native:recoveryservices:ProtectionPolicy", 2, "VM and file-share backup policies"),
        ("azure-native:storage:StorageAccount", 1, "backup storage account"),
        *LANDING_ZONE,
    ),
    "identity": (
        ("azuread:index/group:Group", 3, "admins, staff and helpdesk groups"),
        ("azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy", 1, "MFA policy"),
        ("azure-native:keyvault:Vault", 1, "Key Vault"),
        ("azure-native:authorization:RoleAssignment", 3, "role assignments"),
        *LANDING_ZONE,
    ),
    "networking": LANDING_ZONE,
}
# The private endpoints (by group id) each service's private-only resources need, in the same phase:
# the vault, backup storage (blob, file) and Key Vault refuse public access.
SERVICE_ENDPOINTS: dict[str, tuple[str, ...]] = {"backup": ("AzureBackup", "blob", "file"), "identity": ("vault",)}
DEFAULT_PHASES = {"1": ["service_desk"], "2": ["backup"], "3": ["identity"], "4": ["networking"]}


@control(
    "MCS-GOV-001",
    "Resources carry the consortium's required tags",
    area=AREA,
    types=sorted(TAGGABLE),
    severity=Severity.MEDIUM,
    cis_v8=["1.1", "2.1"],
    rationale="Tags tie every resource to a member and a cost centre: the inventory and the cost split depend on it.",
    fix=f"Tag with {', '.join(REQUIRED_TAGS)} (the program's tags come from the stack config).",
)
def required_tags(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    tags = r.get("tags") or {}
    missing = [t for t in REQUIRED_TAGS if not (isinstance(tags, Mapping) and tags.get(t))]
    if missing:
        yield f"missing tags: {', '.join(missing)}"


@control(
    "MCS-GOV-002",
    "Tags agree with the stack the resource belongs to",
    area=AREA,
    types=sorted(TAGGABLE),
    severity=Severity.MEDIUM,
    cis_v8=["1.1"],
    rationale="A resource tagged for another town is billed to, and audited as, the wrong town.",
    fix="Set the member tag to the stack's member (shared for the hub) and the consortium tag to the consortium.",
    params={"consortium": Param("", "string", "The consortium slug the consortium tag must carry")},
)
def consistent_tags(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    tags = r.get("tags") or {}
    if not isinstance(tags, Mapping):
        return
    expected = r.member or "shared"
    if tags.get("member") and tags.get("member") != expected:
        yield f"member tag is {tags.get('member')}, but the resource belongs to {expected}"
    if p["consortium"] and tags.get("consortium") and tags.get("consortium") != p["consortium"]:
        yield f"consortium tag is {tags.get('consortium')}, expected {p['consortium']}"


@control(
    "MCS-GOV-003",
    "Every member has a monthly budget that alerts a contact",
    area=AREA,
    types=[BUDGET, RESOURCE_GROUP],
    severity=Severity.MEDIUM,
    cis_v8=["15.1"],
    scope="stack",
    rationale="Costs are split fairly only if each town sees its own spend before the invoice.",
    fix="Add a monthly budget on the member's resource group with enabled alerts to the billing contact.",
)
def member_budget(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, str]]:
    ok: set[str] = set()
    budgets = [r for r in resources if r.type == BUDGET and r.member is not None]
    for b in budgets:
        notes = b.get("notifications") or {}
        contacts = [
            e
            for n in (notes.values() if isinstance(notes, Mapping) else [])
            if isinstance(n, Mapping) and n.get("enabled")
            for e in as_list(n.get("contactEmails"))
        ]
        if not contacts:
            yield b, "the budget alerts nobody: no enabled notification with a contact e-mail"
        elif b.get("timeGrain", "Monthly") != "Monthly":
            yield b, f"time grain is {b.get('timeGrain')}; budgets are monthly"
        else:
            ok.add(b.member or "")
    for r in resources:
        if (
            r.type == RESOURCE_GROUP
            and r.member is not None
            and r.member not in ok
            and not any(b.member == r.member for b in budgets)
        ):
            yield r, f"member {r.member} has no budget"


def _endpoint_groups(resources: Sequence[Resource]) -> set[str]:
    """Every group id some private endpoint among ``resources`` connects to."""
    return {str(g) for c in endpoint_connections(resources) for g in as_list(c.get("groupIds"))}


def _subnet_names(vnet: Resource, resources: Sequence[Resource]) -> set[str]:
    """The subnets ``vnet`` carries: declared inline, or as subnet resources of the same stack naming it."""
    names = {str(s.get("name")) for s in mappings(vnet.get("subnets")) if s.get("name")}
    vnet_name = vnet.azure_name("virtualNetworkName")
    names.update(
        r.azure_name("subnetName")
        for r in resources
        if r.type == SUBNET and r.stack == vnet.stack and r.get("virtualNetworkName") == vnet_name
    )
    return names


def _phase_of(resources: Sequence[Resource], member: str) -> int | None:
    for r in resources:
        if r.type == RESOURCE_GROUP and r.member == member:
            phase = (r.get("tags") or {}).get("phase")
            if str(phase).isdigit():
                return int(phase)
    return None


@control(
    "MCS-GOV-004",
    "Each member's tenancy is complete for its phase",
    area=AREA,
    types=sorted({t for parts in SERVICE_RESOURCES.values() for t, _, _ in parts} | {PRIVATE_ENDPOINT, SUBNET}),
    severity=Severity.HIGH,
    cis_v8=["1.1", "4.1", "11.2"],
    scope="stack",
    rationale="A town in the backup phase without a vault is a town without backups, whatever the contract says; "
    "one whose vault has no private endpoint (and landing zone to hold it) cannot use it; one in the networking "
    "phase whose spoke is still the landing zone (no workload subnets) has nowhere to run its servers.",
    fix="Deploy the member's stack for its phase (`pulumi up --stack <slug>`), or correct its phase.",
    params={
        "phase_services": Param(
            DEFAULT_PHASES,
            "object",
            "consortium.yaml phases: services each turns on",
            # The phase numbers are the keys (compared with the member's phase tag), the services lists.
            {
                "propertyNames": {"pattern": "^[0-9]+$"},
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        ),
        "workload_subnets": Param(
            [], "array", "Subnets the networking service adds to the landing zone (the registry's spoke layout)"
        ),
    },
)
def complete_for_phase(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, str]]:
    members = sorted({r.member for r in resources if r.member is not None})
    for member in members:
        mine = [r for r in resources if r.member == member]
        phase = _phase_of(resources, member)
        anchor = next((r for r in mine if r.type == RESOURCE_GROUP), mine[0])
        if phase is None:
            yield anchor, f"member {member} has no resource group with a phase tag"
            continue
        services = [s for number, names in p["phase_services"].items() if int(number) <= phase for s in names]
        groups = _endpoint_groups(mine)
        judged: set[str] = set()  # the landing zone comes with several services: judge it once
        for service in services:
            for type_, minimum, what in SERVICE_RESOURCES.get(service, ()):
                if type_ in judged:
                    continue
                judged.add(type_)
                found = sum(1 for r in mine if r.type == type_)
                if found < minimum:
                    yield anchor, f"phase {phase} ({service}) needs {minimum} {what}; found {found}"
            needed = SERVICE_ENDPOINTS.get(service, ())
            missing = [g for g in needed if g not in groups]
            if missing:
                yield (
                    anchor,
                    f"phase {phase} ({service}) needs private endpoints for {', '.join(needed)}; "
                    f"missing {', '.join(missing)}",
                )
        if "networking" in services:
            yield from _full_spoke(mine, phase, [str(n) for n in as_list(p["workload_subnets"])])


def _full_spoke(mine: Sequence[Resource], phase: int, needed: list[str]) -> Iterator[tuple[Resource, str]]:
    """The networking service's spoke VNet carries every workload subnet, not only the landing zone's.

    Counting VNets cannot tell the two apart: the landing zone and the full spoke are the same VNet
    (same name, same URN), the networking service only adds subnets to it.
    """
    for vnet in (r for r in mine if r.type == VNET):
        have = _subnet_names(vnet, mine)
        missing = [n for n in needed if n not in have]
        if missing:
            yield (
                vnet,
                f"phase {phase} (networking) needs the workload subnets {', '.join(needed)} on "
                f"{vnet.azure_name('virtualNetworkName')}; missing {', '.join(missing)}",
            )


@control(
    "MCS-GOV-005",
    "Every member's budget covers its estimated direct costs",
    area=AREA,
    types=[BUDGET],
    severity=Severity.LOW,
    cis_v8=["15.1"],
    rationale="A budget below what the town's own services are estimated to cost alerts every month, and alerts "
    "that always fire are ignored; a town's council should hear of real overspending, not of a stale figure.",
    fix="Refresh the estimates and the stack configs (`consortium costs --update-budgets`, `consortium render`), "
    "then deploy the member's stack.",
    params={
        "estimated_direct_monthly": Param(
            {}, "object", "estimates.json: member slug -> its stack's estimated direct monthly costs (a decimal)"
        )
    },
)
def budget_covers_estimate(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    estimates = p.get("estimated_direct_monthly") or {}
    if r.member is None or not isinstance(estimates, Mapping) or not estimates:
        return  # no estimates given (a preview without the registry's config): nothing to compare with
    figure = estimates.get(r.member)
    if figure is None:
        yield f"estimates.json has no estimate of {r.member}: its budget was not set from one"
        return
    amount, estimate = _decimal(r.get("amount")), _decimal(figure)
    if amount is None or estimate is None:
        yield f"cannot compare the budget amount {r.get('amount')!r} with the estimate {figure!r}"
    elif amount < estimate:
        yield f"budget {amount:.2f} is below {r.member}'s estimated direct costs of {estimate:.2f} a month"


def _decimal(value: object) -> Decimal | None:
    """A JSON number or decimal text as a Decimal (through its text, so 0.1 stays 0.1); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return parse_decimal(str(value))
    except ValueError:
        return None


CONTROLS = (required_tags, consistent_tags, member_budget, complete_for_phase, budget_covers_estimate)
