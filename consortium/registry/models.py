"""Typed models of the registry: ``consortium.yaml`` and ``members/<slug>.yaml``.

These models are the one description of what a registry file may hold. They reject unknown
fields (a misspelt key is an error, not a silently ignored setting) and wrong types (strict
ints and bools: ``population: "many"`` or ``offsite: "no"`` fail). Rules that need more than one
file (overlaps, the consortium minimum retention, the phase list) live in :mod:`rules`.
The Pulumi program and the policies import these same models, so a member means the same thing
everywhere.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from consortium.registry.fields import (
    MAX_DAILY_RETENTION,
    Address,
    CentsMoney,
    ControllerFile,
    Count,
    Day,
    Days,
    Email,
    Fraction,
    Hostname,
    Money,
    Name,
    Network,
    ObjectId,
    SiteName,
    Slug,
    Version,
    require_unique,
)

# Where a registry directory keeps its files, as problems name them (relative to the registry).
CONSORTIUM_FILE = "consortium.yaml"
MEMBERS_DIR = "members"


class Strict(BaseModel):
    """Base for every registry model: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


# --------------------------------------------------------------------------- consortium.yaml


class Service(StrEnum):
    """Services a rollout phase can turn on; a member gets every service of its phase and below."""

    SERVICE_DESK = "service_desk"
    BACKUP = "backup"
    IDENTITY = "identity"
    NETWORKING = "networking"


# The services that put a member behind the shared hub (a spoke network, private endpoints, the
# hub's firewall, DNS and log workspace); a service-desk-only member has none of it.
HUB_SERVICES = frozenset({Service.BACKUP, Service.IDENTITY, Service.NETWORKING})
# Azure keeps a flow log's records at most this many days (0 would mean forever, which the standard never wants).
MAX_FLOW_LOG_RETENTION_DAYS = 365
# The services that need the hub's site-to-site VPN gateway.
VPN_SERVICES = frozenset({Service.NETWORKING})
# The services whose resources hold the town's data, and what that is: removing one deletes it, so
# a phase change refuses to (rules.phase_down_keeps_data) and offboarding keeps it (infra, MCS-BAK-008).
# The tag a leaving town's kept resources carry in Azure: the day their data expires (infra/retention.py);
# MCS-BAK-008 requires a resource so tagged to be protected from deletion.
DATA_KEPT_UNTIL_TAG = "data-kept-until"
DATA_SERVICES: dict[Service, str] = {
    Service.BACKUP: "its Recovery Services vault and backup storage account (the town's backups)",
    Service.IDENTITY: "its Key Vault (the town's secrets and keys)",
}


class Phase(Strict):
    phase: Annotated[int, Field(strict=True, ge=1, le=9)]
    name: Name
    services: list[Service] = Field(min_length=1)


class GatewayMaintenance(Strict):
    """When Azure may update the hub's VPN gateway (customer-controlled gateway maintenance): a daily
    window, in ``time_zone`` (a Windows time zone name, e.g. ``Central Standard Time``). Azure requires
    at least 5 hours and a daily recurrence for network gateways. The default (01:00-06:00 UTC) is a
    placeholder: set the consortium's own night, when no town hall works."""

    start: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "01:00"
    duration_hours: Annotated[int, Field(strict=True, ge=5, le=23)] = 5
    time_zone: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9 ().+:-]{1,60}$")] = "UTC"

    @property
    def duration(self) -> str:
        """``HH:mm``, as Azure's maintenance configuration wants it."""
        return f"{self.duration_hours:02d}:00"


class AzureSettings(Strict):
    # The first location is the primary region; the others are for paired/geo-redundant data.
    locations: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{2,30}$")]] = Field(min_length=1)
    # The service principals that run the member stacks (Entra ID object ids): the hub grants each of
    # them its "member deployer, hub side" role on the hub resource group, and nothing more there (see
    # infra/hub_deployer_role.py). Their rights on the member's own resource group and in Entra ID are
    # granted outside the toolkit (README, "Rights").
    member_deployers: list[ObjectId] = Field(default_factory=list)
    # The hub VPN gateway's maintenance window (infra/hub_maintenance.py); the default is documented there.
    gateway_maintenance: GatewayMaintenance = GatewayMaintenance()

    @field_validator("member_deployers")
    @classmethod
    def _deployers_unique(cls, ids: list[str]) -> list[str]:
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"object id listed more than once: {', '.join(repeated)}")
        return ids

    @property
    def primary(self) -> str:
        return self.locations[0]


class NetworkPlan(Strict):
    supernet: Network
    member_prefix: Annotated[int, Field(strict=True, ge=16, le=24)] = 20
    hub: Network
    # Where translated (NATed) on-prem ranges come from, e.g. 100.64.0.0/16 (RFC 6598 shared space):
    # towns whose LANs overlap reach Azure through the hub gateway under a range from this pool.
    nat_pool: Network | None = None

    @model_validator(mode="after")
    def _sizes(self) -> NetworkPlan:
        if self.member_prefix <= self.supernet.prefixlen:
            raise ValueError(f"member_prefix /{self.member_prefix} must be smaller than the supernet {self.supernet}")
        if self.hub.prefixlen > 22:
            raise ValueError(f"hub {self.hub} is too small; the hub needs a /22 or larger")
        return self

    @field_validator("nat_pool")
    @classmethod
    def _pool_apart(cls, pool: ipaddress.IPv4Network | None, info: ValidationInfo) -> ipaddress.IPv4Network | None:
        for key in ("supernet", "hub"):
            other = info.data.get(key)
            if pool is not None and other is not None and pool.overlaps(other):
                raise ValueError(f"{pool} overlaps the {key} {other}; NAT ranges must be apart from Azure's own")
        return pool


class BackupDefaults(Strict):
    default_retention_days: Annotated[int, Field(strict=True, ge=1, le=MAX_DAILY_RETENTION)]
    minimum_retention_days: Days

    @model_validator(mode="after")
    def _default_meets_minimum(self) -> BackupDefaults:
        if self.default_retention_days < self.minimum_retention_days:
            raise ValueError(
                f"default_retention_days ({self.default_retention_days}) is below "
                f"minimum_retention_days ({self.minimum_retention_days})"
            )
        return self


class CostWeights(Strict):
    """How shared costs are split (consortium/costs/formula.py): each driver's weight, adding up to 1.
    ``equal``: the same for every member; ``population``, ``endpoints``, ``servers``: in proportion
    to the member's count; ``direct``: in proportion to what its own stack cost (direct usage)."""

    equal: Fraction
    population: Fraction
    endpoints: Fraction
    servers: Fraction = 0.0  # defaults keep files written before these drivers existed valid
    direct: Fraction = 0.0

    @model_validator(mode="after")
    def _sum_to_one(self) -> CostWeights:
        total = sum(self.as_decimals().values(), Decimal(0))
        if total != 1:
            raise ValueError(f"weights must add up to 1.0, they add up to {total.normalize():f}")
        return self

    def as_decimals(self) -> dict[str, Decimal]:
        """The weights by driver, as written in the file (via their text, not binary floats)."""
        return {name: Decimal(str(getattr(self, name))) for name in COST_DRIVERS}


# The drivers a shared cost can be split by, in the order explanations list them.
COST_DRIVERS = ("equal", "population", "endpoints", "servers", "direct")


# The hand-set budget rates of earlier releases: refused with the way forward, not as unknown keys.
_OLD_BUDGET_RATES = ("base_monthly", "per_endpoint_monthly", "per_server_monthly")


class BudgetModel(Strict):
    """A member's monthly Azure budget: its estimated direct costs (``estimates.json``, written by
    ``consortium costs --update-budgets``) plus ``margin_percent``, never below ``minimum_monthly``;
    alerting at thresholds (percent of the amount)."""

    margin_percent: Annotated[int, Field(strict=True, ge=0, le=1000)] = 20
    # The budget of a member whose stack costs (almost) nothing yet, or that has no estimate yet.
    minimum_monthly: Annotated[Money, Field(gt=0)] = Field(default=Decimal(50), json_schema_extra={"default": 50})
    alert_thresholds: list[Annotated[int, Field(strict=True, ge=1, le=1000)]] = Field(
        default=[50, 80, 100], min_length=1
    )

    @model_validator(mode="before")
    @classmethod
    def _no_hand_set_rates(cls, data: object) -> object:
        if isinstance(data, dict) and (old := [k for k in _OLD_BUDGET_RATES if k in data]):
            raise ValueError(
                f"{', '.join(old)}: budgets now come from each member's cost estimate plus margin_percent "
                "(run `consortium costs --update-budgets`); remove the hand-set rates"
            )
        return data


# A usage figure: a non-negative decimal (GB, operations, instances); written as a YAML number.
_Usage = Annotated[Decimal, Field(ge=0, le=1_000_000_000)]


class CostUsage(Strict):
    """What the estimate assumes for usage-priced meters (``costs.usage:``), until bills say better.

    Each default is a deliberate round figure for a small town, documented in the README; a
    consortium replaces them with what its first bills show."""

    backup_gb_per_server: _Usage = Decimal(100)  # backup storage each server's recovery points take
    backup_gb_per_endpoint: _Usage = Decimal(10)  # each workstation's backed-up files
    protected_instances_per_server: _Usage = Decimal(1)  # Azure Backup protected instances per server
    log_gb_per_day_per_server: _Usage = Decimal("0.5")  # into the hub's Log Analytics workspace
    log_gb_per_day_per_member: _Usage = Decimal("0.1")  # a member's platform logs (diagnostic settings)
    firewall_gb_per_member: _Usage = Decimal(50)  # GB a month through the hub firewall per member behind it
    private_endpoint_gb: _Usage = Decimal(5)  # GB a month in and out through each private endpoint
    key_vault_operations: _Usage = Decimal(10_000)  # operations a month per key vault
    storage_gb_per_member: _Usage = Decimal(50)  # GB a month held in a member's backup storage account


class CostModel(Strict):
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
    # The consortium's own monthly overhead (staff, service desk, licences), shared by every member.
    shared_monthly: Money
    # The least a member pays of the shared costs each month (see consortium/costs/formula.py).
    minimum_share_monthly: Money = Field(default=Decimal(0), json_schema_extra={"default": 0})
    weights: CostWeights
    budget: BudgetModel = BudgetModel()
    usage: CostUsage = CostUsage()


class ConsortiumContacts(Strict):
    service_desk: Email
    billing: Email
    security: Email


class IdentitySettings(Strict):
    # Every admin UPN must be in one of these domains of the shared tenant.
    upn_domains: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]] = Field(min_length=1)


class LogCollector(Strict):
    """Where every server forwards its logs (rsyslog). With ``tls`` it is syslog over TLS (RFC 5425):
    each server checks the collector's certificate against ``ca_cert`` and the name in it against
    ``permitted_peer`` (default ``host``), and never falls back to plain text. Without ``tls`` logs
    cross the network in plain text (only for a collector on the same trusted segment)."""

    host: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]+$")]
    port: Annotated[int, Field(strict=True, ge=1, le=65535)] = 514
    protocol: Annotated[str, StringConstraints(pattern=r"^(tcp|udp)$")] = "tcp"
    tls: Annotated[bool, Field(strict=True)] = False
    # Absolute path, on the Ansible controller, of the PEM certificate of the CA that issued the
    # collector's certificate (public, not a secret: the baseline copies it to every server). Often
    # the consortium CA, the same file as operations.windows.ca_cert.
    ca_cert: ControllerFile | None = None
    # The DNS name the collector's certificate carries, when it is not ``host`` (say, host is an address).
    permitted_peer: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9*][A-Za-z0-9.-]*$")] | None = None

    @model_validator(mode="after")
    def _tls_complete(self) -> LogCollector:
        if self.tls and self.protocol != "tcp":
            raise ValueError(f"tls needs protocol tcp (syslog over TLS runs on TCP), not {self.protocol}")
        if self.tls and self.ca_cert is None:
            raise ValueError("tls needs ca_cert: the controller path of the CA certificate (PEM) for the collector")
        if not self.tls and (self.ca_cert is not None or self.permitted_peer is not None):
            raise ValueError("ca_cert and permitted_peer apply only with tls: true")
        return self


class OffsiteStore(Strict):
    """The consortium's S3-compatible offsite backup store (bucket with Object Lock)."""

    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://[A-Za-z0-9.:-]+/?$")]
    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    region: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{2,30}$")] = "us-east-1"


class WindowsConnection(Strict):
    """How Ansible reaches members' Windows hosts: PowerShell Remoting (``psrp``) or WinRM over HTTPS
    (port 5986), the listener's certificate always validated against the consortium CA. Only
    non-secret values live here; each member's account and password are Ansible Vault variables."""

    connection: Literal["psrp", "winrm"] = "psrp"
    # No default, a deliberate choice: kerberos needs the controller in the hosts' realm and hosts
    # addressed by name (the inventories use addresses); ntlm relies on the validated TLS channel
    # plus channel binding; credssp hands the password to the host (only for a second hop).
    auth: Literal["kerberos", "ntlm", "credssp"]
    # Absolute path, on the Ansible controller, of the consortium CA's PEM certificate (not a secret).
    ca_cert: ControllerFile

    @model_validator(mode="after")
    def _credssp_patched_only(self) -> WindowsConnection:
        # psrp refuses CredSSP servers unpatched for CVE-2018-0886 (credssp_minimum_version 5 in the
        # inventory); ansible.builtin.winrm cannot: pywinrm 0.5.0's Protocol takes no minimum version,
        # so an ansible_winrm_credssp_minimum_version would be dropped with a warning.
        if self.connection == "winrm" and self.auth == "credssp":
            raise ValueError(
                "credssp needs connection psrp: winrm cannot refuse servers unpatched for CVE-2018-0886"
                " (pywinrm takes no CredSSP minimum version)"
            )
        return self


class Operations(Strict):
    """Settings of the services the consortium runs for members' servers. Each is optional here and
    required by a rule (``rules.services_configured``) only once a member uses it: a consortium that
    starts with a service desk has no servers to forward logs from, back up or reach over WinRM."""

    # Linux baseline: rsyslog forwarding (required once a member has a Linux server).
    log_collector: LogCollector | None = None
    # Linux baseline: chrony (required once a member has a Linux server); Windows uses them if set.
    ntp_servers: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]+$")]] | None = Field(
        default=None, min_length=1
    )
    # Backup agent (required once a member with the backup service and offsite backups has a Linux server).
    offsite_store: OffsiteStore | None = None
    # How Ansible reaches Windows hosts (required once a member has a Windows server).
    windows: WindowsConnection | None = None


class AccountPolicy(Strict):
    """The consortium security standard's rules for servers' local passwords, set once here: ``consortium
    render`` writes them into every inventory (``consortium_account_policy``) and both baselines
    take their defaults from it (Linux: pwquality, faillock, pwhistory and login.defs; Windows: the
    local security policy). Entra ID accounts follow the tenant's own password policy."""

    min_length: Annotated[int, Field(strict=True, ge=8, le=128)] = 14
    # Of the four classes (digits, lower case, upper case, other). Windows' one switch, complexity,
    # asks for 3 of its categories: it is on from 3 and cannot ask for 4.
    min_classes: Annotated[int, Field(strict=True, ge=1, le=4)] = 3
    # A new password may be none of the last N (Windows keeps at most 24).
    history: Annotated[int, Field(strict=True, ge=1, le=24)] = 24
    max_age_days: Annotated[int, Field(strict=True, ge=1, le=999)] = 365
    # Failed logins that lock an account, and for how long (also the window the failures count in).
    lockout_threshold: Annotated[int, Field(strict=True, ge=1, le=100)] = 5
    lockout_minutes: Annotated[int, Field(strict=True, ge=1, le=1440)] = 15


class Offboarding(Strict):
    """How a town leaves (README, "When a town leaves")."""

    # Days a left town's address block stays reserved after it left, so that logs, firewall records
    # and anything on-prem that still names the old range never points at a new town. 180 days:
    # longer than the hub's longest log retention of the standard's floor (90) with margin.
    quarantine_days: Annotated[int, Field(strict=True, ge=0, le=3650)] = 180


class Consortium(Strict):
    name: Name
    slug: Slug
    azure: AzureSettings
    network: NetworkPlan
    backup: BackupDefaults
    log_retention_days: Annotated[int, Field(strict=True, ge=90, le=730)] = 90  # the standard's floor
    phases: list[Phase] = Field(min_length=1)
    contacts: ConsortiumContacts
    identity: IdentitySettings
    operations: Operations = Operations()
    costs: CostModel
    offboarding: Offboarding = Offboarding()
    account_policy: AccountPolicy = AccountPolicy()

    @field_validator("phases")
    @classmethod
    def _phases_contiguous(cls, phases: list[Phase]) -> list[Phase]:
        numbers = [p.phase for p in phases]
        if numbers != list(range(1, len(phases) + 1)):
            raise ValueError(f"phases must be numbered 1..{len(phases)} in order, found {numbers}")
        seen: dict[Service, int] = {}
        for p in phases:
            for service in p.services:
                if service in seen:
                    raise ValueError(f"service {service.value!r} is turned on by phase {seen[service]} and {p.phase}")
                seen[service] = p.phase
        return phases

    def services_for(self, phase: int) -> list[Service]:
        """Services a member in ``phase`` gets: those of its phase and of every earlier one."""
        return [s for p in self.phases if p.phase <= phase for s in p.services]

    def phase_named(self, phase: int) -> Phase:
        return self.phases[phase - 1]

    def retention_days(self, member: Member) -> int:
        """The member's backup retention: its own setting, or the consortium default."""
        return member.backup.retention_days or self.backup.default_retention_days

    @property
    def flow_log_retention_days(self) -> int:
        """How long every VNet's flow records are kept (infra/flow_logs.py): the consortium's log
        retention, within the most Azure keeps flow records (MAX_FLOW_LOG_RETENTION_DAYS)."""
        return min(self.log_retention_days, MAX_FLOW_LOG_RETENTION_DAYS)

    def data_kept_until(self, member: Member) -> date | None:
        """Until when a leaving town's data is kept: its unhook date plus its backup retention (the
        last backup, taken the day before the unhook, expires then). Computed, never written."""
        if member.leaving is None:
            return None
        return member.leaving.unhook_on + timedelta(days=self.retention_days(member))


# --------------------------------------------------------------------------- members/<slug>.yaml


class Kind(StrEnum):
    TOWN = "town"
    VILLAGE = "village"
    CITY = "city"
    COUNTY = "county"
    DISTRICT = "district"


class Status(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    LEAVING = "leaving"  # offboarded (`consortium offboard`): data kept, network and rights withdrawn from unhook_on
    LEFT = "left"  # gone: no stack any more; the file stays as the record and reserves the block (quarantine)


# The statuses that carry a ``leaving:`` block.
OFFBOARDED = frozenset({Status.LEAVING, Status.LEFT})


class Leaving(Strict):
    """The dates of a town's departure, written by ``consortium offboard``. How long its data is kept
    is not here: it follows from the retention (:meth:`Consortium.data_kept_until`)."""

    # From this day the town's network is unhooked from the hub and its groups' rights withdrawn.
    unhook_on: Day
    # The day the town left for good (``consortium offboard --left``): its stack is gone; the
    # quarantine of its address block counts from here.
    left_on: Day | None = None


class ServerOS(StrEnum):
    WINDOWS_2016 = "windows-server-2016"
    WINDOWS_2019 = "windows-server-2019"
    WINDOWS_2022 = "windows-server-2022"
    WINDOWS_2025 = "windows-server-2025"
    DEBIAN_11 = "debian-11"
    DEBIAN_12 = "debian-12"
    UBUNTU_2204 = "ubuntu-22.04"
    UBUNTU_2404 = "ubuntu-24.04"
    RHEL_9 = "rhel-9"
    ROCKY_9 = "rocky-9"

    @property
    def family(self) -> str:
        """``windows`` or ``linux``: decides which baseline role the server gets."""
        return "windows" if self.value.startswith("windows") else "linux"


class ServerRole(StrEnum):
    DOMAIN_CONTROLLER = "domain-controller"
    FILE = "file"
    APPLICATION = "application"
    DATABASE = "database"
    WEB = "web"
    PRINT = "print"
    BACKUP = "backup"
    OTHER = "other"


class Contacts(Strict):
    it_lead: Email
    billing: Email


class OnPremSite(Strict):
    name: SiteName
    public_ip: Address
    cidrs: list[Network] = Field(min_length=1)
    # Static 1:1 NAT on the hub gateway: nat_cidrs[i] is how Azure sees cidrs[i] (same size, same
    # order). Needed when this LAN overlaps another town's; the ranges come from network.nat_pool.
    nat_cidrs: list[Network] | None = None

    @field_validator("public_ip")
    @classmethod
    def _public(cls, ip: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        if not ip.is_global:
            raise ValueError(f"{ip} is not a public address (private, reserved or documentation range)")
        return ip

    @field_validator("nat_cidrs")
    @classmethod
    def _one_to_one(
        cls, nat: list[ipaddress.IPv4Network] | None, info: ValidationInfo
    ) -> list[ipaddress.IPv4Network] | None:
        cidrs = info.data.get("cidrs")
        if nat is None or cidrs is None:
            return nat
        if len(nat) != len(cidrs):
            raise ValueError(f"has {len(nat)} range(s) for {len(cidrs)} in cidrs; give one per LAN range, same order")
        for i, (lan, out) in enumerate(zip(cidrs, nat, strict=True)):
            if lan.prefixlen != out.prefixlen:
                raise ValueError(f"[{i}] {out} is a /{out.prefixlen} but cidrs[{i}] {lan} is a /{lan.prefixlen}")
        return nat

    @property
    def azure_cidrs(self) -> list[ipaddress.IPv4Network]:
        """The site's ranges as Azure sees them: the translated ones under NAT, else the LAN's own."""
        return list(self.nat_cidrs or self.cidrs)

    def azure_address(self, address: ipaddress.IPv4Address) -> ipaddress.IPv4Address | None:
        """Where Azure reaches a LAN ``address`` of this site (static NAT keeps the host part); None if not here."""
        for lan, seen in zip(self.cidrs, self.azure_cidrs, strict=True):
            if address in lan:
                return seen.network_address + (int(address) - int(lan.network_address))
        return None


class MemberNetwork(Strict):
    cidr: Network | None = None
    onprem: list[OnPremSite] = []

    @field_validator("onprem")
    @classmethod
    def _sites_distinct(cls, sites: list[OnPremSite]) -> list[OnPremSite]:
        require_unique("site names", [s.name for s in sites])
        ranges = [(s.name, c) for s in sites for c in s.cidrs]
        for i, (site_a, a) in enumerate(ranges):
            for site_b, b in ranges[i + 1 :]:
                if a.overlaps(b):
                    raise ValueError(f"{a} ({site_a}) overlaps {b} ({site_b})")
        return sites


class Endpoints(Strict):
    windows: Count = 0
    macos: Count = 0
    linux: Count = 0

    @property
    def total(self) -> int:
        return self.windows + self.macos + self.linux


class Server(Strict):
    name: Hostname
    os: ServerOS
    role: ServerRole
    # Where Ansible reaches the server (on-prem LAN or the spoke); optional until it is known.
    address: Address | None = None


class MemberBackup(Strict):
    # None: the consortium's default. At most 200: Azure Files backup keeps daily points 200 days at most.
    retention_days: Annotated[int, Field(strict=True, ge=1, le=MAX_DAILY_RETENTION)] | None = None
    offsite: Annotated[bool, Field(strict=True)] = True


class ApplicationCategory(StrEnum):
    """What a line-of-business system is for: the groups ``consortium overlap`` compares towns by."""

    ERP_FINANCE = "erp-finance"  # general ledger, accounts payable, budgeting (often with payroll)
    PAYROLL_HR = "payroll-hr"  # payroll, time and attendance, human resources
    UTILITY_BILLING = "utility-billing"  # water, sewer, electric billing and meter reading
    ASSESSING_TAX = "assessing-tax"  # property assessment, tax billing and collection
    PERMITTING = "permitting"  # building permits, inspections, licensing, code enforcement
    RECORDS_ECM = "records-ecm"  # records management, document imaging (enterprise content management)
    GIS = "gis"  # maps and geographic data
    EMAIL = "email"  # e-mail and the office suite that carries it
    WEBSITE = "website"  # the town's public website and its content management
    PUBLIC_SAFETY = "public-safety"  # dispatch (CAD), police and fire records (RMS)
    COURT = "court"  # municipal court case management
    OTHER = "other"


class Hosting(StrEnum):
    """Where a system runs: decides what moving it to a shared contract involves."""

    ON_PREMISES = "on-premises"  # on the town's own servers
    VENDOR_HOSTED_SAAS = "vendor-hosted-saas"  # the vendor's cloud (software as a service)
    CONSORTIUM = "consortium"  # run by the consortium for its members
    AZURE = "azure"  # in the town's part of the consortium's Azure tenancy
    OTHER = "other"


class Application(Strict):
    """One line-of-business system a town runs (``applications:`` in a member file): what it is
    for, whose product it is, where it runs, what it costs a year and when its contract ends. The
    same product in several towns is what ``consortium overlap`` reports (:mod:`overlap`)."""

    category: ApplicationCategory
    vendor: Name
    product: Name
    version: Version | None = None
    hosting: Hosting
    # In the consortium's costs.currency, whole cents; None when the town does not know it yet.
    annual_cost: CentsMoney | None = None
    contract_end: Day | None = None  # None: no fixed term (month to month, perpetual licence)


class Member(Strict):
    slug: Slug
    name: Name
    kind: Kind
    population: Annotated[int, Field(strict=True, gt=0, le=50_000_000)]
    joined: Day
    status: Status
    leaving: Leaving | None = None  # only for status leaving or left
    phase: Annotated[int, Field(strict=True, ge=1, le=9)]
    contacts: Contacts
    admins: list[Email] = Field(min_length=1)
    network: MemberNetwork = MemberNetwork()
    endpoints: Endpoints = Endpoints()
    servers: list[Server] = []
    backup: MemberBackup = MemberBackup()
    # The town's line-of-business systems, read by ``consortium overlap`` only: left out of dumps, so
    # the stack config (which carries the member, see stackconfig.member_stack) never holds them.
    applications: list[Application] = Field(default=[], exclude=True)

    @field_validator("admins")
    @classmethod
    def _admins_unique(cls, admins: list[str]) -> list[str]:
        require_unique("admins", [a.lower() for a in admins])
        return admins

    @field_validator("servers")
    @classmethod
    def _servers_unique(cls, servers: list[Server]) -> list[Server]:
        require_unique("server names", [s.name for s in servers])
        return servers

    @model_validator(mode="after")
    def _leaving_matches_status(self) -> Member:
        # One shape per status, so the program and the rules never meet a half-offboarded member.
        if self.status in OFFBOARDED and self.leaving is None:
            raise ValueError(f"status {self.status.value} needs a leaving: block; offboard with `consortium offboard`")
        if self.status not in OFFBOARDED and self.leaving is not None:
            raise ValueError(f"leaving: is only for status leaving or left, not {self.status.value}")
        if self.leaving is not None:
            left_on = self.leaving.left_on
            if (self.status is Status.LEFT) != (left_on is not None):
                raise ValueError("leaving.left_on is set when (and only when) status is left")
            if left_on is not None and left_on < self.leaving.unhook_on:
                raise ValueError(f"leaving.left_on {left_on} is before leaving.unhook_on {self.leaving.unhook_on}")
        return self

    def unhooked(self, day: date) -> bool:
        """Whether, on ``day``, the town is unhooked: its network off the hub, its rights withdrawn and
        its offsite key read-only (from ``leaving.unhook_on`` on)."""
        return self.leaving is not None and day >= self.leaving.unhook_on


def member_file(slug: str) -> str:
    """The registry-relative path of the member ``slug``'s file."""
    return f"{MEMBERS_DIR}/{slug}.yaml"


@dataclass(frozen=True)
class MemberEntry:
    """A member and the registry-relative path of the file it came from."""

    path: str
    member: Member


# --------------------------------------------------------------------------- exemptions.yaml

CONTROL_ID_PATTERN = r"^MCS-[A-Z]{2,4}-\d{3}$"


class Exemption(Strict):
    """An approved, time-limited exception to one control for one member (optionally one resource)."""

    control: Annotated[str, StringConstraints(pattern=CONTROL_ID_PATTERN)]
    member: Annotated[str, StringConstraints(pattern=r"^(hub|[a-z0-9][a-z0-9-]{1,22}[a-z0-9])$")]
    resource: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    reason: Annotated[str, StringConstraints(min_length=10, max_length=1000)]
    approved_by: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    expires: Day


class ExemptionsFile(Strict):
    exemptions: list[Exemption] = []
