"""``consortium audit``: the policy catalog run in-process on resources and host evidence.

Resources come from :mod:`consortium.audit.sources` (plans or deployed state), host evidence from
:mod:`consortium.audit.evidence`; the controls' parameters come from the registry
(:mod:`consortium.audit.params`) and violations may be exempted (:mod:`consortium.audit.exemptions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from consortium.audit.about import About
from consortium.audit.evidence import HostEvidence
from consortium.audit.exemptions import covers
from consortium.audit.params import registry_params
from consortium.registry.load import Registry
from consortium.registry.models import Exemption
from policies.catalog import CATALOG
from policies.framework import Check, Control, Enforcement, Evaluation, Finding, Resource, evaluate


@dataclass(frozen=True)
class Result:
    """One violation as the audit reports it."""

    finding: Finding
    control: Control
    status: str  # "failed" (mandatory), "advisory", "exempted"
    exemption: Exemption | None = None


@dataclass
class Audit:
    """Everything a report shows: the results, the checks made, the exemptions' state and the hosts."""

    source: str  # the source in words, without local paths (see consortium.audit.about)
    results: list[Result]
    checks: list[Check]
    expired: list[tuple[int, Exemption]] = field(default_factory=list)
    unused: list[tuple[int, Exemption]] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    hosts: list[HostEvidence] = field(default_factory=list)
    about: About = field(default_factory=About)  # names and versions, for the reports
    catalog: tuple[Control, ...] = CATALOG  # the controls that judged (the offsite store has its own)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.expired or any(h.failing for h in self.hosts) else 0

    def members(self) -> list[str]:
        return sorted(
            {c.member for c in self.checks} | {r.finding.member for r in self.results} | {h.member for h in self.hosts}
        )

    def score(self, member: str) -> tuple[int, int]:
        """(passed, total) checks of a member; a check fails on any violation that is not exempted."""
        return self._scores.get(member, (0, 0))

    @cached_property
    def _scores(self) -> dict[str, tuple[int, int]]:
        bad = {(r.finding.control, r.finding.urn) for r in self.results if r.status != "exempted"}
        bad_member = {(r.finding.control, r.finding.member) for r in self.results if r.status != "exempted"}
        totals: dict[str, list[int]] = {}
        for c in self.checks:
            counts = totals.setdefault(c.member, [0, 0])
            counts[1] += 1
            if not ((c.control, c.urn) in bad if c.urn else (c.control, c.member) in bad_member):
                counts[0] += 1
        return {m: (p, t) for m, (p, t) in totals.items()}


def run_audit(
    resources: list[Resource],
    *,
    source: str,
    registry: Registry | None,
    exemptions: list[Exemption],
    today: date | None = None,
    hosts: list[HostEvidence] | None = None,
    about: About | None = None,
    catalog: Sequence[Control] | None = None,
    apart: tuple[Sequence[Control], Sequence[Resource]] = ((), ()),
) -> Audit:
    """Judge the resources with every control (of ``catalog``, default the standard's); exemptions active
    on ``today`` turn violations into "exempted". ``apart``: more controls judging only their own
    resources (restore drills of servers), which the catalog's stack controls never see."""
    today = today or date.today()
    catalog = (*(CATALOG if catalog is None else catalog), *apart[0])
    evaluation: Evaluation = evaluate(catalog[: len(catalog) - len(apart[0])], resources, registry_params(registry))
    if apart[0]:
        extra = evaluate(apart[0], apart[1])
        evaluation = Evaluation(
            sorted([*evaluation.findings, *extra.findings]), sorted([*evaluation.checks, *extra.checks])
        )
    controls = {c.id: c for c in catalog}
    # Exemptions of another catalog (the offsite store's, in an audit of the plan) are not this audit's.
    mine = [(i, e) for i, e in enumerate(exemptions) if e.control in controls]
    active = [(i, e) for i, e in mine if e.expires >= today]
    expired = [(i, e) for i, e in mine if e.expires < today]
    used: set[int] = set()
    results = []
    for f in evaluation.findings:
        ctrl = controls[f.control]
        hit = next(((i, e) for i, e in active if covers(e, f)), None)
        if hit:
            used.add(hit[0])
            results.append(Result(f, ctrl, "exempted", hit[1]))
        elif ctrl.level(f.stack or f.member) == Enforcement.MANDATORY and not f.advisory:  # advisory: not judged yet
            results.append(Result(f, ctrl, "failed"))
        else:
            results.append(Result(f, ctrl, "advisory"))
    unused = [(i, e) for i, e in active if i not in used]
    return Audit(
        source, results, evaluation.checks, expired, unused, today, list(hosts or []), about or About(), tuple(catalog)
    )
