"""Host baseline evidence (the JSON playbooks/baseline_audit.yml writes) inside `consortium audit`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import REPO
from tests.registry.helpers import cli


def _evidence(host: str, statuses: dict[str, str], reachable: bool = True) -> dict[str, Any]:
    """A file shaped like the consortium_evidence callback's output."""
    return {
        "host": host,
        "play": "Consortium Linux baseline audit (check mode)",
        "generated": "2026-11-23T18:00:00+00:00",
        "reachable": reachable,
        "summary": {
            s: sorted(c for c, v in statuses.items() if v == s)
            for s in ("not_checked", "compliant", "not_applicable", "drift", "error", "unreachable")
        },
        "controls": {
            cid: {
                "status": status,
                "title": f"title of {cid}",
                "safeguards": ["4.1"],
                "tasks": [{"task": "a task", "outcome": "ok"}],
            }
            for cid, status in statuses.items()
        },
    }


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "ver-app01.json").write_text(
        json.dumps(_evidence("ver-app01", {"LNX-SSH-001": "compliant", "LNX-SSH-002": "compliant"}))
    )
    (folder / "fit-app01.json").write_text(
        json.dumps(_evidence("fit-app01", {"LNX-SSH-001": "compliant", "LNX-FW-001": "not_checked"}))
    )
    return folder


def test_compliant_hosts_pass_and_are_tied_to_their_member(evidence: Path) -> None:
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 0, result.out
    assert "verona ver-app01: 2 compliant, 0 drift, 0 error" in result.out
    assert "fitchburg fit-app01: 1 compliant, 0 drift, 0 error" in result.out
    assert "; 2 hosts baselined, 0 failing\n" in result.out


def test_drift_on_a_host_fails_the_audit(evidence: Path, tmp_path: Path) -> None:
    (evidence / "ver-app01.json").write_text(
        json.dumps(_evidence("ver-app01", {"LNX-SSH-001": "compliant", "LNX-SSH-002": "drift"}))
    )
    plan = tmp_path / "plan.json"
    assert cli("plan", "--member", "verona", "--json", plan, "--registry", REPO).code == 0
    result = cli("audit", "--plan", plan, "--evidence", evidence, "--registry", REPO)
    assert result.code == 1
    assert "verona ver-app01: 1 compliant, 1 drift, 0 error (LNX-SSH-002 drift)" in result.out
    assert "0 failed" in result.out and "; 2 hosts baselined, 1 failing: 1 with drift\n" in result.out
    junit = cli("audit", "--plan", plan, "--evidence", evidence, "--registry", REPO, "--format", "junit")
    failures = ET.fromstring(junit.out).findall(".//testsuite[@name='verona']/testcase/failure")
    assert [f.get("type") for f in failures] == ["LNX-SSH-002"]
    doc = json.loads(cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "json").out)
    assert {h["host"]: h["failing"] for h in doc["hosts"]} == {"fit-app01": [], "ver-app01": ["LNX-SSH-002"]}


def test_unreachable_host_fails_and_unknown_host_is_reported(evidence: Path) -> None:
    (evidence / "stray01.json").write_text(json.dumps(_evidence("stray01", {"LNX-SSH-001": "unreachable"}, False)))
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 1
    assert "unknown stray01: 0 compliant, 0 drift, 0 error, unreachable (LNX-SSH-001 unreachable)" in result.out
    assert "; 3 hosts baselined, 1 failing: 1 unreachable\n" in result.out


def _report(evidence: Path, fmt: str, code: int) -> str:
    """`consortium audit --evidence` in one format; every format must exit with ``code``."""
    result = cli("audit", "--evidence", evidence, "--registry", REPO, "--format", fmt)
    assert result.code == code, (fmt, result.out)
    return result.out


def _host_in_every_format(evidence: Path, host: str, line: str, summary: str, code: int) -> dict[str, Any]:
    """The host's line in the text (with the summary), Markdown and HTML reports; its JSON entry."""
    text = _report(evidence, "text", code)
    assert line in text and summary in text
    assert f"- {line}" in _report(evidence, "markdown", code)
    assert f"<li>{line}</li>" in _report(evidence, "html", code).replace("&#x27;", "'")
    return next(h for h in json.loads(_report(evidence, "json", code))["hosts"] if h["host"] == host)


def _junit_case(evidence: Path, member: str, failures: str, control: str, code: int) -> ET.Element:
    """The JUnit test case of a host control, once its member's suite counts ``failures``."""
    suite = ET.fromstring(_report(evidence, "junit", code)).find(f".//testsuite[@name='{member}']")
    assert suite is not None and suite.get("failures") == failures
    return next(c for c in suite.findall("testcase") if c.get("name", "").startswith(control))


def _control(status: str, cid: str, reason: str) -> dict[str, Any]:
    """A host control as the JSON report gives it, from evidence written by :func:`_evidence`."""
    return {"status": status, "title": f"title of {cid}", "safeguards": ["4.1"], "reason": reason}


def test_not_applicable_is_reported_with_its_reason_in_every_format_and_fails_nothing(evidence: Path) -> None:
    doc = _evidence("fit-fs01", {"WIN-PWD-001": "compliant", "WIN-LAPS-001": "not_applicable"})
    reason = "WARNING fit-fs01: a domain controller cannot back up its LAPS (DSRM) password to Entra ID"
    doc["controls"]["WIN-LAPS-001"]["reason"] = reason
    (evidence / "fit-fs01.json").write_text(json.dumps(doc))
    line = (
        f"fitchburg fit-fs01: 1 compliant, 0 drift, 0 error, 1 not applicable (WIN-LAPS-001 not applicable: {reason})"
    )

    # not applicable is no failure, in any format (exit 0)
    host = _host_in_every_format(evidence, "fit-fs01", line, "; 3 hosts baselined, 0 failing\n", 0)
    assert host["failing"] == [] and host["controls"]["WIN-LAPS-001"] == _control(
        "not_applicable", "WIN-LAPS-001", reason
    )
    assert "reason" not in host["controls"]["WIN-PWD-001"]
    laps = _junit_case(evidence, "fitchburg", "0", "WIN-LAPS-001", 0)
    assert laps.find("skipped").get("message") == f"not applicable: {reason}"
    assert json.loads(_report(evidence, "sarif", 0))["runs"][0]["results"] == []  # host evidence is no SARIF finding


def test_controls_a_stopped_run_never_checked_fail_with_the_reason_in_every_format(evidence: Path) -> None:
    """A host whose run stopped at a failed task: the controls it never checked are errors whose
    shared reason names that task, reported once per reason; the host fails the audit."""
    statuses = {"LNX-SSH-001": "compliant", "LNX-FW-001": "error", "LNX-SYS-001": "error", "LNX-TIME-001": "error"}
    doc = _evidence("fit-app02", statuses)
    failed = "'linux_server_baseline : LNX-FW-001 | nftables loads the ruleset' failed: Failed to connect to bus"
    stopped = "not checked: the run stopped at 'linux_server_baseline : LNX-FW-001 | nftables loads the ruleset'"
    doc["controls"]["LNX-FW-001"]["reason"] = failed
    for cid in ("LNX-SYS-001", "LNX-TIME-001"):
        doc["controls"][cid] |= {"reason": stopped, "tasks": []}
    (evidence / "fit-app02.json").write_text(json.dumps(doc))
    line = (
        f"unknown fit-app02: 1 compliant, 0 drift, 3 error (LNX-FW-001 error: {failed}; "
        f"LNX-SYS-001, LNX-TIME-001 error: {stopped})"
    )

    # The stopped host counts as a host with errors, not as one with drift.
    host = _host_in_every_format(evidence, "fit-app02", line, "; 3 hosts baselined, 1 failing: 1 with errors\n", 1)
    assert host["failing"] == ["LNX-FW-001", "LNX-SYS-001", "LNX-TIME-001"]
    assert host["controls"]["LNX-SYS-001"] == _control("error", "LNX-SYS-001", stopped)
    assert "reason" not in host["controls"]["LNX-SSH-001"]
    sys = _junit_case(evidence, "unknown", "3", "LNX-SYS-001", 1)
    assert sys.find("failure").get("message") == f"fit-app02: LNX-SYS-001 error: {stopped}"


def test_the_summary_counts_failing_hosts_once_each_by_their_worst_failure(evidence: Path) -> None:
    """Drift, errors (a stopped run) and unreachable hosts are named apart in the summary line, a
    host with both drift and an error counted once, with errors; the compliant hosts are in no part."""
    hosts = {
        "ver-app02": ({"LNX-SSH-001": "drift", "LNX-SSH-002": "compliant"}, True),
        "ver-app03": ({"LNX-SSH-001": "drift", "LNX-FW-001": "error"}, True),
        "ver-app04": ({"LNX-SSH-001": "error"}, True),
        "ver-app05": ({"LNX-SSH-001": "unreachable"}, False),
    }
    for host, (statuses, reachable) in hosts.items():
        (evidence / f"{host}.json").write_text(json.dumps(_evidence(host, statuses, reachable)))
    summary = "; 6 hosts baselined, 4 failing: 1 with drift, 2 with errors, 1 unreachable"
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 1 and result.out.endswith(f"{summary}\n"), result.out
    doc = json.loads(cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "json").out)
    assert doc["summary"].endswith(summary)
