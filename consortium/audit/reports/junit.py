"""The JUnit XML report: a test suite per member, a test case per check and per host control.

A resource-level check is a case named after its resource. A stack-level check (one per member)
is one case whose failure names every resource that fails it (``VirtualNetworkPeering peer-x:
message``), since the case name itself is only the control and member. A result no check covers
still gets a case of its own, so every failing resource appears. Results and hosts are grouped
once, up front: the writer is linear in checks + results + host controls.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from consortium.audit.evidence import HOST_FAILING, HostEvidence
from consortium.audit.reports.summary import where
from consortium.audit.run import Audit, Result
from policies.framework import Check


def _line(r: Result, named: bool) -> str:
    """A result as one line: its resource named when the case's name does not say it."""
    return f"{where(r)}: {r.finding.message}" if named else r.finding.message


def _case(suite: ET.Element, classname: str, name: str, hits: list[Result], control: str, named: bool) -> bool:
    """One test case; True when it fails (any result of it is a mandatory failure)."""
    case = ET.SubElement(suite, "testcase", classname=classname, name=name)
    bad = [r for r in hits if r.status == "failed"]
    if bad:
        el = ET.SubElement(case, "failure", message=_line(bad[0], named), type=control)
        el.text = "\n".join(f"{_line(r, named)} (fix: {r.control.fix})" for r in bad)
        return True
    if hits:
        ET.SubElement(case, "system-out").text = "; ".join(f"{r.status}: {_line(r, named)}" for r in hits)
    return False


def _host_cases(suite: ET.Element, member: str, hosts: list[HostEvidence]) -> int:
    """A case per control of each host; returns the failures."""
    failures = 0
    for h in hosts:
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
    return failures


def render(audit: Audit) -> str:
    """One test case per control x resource (or control x member for stack controls)."""
    by_resource: dict[tuple[str, str, str], list[Result]] = defaultdict(list)
    by_control: dict[tuple[str, str], list[Result]] = defaultdict(list)
    for r in audit.results:
        by_resource[(r.finding.control, r.finding.member, r.finding.urn)].append(r)
        by_control[(r.finding.control, r.finding.member)].append(r)
    checks: dict[str, list[Check]] = defaultdict(list)
    for c in audit.checks:
        checks[c.member].append(c)
    hosts: dict[str, list[HostEvidence]] = defaultdict(list)
    for h in audit.hosts:
        hosts[h.member].append(h)
    # What the checks cover, to find results no check covers (a stack control's finding elsewhere).
    resource_checks = {(c.control, c.member, c.urn) for c in audit.checks if c.urn}
    stack_checks = {(c.control, c.member) for c in audit.checks if not c.urn}
    uncovered: dict[str, list[Result]] = defaultdict(list)
    for r in audit.results:
        f = r.finding
        if (f.control, f.member, f.urn) not in resource_checks and (f.control, f.member) not in stack_checks:
            uncovered[f.member].append(r)

    suites = ET.Element("testsuites", name="consortium audit")
    for member in audit.members():
        suite = ET.SubElement(suites, "testsuite", name=member)
        failures = 0
        for c in checks.get(member, []):
            classname = f"{member}.{c.control}"
            if c.urn:
                hits = by_resource.get((c.control, member, c.urn), [])
                failures += _case(suite, classname, c.name or c.urn, hits, c.control, named=False)
            else:
                hits = by_control.get((c.control, member), [])
                failures += _case(suite, classname, f"{c.control} ({member})", hits, c.control, named=True)
        for r in uncovered.get(member, []):
            name = r.finding.resource_name or f"{r.finding.control} ({member})"
            failures += _case(suite, f"{member}.{r.finding.control}", name, [r], r.finding.control, named=True)
        failures += _host_cases(suite, member, hosts.get(member, []))
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(failures))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
