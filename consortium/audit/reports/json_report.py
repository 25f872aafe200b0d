"""The JSON report: every result with its control's metadata, the scores, exemptions and hosts."""

from __future__ import annotations

import json
from typing import Any

from consortium.audit.evidence import HostEvidence
from consortium.audit.reports.summary import summary_line
from consortium.audit.run import Audit, Result


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
    }


def render(audit: Audit) -> str:
    doc = {
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
