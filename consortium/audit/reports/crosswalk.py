"""The CIS v8 IG1 crosswalk: every safeguard with the controls giving evidence for it, and the gaps.

Evidence comes from the catalog, from the registry itself, and from the Ansible baselines' controls.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from consortium.audit.reports.anchors import not_enforced_json, not_enforced_section
from consortium.paths import ROLES_DIR
from consortium.registry.errors import InputError, Problem
from policies.catalog import CATALOG
from policies.safeguards import IG1

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


def baseline_controls(roles_dir: Path = ROLES_DIR) -> list[dict[str, Any]]:
    """Controls of the Ansible baselines (``playbooks/roles/*/controls.yml``), where they exist."""
    if not roles_dir.is_dir():  # a pip-installed toolkit: the playbooks come with a checkout only
        raise InputError([Problem(str(roles_dir), "", "the toolkit's Ansible roles are not installed here: "
                                  "run the crosswalk from a checkout of the toolkit")])
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


def crosswalk(fmt: str = "text", roles_dir: Path = ROLES_DIR) -> str:
    """Every CIS v8 IG1 safeguard with the controls that give evidence for it (text, json or markdown)."""
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
        doc = {
            "covered": covered,
            "total": len(rows),
            "safeguards": [{"id": sid, "title": title, "controls": ev} for sid, title, ev in rows],
            "not_enforced": not_enforced_json(),
        }
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "markdown":
        lines = ["| Safeguard | Title | Evidence |", "| --- | --- | --- |"]
        lines += [f"| {sid} | {title} | {', '.join(ev) or '**not covered**'} |" for sid, title, ev in rows]
        return (
            "\n".join(lines)
            + f"\n\n{covered} of {len(rows)} IG1 safeguards have evidence.\n"
            + not_enforced_section(fmt)
        )
    lines = [f"{sid:5s} {title[:70]:70s} {', '.join(ev) if ev else 'NOT COVERED'}" for sid, title, ev in rows]
    return (
        "\n".join(lines) + f"\n{covered} of {len(rows)} CIS v8 IG1 safeguards have evidence; "
        f"{len(rows) - covered} are not covered yet\n" + not_enforced_section(fmt)
    )
