"""One town's council page as data: what it gets, what it pays, how secure it is, its backups.

Built from an audit (:mod:`consortium.audit`) and the cost shares (:mod:`consortium.costs`) of the
same plan, with every figure taken from those rooms (nothing is recomputed here) and every phrase
in plain words (:mod:`consortium.council.plain`). The HTML, Markdown and JSON renderings all read
this one :class:`CouncilPage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from consortium.audit.run import Audit
from consortium.audit.verdicts import NOTHING_CHECKED, Verdict, verdicts
from consortium.costs.estimate import Estimate
from consortium.costs.share_report import Priced
from consortium.council.plain import SERVICE_WORDS, formula_paragraph
from consortium.registry.load import Registry
from consortium.registry.models import HUB_SERVICES, Consortium, Phase, Service
from consortium.words import count

BACKUP_STATUS_NOTE = (
    "When the last backup succeeded and when a restore was last tried (a drill) are not collected by the "
    "toolkit yet (a later feature); the service desk can tell you."
)


@dataclass(frozen=True)
class PhaseLine:
    """One rollout phase and what its services give a town."""

    phase: int
    name: str
    services: tuple[str, ...]  # one plain phrase per service

    @property
    def text(self) -> str:
        return f"Phase {self.phase} — {self.name}: {'; '.join(self.services)}"


@dataclass(frozen=True)
class Money:
    """The town's monthly share and what the same services would cost it alone (currency units)."""

    currency: str
    total: Decimal  # direct + hub + overhead + minimum_adjustment, to the cent
    direct: Decimal  # its own Azure resources
    hub: Decimal  # its part of the shared hub
    overhead: Decimal  # its part of the consortium's staff, service desk and licences
    minimum_adjustment: Decimal  # > 0 raised to the minimum share, < 0 paying part of others' raise
    formula: str  # the cost-sharing formula in one paragraph
    population: int
    endpoints: int
    servers: int
    alone: Decimal  # the same services on its own (Azure only: no overhead)
    compared: Decimal  # its share without the overhead part: what alone is set against
    difference: Decimal  # alone - compared: what the consortium saves it a month (negative: costs it more)
    why_not: str  # why alone is not dearer ("" when it is)
    not_priced: tuple[str, ...]  # one plain sentence per place where prices are missing
    share_complete: bool  # False: parts of the share have no price, so ``total`` is a lower bound
    alone_complete: bool  # False: parts of alone have no price, so ``alone`` is a lower bound


@dataclass(frozen=True)
class Failure:
    """A mandatory control the town fails, in words, with what fixes it."""

    control: str  # its id, for engineers
    severity: str
    title: str
    why: str
    fix: str


@dataclass(frozen=True)
class Standing:
    """A verdict as the page shows it: the audit's headline first, then the checks behind it."""

    name: str
    status: str  # "meets", "fails", "unchecked"
    headline: str
    passed: int
    total: int


@dataclass(frozen=True)
class Security:
    town: Standing
    failures: tuple[Failure, ...]
    expired: tuple[str, ...]  # expired exceptions to the standard, one sentence each
    failing_hosts: tuple[str, ...]  # servers failing the baseline, one sentence each
    advisories: int  # findings worth fixing that do not fail the standard
    uses_hub: bool  # the town's services run behind the shared hub
    shared: tuple[Standing, ...]  # the shared hub (and consortium-wide findings): they protect the town


@dataclass(frozen=True)
class Backups:
    included: bool  # the town's phase gives it backups
    retention_days: int
    minimum_days: int  # the security standard's floor
    offsite: bool  # an offsite copy is made (backups included and the town keeps it on)
    offsite_servers: tuple[str, ...]  # servers the offsite copy covers (Linux: the backup agent)
    other_servers: tuple[str, ...]  # registered servers the offsite copy does not cover
    status_note: str


@dataclass(frozen=True)
class Contacts:
    service_desk: str
    billing: str
    security: str


@dataclass(frozen=True)
class Engineering:
    """The small print for engineers: how to find the town and reproduce the page."""

    member: str  # the slug
    source: str  # the audit's source in words (never a local path)
    toolkit: str
    catalog: str


@dataclass(frozen=True)
class CouncilPage:
    consortium: str
    town: str
    kind: str
    date: date
    phase: int
    services: tuple[PhaseLine, ...]  # the phases the town has, first to its own
    next_phase: PhaseLine | None  # what the next phase would add (None: it has them all)
    money: Money
    security: Security
    backups: Backups
    contacts: Contacts
    engineering: Engineering


def council_page(registry: Registry, slug: str, audit: Audit, est: Estimate, priced: Priced) -> CouncilPage:
    """The page of member ``slug`` from an audit and the shares of the same plan (``est`` and ``priced``)."""
    c = registry.consortium
    member = registry.entry(slug).member
    phases = c.phases
    return CouncilPage(
        consortium=c.name,
        town=member.name,
        kind=str(member.kind),
        date=audit.today,
        phase=member.phase,
        services=tuple(_phase_line(p) for p in phases if p.phase <= member.phase),
        next_phase=_phase_line(phases[member.phase]) if member.phase < len(phases) else None,
        money=_money(slug, est, priced),
        security=_security(c, slug, member.phase, audit),
        backups=_backups(registry, slug),
        contacts=Contacts(c.contacts.service_desk, c.contacts.billing, c.contacts.security),
        engineering=Engineering(slug, audit.source, audit.about.toolkit, audit.about.catalog),
    )


def _phase_line(phase: Phase) -> PhaseLine:
    return PhaseLine(phase.phase, phase.name, tuple(SERVICE_WORDS[s] for s in phase.services))


def _money(slug: str, est: Estimate, priced: Priced) -> Money:
    shares = priced.shares
    share = shares.members[slug]
    overhead = shares.overhead_part(slug)
    compared = priced.alone[slug]
    direct_missing = sum(1 for line in est.stack_lines(slug) if line.status == "not priced")
    hub_missing = sum(p.pool.not_priced for p in share.pools if p.shared)
    alone_missing = compared.alone.not_priced
    higher = "left out, so the true figure is higher than shown"
    not_priced = [
        f"{count(n, 'part')} of {what} {'has' if n == 1 else 'have'} no price yet: {higher}."
        for n, what in (
            (direct_missing, "your own Azure resources"),
            (hub_missing, "the shared hub your services use"),
            (alone_missing, "what the same services would cost alone"),
        )
        if n
    ]
    formula = formula_paragraph(share.weights, share.minimum.amount, shares.currency)
    basis = share.basis
    return Money(
        currency=shares.currency,
        total=share.total,
        direct=share.direct,
        hub=share.formula - overhead,
        overhead=overhead,
        minimum_adjustment=share.minimum.adjustment,
        formula=formula,
        population=basis.population,
        endpoints=basis.endpoints,
        servers=basis.servers,
        alone=compared.alone.monthly,
        compared=compared.consortium,
        difference=compared.economy,
        why_not=compared.why_not,
        not_priced=tuple(not_priced),
        share_complete=not (direct_missing or hub_missing),
        alone_complete=not alone_missing,
    )


def _standing(v: Verdict) -> Standing:
    return Standing(v.name, v.status, v.headline, v.passed, v.total)


def _security(c: Consortium, slug: str, phase: int, audit: Audit) -> Security:
    judged = verdicts(audit)
    mine = next((v for v in judged.members if v.slug == slug), None)
    if mine is None:  # the source held nothing of the town: no claim either way
        town = Standing(audit.about.name(slug), "unchecked", NOTHING_CHECKED, 0, 0)
        return Security(town, (), (), (), 0, _uses_hub(c, phase), tuple(_standing(v) for v in judged.shared))
    titles = {ctl.id: ctl.title for ctl in audit.catalog}
    failures = tuple(
        Failure(ctl.id, ctl.severity.value, ctl.title, ctl.rationale, ctl.fix) for ctl in mine.failed_controls
    )
    expired = tuple(
        f"The exception to “{titles.get(e.control, e.control)}” approved by {e.approved_by} ran out on "
        f"{e.expires}: the rule must now be met, or the exception renewed."
        for e in mine.expired
    )
    hosts = tuple(
        f"Server {h.host} fails the consortium's baseline (its security settings): "
        f"{count(len(h.failing), 'setting')} to fix."
        for h in mine.failing_hosts
    )
    shared = tuple(_standing(v) for v in judged.shared)
    return Security(_standing(mine), failures, expired, hosts, len(mine.advisory), _uses_hub(c, phase), shared)


def _uses_hub(c: Consortium, phase: int) -> bool:
    return bool(HUB_SERVICES & set(c.services_for(phase)))


def _backups(registry: Registry, slug: str) -> Backups:
    c = registry.consortium
    member = registry.entry(slug).member
    included = Service.BACKUP in c.services_for(member.phase)
    offsite = included and member.backup.offsite  # as the inventory's backup_agent_enabled
    covered = tuple(s.name for s in member.servers if offsite and s.os.family == "linux")
    return Backups(
        included=included,
        retention_days=registry.retention_days(member),
        minimum_days=c.backup.minimum_retention_days,
        offsite=offsite,
        offsite_servers=covered,
        other_servers=tuple(s.name for s in member.servers if s.name not in covered),
        status_note=BACKUP_STATUS_NOTE,
    )
