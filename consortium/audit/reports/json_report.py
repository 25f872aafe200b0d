"""The JSON report: the verdict per member (the shared hub apart), every result with its control's
metadata, the scores, exemptions and hosts, the consortium's name and the versions that judged it."""

from __future__ import annotations

import json
from typing import Any

from consortium.audit.evidence import HostEvidence
from consortium.audit.reports.summary import summary_line, title
from consortium.audit.run import Audit, Result
from consortium.audit.scanner_evidence import DeliberateFinding, ScannerEvidence
from consortium.audit.verdicts import Verdict, verdicts


def _result(r: Result) -> dict[str, Any]:
    return {
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
        "risk": r.control.rationale,
        "cis_v8": list(r.control.cis_v8),
        "exemption": r.exemption.model_dump(mode="json") if r.exemption else None,
    }


def _host(h: HostEvidence) -> dict[str, Any]:
    return {
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
        **({"scanners": _scanners(h.scanners)} if h.scanners else {}),
    }


def _scanners(s: ScannerEvidence) -> dict[str, Any]:
    """The scanners' reduced results, in the shape the evidence has them."""
    out: dict[str, Any] = {}
    if s.lynis:
        out["lynis"] = {
            "hardening_index": s.lynis.hardening_index,
            "warnings": [{"id": tid, "text": text} for tid, text in s.lynis.warnings],
            "suggestions": [{"id": tid, "text": text} for tid, text in s.lynis.suggestions],
            "deliberate": _deliberate(s.lynis.deliberate),
        }
    if s.openscap:
        out["openscap"] = {o.profile: {"pass": o.passed, "fail": o.failed, "other": o.other,
                                       "failing": list(o.failing), "deliberate": _deliberate(o.deliberate)}
                           for o in s.openscap}  # fmt: skip
    if s.not_run:
        out["not_run"] = dict(s.not_run)
    return out


def _deliberate(findings: tuple[DeliberateFinding, ...]) -> list[dict[str, str]]:
    """Findings controls.yml calls deliberate (still in the scanner's own lists and counts above)."""
    return [{"rule": rule, "control": control, "why": why} for rule, control, why in findings]


def _verdict(v: Verdict) -> dict[str, Any]:
    return {
        "member": v.slug,
        "name": v.name,
        "shared": v.shared,
        "status": v.status,
        "verdict": v.headline,
        "reasons": v.reasons,
        "failed_controls": [
            {"control": c.id, "severity": c.severity.value, "title": c.title} for c in v.failed_controls
        ],
        "expired_exemptions": [e.control for e in v.expired],
        "failing_hosts": [h.host for h in v.failing_hosts],
        "passed": v.passed,
        "total": v.total,
        "advisory": len(v.advisory),
        "exempted": len(v.exempted),
    }


def render(audit: Audit) -> str:
    judged = verdicts(audit)
    doc = {
        "consortium": audit.about.consortium,
        "title": title(audit),
        "toolkit_version": audit.about.toolkit,
        "catalog_version": audit.about.catalog,
        "overall": judged.overall,
        # Members first, then the shared hub apart (shared: true); "members" below keeps every subject's scores.
        "verdicts": [_verdict(v) for v in (*judged.members, *judged.shared)],
        "source": audit.source,
        "date": str(audit.today),
        "summary": summary_line(audit),
        "exit_code": audit.exit_code,
        "members": {m: dict(zip(("passed", "total"), audit.score(m), strict=True)) for m in audit.members()},
        "results": [_result(r) for r in audit.results],
        "expired_exemptions": [e.model_dump(mode="json") for _, e in audit.expired],
        "unused_exemptions": [e.model_dump(mode="json") for _, e in audit.unused],
        "hosts": [_host(h) for h in sorted(audit.hosts, key=lambda h: (h.member, h.host))],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
