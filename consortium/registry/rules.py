"""The registry's rules that span files: one function per rule, each returning the problems it finds.

Single-file shape rules live in the models; the rules here need the consortium or the other
members (the phases, the minimum retention, the address plan, overlaps, unique server names).
Every rule returns errors, except :func:`lan_clashes`, which may also warn and so returns
:class:`Findings`, and :func:`contracts_not_long_past`, which only warns; :func:`check_registry`
runs them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from ipaddress import IPv4Network

from consortium.registry.errors import Problem
from consortium.registry.ipam import overlapping_pairs
from consortium.registry.models import (
    CONSORTIUM_FILE,
    DATA_SERVICES,
    Consortium,
    MemberEntry,
    NetworkPlan,
    Service,
    Status,
)
from consortium.registry.products import ProductKey, product_key

# NAT rules one Azure VPN gateway holds, ingress and egress together (Azure VPN Gateway FAQ, NAT).
MAX_NAT_RULES = 100
_HUB = "the hub (consortium.yaml network.hub)"
_UNREACHABLE = "is in neither network.cidr nor an on-prem range"


@dataclass(frozen=True)
class Findings:
    """What the rules found: errors stop the load; warnings are shown and the registry is still used."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check_registry(
    consortium: Consortium,
    entries: Sequence[MemberEntry],
    *,
    onboarding: frozenset[str] = frozenset(),
    today: date | None = None,
) -> Findings:
    """Every rule of this module (but :func:`phase_down_keeps_data`, which needs the rendered stack
    files). ``onboarding`` names the members being onboarded: they may still lack ``network.cidr``,
    and a LAN clash involving one of them only warns (onboarding translates that member's sites,
    then validates the result strictly). ``today`` (default: the UTC date) only ever decides a
    warning (quarantine over, a contract long past): no error depends on the day a registry is read."""
    network = consortium.network
    errors = [
        *phase_in_consortium(consortium, entries),
        *retention_at_least_minimum(consortium, entries),
        *admins_in_tenant_domains(consortium, entries),
        *blocks_allocated(entries, onboarding),
        *blocks_fit_the_address_plan(network, entries),
        *blocks_disjoint(network, entries),
        *onprem_clear_of_azure(network, entries),
        *server_addresses_reachable(entries),
        *server_names_unique(entries),
        *translated_ranges_in_pool(network, entries),
        *nat_rules_fit_the_gateway(entries),
        *translated_ranges_disjoint(entries),
        *services_configured(consortium, entries),
        *applications_listed_once(entries),
    ]
    errors += left_after_data_expired(consortium, entries)
    lan = lan_clashes(consortium, entries, onboarding)
    today = today or datetime.now(UTC).date()
    contracts = contracts_not_long_past(entries, today)
    archivable = quarantine_over(consortium, entries, today)
    return Findings([*errors, *lan.errors], [*lan.warnings, *contracts, *archivable])


# --------------------------------------------------------------------------- member settings


def phase_in_consortium(consortium: Consortium, entries: Sequence[MemberEntry]) -> list[Problem]:
    """A member's phase is one of consortium.yaml's phases."""
    last = len(consortium.phases)
    return [
        Problem(e.path, "phase", f"{e.member.phase} is not a phase of consortium.yaml (1-{last})")
        for e in entries
        if e.member.phase > last
    ]


def retention_at_least_minimum(consortium: Consortium, entries: Sequence[MemberEntry]) -> list[Problem]:
    """A member's own backup retention is at least the consortium's minimum."""
    minimum = consortium.backup.minimum_retention_days
    return [
        Problem(e.path, "backup.retention_days", f"{days} is below the consortium minimum of {minimum} days")
        for e in entries
        if (days := e.member.backup.retention_days) is not None and days < minimum
    ]


def admins_in_tenant_domains(consortium: Consortium, entries: Sequence[MemberEntry]) -> list[Problem]:
    """Every admin signs in with an account of one of the tenant's domains."""
    domains = consortium.identity.upn_domains
    return [
        Problem(e.path, f"admins[{i}]", f"{admin} is not in a tenant domain ({', '.join(domains)})")
        for e in entries
        for i, admin in enumerate(e.member.admins)
        if admin.rsplit("@", 1)[1].lower() not in domains
    ]


# --------------------------------------------------------------------------- member blocks


def blocks_allocated(entries: Sequence[MemberEntry], onboarding: frozenset[str]) -> list[Problem]:
    """Every member has its address block, except those being onboarded (which get one)."""
    return [
        Problem(e.path, "network.cidr", f"not allocated yet; run `consortium onboard {e.path}`")
        for e in entries
        if e.member.network.cidr is None and e.member.slug not in onboarding
    ]


def blocks_fit_the_address_plan(network: NetworkPlan, entries: Sequence[MemberEntry]) -> list[Problem]:
    """A member block has the member size, lies in the supernet and is clear of the hub."""
    return [
        Problem(e.path, "network.cidr", message)
        for e in entries
        if e.member.network.cidr is not None and (message := _misplaced(network, e.member.network.cidr))
    ]


def _misplaced(network: NetworkPlan, cidr: IPv4Network) -> str:
    """Why ``cidr`` cannot be a member block of ``network`` ("" when it can)."""
    if cidr.prefixlen != network.member_prefix:
        return (
            f"{cidr} is a /{cidr.prefixlen}; member blocks are "
            f"/{network.member_prefix} (consortium.yaml network.member_prefix)"
        )
    if not cidr.subnet_of(network.supernet):
        return f"{cidr} is outside the supernet {network.supernet}"
    if cidr.overlaps(network.hub):
        return f"{cidr} overlaps {_HUB} {network.hub}"
    return ""


def blocks_disjoint(network: NetworkPlan, entries: Sequence[MemberEntry]) -> list[Problem]:
    """Member blocks overlap no other member's; each clash is reported once per member, naming the
    first member it overlaps. Blocks already misplaced (see above) are left out."""
    placed = [
        (e.path, cidr) for e in entries if (cidr := e.member.network.cidr) is not None and not _misplaced(network, cidr)
    ]
    partners: dict[int, int] = {}
    for i, j in overlapping_pairs([cidr for _, cidr in placed]):
        partners[i] = min(partners.get(i, j), j)
        partners[j] = min(partners.get(j, i), i)
    return [
        Problem(placed[i][0], "network.cidr", f"{placed[i][1]} overlaps {placed[j][0]}")
        for i, j in sorted(partners.items())
    ]


# --------------------------------------------------------------------------- on-premises ranges and servers


def onprem_clear_of_azure(network: NetworkPlan, entries: Sequence[MemberEntry]) -> list[Problem]:
    """A town's LAN ranges are clear of the consortium's supernet and of the hub."""
    problems = []
    for e in entries:
        for s, site in enumerate(e.member.network.onprem):
            for c, net in enumerate(site.cidrs):
                where = f"network.onprem[{s}].cidrs[{c}]"
                if net.overlaps(network.supernet):
                    message = f"{net} overlaps the consortium supernet {network.supernet}"
                    problems.append(Problem(e.path, where, message))
                elif net.overlaps(network.hub):
                    problems.append(Problem(e.path, where, f"{net} overlaps {_HUB} {network.hub}"))
    return problems


def server_addresses_reachable(entries: Sequence[MemberEntry]) -> list[Problem]:
    """A server's address lies in its member's block or in one of its on-prem ranges."""
    problems = []
    for e in entries:
        m = e.member
        ranges = [n for site in m.network.onprem for n in site.cidrs] + ([m.network.cidr] if m.network.cidr else [])
        problems += [
            Problem(e.path, f"servers[{i}].address", f"{server.address} {_UNREACHABLE}")
            for i, server in enumerate(m.servers)
            if server.address is not None and not any(server.address in r for r in ranges)
        ]
    return problems


def server_names_unique(entries: Sequence[MemberEntry]) -> list[Problem]:
    """A server name belongs to one member only (the first file that names it keeps it)."""
    owner: dict[str, str] = {}
    problems = []
    for e in entries:
        for i, server in enumerate(e.member.servers):
            if not server.name:  # a name its file's model refused (see load._salvaged)
                continue
            if server.name in owner:
                problems.append(
                    Problem(e.path, f"servers[{i}].name", f"{server.name} is already a server of {owner[server.name]}")
                )
            else:
                owner[server.name] = e.path
    return problems


# --------------------------------------------------------------------------- what Azure sees of the towns' LANs
#
# The hub's route-based gateway routes a prefix to one connection only, so what Azure sees of the
# towns' LANs must be unique: translated ranges come from ``network.nat_pool`` (which the model keeps
# apart from the supernet, hence from the hub and every member block) and overlap no other range.


@dataclass(frozen=True)
class _SiteRange:
    """One on-prem range of a member: a LAN range (``cidrs``) or its translation (``nat_cidrs``)."""

    entry: MemberEntry
    where: str  # the field, e.g. network.onprem[0].nat_cidrs[1]
    net: IPv4Network
    nat: bool  # a translated range, from nat_cidrs
    translated: bool  # its site has NAT, so Azure never sees its LAN ranges

    def describe(self) -> str:
        kind = "the translated range" if self.nat else "the on-premises range"
        return f"{kind} {self.net} of {self.entry.member.name} ({self.entry.path} {self.where})"


def _site_ranges(entries: Sequence[MemberEntry]) -> list[_SiteRange]:
    out = []
    for e in entries:
        for s, site in enumerate(e.member.network.onprem):
            translated = site.nat_cidrs is not None
            out += [
                _SiteRange(e, f"network.onprem[{s}].cidrs[{c}]", net, False, translated)
                for c, net in enumerate(site.cidrs)
            ]
            out += [
                _SiteRange(e, f"network.onprem[{s}].nat_cidrs[{c}]", net, True, True)
                for c, net in enumerate(site.nat_cidrs or [])
            ]
    return out


def _overlapping_site_ranges(entries: Sequence[MemberEntry]) -> Iterator[tuple[_SiteRange, _SiteRange]]:
    """Every pair of overlapping site ranges, found by a sweep (states have hundreds of towns)."""
    ranges = _site_ranges(entries)
    for i, j in overlapping_pairs([r.net for r in ranges]):
        yield ranges[i], ranges[j]


def translated_ranges_in_pool(network: NetworkPlan, entries: Sequence[MemberEntry]) -> list[Problem]:
    """Translated ranges come from the consortium's NAT pool (so there must be one)."""
    pool = network.nat_pool
    problems = []
    for r in _site_ranges(entries):
        if r.nat and pool is None:
            message = f"{r.net} is a translated range but consortium.yaml has no network.nat_pool to take it from"
            problems.append(Problem(r.entry.path, r.where, message))
        elif r.nat and pool is not None and not r.net.subnet_of(pool):
            message = f"{r.net} is outside the NAT pool {pool} (consortium.yaml network.nat_pool)"
            problems.append(Problem(r.entry.path, r.where, message))
    return problems


def nat_rules_fit_the_gateway(entries: Sequence[MemberEntry]) -> list[Problem]:
    """The hub gateway holds one NAT rule per translated range, and at most :data:`MAX_NAT_RULES`."""
    translated = sum(r.nat for r in _site_ranges(entries))
    if translated <= MAX_NAT_RULES:
        return []
    return [
        Problem(
            CONSORTIUM_FILE,
            "network.nat_pool",
            f"members have {translated} translated ranges (nat_cidrs) but the hub VPN gateway holds at most "
            f"{MAX_NAT_RULES} NAT rules, one per range",
        )
    ]


def translated_ranges_disjoint(entries: Sequence[MemberEntry]) -> list[Problem]:
    """A translated range overlaps no other range, LAN or translated (each translated side reports it)."""
    return [
        Problem(x.entry.path, x.where, f"{x.net} overlaps {y.describe()}")
        for a, b in _overlapping_site_ranges(entries)
        for x, y in ((a, b), (b, a))
        if x.nat
    ]


def lan_clashes(consortium: Consortium, entries: Sequence[MemberEntry], onboarding: frozenset[str]) -> Findings:
    """Two towns' untranslated LANs overlap: an error once both have site-to-site VPNs (``networking``),
    before that, or when one of them is being onboarded, a warning so they can plan NAT."""
    pool = consortium.network.nat_pool
    vpn = {e.member.slug for e in entries if Service.NETWORKING in consortium.services_for(e.member.phase)}
    errors, warnings = [], []
    for a, b in _overlapping_site_ranges(entries):
        if a.nat or b.nat or a.entry is b.entry or a.translated or b.translated:
            continue
        pair = {a.entry.member.slug, b.entry.member.slug}
        if pair <= vpn and not pair & onboarding:
            errors += [_lan_clash(x, y, pool) for x, y in ((a, b), (b, a))]
        else:
            warnings.append(
                Problem(
                    a.entry.path,
                    a.where,
                    f"{a.net} of {a.entry.member.name} overlaps {b.net} of {b.entry.member.name} ({b.entry.path}); "
                    "their site-to-site VPNs need NAT: give one site nat_cidrs before both reach networking",
                )
            )
    return Findings(errors, warnings)


def _lan_clash(mine: _SiteRange, other: _SiteRange, pool: IPv4Network | None) -> Problem:
    source = (
        f"from network.nat_pool {pool}"
        if pool
        else "from a network.nat_pool (e.g. 100.64.0.0/16) added to consortium.yaml"
    )
    return Problem(
        mine.entry.path,
        mine.where,
        f"{mine.net} of {mine.entry.member.name} overlaps {other.net} of {other.entry.member.name} "
        f"({other.entry.path}) and both have site-to-site VPNs on the hub gateway, which routes a range to one "
        f"town only: give one of the two sites nat_cidrs (ranges of the same sizes {source})",
    )


# --------------------------------------------------------------------------- settings required once used
# consortium.yaml's operations settings are optional in the model; each becomes required once a member
# has what uses it, so a consortium that starts with a service desk declares only what it really has.


def _who_needs(users: list[tuple[MemberEntry, list[str]]]) -> str:
    """``members/a.yaml (fs01, db01) and 2 more members``: the first user and its servers, then a count."""
    (first, servers), rest = users[0], len(users) - 1
    more = f" and {rest} more member{'s' if rest > 1 else ''}" if rest else ""
    return f"{first.path} ({', '.join(servers)}){more}"


def _servers_of(entries: Sequence[MemberEntry], family: str) -> list[tuple[MemberEntry, list[str]]]:
    return [
        (e, names) for e in entries if (names := [s.name for s in e.member.servers if s.os.family == family])
    ]


def windows_connection_for_windows_servers(consortium: Consortium, entries: Sequence[MemberEntry]) -> list[Problem]:
    """Windows servers need ``operations.windows``: the inventory tells Ansible how to reach them with it."""
    users = _servers_of(entries, "windows")
    if not users or consortium.operations.windows is not None:
        return []
    return [
        Problem(
            CONSORTIUM_FILE,
            "operations.windows",
            f"required once a member has Windows servers (Ansible reaches them with it): {_who_needs(users)}; "
            "give connection, auth and ca_cert",
        )
    ]


def linux_baseline_settings_for_linux_servers(
    consortium: Consortium, entries: Sequence[MemberEntry]
) -> list[Problem]:
    """Linux servers need ``operations.log_collector`` and ``operations.ntp_servers``: the Linux baseline
    forwards every server's logs to the collector and sets its clock from those servers, and refuses to run
    without them."""
    users = _servers_of(entries, "linux")
    if not users:
        return []
    ops = consortium.operations
    needs = (
        ("log_collector", ops.log_collector, "the Linux baseline forwards their logs to it; give host (and port, tls)"),
        ("ntp_servers", ops.ntp_servers, "the Linux baseline sets their clocks from them; give one or more hosts"),
    )
    return [
        Problem(
            CONSORTIUM_FILE,
            f"operations.{key}",
            f"required once a member has Linux servers: {_who_needs(users)}; {why}",
        )
        for key, value, why in needs
        if value is None
    ]


def offsite_store_for_offsite_backups(consortium: Consortium, entries: Sequence[MemberEntry]) -> list[Problem]:
    """Offsite backups need ``operations.offsite_store``: the backup agent on a member's Linux servers
    sends them there once the member's phase brings the backup service and ``backup.offsite`` is on."""
    if consortium.operations.offsite_store is not None:
        return []
    users = [
        (e, names)
        for e, names in _servers_of(entries, "linux")
        if e.member.backup.offsite and Service.BACKUP in consortium.services_for(e.member.phase)
    ]
    if not users:
        return []
    return [
        Problem(
            CONSORTIUM_FILE,
            "operations.offsite_store",
            f"required once a member with the backup service and backup.offsite has Linux servers (the backup "
            f"agent sends them there): {_who_needs(users)}; give endpoint and bucket",
        )
    ]


def services_configured(consortium: Consortium, entries: Sequence[MemberEntry]) -> list[Problem]:
    """Every rule of this section: each operations setting present once a member uses it."""
    return [
        *windows_connection_for_windows_servers(consortium, entries),
        *linux_baseline_settings_for_linux_servers(consortium, entries),
        *offsite_store_for_offsite_backups(consortium, entries),
    ]


# --------------------------------------------------------------------------- applications (``consortium overlap``)

# A contract that ended longer ago than this is more likely a stale entry than a town out of contract:
# towns often run a year or so month to month while a replacement is procured, rarely two.
STALE_CONTRACT = timedelta(days=730)


def applications_listed_once(entries: Sequence[MemberEntry]) -> list[Problem]:
    """A town lists each product once (the same :func:`products.product_key`): a second entry would
    count the town and its spend twice in the overlap report."""
    problems = []
    for e in entries:
        first: dict[ProductKey, int] = {}
        for i, app in enumerate(e.member.applications):
            key = product_key(app.vendor, app.product)
            if key in first:
                message = (
                    f"{app.vendor} {app.product} is already listed as applications[{first[key]}]; "
                    "list each product once (one entry, with the version in use)"
                )
                problems.append(Problem(e.path, f"applications[{i}].product", message))
            else:
                first[key] = i
    return problems


def contracts_not_long_past(entries: Sequence[MemberEntry], today: date) -> list[Problem]:
    """Warn about a contract end more than two years before ``today``: the entry is probably stale
    (renewed, or the system replaced), and the overlap report would show a window long shut."""
    return [
        Problem(
            e.path,
            f"applications[{i}].contract_end",
            f"{app.contract_end} is more than two years ago: give the renewed contract's end, "
            "or remove it if the contract runs month to month",
        )
        for e in entries
        for i, app in enumerate(e.member.applications)
        if app.contract_end is not None and app.contract_end < today - STALE_CONTRACT
    ]


# --------------------------------------------------------------------------- leaving towns


def left_after_data_expired(consortium: Consortium, entries: Sequence[MemberEntry]) -> list[Problem]:
    """A town is ``left`` only once the data it left behind has expired (its last backup's retention):
    until then its stack must stay, protecting that data."""
    found = []
    for e in entries:
        m, kept = e.member, consortium.data_kept_until(e.member)
        if m.leaving is None or m.leaving.left_on is None or kept is None or m.leaving.left_on >= kept:
            continue
        found.append(
            Problem(
                e.path,
                "leaving.left_on",
                f"{m.leaving.left_on} is before its data expires on {kept} (unhook_on + "
                f"{consortium.retention_days(m)} days of backup retention); keep status leaving until then",
            )
        )
    return found


def quarantine_ends(consortium: Consortium, left_on: date) -> date:
    """The first day a left town's address block may be given to another town."""
    return left_on + timedelta(days=consortium.offboarding.quarantine_days)


def quarantine_over(consortium: Consortium, entries: Sequence[MemberEntry], today: date) -> list[Problem]:
    """Warn when a left town's quarantine is over: its file (which reserves its block) may be archived."""
    return [
        Problem(
            e.path,
            "status",
            f"left on {left_on}; its address block's quarantine ended on {ends}: archive this file "
            "(move it out of members/) to free network.cidr",
        )
        for e in entries
        if e.member.status is Status.LEFT
        and e.member.leaving is not None
        and (left_on := e.member.leaving.left_on) is not None
        and (ends := quarantine_ends(consortium, left_on)) <= today
    ]


def phase_down_keeps_data(
    consortium: Consortium, entries: Sequence[MemberEntry], deployed: Mapping[str, tuple[str, Sequence[str]]]
) -> list[Problem]:
    """A phase change never deletes a town's data: going down past the phase that brought backup or
    identity would remove the backup vault and storage or the Key Vault with what they hold.

    ``deployed`` is what the rendered stack files say each member has now (slug -> (stack file,
    service names)): the registry keeps no other record of a member's previous phase. Going down
    from networking (4 -> 3) removes only network resources and is allowed (``plan --against``
    lists what goes). An offboarded town keeps its phase; a left one has no stack.
    """
    found = []
    for e in entries:
        m = e.member
        if m.slug not in deployed or m.status is Status.LEFT:
            continue
        stack_file, before = deployed[m.slug]
        now = set(consortium.services_for(m.phase))
        for service, what in DATA_SERVICES.items():
            if service.value in before and service not in now:
                found.append(
                    Problem(
                        e.path,
                        "phase",
                        f"{m.phase} would delete {what}, which {stack_file} deploys: a phase change never "
                        f"deletes data; keep the phase, or offboard the town (consortium offboard {m.slug})",
                    )
                )
    return found
