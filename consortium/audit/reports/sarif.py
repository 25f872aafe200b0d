"""The SARIF 2.1.0 report (code-scanning tools): the catalog as rules, the violations as results.

Failing host baseline controls (drift, error, unreachable) are results too, under rules made from
the controls the evidence names (after the catalog's): a report whose audit fails on a host must
not read as clean to a code-scanning gate.
"""

from __future__ import annotations

import json
from typing import Any

from consortium.audit.evidence import HOST_FAILING, HostControl, HostEvidence
from consortium.audit.reports.summary import where
from consortium.audit.run import Audit, Result
from policies.framework import Control

LEVELS = {"failed": "error", "advisory": "warning", "exempted": "note"}


def _rule(c: Control) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.policy_name,
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.rationale},
        "help": {"text": c.fix},
        "defaultConfiguration": {"level": "error" if c.enforcement.value == "mandatory" else "warning"},
        "properties": {"tags": [c.area, *(f"CIS-v8-{s}" for s in c.cis_v8)], "severity": c.severity.value},
    }


def _result(r: Result, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": r.finding.control,
        "ruleIndex": rule_index,
        "level": LEVELS[r.status],
        "message": {"text": f"{r.finding.member}: {where(r)}: {r.finding.message}"},
        "locations": [
            {"logicalLocations": [{"fullyQualifiedName": r.finding.urn or r.finding.member, "kind": "resource"}]}
        ],
        **({"suppressions": [{"kind": "external", "justification": r.exemption.reason}]} if r.exemption else {}),
    }


def _host_rule(hc: HostControl) -> dict[str, Any]:
    return {
        "id": hc.id,
        "shortDescription": {"text": hc.title},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["host-baseline", *(f"CIS-v8-{s}" for s in hc.safeguards)]},
    }


def _host_result(h: HostEvidence, hc: HostControl, rule_index: int) -> dict[str, Any]:
    why = f": {hc.reason}" if hc.reason else ""
    return {
        "ruleId": hc.id,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": f"{h.member}: {h.host}: {hc.id} {hc.status}{why}"},
        "locations": [{"logicalLocations": [{"fullyQualifiedName": f"{h.member}/{h.host}", "kind": "resource"}]}],
    }


def render(audit: Audit) -> str:
    index = {c.id: i for i, c in enumerate(audit.catalog)}
    hosts = sorted(audit.hosts, key=lambda h: (h.member, h.host))
    failing = [(h, hc) for h in hosts for hc in h.controls if hc.status in HOST_FAILING]
    host_rules: dict[str, HostControl] = {}
    for _, hc in sorted(failing, key=lambda pair: pair[1].id):
        host_rules.setdefault(hc.id, hc)
    # Host rules follow the catalog's; their ids (LNX-, WIN-) never meet the catalog's (MCS-).
    host_index = {hc_id: len(audit.catalog) + i for i, hc_id in enumerate(host_rules)}
    doc = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "consortium-audit",
                        "informationUri": "https://github.com/",
                        "rules": [_rule(c) for c in audit.catalog] + [_host_rule(hc) for hc in host_rules.values()],
                    }
                },
                "results": [_result(r, index[r.finding.control]) for r in audit.results]
                + [_host_result(h, hc, host_index[hc.id]) for h, hc in failing],
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
