"""The JUnit XML report: a test suite per member, a test case per check and per host control."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from consortium.audit.evidence import HOST_FAILING
from consortium.audit.run import Audit, Result
from policies.framework import Check


def render(audit: Audit) -> str:
    """One test case per control x resource (or control x member for stack controls)."""
    results: dict[tuple[str, str, str], list[Result]] = defaultdict(list)
    for r in audit.results:
        key = (r.finding.control, r.finding.member, r.finding.urn)
        results[key].append(r)
    suites = ET.Element("testsuites", name="consortium audit")
    by_member: dict[str, list[Check]] = defaultdict(list)
    for c in audit.checks:
        by_member[c.member].append(c)
    for member in audit.members():
        suite = ET.SubElement(suites, "testsuite", name=member)
        failures = 0
        for c in by_member.get(member, []):
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
            for hc in h.controls:
                case = ET.SubElement(suite, "testcase", classname=f"{member}.{h.host}", name=f"{hc.id} {hc.title}")
                if hc.status in HOST_FAILING:
                    failures += 1
                    why = f": {hc.reason}" if hc.reason else ""
                    ET.SubElement(case, "failure", message=f"{h.host}: {hc.id} {hc.status}{why}", type=hc.id)
                elif hc.status == "not_applicable":
                    ET.SubElement(case, "skipped", message=f"not applicable: {hc.reason}")
                elif hc.status == "not_checked":
                    ET.SubElement(case, "skipped")
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(failures))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
