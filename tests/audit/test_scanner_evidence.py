"""The scanners' results as host evidence: baseline_audit.yml's opt-in reduces Lynis' report and
OpenSCAP's ARF (the role's filter plugin), ``consortium audit --evidence`` reads them strictly and
shows the index and the failing rules per host in every human format and in JSON."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from consortium.audit.scanner_evidence import read_scanners
from tests.audit.test_evidence import _evidence
from tests.audit.test_scanners import ARF, LYNIS
from tests.conftest import REPO
from tests.registry.helpers import cli

FILTERS = REPO / "playbooks" / "roles" / "linux_server_baseline" / "filter_plugins" / "lsb_scanners.py"


def _filters() -> Any:
    spec = importlib.util.spec_from_file_location("lsb_scanners", FILTERS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def scanners(tmp_path: Path) -> dict[str, Any]:
    """What the role's filters make of a Lynis report and an ARF: the evidence's ``scanners`` object."""
    arf = tmp_path / "arf.xml"
    arf.write_text(ARF)
    f = _filters()
    return {"lynis": f.lynis_evidence(LYNIS, "h:lynis-report.dat"),
            "openscap": {"anssi_bp28_intermediary": f.oscap_evidence(arf)}}  # fmt: skip


def test_the_filters_keep_the_index_findings_and_failing_rules_only(scanners: dict[str, Any]) -> None:
    assert scanners["lynis"] == {
        "hardening_index": 79,
        "warnings": [{"id": "PKGS-7388", "text": "Can't find any security repository"}],
        "suggestions": [
            {"id": "SSH-7408", "text": "Consider hardening SSH configuration"},
            {"id": "NETW-3200", "text": "Determine if protocol 'dccp' is really needed on this system"},
        ],
    }
    # the details field (MaxSessions (10 --> 2)) is host data, not kept
    assert "MaxSessions" not in json.dumps(scanners)
    assert scanners["openscap"]["anssi_bp28_intermediary"] == {
        "pass": 1, "fail": 1, "other": 1, "failing": ["sshd_disable_root_login"]
    }  # fmt: skip
    read = read_scanners(scanners, "h.json")
    assert read and read.lynis and read.lynis.hardening_index == 79
    assert [(o.profile, o.failing) for o in read.openscap] == [
        ("anssi_bp28_intermediary", ("sshd_disable_root_login",))
    ]


def test_a_bad_report_fails_the_filter_with_the_files_line() -> None:
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError, match=r"h:lynis-report\.dat: hardening_index: missing"):
        _filters().lynis_evidence("warning[]=X|y|-|-|\n", "h:lynis-report.dat")


@pytest.fixture
def evidence(tmp_path: Path, scanners: dict[str, Any]) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    doc = _evidence("ver-app01", {"LNX-SSH-001": "compliant"})
    doc["scanners"] = scanners | {"not_run": {}}
    (folder / "ver-app01.json").write_text(json.dumps(doc))
    bare = _evidence("fit-app01", {"LNX-SSH-001": "compliant"})
    bare["scanners"] = {"not_run": {"lynis": "lynis is not installed on the host"}}
    (folder / "fit-app01.json").write_text(json.dumps(bare))
    (folder / "mon-app01.json").write_text(json.dumps(_evidence("mon-app01", {"LNX-SSH-001": "compliant"})))
    return folder


def test_audit_shows_the_index_and_failing_rules_per_host(evidence: Path) -> None:
    text = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert text.code == 0, text.out
    # SSH-7408 and sshd_disable_root_login are deliberate in controls.yml: shown with the reason, not as failures
    ssh_7408 = "SSH-7408 deliberate: MaxSessions: sshd's default 10 stays, not the 2 Lynis asks for"
    root_login = "sshd_disable_root_login deliberate: PermitRootLogin follows the account Ansible logs in as"
    assert (
        "verona ver-app01: 1 compliant, 0 drift, 0 error; Lynis index 79 (1 warnings: PKGS-7388; 1 suggestions; "
        f"1 deliberate ({ssh_7408}"
    ) in text.out
    assert f"OpenSCAP anssi_bp28_intermediary: 1 pass, 0 fail, 1 deliberate ({root_login}" in text.out
    assert "fit-app01: 1 compliant, 0 drift, 0 error; lynis not run: lynis is not installed on the host\n" in text.out
    assert "mon-app01: 1 compliant, 0 drift, 0 error\n" in text.out  # no opt-in: nothing about scanners
    md = cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "markdown").out
    assert "- verona ver-app01: 1 compliant, 0 drift, 0 error; Lynis index 79" in md
    html = cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "html").out
    assert "Lynis index 79" in html and "sshd_disable_root_login deliberate: PermitRootLogin follows" in html
    doc = json.loads(cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "json").out)
    hosts = {h["host"]: h for h in doc["hosts"]}
    assert hosts["ver-app01"]["scanners"]["lynis"]["hardening_index"] == 79
    profile = hosts["ver-app01"]["scanners"]["openscap"]["anssi_bp28_intermediary"]
    # the scanner's own figures stay as it gave them; the deliberate ones are named beside them
    assert profile["failing"] == ["sshd_disable_root_login"] and profile["fail"] == 1
    assert [(d["rule"], d["control"]) for d in profile["deliberate"]] == [("sshd_disable_root_login", "LNX-SSH-007")]
    lynis = hosts["ver-app01"]["scanners"]["lynis"]
    assert [(d["rule"], d["control"]) for d in lynis["deliberate"]] == [("SSH-7408", "LNX-SSH-004")]
    assert lynis["deliberate"][0]["why"].startswith("MaxSessions: ")
    assert hosts["fit-app01"]["scanners"] == {"not_run": {"lynis": "lynis is not installed on the host"}}
    assert "scanners" not in hosts["mon-app01"]


@pytest.mark.parametrize(
    ("scanners", "fragment"),
    [
        ([], "scanners: expected an object, got a list"),
        ({"nessus": {}}, "scanners.nessus: unknown"),
        ({"lynis": {"hardening_index": "79"}}, "lynis.hardening_index: expected a whole number, got a string"),
        ({"lynis": {"hardening_index": True}}, "lynis.hardening_index: expected a whole number, got a boolean"),
        ({"lynis": {"hardening_index": 101}}, "scanners.lynis.hardening_index: expected 0 to 100"),
        ({"lynis": {"hardening_index": 7, "warnings": [{"text": "x"}]}}, "scanners.lynis.warnings[0].id: expected"),
        ({"openscap": {"p": {"pass": 1, "fail": 2, "other": 0, "failing": ["a"]}}}, "openscap.p.fail: 2 but 1"),
        ({"openscap": {"p": {"pass": -1, "fail": 0, "other": 0}}}, "openscap.p.pass: expected a whole number of 0"),
        ({"openscap": {"p": {"pass": 1, "fail": 1, "other": 0, "failing": [3]}}}, "scanners.openscap.p.failing[0]: "),
        ({"not_run": {"nessus": "x"}}, "scanners.not_run.nessus: unknown scanner"),
        ({"not_run": {"lynis": False}}, "scanners.not_run.lynis: expected a string"),
    ],
)
def test_bad_scanner_evidence_exits_2_with_one_line(tmp_path: Path, scanners: Any, fragment: str) -> None:
    bad = tmp_path / "h.json"
    bad.write_text(json.dumps(_evidence("h", {"LNX-SSH-001": "compliant"}) | {"scanners": scanners}))
    result = cli("audit", "--evidence", tmp_path, "--registry", REPO)
    assert result.code == 2 and len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith(f"{bad}: ") and fragment in result.err_lines[0], result.err
    assert "Traceback" not in result.err
