"""Lines every report shares: the summary, the resource a result is about, the hosts, the exemptions."""

from __future__ import annotations

from collections import defaultdict

from consortium.audit.evidence import HostEvidence
from consortium.audit.run import Audit, Result
from consortium.audit.scanner_evidence import DeliberateFinding, ScannerEvidence
from consortium.audit.verdicts import SHARED
from consortium.words import count


def where(r: Result) -> str:
    """The resource of a result (``StorageAccount stverona``), or ``(member)`` for a stack control's."""
    f = r.finding
    return f"{f.resource_type.rsplit(':', 1)[-1]} {f.resource_name}" if f.urn else "(member)"


def exemption_lines(audit: Audit) -> list[str]:
    """Expired exemptions (failures) and exemptions that matched nothing (warnings)."""
    lines = [
        f"EXPIRED exemption #{i} ({e.control} for {e.member}, approved by {e.approved_by}) expired {e.expires}"
        for i, e in audit.expired
    ]
    lines += [
        f"warning: exemption #{i} ({e.control} for {e.member}{' ' + e.resource if e.resource else ''}) matches nothing"
        for i, e in audit.unused
    ]
    return lines


def summary_line(audit: Audit) -> str:
    """Checks, controls, members and results counted in one line (also the CLI's line on stderr)."""
    counts: dict[str, int] = defaultdict(int)
    for r in audit.results:
        counts[r.status] += 1
    subjects = audit.members()
    members = [m for m in subjects if m not in SHARED]
    # The hub is no member: counted apart, so six towns read "6 members and the shared hub".
    hub = " and the shared hub" if "hub" in subjects else ""
    counted = f"{count(len(members), 'member')}{hub}"
    line = (
        f"{len(audit.checks)} checks, {len(audit.catalog)} controls, {counted}: "
        f"{counts['failed']} failed, {counts['advisory']} advisory, {counts['exempted']} exempted, "
        f"{len(audit.expired)} expired exemptions"
    )
    if audit.hosts:
        line += f"; {len(audit.hosts)} hosts baselined, {_failing_hosts(audit)}"
    return line


def _failing_hosts(audit: Audit) -> str:
    """How many hosts fail and why, each host counted once by its worst failure (unreachable, then
    errors, then drift): a host whose run stopped or never connected must not read as drift, which
    says the audit checked it and found settings to fix. Only non-zero parts are named."""
    kinds: dict[str, int] = defaultdict(int)
    for h in audit.hosts:
        statuses = {c.status for c in h.failing}
        if not h.reachable or "unreachable" in statuses:
            kinds["unreachable"] += 1
        elif "error" in statuses:
            kinds["with errors"] += 1
        elif statuses:
            kinds["with drift"] += 1
    parts = [f"{kinds[k]} {k}" for k in ("with drift", "with errors", "unreachable") if kinds[k]]
    return f"{sum(kinds.values())} failing" + (f": {', '.join(parts)}" if parts else "")


def host_line(h: HostEvidence) -> str:
    """One host's baseline evidence in one line: counts by status, then what fails and what does not apply."""
    counts: dict[str, int] = defaultdict(int)
    for c in h.controls:
        counts[c.status] += 1
    # Failing controls that share a reason (e.g. all those a stopped run never checked) share one note.
    shared: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for c in h.failing:
        shared[(c.status, c.reason, "" if c.reason else c.id)].append(c.id)
    notes = [f"{', '.join(ids)} {status}" + (f": {why}" if why else "") for (status, why, _), ids in shared.items()]
    notes += [f"{c.id} not applicable: {c.reason or 'no reason given'}" for c in h.not_applicable]
    return (
        f"{h.member} {h.host}: {counts['compliant']} compliant, {counts['drift']} drift, "
        f"{counts['error']} error"
        + (f", {counts['not_applicable']} not applicable" if counts["not_applicable"] else "")
        + (", unreachable" if not h.reachable else "")
        + (f" ({'; '.join(notes)})" if notes else "")
        + (f"; {scanner_text(h.scanners)}" if h.scanners else "")
    )


def scanner_text(s: ScannerEvidence) -> str:
    """What the scanners said about a host: Lynis' index and warnings, OpenSCAP's failing rules per profile;
    the findings controls.yml calls deliberate apart, each with its reason, never counted as failures."""
    parts = []
    if s.lynis:
        warnings, suggestions = s.lynis.open_findings()
        warned = f": {', '.join(tid for tid, _ in warnings)}" if warnings else ""
        parts.append(f"Lynis index {s.lynis.hardening_index} ({len(warnings)} warnings{warned}; "
                     f"{len(suggestions)} suggestions{_deliberate(s.lynis.deliberate, '; ')})")  # fmt: skip
    for o in s.openscap:
        failing = f" ({', '.join(o.findings)})" if o.findings else ""
        parts.append(f"OpenSCAP {o.profile}: {o.passed} pass, {len(o.findings)} fail{failing}"
                     f"{_deliberate(o.deliberate, ', ')}, {o.other} other")  # fmt: skip
    parts += [f"{name} not run: {why}" for name, why in s.not_run]
    return "; ".join(parts)


def _deliberate(findings: tuple[DeliberateFinding, ...], sep: str) -> str:
    """``<sep>N deliberate (rule deliberate: reason | ...)``, or nothing."""
    if not findings:
        return ""
    return f"{sep}{len(findings)} deliberate ({' | '.join(f'{rule} deliberate: {why}' for rule, _, why in findings)})"


def host_lines(audit: Audit) -> list[str]:
    """Per member, per host: the baseline evidence in one line each."""
    return [host_line(h) for h in sorted(audit.hosts, key=lambda h: (h.member, h.host))]


def title(audit: Audit) -> str:
    """The report's title: the consortium by name, or the one town a ``--member`` report is about."""
    about = audit.about
    if len(about.focus) == 1:
        town = about.name(about.focus[0])
        return f"Security audit: {town}" + (f" ({about.consortium})" if about.consortium else "")
    return f"Security audit: {about.consortium}" if about.consortium else "Security audit"


def provenance(audit: Audit) -> str:
    """Where the audit's facts come from and what judged them, in one line (no local paths)."""
    return (
        f"Audit of {audit.today}; source: {audit.source}; toolkit {audit.about.toolkit}; "
        f"control catalog {audit.about.catalog}"
    )
