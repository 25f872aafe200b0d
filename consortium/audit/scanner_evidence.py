"""The scanners' results as host evidence: the reduced form baseline_audit.yml keeps, and its reader.

The baseline audit (its opt-in ``linux_server_baseline_audit_scanners``) runs Lynis and/or OpenSCAP on
a host and keeps only this much of their reports (never the whole report: Lynis' carries the host's
inventory): Lynis' hardening index and its warnings and suggestions (test id and text), and per
OpenSCAP profile the pass / fail / other counts with the failing rule ids. ``reduce_*`` build it (the
role's filter plugin calls them on the controller); ``read_scanners`` reads it back strictly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consortium.audit.scanners import LynisReport, OscapResults
from consortium.registry.errors import fail

SCANNERS = ("lynis", "openscap")


def reduce_lynis(report: LynisReport) -> dict[str, Any]:
    """What the evidence keeps of a Lynis report."""
    return {
        "hardening_index": report.hardening_index,
        "warnings": [{"id": tid, "text": text} for tid, text in report.warnings],
        "suggestions": [{"id": tid, "text": text} for tid, text in report.suggestions],
    }


def reduce_oscap(results: OscapResults) -> dict[str, Any]:
    """What the evidence keeps of one profile's OpenSCAP results."""
    failing = results.failing
    passed = results.count("pass")
    return {"pass": passed, "fail": len(failing), "other": len(results.results) - passed - len(failing),
            "failing": failing}  # fmt: skip


#: (rule or test id, control, reason) of a finding the roles' controls.yml calls deliberate (audit/deliberate.py)
DeliberateFinding = tuple[str, str, str]


@dataclass(frozen=True)
class LynisEvidence:
    hardening_index: int
    warnings: tuple[tuple[str, str], ...]  # (test id, text)
    suggestions: tuple[tuple[str, str], ...]
    # Set by the audit (audit/deliberate.mark_deliberate), not part of the evidence file: the findings
    # controls.yml calls deliberate, and the (warnings, suggestions) left open; None until marked.
    deliberate: tuple[DeliberateFinding, ...] = ()
    left_open: tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] | None = None

    def open_findings(self) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """(warnings, suggestions) without the deliberate ones (all of them until the audit marked them)."""
        return (self.warnings, self.suggestions) if self.left_open is None else self.left_open


@dataclass(frozen=True)
class OscapEvidence:
    profile: str
    passed: int
    failed: int
    other: int
    failing: tuple[str, ...]  # rule ids without SSG's prefix
    deliberate: tuple[DeliberateFinding, ...] = ()  # failing rules controls.yml calls deliberate (set by the audit)

    @property
    def findings(self) -> tuple[str, ...]:
        """The failing rules that are not deliberate."""
        exempt = {rule for rule, _, _ in self.deliberate}
        return tuple(r for r in self.failing if r not in exempt)


@dataclass(frozen=True)
class ScannerEvidence:
    """What the scanners said about one host; ``not_run`` names each opted-in scanner that did not run, and why."""

    lynis: LynisEvidence | None
    openscap: tuple[OscapEvidence, ...]
    not_run: tuple[tuple[str, str], ...]  # (scanner, reason)


def _expect(value: Any, kind: type, shown: str, field: str, what: str) -> Any:
    # bool is an int in Python: a count of true is a wrong type, not 1
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise fail(shown, field, f"expected {what}, got {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


def _count(value: Any, shown: str, field: str) -> int:
    n = _expect(value, int, shown, field, "a whole number")
    if n < 0:
        raise fail(shown, field, f"expected a whole number of 0 or more, got {n}")
    return n


def _findings(value: Any, shown: str, field: str) -> tuple[tuple[str, str], ...]:
    out = []
    for i, item in enumerate(_expect(value, list, shown, field, "a list")):
        _expect(item, dict, shown, f"{field}[{i}]", "an object")
        out.append((_expect(item.get("id"), str, shown, f"{field}[{i}].id", "a string"),
                    _expect(item.get("text", ""), str, shown, f"{field}[{i}].text", "a string")))  # fmt: skip
    return tuple(out)


def _lynis(doc: Any, shown: str, field: str) -> LynisEvidence:
    _expect(doc, dict, shown, field, "an object")
    index = _count(doc.get("hardening_index"), shown, f"{field}.hardening_index")
    if index > 100:
        raise fail(shown, f"{field}.hardening_index", f"expected 0 to 100, got {index}")
    return LynisEvidence(index, _findings(doc.get("warnings", []), shown, f"{field}.warnings"),
                         _findings(doc.get("suggestions", []), shown, f"{field}.suggestions"))  # fmt: skip


def _oscap(profile: str, doc: Any, shown: str, field: str) -> OscapEvidence:
    _expect(doc, dict, shown, field, "an object")
    failing = _expect(doc.get("failing", []), list, shown, f"{field}.failing", "a list of rule ids")
    for i, rule in enumerate(failing):
        _expect(rule, str, shown, f"{field}.failing[{i}]", "a string")
    counts = {k: _count(doc.get(k), shown, f"{field}.{k}") for k in ("pass", "fail", "other")}
    if counts["fail"] != len(failing):
        raise fail(shown, f"{field}.fail", f"{counts['fail']} but {len(failing)} failing rule ids")
    return OscapEvidence(profile, counts["pass"], counts["fail"], counts["other"], tuple(failing))


def read_scanners(doc: Any, shown: str, field: str = "scanners") -> ScannerEvidence | None:
    """The ``scanners`` object of a host's evidence, every field checked; None when absent (not opted in)."""
    if doc is None:
        return None
    _expect(doc, dict, shown, field, "an object")
    unknown = sorted(set(doc) - {*SCANNERS, "not_run"})
    if unknown:
        raise fail(shown, f"{field}.{unknown[0]}", f"unknown: expected {', '.join(SCANNERS)} or not_run")
    lynis = _lynis(doc["lynis"], shown, f"{field}.lynis") if doc.get("lynis") is not None else None
    profiles = _expect(doc.get("openscap") or {}, dict, shown, f"{field}.openscap", "an object")
    oscap = tuple(_oscap(p, v, shown, f"{field}.openscap.{p}") for p, v in sorted(profiles.items()))
    not_run = _expect(doc.get("not_run") or {}, dict, shown, f"{field}.not_run", "an object")
    for name, reason in not_run.items():
        if name not in SCANNERS:
            raise fail(shown, f"{field}.not_run.{name}", f"unknown scanner: expected {', '.join(SCANNERS)}")
        _expect(reason, str, shown, f"{field}.not_run.{name}", "a string")
    return ScannerEvidence(lynis, oscap, tuple(sorted(not_run.items())))
