"""The text report: the title and provenance, then per member its verdict, the counts and the
findings; the shared hub apart; then hosts, exemptions and the summary."""

from __future__ import annotations

from consortium.audit.reports.summary import exemption_lines, host_lines, provenance, summary_line, title, where
from consortium.audit.run import Audit, Result
from consortium.audit.verdicts import Verdict, verdicts


def _member(v: Verdict) -> list[str]:
    lines = [f"\n{v.name} ({v.slug}): {v.headline}"]
    lines += [f"  {x}" for x in v.reasons]
    lines.append(f"  {v.counts}")
    results: list[Result] = sorted(
        (*v.failed, *v.advisory, *v.exempted), key=lambda r: (r.finding.control, r.finding.urn)
    )
    for r in results:
        lines.append(f"  {r.status.upper():9s} {r.finding.control} {r.control.title}")
        lines.append(f"            {where(r)}: {r.finding.message}")
    return lines


def render(audit: Audit) -> str:
    judged = verdicts(audit)
    lines = [title(audit), provenance(audit), judged.overall]
    for v in judged.members:
        lines += _member(v)
    if judged.shared:
        lines += ["", "shared (not a member; protects the members connected to it):"]
        for v in judged.shared:
            lines += _member(v)
    if audit.hosts:
        lines += ["", "host baselines (playbooks/baseline_audit.yml evidence):", *(f"  {x}" for x in host_lines(audit))]
    lines += ["", *exemption_lines(audit), summary_line(audit)]
    return "\n".join(lines) + "\n"
