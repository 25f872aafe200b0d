"""What the auditors' scanners said about a host: Lynis' report and OpenSCAP's results.

Both are read from the files the scanners write on the host (``/var/log/lynis-report.dat``; an ARF
file from ``oscap xccdf eval --results-arf``), so the lab tests, ``bench/hardening_score.py`` and the
audit's evidence judge the same thing the same way. Only the standard library: the ARF is parsed
as a stream (it is tens of MB) with expat, which resolves no external entities.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from consortium.registry.errors import fail

XCCDF_NS = "http://checklists.nist.gov/xccdf/1.2"
#: SSG's prefixes of XCCDF ids; rules are named without them in controls.yml and in reports.
RULE_PREFIX = "xccdf_org.ssgproject.content_rule_"
PROFILE_PREFIX = "xccdf_org.ssgproject.content_profile_"
#: Results that are neither a pass nor a finding (the rule does not apply, or oscap could not judge it).
NEUTRAL_RESULTS = ("notapplicable", "notchecked", "notselected", "informational")


@dataclass(frozen=True)
class LynisReport:
    """Lynis' ``/var/log/lynis-report.dat``: the hardening index, its findings and the tests it ran."""

    hardening_index: int
    warnings: tuple[tuple[str, str], ...]  # (test id, text)
    suggestions: tuple[tuple[str, str], ...]
    tests_executed: frozenset[str]

    def flagged(self) -> set[str]:
        """Test ids with a warning or a suggestion."""
        return {tid for tid, _ in self.warnings + self.suggestions}

    def passed(self, test_id: str) -> bool:
        """Lynis ran the test and raised neither a warning nor a suggestion for it."""
        return test_id in self.tests_executed and test_id not in self.flagged()


@dataclass(frozen=True)
class OscapResults:
    """One ``oscap xccdf eval`` of one profile: the result of every rule (ids without SSG's prefix)."""

    profile: str  # without SSG's prefix: anssi_bp28_intermediary
    results: dict[str, str] = field(default_factory=dict)

    def count(self, result: str) -> int:
        return Counter(self.results.values())[result]

    def with_result(self, *results: str) -> list[str]:
        return sorted(rule for rule, r in self.results.items() if r in results)

    @property
    def failing(self) -> list[str]:
        """Rules that failed or erred (an error is a finding the auditor must look at, too)."""
        return self.with_result("fail", "error", "unknown")


def parse_lynis_report(text: str, shown: str = "lynis-report.dat") -> LynisReport:
    """The fields of a Lynis report we use; ``shown`` names the file in the error of a bad one."""
    index: int | None = None
    warnings: list[tuple[str, str]] = []
    suggestions: list[tuple[str, str]] = []
    executed: set[str] = set()
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key == "hardening_index":
            if not value.strip().isdigit():
                raise fail(shown, "hardening_index", f"expected a number, got {value.strip()!r}")
            index = int(value)
        elif key in ("warning[]", "suggestion[]"):
            # TEST-ID|text|details|solution
            tid, _, rest = value.partition("|")
            (warnings if key == "warning[]" else suggestions).append((tid, rest.partition("|")[0]))
        elif key == "tests_executed":
            executed.update(t for t in value.split("|") if t)
    if index is None:
        raise fail(shown, "hardening_index", "missing: not a finished Lynis audit report")
    return LynisReport(index, tuple(warnings), tuple(suggestions), frozenset(executed))


def parse_arf(path: Path, shown: str | None = None) -> OscapResults:
    """The rule results of an ARF (or plain XCCDF results) file of one ``oscap xccdf eval``."""
    shown = shown or str(path)
    profile = ""
    results: dict[str, str] = {}
    try:
        for _, elem in ET.iterparse(path, events=("end",)):
            if elem.tag == f"{{{XCCDF_NS}}}profile" and elem.get("idref") and not profile:
                profile = elem.get("idref", "").removeprefix(PROFILE_PREFIX)
            elif elem.tag == f"{{{XCCDF_NS}}}rule-result":
                outcome = elem.find(f"{{{XCCDF_NS}}}result")
                rule = elem.get("idref", "").removeprefix(RULE_PREFIX)
                if outcome is None or not rule:
                    raise fail(shown, "rule-result", "without an idref or a result")
                results[rule] = (outcome.text or "").strip()
                elem.clear()  # the ARF also carries the whole data stream: keep memory flat
    except ET.ParseError as exc:
        raise fail(shown, "xml", str(exc)) from None
    except OSError as exc:
        raise fail(shown, "file", exc.strerror or str(exc)) from None
    if not results:
        raise fail(shown, "rule-result", "none: not the results of an oscap xccdf eval")
    return OscapResults(profile, results)
