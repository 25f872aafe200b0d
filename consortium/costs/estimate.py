"""The monthly estimate from a plan: one line per priced part of each resource, per stack, in total.

Every custom resource of the plan gets at least one line, and every line says what it is:
``free`` (and why), ``estimated`` (with its basis, "730 h x 1.25/h"), or ``not priced`` (no price
for its meter in that region, or a resource type the toolkit has no rule for yet). Nothing is
silently zero. Fixed-price parts come from the resource's SKU; usage-priced parts from the
registry's ``costs.usage`` assumptions (:mod:`consortium.costs.usage`).

Rounding: each line is rounded half-up to the cent when it is made (as an invoice line is), and
stack totals, pools and the total are sums of those lines, so every printed total reconciles to
the cent with the lines printed above it.

Hub lines carry the services they serve (:func:`consortium.costs.services.hub_resource_services`)
and add up into one :class:`~consortium.costs.pools.Pool` per service set, for the cost-sharing
formula; a member stack's lines are that member's direct costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from consortium.costs.pools import Pool
from consortium.costs.prices import PriceBook
from consortium.costs.services import hub_resource_services
from consortium.costs.usage import DAYS_PER_MONTH, FREE_RETENTION_DAYS, HOURS_PER_MONTH, Usage
from consortium.money import cents
from consortium.registry.errors import fail

Status = Literal["free", "estimated", "not priced"]
HUB_STACK = "hub"


@dataclass(frozen=True)
class Line:
    stack: str
    member: str | None
    resource: str  # the Pulumi name
    type: str
    part: str  # what of the resource this line prices ("deployment", "data processed"); "" for the whole
    status: Status
    monthly: Decimal | None  # rounded to the cent; None unless estimated
    basis: str  # how: "730 h x 1.25/h", why it is free, or why it is not priced
    services: frozenset[str] = frozenset()  # hub lines: the services this cost is there for
    source: str = ""  # estimated lines: where the price came from ("api", "published") and its date


@dataclass(frozen=True)
class Part:
    """One priced part of a resource: ``quantity`` (in the meter's units) of ``meter``."""

    name: str
    meter: str
    quantity: Decimal
    what: str  # the quantity in words for the basis ("730 h", "50 GB")


@dataclass(frozen=True)
class Estimate:
    consortium: str
    currency: str
    lines: tuple[Line, ...]
    stacks: tuple[str, ...]  # in plan order: the hub, then members

    def __post_init__(self) -> None:
        # Lines by stack, once: reports ask per stack, and 351 stacks x 12,000 lines is a slow scan.
        by_stack: dict[str, list[Line]] = {}
        for line in self.lines:
            by_stack.setdefault(line.stack, []).append(line)
        object.__setattr__(self, "_by_stack", by_stack)

    def stack_lines(self, stack: str) -> list[Line]:
        return list(self._by_stack.get(stack, ()))  # type: ignore[attr-defined]

    def stack_total(self, stack: str) -> Decimal:
        return _sum(self.stack_lines(stack))

    @property
    def total(self) -> Decimal:
        return _sum(self.lines)

    @property
    def not_priced(self) -> list[Line]:
        return [line for line in self.lines if line.status == "not priced"]

    def pools(self) -> list[Pool]:
        """The hub's estimated costs, one pool per set of services served, for the cost-sharing formula;
        a pool whose lines are all not priced is still listed (0, with its count), never silently dropped."""
        by_services: dict[frozenset[str], list[Any]] = {}
        for line in self.stack_lines(HUB_STACK):
            if line.status == "free":
                continue
            pool = by_services.setdefault(line.services, [Decimal(0), 0])
            if line.monthly is None:
                pool[1] += 1
            else:
                pool[0] += line.monthly
        return [
            Pool("hub: " + ", ".join(sorted(s)), s, total, missing)
            for s, (total, missing) in sorted(by_services.items(), key=lambda kv: sorted(kv[0]))
        ]

    def only(self, member: str) -> Estimate:
        """The member's own stack: its direct costs."""
        stacks = tuple(s for s in self.stacks if s == member)
        return Estimate(self.consortium, self.currency, tuple(self.stack_lines(member)), stacks)


def _sum(lines: Iterable[Line]) -> Decimal:
    return sum((line.monthly for line in lines if line.monthly is not None), Decimal(0))


# --------------------------------------------------------------------------- what each type costs

# Types Azure does not bill for themselves (their cost, if any, shows up on another line).
FREE: dict[str, str] = {
    "azure-native:resources:ResourceGroup": "no charge for a resource group",
    "azure-native:authorization:RoleAssignment": "no charge for access control",
    "azure-native:authorization:RoleDefinition": "no charge for access control",
    "azure-native:consumption:Budget": "no charge for a budget",
    "azure-native:managedidentity:UserAssignedIdentity": "no charge for a managed identity",
    "azure-native:monitor:DiagnosticSetting": "no charge itself; the logs it sends are the workspace's ingestion",
    "azure-native:network:LocalNetworkGateway": "no charge itself; the tunnel is the connection's",
    "azure-native:maintenance:MaintenanceConfiguration": "no charge for a maintenance configuration",
    "azure-native:maintenance:ConfigurationAssignment": "no charge for assigning a maintenance configuration",
    "azure-native:network:NetworkSecurityGroup": "no charge for a network security group",
    "azure-native:network:RouteTable": "no charge for a route table",
    "azure-native:network:Route": "no charge for a route",
    "azure-native:network:VirtualNetwork": "no charge for a virtual network; peering traffic is the peering's",
    "azure-native:network:PrivateDnsZoneGroup": "no charge itself; the zone and the endpoint are priced",
    "azure-native:network:FirewallPolicy": "no charge for a policy used by a single firewall",
    "azure-native:network:FirewallPolicyRuleCollectionGroup": "part of the firewall policy",
    "azure-native:privatedns:VirtualNetworkLink": "no charge itself; the zone is priced",
    "azure-native:recoveryservices:ProtectionPolicy": "no charge itself; the vault's protected instances are priced",
    "azure-native:storage:BlobContainer": "no charge itself; the storage account's data is priced",
    "azure-native:storage:BlobServiceProperties": "no charge itself; the storage account's data is priced",
    "azure-native:storage:ManagementPolicy": "no charge itself; the deletions it makes cost nothing to store",
    "azure-native:network:NetworkWatcher": "no charge for the watcher; its flow logs are priced on their own lines",
    "azuread:index/group:Group": "Entra ID object: no Azure charge (licences are per user, outside this estimate)",
    "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy": "Entra ID object: no Azure charge "
    "(needs Entra ID P1 licences, per user, outside this estimate)",
    "pulumi:pulumi:StackReference": "not an Azure resource",
    # Azure Monitor bills neither the group nor activity log alerts; e-mail notifications are free up to
    # a monthly allowance the desk's volume stays far below (Azure Monitor pricing; not re-checked offline).
    "azure-native:monitor:ActionGroup": "no charge for the group; e-mails free up to a monthly allowance",
    "azure-native:monitor:ActivityLogAlert": "no charge for activity log (Resource Health) alerts",
}
FREE_PREFIXES = ("pulumi:providers:",)  # provider instances are the engine's, not Azure's

# Types with a cost the toolkit knows of but does not estimate yet, and why.
NOT_YET: dict[str, str] = {
    "azure-native:network:VirtualNetworkPeering": "charged per GB crossing the peering; no usage assumption yet",
    # The service desk's alerting (infra/alert_rules.py). Azure Monitor bills alerting by signal; no
    # price was found offline, so none is guessed here (see README, "Service desk alerts and access").
    "azure-native:monitor:MetricAlert": "charged per monitored metric time series a month; price not found offline",
    "azure-native:monitor:ScheduledQueryRule": "charged per log search rule, by how often it runs; price not "
    "found offline",
    "azure-native:alertsmanagement:AlertProcessingRuleByName": "routes alerts; understood to carry no charge, "
    "not confirmed offline",
    # Virtual network flow logs (infra/flow_logs.py): Network Watcher bills the flow records collected per GB,
    # traffic analytics the GB it processes (60-minute interval); the price files carry neither meter and no
    # usage assumption says how many GB a town's flows make, so none is guessed.
    "azure-native:network:FlowLog": "charged per GB of flow records collected and per GB traffic analytics "
    "processes; no meter in the price files and no usage assumption yet",
}


def _hours(meter: str, name: str = "hours") -> Part:
    return Part(name, meter, HOURS_PER_MONTH, f"{HOURS_PER_MONTH} h")


def _sku(record: dict[str, Any], key: str = "name") -> str:
    sku = record["inputs"].get("sku")
    return str(sku.get(key, "")) if isinstance(sku, dict) else ""


def _input(record: dict[str, Any], *path: str) -> Any:
    """The input at ``path`` (``"properties", "sku", "name"``), or None where the plan holds no object
    on the way: a plan file is read, not trusted, and a string in place of an object is no crash."""
    value: Any = record["inputs"]
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


MAX_RETENTION_DAYS = 4383  # Log Analytics keeps data at most 12 years (archive included)


def _days(record: dict[str, Any], key: str, default: int) -> int:
    """A whole number of days from the plan's inputs (``default`` when unset); anything else is bad input."""
    value = _input(record, key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETENTION_DAYS:
        message = f"expected a whole number of days, 0 to {MAX_RETENTION_DAYS}, got {value!r}"
        raise fail(str(record["stack"]), f"{record['name']}.inputs.{key}", message)
    return value


class _Rules:
    """The priced parts of each resource type, for one registry's usage."""

    def __init__(self, usage: Usage) -> None:
        self.usage = usage
        self.by_type: dict[str, Callable[[dict[str, Any]], list[Part] | str]] = {
            "azure-native:network:AzureFirewall": self.firewall,
            "azure-native:network:PublicIPAddress": self.public_ip,
            "azure-native:network:VirtualNetworkGateway": self.vpn_gateway,
            "azure-native:network:VirtualNetworkGatewayConnection": self.connection,
            "azure-native:network:PrivateEndpoint": self.private_endpoint,
            "azure-native:privatedns:PrivateZone": self.private_zone,
            "azure-native:operationalinsights:Workspace": self.workspace,
            "azure-native:keyvault:Vault": self.key_vault,
            "azure-native:recoveryservices:Vault": self.backup_vault,
            "azure-native:storage:StorageAccount": self.storage_account,
        }

    # Each rule answers the parts to price, or a sentence saying why it cannot be priced yet.

    def firewall(self, r: dict[str, Any]) -> list[Part] | str:
        tier = _sku(r, "tier")
        if tier not in ("Standard", "Premium", "Basic"):
            return f"firewall tier {tier!r} has no meter in the toolkit yet"
        gb = self.usage.assumptions.firewall_gb_per_member * len(self.usage.behind_hub)
        data = Part("data processed", f"firewall-{tier.lower()}-data", gb, f"{gb} GB")
        return [_hours(f"firewall-{tier.lower()}-deployment", "deployment"), data]

    def public_ip(self, r: dict[str, Any]) -> list[Part] | str:
        if _sku(r) != "Standard" or r["inputs"].get("publicIPAllocationMethod") != "Static":
            return f"public IP sku {_sku(r)!r} (non-static) has no meter in the toolkit yet"
        return [_hours("public-ip-standard-static")]

    def vpn_gateway(self, r: dict[str, Any]) -> list[Part] | str:
        sku = _sku(r)
        return [_hours(f"vpn-gateway-{sku.lower()}")] if sku else "the gateway has no SKU in the plan"

    def connection(self, r: dict[str, Any]) -> list[Part] | str:
        return [_hours("vpn-s2s-tunnel", "S2S tunnel")]

    def private_endpoint(self, r: dict[str, Any]) -> list[Part] | str:
        gb = self.usage.assumptions.private_endpoint_gb
        return [
            _hours("private-endpoint-hour"),
            Part("data in", "private-endpoint-data-in", gb, f"{gb} GB"),
            Part("data out", "private-endpoint-data-out", gb, f"{gb} GB"),
        ]

    def private_zone(self, r: dict[str, Any]) -> list[Part] | str:
        return [Part("zone", "private-dns-zone", Decimal(1), "1 zone-month (queries not included)")]

    def workspace(self, r: dict[str, Any]) -> list[Part] | str:
        if _sku(r) != "PerGB2018":
            return f"workspace sku {_sku(r)!r} has no meter in the toolkit yet"
        daily = self.usage.log_gb_per_day()
        retention = _days(r, "retentionInDays", self.usage.log_retention_days)
        kept = daily * max(0, retention - FREE_RETENTION_DAYS)
        return [
            Part("ingestion", "log-analytics-ingestion", daily * DAYS_PER_MONTH, f"{daily} GB/day x 730/24 days"),
            Part("retention", "log-analytics-retention", kept, f"{kept} GB kept past {FREE_RETENTION_DAYS} days"),
        ]

    def key_vault(self, r: dict[str, Any]) -> list[Part] | str:
        sku = str(_input(r, "properties", "sku", "name") or "").lower()  # under properties
        if sku != "standard":
            return f"key vault sku {sku!r} has no meter in the toolkit yet"
        ops = self.usage.assumptions.key_vault_operations
        return [Part("operations", "key-vault-operations", ops, f"{ops} operations")]

    def backup_vault(self, r: dict[str, Any]) -> list[Part] | str:
        slug = r.get("member")
        if slug is None:
            return "a hub backup vault has no usage assumption"
        redundancy = _input(r, "properties", "redundancySettings", "standardTierStorageRedundancy") or "GeoRedundant"
        meters = {"GeoRedundant": "backup-storage-grs", "LocallyRedundant": "backup-storage-lrs"}
        meter = meters.get(redundancy) if isinstance(redundancy, str) else None
        if meter is None:
            return f"backup storage redundancy {redundancy!r} has no meter in the toolkit yet"
        instances = self.usage.assumptions.protected_instances_per_server * self.usage.servers(slug)
        gb = self.usage.backup_gb(slug)
        return [
            Part("protected instances", "backup-protected-instance", instances, f"{instances} instances"),
            Part("backup storage", meter, gb, f"{gb} GB"),
        ]

    def storage_account(self, r: dict[str, Any]) -> list[Part] | str:
        if r.get("member") is None:  # the hub's only account holds flow records, not a town's backups
            return "the hub's flow-log account: no usage assumption for the GB of flow records yet"
        sku = _sku(r)  # Standard_GRS
        tier = str(r["inputs"].get("accessTier", "Hot"))
        red = sku.removeprefix("Standard_")
        if not sku.startswith("Standard_") or red not in ("LRS", "GRS") or tier not in ("Hot", "Cool"):
            return f"storage {sku!r} {tier!r} has no meter in the toolkit yet"
        gb = self.usage.assumptions.storage_gb_per_member
        return [Part("data stored", f"storage-{tier.lower()}-{red.lower()}", gb, f"{gb} GB")]


def estimate(
    records: Iterable[dict[str, Any]], *, consortium: str, primary_region: str, usage: Usage, prices: PriceBook
) -> Estimate:
    """The estimate of plan ``records`` (plan-file records, as :func:`consortium.plan.records.read_plan` gives)."""
    rules = _Rules(usage)
    lines: list[Line] = []
    stacks: list[str] = []
    for record in records:
        if record["stack"] not in stacks:
            stacks.append(record["stack"])
        if not record.get("custom", True):
            continue  # components group resources; Azure bills nothing for them
        member = record.get("member")
        if member is not None and member not in usage.members:
            raise fail(record["stack"], "member", f"{member!r} is in the plan but not in the registry")
        lines.extend(_lines(record, rules, consortium, primary_region, prices))
    order = {s: i for i, s in enumerate(sorted(stacks, key=lambda s: (s != HUB_STACK, s)))}
    lines.sort(key=lambda line: (order[line.stack], line.resource, line.type, line.part))
    return Estimate(consortium, prices.currency, tuple(lines), tuple(sorted(order, key=order.__getitem__)))


def _lines(
    record: dict[str, Any], rules: _Rules, consortium: str, primary_region: str, prices: PriceBook
) -> list[Line]:
    kind, name, stack, member = record["type"], record["name"], record["stack"], record.get("member")
    services = hub_resource_services(consortium, name) if stack == HUB_STACK else frozenset()

    def line(part: str, status: Status, monthly: Decimal | None, basis: str, source: str = "") -> Line:
        return Line(stack, member, name, kind, part, status, monthly, basis, services, source)

    if kind in FREE or kind.startswith(FREE_PREFIXES):
        return [line("", "free", None, FREE.get(kind, "not an Azure resource"))]
    rule = rules.by_type.get(kind)
    if rule is None:
        return [line("", "not priced", None, NOT_YET.get(kind, "resource type not priced yet"))]
    parts = rule(record)
    if isinstance(parts, str):
        return [line("", "not priced", None, parts)]
    location = str(record["inputs"].get("location") or primary_region)
    region = primary_region if location == "global" else location  # global meters are in every price file
    out = []
    for p in parts:
        price = prices.price(p.meter, region)
        if price.amount is None:
            out.append(line(p.name, "not priced", None, f"{p.meter} in {region}: {price.source}"))
            continue
        basis = f"{p.what} x {price.amount}/{price.meter.per_text}"
        monthly = cents(p.quantity / price.meter.per * price.amount)
        out.append(line(p.name, "estimated", monthly, basis, f"{price.origin} {price.as_of}"))
    return out
