"""`consortium audit` end to end: sources, exemptions, report formats, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from consortium.offsite.controls import CONTROLS as OFFSITE
from policies.catalog import CATALOG
from tests.conftest import REPO, copy_registry, tree_digest
from tests.policies.mutations import MUTATIONS
from tests.registry.helpers import cli


def _plan_file(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(
        json.dumps(
            {"version": 1, "project": "consortium", "consortium": "dane-county", "stacks": [], "resources": records}
        )
    )
    return path


@pytest.fixture
def bad_plan(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    """The example plan with two violations: TLS 1.0 (mandatory) and cross-tenant replication (advisory)."""
    MUTATIONS["MCS-STO-001"][0](records)
    MUTATIONS["MCS-STO-011"][0](records)
    return _plan_file(tmp_path, records)


def test_clean_plan_exits_0(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    result = cli("audit", "--plan", _plan_file(tmp_path, records), "--registry", REPO)
    assert result.code == 0, result.out
    assert "0 failed, 0 advisory, 0 exempted, 0 expired exemptions" in result.out


def test_mandatory_violation_exits_1_and_names_control_resource_and_fix(bad_plan: Path) -> None:
    result = cli("audit", "--plan", bad_plan, "--registry", REPO)
    assert result.code == 1
    assert "FAILED    MCS-STO-001 Storage accounts require TLS 1.2 or newer" in result.out
    assert "StorageAccount stverona" in result.out and "minimumTlsVersion is TLS1_0" in result.out
    assert "ADVISORY  MCS-STO-011" in result.out
    assert "1 failed, 1 advisory" in result.out


def test_advisory_alone_exits_0(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    MUTATIONS["MCS-STO-011"][0](records)
    assert cli("audit", "--plan", _plan_file(tmp_path, records), "--registry", REPO).code == 0


def _registry_with(tmp_path: Path, exemptions: str) -> Path:
    reg = copy_registry(tmp_path / "reg")
    (reg / "exemptions.yaml").write_text(exemptions)
    return reg


EXEMPT_TLS = """exemptions:
  - control: MCS-STO-001
    member: verona
    reason: Legacy scanner uploads over TLS 1.0 until its replacement in March.
    approved_by: Board resolution 2026-14
    expires: {expires}
"""


def test_exempted_violation_is_reported_as_exempted(tmp_path: Path, bad_plan: Path) -> None:
    reg = _registry_with(tmp_path, EXEMPT_TLS.format(expires="2027-03-31"))
    result = cli("audit", "--plan", bad_plan, "--registry", reg, "--date", "2026-11-23")
    assert result.code == 0, result.out
    assert "EXEMPTED  MCS-STO-001" in result.out and "1 exempted" in result.out


def test_expired_exemption_is_itself_a_failure(tmp_path: Path, bad_plan: Path) -> None:
    reg = _registry_with(tmp_path, EXEMPT_TLS.format(expires="2026-10-31"))
    result = cli("audit", "--plan", bad_plan, "--registry", reg, "--date", "2026-11-23")
    assert result.code == 1
    assert (
        "EXPIRED exemption #0 (MCS-STO-001 for verona, approved by Board resolution 2026-14) expired 2026-10-31"
        in result.out
    )
    assert "FAILED    MCS-STO-001" in result.out


def test_exemption_matching_nothing_is_a_warning(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    reg = _registry_with(tmp_path, EXEMPT_TLS.format(expires="2027-03-31"))
    result = cli("audit", "--plan", _plan_file(tmp_path, records), "--registry", reg, "--date", "2026-11-23")
    assert result.code == 0
    assert "warning: exemption #0 (MCS-STO-001 for verona) matches nothing" in result.out


def test_an_offsite_store_exemption_is_known_and_no_concern_of_a_plan_audit(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    """The register serves every audit: an MCS-OFF exemption is valid, and the plan's audit neither
    warns that it matches nothing nor fails it once expired (the offsite store's audit judges it)."""
    offsite = EXEMPT_TLS.format(expires="2026-01-31").replace("MCS-STO-001", "MCS-OFF-002")
    reg = _registry_with(tmp_path, offsite)
    result = cli("audit", "--plan", _plan_file(tmp_path, records), "--registry", reg, "--date", "2026-11-23")
    assert result.code == 0, result.out + result.err
    assert "MCS-OFF-002" not in result.out


def test_exemption_for_one_resource_only(tmp_path: Path, bad_plan: Path) -> None:
    other = EXEMPT_TLS.format(expires="2027-03-31").replace(
        "    reason:", "    resource: stsomething-else\n    reason:"
    )
    reg = _registry_with(tmp_path, other)
    result = cli("audit", "--plan", bad_plan, "--registry", reg, "--date", "2026-11-23")
    assert result.code == 1 and "matches nothing" in result.out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            "exemptions:\n  - control: MCS-XXX-999\n    member: verona\n    reason: because we said so\n"
            "    approved_by: nobody\n    expires: 2027-01-01\n",
            "exemptions[0].control: MCS-XXX-999 is not a control",
        ),
        (
            "exemptions:\n  - control: MCS-STO-001\n    member: verona\n    reason: short\n"
            "    approved_by: Board\n    expires: 2027-01-01\n",
            "exemptions[0].reason",
        ),
        (
            "exemptions:\n  - control: MCS-STO-001\n    member: verona\n    reason: a long enough reason\n"
            "    approved_by: Board\n",
            "exemptions[0].expires: required field is missing",
        ),
    ],
)
def test_bad_exemptions_file_exits_2(tmp_path: Path, bad_plan: Path, content: str, fragment: str) -> None:
    reg = _registry_with(tmp_path, content)
    result = cli("audit", "--plan", bad_plan, "--registry", reg)
    assert result.code == 2
    assert any(line.startswith("exemptions.yaml: ") and fragment in line for line in result.err_lines), result.err


def test_report_formats(tmp_path: Path, bad_plan: Path) -> None:
    outs = {}
    for fmt in ("json", "junit", "sarif", "html", "markdown"):
        out = tmp_path / f"report.{fmt}"
        result = cli("audit", "--plan", bad_plan, "--registry", REPO, "--format", fmt, "--output", out)
        assert result.code == 1 and out.is_file()
        outs[fmt] = out.read_text()
    doc = json.loads(outs["json"])
    assert doc["exit_code"] == 1
    assert {(r["control"], r["status"]) for r in doc["results"]} == {
        ("MCS-STO-001", "failed"),
        ("MCS-STO-011", "advisory"),
    }
    suites = ET.fromstring(outs["junit"])
    failures = suites.findall(".//failure")
    assert [f.get("type") for f in failures] == ["MCS-STO-001"]
    assert int(suites.find("testsuite[@name='verona']").get("tests")) > 50
    sarif = json.loads(outs["sarif"])
    assert sarif["version"] == "2.1.0"
    assert {r["ruleId"]: r["level"] for r in sarif["runs"][0]["results"]} == {
        "MCS-STO-001": "error",
        "MCS-STO-011": "warning",
    }
    page = outs["html"]
    assert "<h1>Security audit: Dane County Municipal IT Consortium</h1>" in page
    assert "<span class=badge>Fails 1 mandatory control</span>" in page and "City of Verona" in page
    assert "<link" not in page and "src=" not in page  # self-contained: no outside resources
    # the source in words: the plan's day and what it covers, never the path of the file on this machine
    assert str(tmp_path) not in page and str(bad_plan) not in outs["markdown"] + outs["json"]
    assert "Source: plan of " in page and " (the hub and 9 members)</p>" in page
    assert "| City of Verona (`verona`) | **Fails 1 mandatory control**<br>high: MCS-STO-001 " in outs["markdown"]
    assert "| failed | MCS-STO-001 Storage accounts require TLS 1.2 or newer | high |" in outs["markdown"]
    assert doc["consortium"] == "Dane County Municipal IT Consortium"
    assert {v["name"]: v["verdict"] for v in doc["verdicts"] if v["status"] == "fails"} == {
        "City of Verona": "Fails 1 mandatory control"
    }


def test_output_file_is_not_written_on_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    out = tmp_path / "report.html"
    before = tree_digest(tmp_path)
    result = cli("audit", "--plan", bad, "--registry", REPO, "--format", "html", "--output", out)
    assert result.code == 2 and not out.exists()
    assert result.err_lines == [f"{bad}: line 1: not valid JSON: Expecting property name enclosed in double quotes"]
    assert tree_digest(tmp_path) == before


def test_one_source_is_required() -> None:
    assert cli("audit", "--registry", REPO).code == 2
    assert cli("audit", "--all", "--plan", "x.json", "--registry", REPO).code == 2


def test_unknown_member_exits_2() -> None:
    result = cli("audit", "--member", "springfield", "--registry", REPO)
    assert result.code == 2 and result.err_lines[-1] == "members/springfield.yaml: no such member in the registry"


def test_crosswalk_lists_every_ig1_safeguard() -> None:
    result = cli("audit", "--crosswalk", "--format", "json")
    doc = json.loads(result.out)
    assert doc["total"] == 56 and len(doc["safeguards"]) == 56
    by_id = {s["id"]: s["controls"] for s in doc["safeguards"]}
    assert "MCS-STO-001" in by_id["4.1"] and "MCS-BAK-005" in by_id["11.2"]
    assert by_id["14.1"] == []  # security awareness training: nothing in code can evidence it
    text = cli("audit", "--crosswalk").out
    summary, not_enforced = text.split("\nIntentionally not enforced:\n")  # the summary, then the decided gaps
    assert summary.rstrip().endswith("are not covered yet")
    assert "14.1  Establish and Maintain a Security Awareness" in summary
    assert "  mcsb NS-5: DDoS Network Protection" in not_enforced


def test_pack_config_carries_the_registry_parameters(tmp_path: Path) -> None:
    from policies.crossguard import policies

    out = tmp_path / "policy-config.json"
    result = cli("audit", "--pack-config", out, "--registry", REPO)
    assert result.code == 0
    config = json.loads(out.read_text())
    assert sorted(config) == sorted(p.name for p in policies())
    assert config["mcs-bak-005"] == {"enforcementLevel": "mandatory", "minimum_retention_days": 30}
    assert config["mcs-iso-004"]["member_ranges"]["verona"] == ["10.64.32.0/20"]
    assert config["mcs-sto-011"]["enforcementLevel"] == "advisory"
    # the preview command to run, with the pack as typed from the registry (the toolkit's checkout here)
    assert f"--policy-pack policies --policy-pack-config {out}`" in result.out


def test_pack_config_names_the_installed_pack_outside_the_toolkit(tmp_path: Path) -> None:
    from consortium.paths import POLICY_PACK_DIR

    registry = copy_registry(tmp_path / "ours")
    result = cli("audit", "--pack-config", registry / "out.json", "--registry", registry)
    assert result.code == 0, result.err
    assert f"--policy-pack {POLICY_PACK_DIR} --policy-pack-config" in result.out


def test_audit_member_plans_offline_first() -> None:
    result = cli("audit", "--member", "verona", "--member", "cottage-grove", "--registry", REPO)
    assert result.code == 0, result.out
    lines = result.out.splitlines()
    assert lines[0] == "Security audit: Dane County Municipal IT Consortium"
    assert "; source: offline plan of City of Verona, Village of Cottage Grove, made " in lines[1]
    assert "Village of Cottage Grove (cottage-grove): Meets the standard" in lines
    assert "City of Verona (verona): Meets the standard" in lines and "fitchburg" not in result.out


def test_one_member_html_is_that_towns_page_with_the_hub_shared(tmp_path: Path) -> None:
    out = tmp_path / "verona.html"
    result = cli("audit", "--member", "verona", "--format", "html", "--output", out, "--registry", REPO)
    assert result.code == 0, result.err
    page = out.read_text()
    assert "<h1>Security audit: City of Verona (Dane County Municipal IT Consortium)</h1>" in page
    assert "<p class=overall>City of Verona meets the standard." in page
    # the hub's controls that protect the town are on its page, as shared, not as a second member
    assert "<h3>Shared hub</h3>" in page and '<section class=member id="m-hub"' in page
    assert "Shared: not a member." in page and "<th scope=col>Shared hub (shared)</th>" in page
    assert "Fitchburg" not in page and "fitchburg" not in page


def test_committed_control_catalog_is_current() -> None:
    result = cli("audit", "--catalog", "--format", "markdown")
    assert result.code == 0
    assert result.out == (REPO / "docs/controls.md").read_text(), (
        "regenerate: consortium audit --catalog --format markdown --output docs/controls.md"
    )
    assert result.out.count("| MCS-") == len(CATALOG) + len(OFFSITE) + 1  # and the restore drills' MCS-BAK-009
    assert "## Judged by `consortium audit --offsite`" in result.out and "| MCS-BAK-009 |" in result.out


def test_the_installed_console_script_reaches_the_policies() -> None:
    """Outside pytest's sys.path: the installed `consortium` must import policies/ and infra/ too."""
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "consortium"
    proc = subprocess.run([str(exe), "audit", "--catalog"], capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("MCS-") == len(CATALOG) + len(OFFSITE) + 1
