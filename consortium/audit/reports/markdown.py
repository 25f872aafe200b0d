"""The Markdown report: the verdict per member (the shared hub apart), each member's findings with
the risk and the fix, the exemptions with approver and expiry, and the hosts."""

from __future__ import annotations

from consortium.audit.reports.summary import host_lines, provenance, summary_line, title, where
from consortium.audit.run import Audit
from consortium.audit.verdicts import Verdict, display_name, exemption_register, verdicts


def _cell(value: object) -> str:
    """A table cell: a pipe or a line break in a name or message would cut the row."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _row(v: Verdict) -> str:
    verdict = f"**{v.headline}**" + "".join(f"<br>{_cell(x)}" for x in v.reasons)
    return (
        f"| {_cell(v.name)} (`{v.slug}`) | {verdict} | {v.passed} of {v.total} | "
        f"{len(v.advisory)} | {len(v.exempted)} |"
    )


_HEAD = ["| {} | Verdict | Checks passed | Advisory | Exempted |", "| --- | --- | ---: | ---: | ---: |"]


def _findings(v: Verdict) -> list[str]:
    lines = [f"### {_cell(v.name)} (`{v.slug}`)", ""]
    results = [*v.failed, *v.advisory, *v.exempted]
    if not results:
        return [*lines, "No findings.", ""]
    lines += [
        "| Status | Control | Severity | Resource | Finding | Risk | Fix |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.status} | {r.finding.control} {_cell(r.control.title)} | {r.control.severity.value} | "
            f"{_cell(where(r))} | {_cell(r.finding.message)} | {_cell(r.control.rationale)} | {_cell(r.control.fix)} |"
        )
    return [*lines, ""]


def render(audit: Audit) -> str:
    judged = verdicts(audit)
    lines = [f"# {title(audit)}", "", f"{provenance(audit)}.", "", f"**{judged.overall}.**", ""]
    lines += [_HEAD[0].format("Member"), _HEAD[1], *(_row(v) for v in judged.members)]
    if judged.shared:
        lines += ["", "Shared, not members (the hub protects every member connected to it):", ""]
        lines += [_HEAD[0].format("Shared"), _HEAD[1], *(_row(v) for v in judged.shared)]
    lines += ["", "## Findings", ""]
    if not audit.results:
        lines += ["No findings.", ""]
    else:
        for v in [*judged.members, *judged.shared]:
            lines += _findings(v)
    register = exemption_register(audit)
    if register:
        lines += [
            "## Exemptions",
            "",
            "| Member | Control | Resource | State | Approved by | Expires | Reason |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for x in register:
            e = x.exemption
            lines.append(
                f"| {_cell(display_name(audit, e.member))} | {e.control} | "
                f"{_cell(e.resource or 'all its resources')} | {x.state} | {_cell(e.approved_by)} | "
                f"{e.expires} | {_cell(e.reason)} |"
            )
        lines.append("")
    if audit.hosts:
        lines += ["## Host baselines", "", *[f"- {x}" for x in host_lines(audit)], ""]
    lines.append(summary_line(audit) + ".")
    return "\n".join(lines) + "\n"
