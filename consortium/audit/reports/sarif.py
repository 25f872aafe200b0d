"""The SARIF 2.1.0 report (code-scanning tools): the catalog as rules, the violations as results."""

from __future__ import annotations

import json
from typing import Any

from consortium.audit.reports.summary import where
from consortium.audit.run import Audit, Result
from policies.catalog import CATALOG
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


def render(audit: Audit) -> str:
    index = {c.id: i for i, c in enumerate(CATALOG)}
    doc = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "consortium-audit",
                        "informationUri": "https://github.com/",
                        "rules": [_rule(c) for c in CATALOG],
                    }
                },
                "results": [_result(r, index[r.finding.control]) for r in audit.results],
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
