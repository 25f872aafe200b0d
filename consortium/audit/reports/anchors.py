"""The standard against other frameworks: each anchor rule for our resource types and the control that
covers it, or why the consortium does not enforce it (``consortium audit --crosswalk --framework X``),
and the "intentionally not enforced" list every ``--crosswalk`` ends with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from policies.anchors import Anchor, anchors, not_enforced
from policies.framework import Control


def _answer(a: Anchor) -> str:
    return ", ".join(a.covered_by) if a.covered_by else f"not enforced: {a.not_enforced}"


def _entry(a: Anchor) -> dict[str, object]:
    return {
        "framework": a.framework,
        "rule": a.rule,
        "title": a.title,
        "type": a.azure_type,
        "pillar": a.pillar,
        "controls": list(a.covered_by),
        "not_enforced": a.not_enforced or None,
    }


def anchor_crosswalk(framework: str, fmt: str, controls: Iterable[Control]) -> str:
    """Every anchor rule of ``framework`` with the controls covering it, or the reason it is not enforced;
    ``controls``: every control an anchor may name (the CLI adds those judged apart from the plan)."""
    rows = anchors(framework)
    known = {c.id for c in controls}
    unknown = sorted({c for a in rows for c in a.covered_by if c not in known})
    if unknown:  # the anchors name controls the catalog no longer has: a broken crosswalk, not a report
        raise ValueError(f"anchors name controls not in the catalog: {', '.join(unknown)}")
    covered = sum(1 for a in rows if a.covered_by)
    if fmt == "json":
        return json.dumps({"framework": framework, "covered": covered, "total": len(rows),
                           "anchors": [_entry(a) for a in rows]}, indent=2) + "\n"  # fmt: skip
    if fmt == "markdown":
        lines = [f"| {framework} rule | Reads | Pillar | Covered by |", "| --- | --- | --- | --- |"]
        lines += [f"| {a.rule} | {a.azure_type} | {a.pillar} | {_answer(a)} |" for a in rows]
        return (
            "\n".join(lines) + f"\n\n{covered} of {len(rows)} {framework} anchor rules are covered; "
            "the others are intentionally not enforced, with the reason.\n"
        )
    lines = [f"{a.rule:34s} {a.pillar:17s} {_answer(a)}" for a in rows]
    return (
        "\n".join(lines) + f"\n{covered} of {len(rows)} {framework} anchor rules covered; "
        f"{len(rows) - covered} intentionally not enforced\n"
    )


def not_enforced_section(fmt: str = "text") -> str:
    """The "intentionally not enforced" list: rule, framework and the consortium's reason."""
    rows = not_enforced()
    if fmt == "markdown":
        lines = ["", "## Intentionally not enforced", "", "| Framework | Rule | Why not |", "| --- | --- | --- |"]
        return "\n".join(lines + [f"| {a.framework} | {a.rule} | {a.not_enforced} |" for a in rows]) + "\n"
    lines = ["", "Intentionally not enforced:"]
    return "\n".join(lines + [f"  {a.framework} {a.rule}: {a.not_enforced}" for a in rows]) + "\n"


def not_enforced_json() -> list[dict[str, object]]:
    return [_entry(a) for a in not_enforced()]
