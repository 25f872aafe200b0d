"""Per member, the verdict a council can act on: does the town meet the standard, and if not, why.

Every report format shows these verdicts, so text, Markdown, JSON and HTML say the same thing. A
verdict comes first and the counts only after it: a town failing one high-severity mandatory
control must not read "98 %" next to a clean town's "100 %". What fails a member is exactly what
makes the audit exit 1 (:attr:`~consortium.audit.run.Audit.exit_code`): a failed mandatory control,
an expired exemption, a host failing its baseline.

The shared hub (and findings about the consortium as a whole) are verdicts of their own, apart from
the members: the hub is not a town and is never counted as one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from consortium.audit.evidence import HostEvidence
from consortium.audit.run import Audit, Result
from consortium.registry.models import Exemption
from consortium.words import count
from policies.framework import Control, Severity

# Subjects of an audit that are not members, with the name a report gives them.
SHARED = {"hub": "Shared hub", "consortium": "Consortium-wide"}
SERIOUS = (Severity.CRITICAL, Severity.HIGH)  # named in a failing verdict's headline
_SEVERITY_ORDER = {s: i for i, s in enumerate((Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW))}

MEETS = "Meets the standard"
NOTHING_CHECKED = "Nothing checked"


def display_name(audit: Audit, slug: str) -> str:
    """How a report names a subject: "Shared hub", else the member's name from the registry, else its slug."""
    return SHARED.get(slug) or audit.about.name(slug)


@dataclass(frozen=True)
class Verdict:
    """One member's (or the hub's) standing, with everything behind it."""

    slug: str
    name: str
    shared: bool  # the hub or the consortium as a whole, not a member
    failed: tuple[Result, ...]  # violations of mandatory controls, not exempted
    expired: tuple[Exemption, ...]  # exemptions past their expiry: failures in themselves
    failing_hosts: tuple[HostEvidence, ...]
    advisory: tuple[Result, ...]
    exempted: tuple[Result, ...]  # violations covered by an active exemption
    unused: tuple[Exemption, ...]  # active exemptions that matched nothing (a warning)
    hosts: tuple[HostEvidence, ...]
    passed: int  # checks without a violation that is not exempted
    total: int

    @property
    def failed_controls(self) -> list[Control]:
        """The mandatory controls failed, most severe first (one entry per control, however many resources)."""
        controls = {r.control.id: r.control for r in self.failed}
        return sorted(controls.values(), key=lambda c: (_SEVERITY_ORDER[c.severity], c.id))

    @property
    def serious(self) -> list[Control]:
        """The failed controls of critical or high severity: named wherever the verdict is."""
        return [c for c in self.failed_controls if c.severity in SERIOUS]

    @property
    def meets(self) -> bool:
        return not (self.failed or self.expired or self.failing_hosts)

    @property
    def status(self) -> str:
        """``fails``, ``unchecked`` (nothing was checked: no claim either way) or ``meets``."""
        if not self.meets:
            return "fails"
        return "unchecked" if not self.total and not self.hosts else "meets"

    @property
    def headline(self) -> str:
        """``Fails 2 mandatory controls; Expired exemption`` or ``Meets the standard``: the verdict in words."""
        parts = []
        if self.failed:
            parts.append(f"Fails {count(len(self.failed_controls), 'mandatory control')}")
        if self.expired:
            parts.append("Expired exemption" if len(self.expired) == 1 else f"{len(self.expired)} expired exemptions")
        if self.failing_hosts:
            parts.append(f"{count(len(self.failing_hosts), 'host')} failing the baseline")
        if parts:
            return "; ".join(parts)
        return NOTHING_CHECKED if self.status == "unchecked" else MEETS

    @property
    def reasons(self) -> list[str]:
        """One line per thing to act on, most serious first: critical and high controls by name, the rest
        counted, each expired exemption with its approver and expiry, each failing host."""
        lines = [f"{c.severity.value}: {c.id} {c.title}" for c in self.serious]
        rest = len(self.failed_controls) - len(self.serious)
        if rest:
            lines.append(f"{count(rest, 'medium or low control')} (see the findings)")
        lines += [
            f"expired exemption: {e.control}{' for ' + e.resource if e.resource else ''}, approved by "
            f"{e.approved_by}, expired {e.expires}"
            for e in self.expired
        ]
        lines += [f"host {h.host}: {', '.join(c.id + ' ' + c.status for c in h.failing)}" for h in self.failing_hosts]
        return lines

    @property
    def counts(self) -> str:
        """The counts, after the verdict: checks passed of those made, advisories, exemptions, hosts."""
        line = f"{self.passed} of {count(self.total, 'check')} passed"
        line += f", {count(len(self.advisory), 'advisory finding')}, {len(self.exempted)} exempted"
        if self.hosts:
            line += f", {count(len(self.hosts), 'host')} baselined"
        return line


@dataclass(frozen=True)
class Verdicts:
    """The members' verdicts and, apart, the shared hub's (and the consortium-wide findings')."""

    members: list[Verdict]
    shared: list[Verdict]

    @property
    def failing(self) -> list[Verdict]:
        return [v for v in self.members if not v.meets]

    @property
    def overall(self) -> str:
        """One sentence for the whole audit (its exit code's reason)."""
        failing = self.failing
        if len(self.members) == 1:  # a one-town report
            line = f"{self.members[0].name} {'fails' if failing else 'meets'} the standard"
        else:
            line = (
                f"{len(failing)} of {count(len(self.members), 'member')} fail the standard"
                if failing
                else f"All {count(len(self.members), 'member')} meet the standard"
            )
        shared_failing = [v.name for v in self.shared if not v.meets]
        if shared_failing:
            line += f"; {' and '.join(shared_failing)} fail{'s' if len(shared_failing) == 1 else ''} it too"
        return line


def verdicts(audit: Audit) -> Verdicts:
    """Every subject of the audit judged: members by slug, then the hub and consortium-wide findings."""
    by_subject: dict[str, dict[str, list[Result]]] = defaultdict(lambda: defaultdict(list))
    for r in audit.results:
        by_subject[r.finding.member][r.status].append(r)
    expired: dict[str, list[Exemption]] = defaultdict(list)
    for _, e in audit.expired:
        expired[e.member].append(e)
    unused: dict[str, list[Exemption]] = defaultdict(list)
    for _, e in audit.unused:
        unused[e.member].append(e)
    hosts: dict[str, list[HostEvidence]] = defaultdict(list)
    for h in sorted(audit.hosts, key=lambda h: h.host):
        hosts[h.member].append(h)
    # An expired exemption fails its member even where the source holds nothing of that member.
    subjects = set(audit.members()) | set(expired)
    focus = set(audit.about.focus)
    judged = []
    for slug in sorted(subjects):
        results = by_subject[slug]
        verdict = Verdict(
            slug=slug,
            name=display_name(audit, slug),
            shared=slug in SHARED,
            failed=tuple(results["failed"]),
            expired=tuple(expired[slug]),
            failing_hosts=tuple(h for h in hosts[slug] if h.failing),
            advisory=tuple(results["advisory"]),
            exempted=tuple(results["exempted"]),
            unused=tuple(unused[slug]),
            hosts=tuple(hosts[slug]),
            passed=audit.score(slug)[0],
            total=audit.score(slug)[1],
        )
        # A one-town report leaves other towns out, unless they fail: what fails the audit is always shown.
        if not focus or slug in focus or slug in SHARED or not verdict.meets:
            judged.append(verdict)
    return Verdicts([v for v in judged if not v.shared], [v for v in judged if v.shared])


@dataclass(frozen=True)
class ExemptionEntry:
    """One exemption of the register as the audit found it: in force (with the violations it covers),
    expired (a failure), or matching nothing (a warning)."""

    number: int | None  # its index in the register, as the CLI's messages name it (known for expired and unused)
    exemption: Exemption
    state: str  # "in force", "expired", "matches nothing"
    covers: tuple[Result, ...] = ()


def exemption_register(audit: Audit) -> list[ExemptionEntry]:
    """Every exemption the audit judged, by member and control: apart from the findings, with approver and expiry."""
    covered: dict[int, list[Result]] = defaultdict(list)
    exemptions: dict[int, Exemption] = {}
    for r in audit.results:
        if r.exemption is not None:
            covered[id(r.exemption)].append(r)
            exemptions[id(r.exemption)] = r.exemption
    numbered = {id(e) for _, e in (*audit.expired, *audit.unused)}
    entries = [ExemptionEntry(i, e, "expired") for i, e in audit.expired]
    entries += [ExemptionEntry(i, e, "matches nothing") for i, e in audit.unused]
    entries += [
        ExemptionEntry(None, e, "in force", tuple(covered[key])) for key, e in exemptions.items() if key not in numbered
    ]
    return sorted(entries, key=lambda x: (x.exemption.member, x.exemption.control, x.state, x.exemption.expires))
