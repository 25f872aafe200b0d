"""The Markdown report: scores per member, findings, hosts and exemptions as tables and lists."""

from __future__ import annotations

from consortium.audit.reports.summary import exemption_lines, host_lines, percent, summary_line, where
from consortium.audit.run import Audit


def render(audit: Audit) -> str:
    lines = [
        f"# Security audit: {audit.source}",
        "",
        f"Date: {audit.today}. {summary_line(audit)}.",
        "",
        "| Member | Checks passed | Score |",
        "| --- | ---: | ---: |",
    ]
    for m in audit.members():
        passed, total = audit.score(m)
        lines.append(f"| {m} | {passed}/{total} | {percent(passed, total)} % |")
    lines += [
        "",
        "## Findings",
        "",
        "| Status | Member | Control | Resource | Finding | Fix |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in audit.results:
        lines.append(
            f"| {r.status} | {r.finding.member} | {r.finding.control} {r.control.title} | {where(r)} | "
            f"{r.finding.message} | {r.control.fix} |"
        )
    if not audit.results:
        lines.append("| - | - | - | - | no findings | - |")
    if audit.hosts:
        lines += ["", "## Host baselines", "", *[f"- {x}" for x in host_lines(audit)]]
    extra = exemption_lines(audit)
    if extra:
        lines += ["", "## Exemptions", "", *[f"- {x}" for x in extra]]
    return "\n".join(lines) + "\n"
