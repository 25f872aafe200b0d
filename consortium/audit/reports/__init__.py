"""Audit reports: text, JSON, JUnit, SARIF, Markdown and a self-contained HTML page for a council.

Every format is built from the same :class:`~consortium.audit.Audit`, sorted, with no timestamps
other than the audit date, so the same state gives the same report.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

from consortium.audit.evidence import HOST_FAILING
from consortium.audit.run import Audit, Result
from consortium.paths import ROLES_DIR
from policies.catalog import CATALOG
from policies.safeguards import IG1

FORMATS = ("text", "json", "junit", "sarif", "html", "markdown")


def _where(r: Result) -> str:
    f = r.finding
    return f"{f.resource_type.rsplit(':', 1)[-1]} {f.resource_name}" if f.urn else "(member)"


def _exemption_lines(audit: Audit) -> list[str]:
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
    counts = defaultdict(int)
    for r in audit.results:
        counts[r.status] += 1
    line = (
        f"{len(audit.checks)} checks, {len(CATALOG)} controls, {len(audit.members())} members: "
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


def host_lines(audit: Audit) -> list[str]:
    """Per member, per host: the baseline evidence in one line each."""
    lines = []
    for h in sorted(audit.hosts, key=lambda h: (h.member, h.host)):
        counts = defaultdict(int)
        for c in h.controls:
            counts[c.status] += 1
        # Failing controls that share a reason (e.g. all those a stopped run never checked) share one note.
        shared: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for c in h.failing:
            shared[(c.status, c.reason, "" if c.reason else c.id)].append(c.id)
        notes = [f"{', '.join(ids)} {status}" + (f": {why}" if why else "") for (status, why, _), ids in shared.items()]
        notes += [f"{c.id} not applicable: {c.reason or 'no reason given'}" for c in h.not_applicable]
        lines.append(
            f"{h.member} {h.host}: {counts['compliant']} compliant, {counts['drift']} drift, "
            f"{counts['error']} error"
            + (f", {counts['not_applicable']} not applicable" if counts["not_applicable"] else "")
            + (", unreachable" if not h.reachable else "")
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return lines


def text(audit: Audit) -> str:
    lines = [f"audit of {audit.source} ({audit.today})"]
    by_member: dict[str, list[Result]] = defaultdict(list)
    for r in audit.results:
        by_member[r.finding.member].append(r)
    for member in audit.members():
        passed, total = audit.score(member)
        lines.append(f"\n{member}: {passed}/{total} checks pass")
        for r in sorted(by_member.get(member, []), key=lambda r: (r.finding.control, r.finding.urn)):
            lines.append(f"  {r.status.upper():9s} {r.finding.control} {r.control.title}")
            lines.append(f"            {_where(r)}: {r.finding.message}")
    if audit.hosts:
        lines += ["", "host baselines (playbooks/baseline_audit.yml evidence):", *(f"  {x}" for x in host_lines(audit))]
    lines += ["", *_exemption_lines(audit), summary_line(audit)]
    return "\n".join(lines) + "\n"


def as_json(audit: Audit) -> str:
    doc = {
        "source": audit.source,
        "date": str(audit.today),
        "summary": summary_line(audit),
        "exit_code": audit.exit_code,
        "members": {m: dict(zip(("passed", "total"), audit.score(m), strict=True)) for m in audit.members()},
        "results": [
            {
                "control": r.finding.control,
                "title": r.control.title,
                "status": r.status,
                "severity": r.control.severity.value,
                "member": r.finding.member,
                "stack": r.finding.stack,
                "urn": r.finding.urn,
                "type": r.finding.resource_type,
                "name": r.finding.resource_name,
                "message": r.finding.message,
                "fix": r.control.fix,
                "cis_v8": list(r.control.cis_v8),
                "exemption": r.exemption.model_dump(mode="json") if r.exemption else None,
            }
            for r in audit.results
        ],
        "expired_exemptions": [e.model_dump(mode="json") for _, e in audit.expired],
        "unused_exemptions": [e.model_dump(mode="json") for _, e in audit.unused],
        "hosts": [
            {
                "host": h.host,
                "member": h.member,
                "reachable": h.reachable,
                "controls": {
                    c.id: {
                        "status": c.status,
                        "title": c.title,
                        "safeguards": list(c.safeguards),
                        **({"reason": c.reason} if c.status == "not_applicable" or c.reason else {}),
                    }
                    for c in h.controls
                },
                "failing": [c.id for c in h.failing],
            }
            for h in sorted(audit.hosts, key=lambda h: (h.member, h.host))
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def junit(audit: Audit) -> str:
    """One test case per control x resource (or control x member for stack controls)."""
    results: dict[tuple[str, str, str], list[Result]] = defaultdict(list)
    for r in audit.results:
        key = (r.finding.control, r.finding.member, r.finding.urn)
        results[key].append(r)
    suites = ET.Element("testsuites", name="consortium audit")
    by_member: dict[str, list[Any]] = defaultdict(list)
    for c in audit.checks:
        by_member[c.member].append(c)
    for member in audit.members():
        suite = ET.SubElement(suites, "testsuite", name=member)
        failures = 0
        cases = by_member.get(member, [])
        for c in cases:
            case = ET.SubElement(
                suite, "testcase", classname=f"{member}.{c.control}", name=c.name or f"{c.control} ({member})"
            )
            hits = (
                results.get((c.control, member, c.urn), [])
                if c.urn
                else [r for (ctl, m, _), rs in results.items() if ctl == c.control and m == member for r in rs]
            )
            bad = [r for r in hits if r.status == "failed"]
            if bad:
                failures += 1
                el = ET.SubElement(case, "failure", message=bad[0].finding.message, type=c.control)
                el.text = "\n".join(f"{r.finding.message} (fix: {r.control.fix})" for r in bad)
            elif hits:
                ET.SubElement(case, "system-out").text = "; ".join(f"{r.status}: {r.finding.message}" for r in hits)
        for h in (h for h in audit.hosts if h.member == member):
            for c in h.controls:
                case = ET.SubElement(suite, "testcase", classname=f"{member}.{h.host}", name=f"{c.id} {c.title}")
                if c.status in HOST_FAILING:
                    failures += 1
                    why = f": {c.reason}" if c.reason else ""
                    ET.SubElement(case, "failure", message=f"{h.host}: {c.id} {c.status}{why}", type=c.id)
                elif c.status == "not_applicable":
                    ET.SubElement(case, "skipped", message=f"not applicable: {c.reason}")
                elif c.status == "not_checked":
                    ET.SubElement(case, "skipped")
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(failures))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def sarif(audit: Audit) -> str:
    rules = [
        {
            "id": c.id,
            "name": c.policy_name,
            "shortDescription": {"text": c.title},
            "fullDescription": {"text": c.rationale},
            "help": {"text": c.fix},
            "defaultConfiguration": {"level": "error" if c.enforcement.value == "mandatory" else "warning"},
            "properties": {"tags": [c.area, *(f"CIS-v8-{s}" for s in c.cis_v8)], "severity": c.severity.value},
        }
        for c in CATALOG
    ]
    index = {c.id: i for i, c in enumerate(CATALOG)}
    results = [
        {
            "ruleId": r.finding.control,
            "ruleIndex": index[r.finding.control],
            "level": {"failed": "error", "advisory": "warning", "exempted": "note"}[r.status],
            "message": {"text": f"{r.finding.member}: {_where(r)}: {r.finding.message}"},
            "locations": [
                {"logicalLocations": [{"fullyQualifiedName": r.finding.urn or r.finding.member, "kind": "resource"}]}
            ],
            **({"suppressions": [{"kind": "external", "justification": r.exemption.reason}]} if r.exemption else {}),
        }
        for r in audit.results
    ]
    doc = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "consortium-audit", "informationUri": "https://github.com/", "rules": rules}
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def markdown(audit: Audit) -> str:
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
        lines.append(f"| {m} | {passed}/{total} | {100 * passed // max(total, 1)} % |")
    lines += [
        "",
        "## Findings",
        "",
        "| Status | Member | Control | Resource | Finding | Fix |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in audit.results:
        lines.append(
            f"| {r.status} | {r.finding.member} | {r.finding.control} {r.control.title} | {_where(r)} | "
            f"{r.finding.message} | {r.control.fix} |"
        )
    if not audit.results:
        lines.append("| - | - | - | - | no findings | - |")
    if audit.hosts:
        lines += ["", "## Host baselines", "", *[f"- {x}" for x in host_lines(audit)]]
    extra = _exemption_lines(audit)
    if extra:
        lines += ["", "## Exemptions", "", *[f"- {x}" for x in extra]]
    return "\n".join(lines) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .5rem;font-size:.9rem}th{background:#f3f3f3}.pass{background:#e6f4ea}
.fail{background:#fde7e9}.adv{background:#fff4ce}.exm{background:#e8eaf6}.score{font-size:1.4rem;font-weight:bold}"""


def as_html(audit: Audit) -> str:
    e = html.escape
    members = audit.members()
    status: dict[tuple[str, str], str] = {}
    for r in audit.results:
        key = (r.finding.control, r.finding.member)
        rank = {"failed": 3, "advisory": 2, "exempted": 1}
        if rank[r.status] > rank.get(status.get(key, ""), 0):
            status[key] = r.status
    checked = {(c.control, c.member) for c in audit.checks}
    cells = {"failed": ("fail", "✗"), "advisory": ("adv", "!"), "exempted": ("exm", "E")}
    out = [
        f"<!doctype html><html lang=en><meta charset=utf-8><title>Security audit</title><style>{_CSS}</style>",
        f"<h1>Security audit</h1><p>{e(audit.source)} &middot; {audit.today} &middot; {e(summary_line(audit))}</p>",
        "<h2>Score per member</h2><table><tr><th>Member</th><th>Checks passed</th><th>Score</th></tr>",
    ]
    for m in members:
        passed, total = audit.score(m)
        out.append(
            f"<tr><td>{e(m)}</td><td>{passed}/{total}</td><td class=score>{100 * passed // max(total, 1)} %</td></tr>"
        )
    out.append(
        "</table><h2>Controls &times; members</h2><table><tr><th>Control</th>"
        + "".join(f"<th>{e(m)}</th>" for m in members)
        + "</tr>"
    )
    for c in CATALOG:
        row = [f"<td title='{e(c.rationale)}'>{e(c.id)} {e(c.title)}</td>"]
        for m in members:
            if (c.id, m) in status:
                cls, mark = cells[status[(c.id, m)]]
                row.append(f"<td class={cls}>{mark}</td>")
            else:
                row.append("<td class=pass>✓</td>" if (c.id, m) in checked else "<td>&ndash;</td>")
        out.append("<tr>" + "".join(row) + "</tr>")
    out.append(
        "</table><h2>Findings</h2><table><tr><th>Status</th><th>Member</th><th>Control</th>"
        "<th>Resource</th><th>Finding</th><th>How to fix</th></tr>"
    )
    for r in audit.results:
        out.append(
            f"<tr class={cells[r.status][0]}><td>{r.status}</td><td>{e(r.finding.member)}</td>"
            f"<td>{e(r.finding.control)} {e(r.control.title)}</td><td>{e(_where(r))}</td>"
            f"<td>{e(r.finding.message)}</td><td>{e(r.control.fix)}</td></tr>"
        )
    out.append("</table>")
    if audit.hosts:
        out.append("<h2>Host baselines</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in host_lines(audit)) + "</ul>")
    for line in _exemption_lines(audit):
        out.append(f"<p>{e(line)}</p>")
    out.append("</html>")
    return "\n".join(out) + "\n"


RENDER = {"text": text, "json": as_json, "junit": junit, "sarif": sarif, "html": as_html, "markdown": markdown}


# --------------------------------------------------------------------------- crosswalk


def baseline_controls(roles_dir: Path = ROLES_DIR) -> list[dict[str, Any]]:
    """Controls of the Ansible baselines (``playbooks/roles/*/controls.yml``), where they exist."""
    out = []
    for path in sorted(roles_dir.glob("*/controls.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = data.get("controls", data) if isinstance(data, dict) else data
        for item in entries if isinstance(entries, list) else []:
            if isinstance(item, dict) and item.get("id"):
                safeguards = item.get("safeguards") or item.get("cis_v8") or item.get("safeguard") or []
                if isinstance(safeguards, str | int | float):
                    safeguards = [safeguards]
                out.append(
                    {
                        "id": str(item["id"]),
                        "title": str(item.get("title", "")),
                        "safeguards": [str(s) for s in safeguards],
                        "source": path.parent.name,
                    }
                )
    return out


# What the registry itself evidences (validated on every `consortium validate`).
REGISTRY_EVIDENCE = (
    ("REG-001", "Member files inventory every server (name, OS, role, address) and endpoint counts", ("1.1",)),
    ("REG-002", "consortium.yaml names the security contact; every member names its IT lead", ("17.2",)),
    (
        "REG-003",
        "Every member's backup retention and offsite copy are recorded and checked against the floor",
        ("11.1",),
    ),
)


def crosswalk(fmt: str = "text", roles_dir: Path = ROLES_DIR) -> str:
    """Every CIS v8 IG1 safeguard with the controls that give evidence for it, and the gaps."""
    evidence: dict[str, list[str]] = defaultdict(list)
    for c in CATALOG:
        for s in c.cis_v8:
            evidence[s].append(c.id)
    for rid, _, safeguards in REGISTRY_EVIDENCE:
        for sid in safeguards:
            evidence[sid].append(f"{rid} (registry)")
    for b in baseline_controls(roles_dir):
        for s in b["safeguards"]:
            evidence[s.removeprefix("cis_")].append(f"{b['id']} ({b['source']})")
    rows = [(sid, title, sorted(set(evidence.get(sid, [])))) for sid, title in IG1]
    covered = sum(1 for _, _, ev in rows if ev)
    if fmt == "json":
        return (
            json.dumps(
                {
                    "covered": covered,
                    "total": len(rows),
                    "safeguards": [{"id": sid, "title": title, "controls": ev} for sid, title, ev in rows],
                },
                indent=2,
            )
            + "\n"
        )
    if fmt == "markdown":
        lines = ["| Safeguard | Title | Evidence |", "| --- | --- | --- |"]
        lines += [f"| {sid} | {title} | {', '.join(ev) or '**not covered**'} |" for sid, title, ev in rows]
        return "\n".join(lines) + f"\n\n{covered} of {len(rows)} IG1 safeguards have evidence.\n"
    lines = [f"{sid:5s} {title[:70]:70s} {', '.join(ev) if ev else 'NOT COVERED'}" for sid, title, ev in rows]
    return (
        "\n".join(lines) + f"\n{covered} of {len(rows)} CIS v8 IG1 safeguards have evidence; "
        f"{len(rows) - covered} are not covered yet\n"
    )


# --------------------------------------------------------------------------- catalog


def catalog(fmt: str = "text") -> str:
    """The control catalog: id, title, severity, enforcement, mappings, resource types."""
    if fmt == "json":
        return (
            json.dumps(
                [
                    {
                        "id": c.id,
                        "title": c.title,
                        "area": c.area,
                        "severity": c.severity.value,
                        "enforcement": c.enforcement.value,
                        "cis_v8": list(c.cis_v8),
                        "cis_azure": c.cis_azure,
                        "types": list(c.types),
                        "scope": c.scope,
                        "crossguard": c.crossguard,
                        "rationale": c.rationale,
                        "fix": c.fix,
                        "params": {k: p.default for k, p in c.params.items()},
                    }
                    for c in CATALOG
                ],
                indent=2,
            )
            + "\n"
        )
    if fmt == "markdown":
        lines = [
            "# The consortium security standard: control catalog",
            "",
            "Generated by `consortium audit --catalog --format markdown` from `policies/`; do not edit.",
            "",
            "| ID | Control | Severity | Enforcement | CIS v8 | CIS Azure | Reads |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for c in CATALOG:
            reads = ", ".join(t.rsplit(":", 1)[-1] for t in c.types[:4]) + (" ..." if len(c.types) > 4 else "")
            where = "" if c.crossguard else " (audit only)"
            lines.append(
                f"| {c.id} | {c.title}{where} | {c.severity.value} | {c.enforcement.value} | "
                f"{', '.join(c.cis_v8)} | {c.cis_azure or '-'} | {reads} |"
            )
        return "\n".join(lines) + f"\n\n{len(CATALOG)} controls.\n"
    return "\n".join(f"{c.id:12s} {c.severity.value:8s} {c.enforcement.value:9s} {c.title}" for c in CATALOG) + "\n"
