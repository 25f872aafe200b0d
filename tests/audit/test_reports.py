"""Every report format on a small audit built by hand (no plan, no registry): shape, escaping, counts;
SARIF against the SARIF 2.1.0 schema; JUnit and SARIF on the planned example with a planted spoke-to-spoke
peering (a stack-level failure), and the JUnit writer's work as the audit grows."""

from __future__ import annotations

import html
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from consortium.audit.evidence import HostControl, HostEvidence
from consortium.audit.reports import RENDER, junit
from consortium.audit.reports.catalog import catalog
from consortium.audit.reports.crosswalk import crosswalk
from consortium.audit.reports.summary import summary_line
from consortium.audit.run import Audit, Result, run_audit
from consortium.audit.sources import plan_resources
from consortium.registry.load import Registry
from consortium.registry.models import Exemption
from policies.catalog import CATALOG, by_id
from policies.framework import Check, Finding
from policies.safeguards import IG1
from tests.policies.mutations import MUTATIONS

SARIF_SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-2.1.0.schema.json").read_text())
HOSTILE = "st<script>alert('x')</script>&"
STORAGE = "azure-native:storage:StorageAccount"


def _urn(member: str, name: str) -> str:
    return f"urn:pulumi:{member}::consortium::{STORAGE}::{name}"


def _result(control: str, status: str, name: str, member: str = "verona", exemption: Exemption | None = None) -> Result:
    finding = Finding(control, member, _urn(member, name), STORAGE, name, f"{name} is wrong", member)
    return Result(finding, by_id()[control], status, exemption)


def _exemption(control: str, member: str, approved_by: str, expires: date, reason: str) -> Exemption:
    return Exemption(control=control, member=member, approved_by=approved_by, expires=expires, reason=reason)


EXEMPTION = _exemption(
    "MCS-STO-011", "verona", "Board resolution 2026-14", date(2027, 6, 30), "Replication to the county archive."
)
EXPIRED = _exemption("MCS-KV-001", "fitchburg", "someone", date(2025, 1, 1), "an old exemption that has run out")


@pytest.fixture
def audit() -> Audit:
    """verona fails TLS on a hostile name and has an exempted finding; fitchburg passes; one host drifts."""
    results = [
        _result("MCS-STO-001", "failed", HOSTILE),
        _result("MCS-STO-011", "exempted", "starchive", exemption=EXEMPTION),
    ]
    checks = [
        Check("MCS-STO-001", "verona", _urn("verona", HOSTILE), HOSTILE),
        Check("MCS-STO-011", "verona", _urn("verona", "starchive"), "starchive"),
        Check("MCS-STO-001", "fitchburg", _urn("fitchburg", "stfitchburg"), "stfitchburg"),
    ]
    hosts = [
        HostEvidence(
            "ver-app01",
            "verona",
            True,
            (
                HostControl("LNX-SSH-001", "SSH root login off", "compliant", ("4.1",)),
                HostControl("LNX-SSH-002", "SSH idle timeout", "drift", ("4.3",)),
                HostControl("WIN-LAPS-001", "LAPS", "not_applicable", ("5.2",), "domain controller"),
            ),
        )
    ]
    return Audit(
        "plan <hostile> & 'quoted'",
        results,
        checks,
        expired=[(1, EXPIRED)],
        unused=[],
        today=date(2026, 12, 6),
        hosts=hosts,
    )


@pytest.fixture
def peering_audit(records: list[dict[str, Any]], example_registry: Registry) -> Audit:
    """The example consortium planned, with verona peered straight to fitchburg's spoke."""
    mutate, _ = MUTATIONS["MCS-ISO-002"]
    mutate(records)
    return run_audit(
        plan_resources(records), source="plan", registry=example_registry, exemptions=[], today=date(2026, 12, 6)
    )


def test_every_format_renders_the_same_audit_deterministically(audit: Audit) -> None:
    assert set(RENDER) == {"text", "json", "junit", "sarif", "html", "markdown"}
    for fmt, render in RENDER.items():
        out = render(audit)
        assert out.endswith("\n") and out == render(audit), fmt


def test_summary_counts_results_hosts_and_expired_exemptions(audit: Audit) -> None:
    assert summary_line(audit) == (
        f"3 checks, {len(CATALOG)} controls, 2 members: 1 failed, 0 advisory, 1 exempted, 1 expired exemptions; "
        "1 hosts baselined, 1 failing: 1 with drift"
    )


def test_text_gives_each_member_its_verdict_before_its_counts_and_ends_with_the_summary(audit: Audit) -> None:
    lines = RENDER["text"](audit).splitlines()
    # no registry: no consortium name, members by slug
    assert lines[0] == "Security audit"
    assert lines[1].startswith("Audit of 2026-12-06; source: plan <hostile> & 'quoted'; toolkit ")
    assert lines[2] == "2 of 2 members fail the standard"
    # fitchburg passes its one check, yet its exemption has expired: it fails, and says why
    at = lines.index("fitchburg (fitchburg): Expired exemption")
    assert lines[at + 1 : at + 3] == [
        "  expired exemption: MCS-KV-001, approved by someone, expired 2025-01-01",
        "  1 of 1 check passed, 0 advisory findings, 0 exempted",
    ]
    at = lines.index("verona (verona): Fails 1 mandatory control; 1 host failing the baseline")
    assert lines[at + 1 : at + 4] == [
        "  high: MCS-STO-001 Storage accounts require TLS 1.2 or newer",
        "  host ver-app01: LNX-SSH-002 drift",
        "  1 of 2 checks passed, 0 advisory findings, 1 exempted, 1 host baselined",  # an exempted finding passes
    ]
    assert f"            StorageAccount {HOSTILE}: {HOSTILE} is wrong" in lines
    assert (
        "  verona ver-app01: 1 compliant, 1 drift, 0 error, 1 not applicable "
        "(LNX-SSH-002 drift; WIN-LAPS-001 not applicable: domain controller)"
    ) in lines
    assert lines[-2].startswith("EXPIRED exemption #1 (MCS-KV-001 for fitchburg")
    assert lines[-1] == summary_line(audit)


def test_json_carries_verdicts_scores_results_and_exemptions(audit: Audit) -> None:
    doc = json.loads(RENDER["json"](audit))
    assert doc["exit_code"] == 1 and doc["date"] == "2026-12-06"
    assert doc["consortium"] == "" and doc["title"] == "Security audit"
    assert doc["toolkit_version"] and doc["catalog_version"].startswith(f"{len(CATALOG)} controls, ")
    assert doc["overall"] == "2 of 2 members fail the standard"
    assert [(v["member"], v["status"], v["verdict"]) for v in doc["verdicts"]] == [
        ("fitchburg", "fails", "Expired exemption"),
        ("verona", "fails", "Fails 1 mandatory control; 1 host failing the baseline"),
    ]
    verona = doc["verdicts"][1]
    assert verona["failed_controls"] == [
        {"control": "MCS-STO-001", "severity": "high", "title": "Storage accounts require TLS 1.2 or newer"}
    ]
    assert verona["failing_hosts"] == ["ver-app01"] and verona["exempted"] == 1 and not verona["shared"]
    assert doc["verdicts"][0]["expired_exemptions"] == ["MCS-KV-001"]
    assert doc["members"] == {"fitchburg": {"passed": 1, "total": 1}, "verona": {"passed": 1, "total": 2}}
    assert [(r["control"], r["status"], r["name"]) for r in doc["results"]] == [
        ("MCS-STO-001", "failed", HOSTILE),
        ("MCS-STO-011", "exempted", "starchive"),
    ]
    assert doc["results"][0]["risk"] == by_id()["MCS-STO-001"].rationale
    assert doc["results"][1]["exemption"]["approved_by"] == "Board resolution 2026-14"
    assert [e["control"] for e in doc["expired_exemptions"]] == ["MCS-KV-001"]
    assert doc["hosts"][0]["failing"] == ["LNX-SSH-002"]
    assert doc["hosts"][0]["controls"]["WIN-LAPS-001"]["reason"] == "domain controller"


def test_junit_parses_with_a_suite_per_member_and_a_case_per_check_and_host_control(audit: Audit) -> None:
    suites = ET.fromstring(RENDER["junit"](audit))
    by_name = {s.get("name"): s for s in suites.findall("testsuite")}
    assert set(by_name) == {"fitchburg", "verona"}
    verona = by_name["verona"]
    assert verona.get("tests") == "5" and verona.get("failures") == "2"
    assert [f.get("type") for f in verona.iter("failure")] == ["MCS-STO-001", "LNX-SSH-002"]
    assert [s.get("message") for s in verona.iter("skipped")] == ["not applicable: domain controller"]
    assert by_name["fitchburg"].get("failures") == "0"
    exempted = verona.find("testcase[@name='starchive']/system-out")
    assert exempted is not None and exempted.text == "exempted: starchive is wrong"


def test_sarif_rules_are_the_catalog_then_failing_host_controls_and_results_point_at_their_rule(audit: Audit) -> None:
    doc = json.loads(RENDER["sarif"](audit))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    # the drifting host control is a rule after the catalog's; compliant and not-applicable ones are not
    assert [r["id"] for r in rules] == [*(c.id for c in CATALOG), "LNX-SSH-002"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"] and result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    failed, exempted, drift = run["results"]
    assert failed["level"] == "error" and "suppressions" not in failed
    assert exempted["level"] == "note"
    assert exempted["suppressions"] == [{"kind": "external", "justification": EXEMPTION.reason}]
    assert drift["level"] == "error" and drift["message"]["text"] == "verona: ver-app01: LNX-SSH-002 drift"
    assert drift["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "verona/ver-app01"


def test_sarif_validates_against_the_sarif_2_1_0_schema(audit: Audit, peering_audit: Audit) -> None:
    validator = jsonschema.Draft202012Validator(SARIF_SCHEMA)
    validator.check_schema(SARIF_SCHEMA)
    for a in (audit, peering_audit, Audit("nothing", [], [], today=date(2026, 12, 6))):
        doc = json.loads(RENDER["sarif"](a))
        assert [e.message for e in validator.iter_errors(doc)] == []
    # the schema is no formality: a level SARIF does not know is refused
    doc["runs"][0]["results"] = [{"message": {"text": "x"}, "level": "fatal"}]
    refused = [e.message for e in validator.iter_errors(doc)]
    assert refused == ["'fatal' is not one of ['none', 'note', 'warning', 'error']"]


def test_junit_and_sarif_name_the_resource_that_fails_a_stack_level_control(peering_audit: Audit) -> None:
    (result,) = [r for r in peering_audit.results if r.finding.control == "MCS-ISO-002"]
    assert result.status == "failed" and result.finding.resource_name == "peer-verona-to-fitchburg"
    verona = ET.fromstring(RENDER["junit"](peering_audit)).find("testsuite[@name='verona']")
    assert verona is not None
    case = verona.find("testcase[@classname='verona.MCS-ISO-002']")
    assert case is not None and case.get("name") == "MCS-ISO-002 (verona)"  # the check: one per member
    failure = case.find("failure")
    assert failure is not None
    peering = "VirtualNetworkPeering peer-verona-to-fitchburg"
    named = f"{peering}: verona's peering reaches fitchburg's network vnet-fitchburg"
    assert failure.get("message") == named
    assert failure.text == f"{named} (fix: Remove the peering.)"
    # MCS-NET-009's message names the two VNets; the case names the peering that joins them
    net = verona.find("testcase[@classname='verona.MCS-NET-009']/failure")
    assert net is not None and net.get("message", "").startswith(f"{peering}: peering vnet-verona -> vnet-fitchburg ")
    sarif = json.loads(RENDER["sarif"](peering_audit))
    (iso,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "MCS-ISO-002"]
    assert iso["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == result.finding.urn
    assert iso["message"]["text"] == f"verona: {named}"


def test_junit_gives_a_result_no_check_covers_a_case_of_its_own() -> None:
    """A stack control may blame a resource of a member it recorded no check for: the failure must
    still appear, named, in that member's suite."""
    failing = _result("MCS-ISO-001", "failed", "stwaunakee", member="waunakee")
    audit = Audit("hand-made", [failing], [Check("MCS-STO-001", "verona", _urn("verona", "stverona"), "stverona")])
    suite = ET.fromstring(RENDER["junit"](audit)).find("testsuite[@name='waunakee']")
    assert suite is not None and suite.get("tests") == "1" and suite.get("failures") == "1"
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "stwaunakee" and case.get("classname") == "waunakee.MCS-ISO-001"
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "StorageAccount stwaunakee: stwaunakee is wrong"


def _stack_audit(members: int) -> Audit:
    """Every member fails two stack-level controls on two resources each (a large consortium's shape)."""
    results, checks = [], []
    for i in range(members):
        member = f"m{i:04d}"
        for control in ("MCS-ISO-001", "MCS-ISO-002"):
            checks.append(Check(control, member, "", ""))
            results += [_result(control, "failed", f"st{member}{n}", member=member) for n in range(2)]
    return Audit("scale", results, checks, today=date(2026, 12, 6))


def _junit_lines_executed(audit: Audit) -> int:
    """Lines the JUnit writer executes (a loop's every turn counts): its work, without timing it."""
    count = 0

    def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal count
        if frame.f_code.co_filename == junit.__file__:
            if event == "line":
                count += 1
            return tracer
        return None

    previous = sys.gettrace()  # a coverage tool's tracer, put back afterwards
    sys.settrace(tracer)
    try:
        junit.render(audit)
    finally:
        sys.settrace(previous)
    return count


def test_junit_writer_work_grows_linearly_with_stack_level_checks_and_results() -> None:
    """It used to scan every result for every stack-level check: 3.4x the text report's time on 351
    members. Doubling the consortium must (about) double the writer's work, not quadruple it."""
    small, large = _junit_lines_executed(_stack_audit(100)), _junit_lines_executed(_stack_audit(200))
    assert large <= 2.1 * small, (small, large)


def test_html_escapes_hostile_names_and_titles(audit: Audit) -> None:
    page = RENDER["html"](audit)
    assert "<script>" not in page and "'x'" not in page
    assert "st&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;" in page
    assert "Source: plan &lt;hostile&gt; &amp; &#x27;quoted&#x27;</p>" in page
    assert page.startswith("<!doctype html>\n<html lang=en>") and page.endswith("</html>\n")
    assert "<link" not in page and "src=" not in page and "<script" not in page  # self-contained
    assert "&lt;span" not in page and "&lt;table" not in page  # markup from the template is not escaped twice


def test_html_matrix_shows_the_worst_result_per_control_and_member_in_symbols_and_words(audit: Audit) -> None:
    page = RENDER["html"](audit)
    row = next(line for line in page.splitlines() if line.startswith("<tr><th scope=row class=ctl>MCS-STO-001 "))
    # members in order fitchburg, verona: a pass where checked clean, a failure where the finding is
    assert row.endswith(
        "<td class=pass><span aria-hidden=true>✓</span><span class=vh>passed</span></td>"
        "<td class=fail><span aria-hidden=true>✗</span><span class=vh>failed</span></td></tr>"
    )
    unchecked = next(line for line in page.splitlines() if line.startswith("<tr><th scope=row class=ctl>MCS-KV-001 "))
    dash = "<td class=none><span aria-hidden=true>\u2013</span><span class=vh>not checked</span></td>"
    assert unchecked.endswith(dash * 2 + "</tr>")
    # every symbol of the matrix is in the legend, in words
    for mark, words in (
        ("✓", "passed"),
        ("✗", "failed"),
        ("!", "advisory"),
        ("E", "exempted"),
        ("\u2013", "not checked"),
    ):
        assert f">{mark}</dt><dd>{words}: " in page


def test_html_puts_each_members_verdict_first_and_findings_with_risk_and_fix(audit: Audit) -> None:
    page = RENDER["html"](audit)
    assert "<title>Security audit &middot; 2026-12-06</title>" in page
    assert "<p class=overall>2 of 2 members fail the standard." in page
    verona = page[page.index('<section class=member id="m-verona"') :]
    verona = verona[: verona.index("</section>")]
    assert (
        '<p class="verdict fails"><span class=badge>Fails 1 mandatory control; 1 host failing the baseline</span>'
        in verona
    )
    assert "<li>high: MCS-STO-001 Storage accounts require TLS 1.2 or newer</li>" in verona
    assert verona.index("Fails 1 mandatory control") < verona.index("1 of 2 checks passed")  # the verdict first
    tls = by_id()["MCS-STO-001"]
    row = next(line for line in verona.splitlines() if line.startswith("<tr class=fail><th scope=row>MCS-STO-001"))
    assert "<td>StorageAccount st&lt;script" in row and f"<td>{html.escape(tls.rationale)}</td>" in row
    assert f"<td>{html.escape(tls.fix)}</td>" in row
    assert "<caption>Violations covered by an exemption in force</caption>" in verona
    assert "approved by Board resolution 2026-14, until 2027-06-30" in verona
    assert "<h3>Host baselines</h3>" in verona and "<li>verona ver-app01: " in verona
    fitchburg = page[page.index('<section class=member id="m-fitchburg"') :]
    fitchburg = fitchburg[: fitchburg.index("</section>")]
    assert "<span class=badge>Expired exemption</span>" in fitchburg and "<p>No findings.</p>" in fitchburg
    assert "<td>someone</td><td>2025-01-01</td>" in fitchburg
    # the register: every exemption apart, with approver and expiry
    register = page[page.index("<h2 id=register-h>") :]
    assert (
        "<td>MCS-STO-011</td><td>all its resources</td><td>in force</td><td>Board resolution 2026-14</td>" in register
    )
    assert "<td>MCS-KV-001</td><td>all its resources</td><td>expired</td><td>someone</td>" in register
    assert "<p>EXPIRED exemption #1 (MCS-KV-001 for fitchburg" in page


def test_html_is_accessible_and_printable(audit: Audit) -> None:
    page = RENDER["html"](audit)
    assert "<html lang=en>" in page
    assert "<th>" not in page  # every header cell says what it heads
    assert page.count("<th scope=col>") > 10 and "<th scope=row" in page
    assert "@media print{" in page and "section.member,section.appendix{break-before:page}" in page
    assert "tr,td,th{break-inside:avoid}" in page and "thead{display:table-header-group}" in page


def test_hub_is_shared_not_a_member() -> None:
    checks = [
        Check("MCS-STO-001", "verona", _urn("verona", "stverona"), "stverona"),
        Check("MCS-STO-001", "hub", _urn("hub", "sthub"), "sthub"),
    ]
    audit = Audit("plan", [_result("MCS-STO-001", "failed", "sthub", member="hub")], checks, today=date(2026, 12, 6))
    assert summary_line(audit).startswith("2 checks, 66 controls, 1 member and the shared hub: 1 failed")
    text = RENDER["text"](audit)
    assert "verona meets the standard; Shared hub fails it too" in text
    assert "shared (not a member; protects the members connected to it):\n\nShared hub (hub): Fails 1" in text
    doc = json.loads(RENDER["json"](audit))
    assert [(v["member"], v["shared"]) for v in doc["verdicts"]] == [("verona", False), ("hub", True)]
    page = RENDER["html"](audit)
    assert "<h3>Shared hub</h3>" in page and "<th scope=col>Shared hub (shared)</th>" in page
    markdown = RENDER["markdown"](audit)
    assert "| Shared hub (`hub`) | **Fails 1 mandatory control**<br>high: MCS-STO-001 " in markdown


def test_markdown_tables_and_sections(audit: Audit) -> None:
    page = RENDER["markdown"](audit)
    assert page.startswith("# Security audit\n\nAudit of 2026-12-06; source: plan <hostile> & 'quoted'; ")
    assert "**2 of 2 members fail the standard.**" in page
    assert (
        "| verona (`verona`) | **Fails 1 mandatory control; 1 host failing the baseline**<br>high: MCS-STO-001 "
        "Storage accounts require TLS 1.2 or newer<br>host ver-app01: LNX-SSH-002 drift | 1 of 2 | 0 | 1 |"
    ) in page
    assert "| fitchburg (`fitchburg`) | **Expired exemption**<br>expired exemption: MCS-KV-001, " in page
    assert "%" not in page  # no percentage to hide a failure behind
    assert "| failed | MCS-STO-001 Storage accounts require TLS 1.2 or newer | high | " in page
    assert "### fitchburg (`fitchburg`)\n\nNo findings." in page
    assert "| fitchburg | MCS-KV-001 | all its resources | expired | someone | 2025-01-01 |" in page
    assert "## Host baselines" in page and "## Exemptions" in page
    empty = Audit("nothing", [], [], today=date(2026, 12, 6))
    assert "## Findings\n\nNo findings.\n" in RENDER["markdown"](empty)
    assert "## Exemptions" not in RENDER["markdown"](empty)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_catalog_and_crosswalk_list_every_control_and_safeguard(fmt: str) -> None:
    listing, walk = catalog(fmt), crosswalk(fmt)
    assert all(c.id in listing for c in CATALOG)
    assert all(sid in walk for sid, _ in IG1)
    if fmt == "json":
        assert [c["id"] for c in json.loads(listing)] == [c.id for c in CATALOG]
        assert json.loads(walk)["total"] == len(IG1)
