"""MCS-BAK-009 in ``consortium audit --evidence``: a protected server without a drill, with a failed
drill or a drill older than 30 days fails; a passing drill within 30 days is quiet; every report format
carries the finding; the audit's date is the one judged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from consortium.backups.controls import drill_controls, drill_resources
from consortium.registry.load import load_registry
from policies.framework import evaluate
from tests.audit.test_evidence import _evidence
from tests.conftest import REPO
from tests.registry.helpers import cli

from .helpers import drill, write

PROTECTED = ("fit-app01", "fit-web01", "mcf-nvr01", "mid-app01", "sp-log01", "ver-app01")
MEMBER = {"fit-app01": "fitchburg", "fit-web01": "fitchburg", "mcf-nvr01": "mcfarland", "mid-app01": "middleton",
          "sp-log01": "sun-prairie", "ver-app01": "verona"}  # fmt: skip


def _findings(drills: dict, as_of: date) -> dict[str, str]:
    from consortium.backups.drills import parse_drill

    reg = load_registry(REPO)
    parsed = {h: parse_drill(d, f"{h}.json") for h, d in drills.items()}
    result = evaluate(drill_controls(as_of), drill_resources(reg, parsed))
    assert {c.name for c in result.checks} == set(PROTECTED)  # every protected server judged, none skipped
    return {f.resource_name: f.message for f in result.findings}


def test_recent_passing_drills_are_quiet_and_the_rest_fire() -> None:
    now = datetime(2026, 12, 10, 12, tzinfo=UTC)
    drills = {h: drill(h, member=MEMBER[h], age=timedelta(days=3), now=now) for h in PROTECTED}
    assert _findings(drills, now.date()) == {}
    drills["ver-app01"] = drill("ver-app01", age=timedelta(days=31), now=now)
    drills["fit-app01"] = drill("fit-app01", member="fitchburg", result="failed", error="restic exited 1", now=now)
    del drills["sp-log01"]
    found = _findings(drills, now.date())
    assert set(found) == {"ver-app01", "fit-app01", "sp-log01"}
    assert "31 days ago" in found["ver-app01"] and "at most 30" in found["ver-app01"]
    assert "failed: restic exited 1" in found["fit-app01"]
    assert "no restore drill evidence" in found["sp-log01"]
    # Exactly 30 days is still within the window; the judged date moves the window.
    drills = {h: drill(h, member=MEMBER[h], age=timedelta(days=30), now=now) for h in PROTECTED}
    assert _findings(drills, now.date()) == {}
    assert set(_findings(drills, now.date() + timedelta(days=1))) == set(PROTECTED)


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "ver-app01.json").write_text(json.dumps(_evidence("ver-app01", {"LNX-SSH-001": "compliant"})))
    for h in PROTECTED:
        write(folder / "drills", drill(h, member=MEMBER[h]))
    return folder


def test_audit_evidence_judges_the_drills_in_every_format(evidence: Path) -> None:
    ok = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert ok.code == 0, ok.out
    assert "restore drills of 6 of 6 protected servers" in ok.out
    (evidence / "drills" / "mid-app01.json").unlink()
    failed = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert failed.code == 1
    assert "MCS-BAK-009" in failed.out and "no restore drill evidence" in failed.out
    doc = json.loads(cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "json").out)
    text = json.dumps(doc)
    assert "MCS-BAK-009" in text and "mid-app01" in text
    for fmt in ("markdown", "html", "junit", "sarif"):
        report = cli("audit", "--evidence", evidence, "--registry", REPO, "--format", fmt)
        assert report.code == 1 and "MCS-BAK-009" in report.out and "mid-app01" in report.out, fmt
    # --date judges as of another day: every drill (2 days old now) is too old 40 days on.
    later = (date.today() + timedelta(days=40)).isoformat()
    stale = cli("audit", "--evidence", evidence, "--registry", REPO, "--date", later, "--format", "json")
    assert stale.out.count("days ago") == 5


def test_no_drills_directory_is_a_warning_and_a_bad_drill_is_exit_2(evidence: Path) -> None:
    write(evidence / "drills", drill("ver-app01", result="maybe"))
    bad = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert bad.code == 2 and bad.err_lines == [
        f"{evidence / 'drills' / 'ver-app01.json'}: result: expected one of passed, failed, got 'maybe'"
    ]
    for f in (evidence / "drills").iterdir():
        f.unlink()
    (evidence / "drills").rmdir()
    quiet = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert quiet.code == 0 and "MCS-BAK-009 (restore drills) not judged" in quiet.err
    assert "restore drills not judged (no drill evidence)" in quiet.out  # the report says so, not only stderr
