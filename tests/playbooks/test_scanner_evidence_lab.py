"""baseline_audit.yml's opt-in scanner evidence on real lab hosts: on a baselined host where the
scanners are installed, the audit runs Lynis and OpenSCAP (changing nothing, leaving no file) and the
host's evidence carries the index and the rule results - the same figures an independent scan of the
host gives - which ``consortium audit --evidence`` reads; on a host without the scanners the evidence
says they did not run, and nothing was installed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from consortium.audit.evidence import load_evidence

from .ansible_run import PLAYBOOKS, extra_vars_file, run_playbook
from .lab.scanners import (
    ANSSI_INTERMEDIARY,
    HOST_SSG,
    LYNIS_REPORT,
    control_scanner_rules,
    install_scanners,
    scan,
    wait_for_aide_database,
)

pytestmark = pytest.mark.lab

CONTROLS = PLAYBOOKS / "roles" / "linux_server_baseline" / "controls.yml"


@pytest.fixture(scope="module")
def audited(lab, tmp_path_factory):
    """hosts[1] baselined with the scanners installed, hosts[2] baselined without; both audited with the
    opt-in. (the audit run, the evidence folder, the baselined-and-scanned host, the bare host)"""
    scanned, bare = lab.hosts[1], lab.hosts[2]
    tmp = Path(tmp_path_factory.mktemp("scanner-evidence"))
    lab_vars = {
        "baseline_hosts": f"{scanned.name},{bare.name}",
        "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
        "consortium_ntp_servers": [lab.bridge_ip],
        "consortium_log_collector": {"host": lab.bridge_ip, "port": 6514, "protocol": "tcp", "tls": False},
    }
    baseline = run_playbook(PLAYBOOKS / "baseline.yml", "-e", extra_vars_file(tmp / "vars.json", lab_vars),
                            env=lab.ansible_env())  # fmt: skip
    assert baseline.rc == 0, baseline.explain()
    # AIDE's database is built in the background (LNX-FIM-001): the audit's scan and the direct one below
    # must see the same host, not one before and one after the build.
    wait_for_aide_database(lab, [scanned])
    install_scanners(lab, [scanned])
    audit_vars = lab_vars | {
        "consortium_evidence_dir": str(tmp / "evidence"),
        "linux_server_baseline_audit_scanners": ["lynis", "openscap"],
        "linux_server_baseline_audit_oscap_datastream": HOST_SSG,
    }
    run = run_playbook(PLAYBOOKS / "baseline_audit.yml", "-e", extra_vars_file(tmp / "audit.json", audit_vars),
                       env=lab.ansible_env())  # fmt: skip
    return run, tmp / "evidence", scanned, bare


def test_the_audit_with_scanners_changes_nothing_and_leaves_no_file(lab, audited) -> None:
    run, _, scanned, bare = audited
    assert run.rc == 0, run.explain()
    assert all(run.recap[h.name]["changed"] == 0 for h in (scanned, bare)), run.explain()
    # Lynis wrote its report and log into the audit's private directory, which is gone
    assert not (scanned.root / LYNIS_REPORT.lstrip("/")).exists()
    left = subprocess.run([*lab.ssh_command(scanned), "ls -d /tmp/consortium-audit-scan.* 2>/dev/null; true"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert not left.strip(), left


def test_the_evidence_carries_what_an_independent_scan_finds(lab, audited) -> None:
    _, evidence, scanned, _ = audited
    doc = json.loads((evidence / f"{scanned.name}.json").read_text())["scanners"]
    assert not doc["not_run"], doc["not_run"]
    oscap = doc["openscap"][ANSSI_INTERMEDIARY]
    # every OpenSCAP rule controls.yml says the baseline makes pass is not among the failing ones
    named = control_scanner_rules(CONTROLS)["openscap"]
    assert oscap["pass"] >= len(named) and not set(named) & set(oscap["failing"]), oscap["failing"]
    # the scanners run again by the lab's own helper (the report in /var/log): the same figures
    direct = scan(lab, [scanned])[scanned.name]
    assert doc["lynis"]["hardening_index"] == direct.lynis.hardening_index
    assert [w["id"] for w in doc["lynis"]["warnings"]] == [tid for tid, _ in direct.lynis.warnings]
    assert oscap["failing"] == direct.oscap[ANSSI_INTERMEDIARY].failing
    assert oscap["pass"] == direct.oscap[ANSSI_INTERMEDIARY].count("pass")


def test_without_the_scanners_the_evidence_says_they_did_not_run(audited) -> None:
    _, evidence, _, bare = audited
    doc = json.loads((evidence / f"{bare.name}.json").read_text())["scanners"]
    assert doc == {"not_run": {"lynis": "lynis is not installed on the host",
                               "openscap": "oscap is not installed on the host"}}  # fmt: skip
    assert not (bare.root / "usr/sbin/lynis").exists()  # the audit installs nothing


def test_consortium_audit_reads_the_evidence(audited) -> None:
    _, evidence, scanned, bare = audited
    hosts = {h.host: h for h in load_evidence(evidence, None)}
    s = hosts[scanned.name].scanners
    assert s and s.lynis and 0 < s.lynis.hardening_index <= 100
    assert [o.profile for o in s.openscap] == [ANSSI_INTERMEDIARY]
    assert hosts[bare.name].scanners and not hosts[bare.name].scanners.openscap
