"""The text report: per member its score and findings, then hosts, exemptions and the summary."""

from __future__ import annotations

from collections import defaultdict

from consortium.audit.reports.summary import exemption_lines, host_lines, summary_line, where
from consortium.audit.run import Audit, Result


def render(audit: Audit) -> str:
    lines = [f"audit of {audit.source} ({audit.today})"]
    by_member: dict[str, list[Result]] = defaultdict(list)
    for r in audit.results:
        by_member[r.finding.member].append(r)
    for member in audit.members():
        passed, total = audit.score(member)
        lines.append(f"\n{member}: {passed}/{total} checks pass")
        for r in sorted(by_member.get(member, []), key=lambda r: (r.finding.control, r.finding.urn)):
            lines.append(f"  {r.status.upper():9s} {r.finding.control} {r.control.title}")
            lines.append(f"            {where(r)}: {r.finding.message}")
    if audit.hosts:
        lines += ["", "host baselines (playbooks/baseline_audit.yml evidence):", *(f"  {x}" for x in host_lines(audit))]
    lines += ["", *exemption_lines(audit), summary_line(audit)]
    return "\n".join(lines) + "\n"
