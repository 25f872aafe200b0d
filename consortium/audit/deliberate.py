"""Where the consortium deliberately differs from an auditor's scanner, and why.

The one place these decisions are written down is the baseline roles' ``controls.yml``: a control's
``deliberate`` entries name the scanner, its rule ids (OpenSCAP rule ids without SSG's prefix, Lynis
test ids), for Lynis optionally the setting the finding is about (``detail``), and the reason. The
audit reads them here and shows a host's matching scanner findings as "deliberate: <reason>" instead
of as failures.

Lynis' findings come into the evidence without their details (host data, see scanner_evidence), so a
Lynis test with N deliberate entries (SSH-7408 for MaxSessions and for Port) covers at most N of its
findings on a host: a further one is a finding.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from consortium.audit.scanner_evidence import SCANNERS, DeliberateFinding, ScannerEvidence
from consortium.paths import ROLES_DIR
from consortium.registry.errors import fail
from consortium.registry.safeyaml import load_mapping


@dataclass(frozen=True)
class Deliberate:
    """One deliberate difference: the scanner's rule the consortium does not follow, and why."""

    scanner: str
    rule: str
    why: str
    control: str  # the control of controls.yml that says so
    detail: str = ""  # Lynis: the setting the finding is about (for the reader; the evidence has no details)

    @property
    def finding(self) -> DeliberateFinding:
        """As the evidence keeps it: (rule, control, reason), the reason led by the Lynis detail if any."""
        return self.rule, self.control, f"{self.detail}: {self.why}" if self.detail else self.why


#: (scanner, rule id) -> the deliberate entries for it, in controls.yml's order
DeliberateRules = dict[tuple[str, str], tuple[Deliberate, ...]]


def _text(value: Any, shown: str, field: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise fail(shown, field, "expected a non-empty string")
    return " ".join(value.split())


def _entries(control: dict[str, Any], shown: str, field: str) -> list[Deliberate]:
    entries = control.get("deliberate") or []
    if not isinstance(entries, list):
        raise fail(shown, f"{field}.deliberate", "expected a list")
    out = []
    for j, entry in enumerate(entries):
        where = f"{field}.deliberate[{j}]"
        if not isinstance(entry, dict):
            raise fail(shown, where, "expected an object with scanner, rules and why")
        unknown = sorted(set(entry) - {"scanner", "rules", "detail", "why"})
        if unknown:
            raise fail(shown, f"{where}.{unknown[0]}", "unknown: expected scanner, rules, detail or why")
        scanner = entry.get("scanner")
        if scanner not in SCANNERS:
            raise fail(shown, f"{where}.scanner", f"expected one of {', '.join(SCANNERS)}, got {scanner!r}")
        rules = entry.get("rules")
        if not isinstance(rules, list) or not rules:
            raise fail(shown, f"{where}.rules", "expected a non-empty list of rule ids")
        why = _text(entry.get("why"), shown, f"{where}.why")
        detail = _text(entry.get("detail"), shown, f"{where}.detail", required=False)
        for k, rule in enumerate(rules):
            rule_id = _text(rule, shown, f"{where}.rules[{k}]")
            out.append(Deliberate(scanner, rule_id, why, str(control.get("id", "")), detail))
    return out


def read_deliberate(roles_dir: Path = ROLES_DIR) -> DeliberateRules:
    """Every deliberate entry of the roles' controls.yml, by (scanner, rule id).

    A toolkit installed without its playbooks has no roles: then nothing is deliberate, and every
    scanner finding stays a finding (the safe side).
    """
    rules: dict[tuple[str, str], list[Deliberate]] = {}
    for path in sorted(roles_dir.glob("*/controls.yml")) if roles_dir.is_dir() else []:
        shown = str(path)
        controls = load_mapping(path, shown).get("controls")
        if not isinstance(controls, list):
            raise fail(shown, "controls", "expected a list")
        for i, control in enumerate(controls):
            if not isinstance(control, dict):
                raise fail(shown, f"controls[{i}]", "expected an object")
            for d in _entries(control, shown, f"controls[{i}]"):
                rules.setdefault((d.scanner, d.rule), []).append(d)
    return {key: tuple(entries) for key, entries in rules.items()}


def mark_deliberate(evidence: ScannerEvidence, rules: DeliberateRules) -> ScannerEvidence:
    """The host's scanner evidence with the findings controls.yml calls deliberate set apart.

    A Lynis test id's entries are used up by its warnings first, then by its suggestions.
    """
    lynis = evidence.lynis
    if lynis is not None:
        used: Counter[str] = Counter()
        marked: list[DeliberateFinding] = []

        def left(findings: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
            out = []
            for tid, text in findings:
                entries = rules.get(("lynis", tid), ())
                if used[tid] < len(entries):
                    marked.append(entries[used[tid]].finding)
                    used[tid] += 1
                else:
                    out.append((tid, text))
            return tuple(out)

        left_open = (left(lynis.warnings), left(lynis.suggestions))
        lynis = replace(lynis, deliberate=tuple(marked), left_open=left_open)
    oscap = tuple(
        replace(o, deliberate=tuple(rules[("openscap", r)][0].finding for r in o.failing if ("openscap", r) in rules))
        for o in evidence.openscap
    )
    return replace(evidence, lynis=lynis, openscap=oscap)
