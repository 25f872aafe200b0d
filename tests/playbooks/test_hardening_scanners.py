"""The auditors' scanners judge the baseline rule by rule: a fresh lab host is baselined, then Lynis
and OpenSCAP (SSG Debian 12, ANSSI-BP-028 intermediary) run inside it, and every scanner rule that
controls.yml says a control makes pass must pass (rule ids, not a score). The second baseline run
changes nothing, scanners installed or not. AIDE's database (LNX-FIM-001) is built in the background
after the first run; the scan waits for it, as an auditor would scan a server baselined earlier.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consortium.audit.deliberate import read_deliberate

from .ansible_run import PLAYBOOKS, extra_vars_file, run_playbook
from .lab.scanners import (
    ANSSI_INTERMEDIARY,
    control_scanner_rules,
    install_scanners,
    scan,
    wait_for_aide_database,
)

pytestmark = pytest.mark.lab

CONTROLS = PLAYBOOKS / "roles" / "linux_server_baseline" / "controls.yml"


@pytest.fixture(scope="module")
def scanned(lab, tmp_path_factory):
    """One fresh lab host baselined twice, then scanned; (the two runs, the scan result)."""
    host = lab.hosts[0]
    lab_vars = {
        "baseline_hosts": host.name,
        "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
        "consortium_ntp_servers": [lab.bridge_ip],
        # Plain TCP: no collector needs to listen for this test (rsyslog queues). Not test_baseline's
        # collector port: in one session that collector would receive this host's queued plain messages.
        "consortium_log_collector": {"host": lab.bridge_ip, "port": 6515, "protocol": "tcp", "tls": False},
    }
    vars_arg = extra_vars_file(Path(tmp_path_factory.mktemp("scanners")) / "vars.json", lab_vars)
    runs = [run_playbook(PLAYBOOKS / "baseline.yml", "-e", vars_arg, env=lab.ansible_env()) for _ in range(2)]
    install_scanners(lab, [host])
    if runs[0].rc == 0:  # (a failed run builds no database: the tests below say why it failed)
        # Printed, not asserted: how long the background build still ran after the scanners' install.
        waited = wait_for_aide_database(lab, [host])[host.name]
        print(f"\n[timing] AIDE database ready {waited} s after the scanners' install")
    return host.name, runs, scan(lab, [host])[host.name]


def test_the_baseline_applies_and_its_second_run_changes_nothing(scanned) -> None:
    host, (first, second), _ = scanned
    assert first.rc == 0, first.explain()
    assert second.rc == 0 and second.recap[host]["changed"] == 0, second.explain()


def test_every_openscap_rule_named_in_controls_yml_passes(scanned) -> None:
    _, _, result = scanned
    rules = control_scanner_rules(CONTROLS)["openscap"]
    got = result.oscap[ANSSI_INTERMEDIARY].results
    wrong = {rule: (control, got.get(rule, "not in the profile")) for rule, control in rules.items()
             if got.get(rule) != "pass"}  # fmt: skip
    assert not wrong, f"OpenSCAP rules that do not pass (rule: (control, result)): {wrong}"


def test_every_lynis_test_named_in_controls_yml_passes(scanned) -> None:
    _, _, result = scanned
    rules = control_scanner_rules(CONTROLS)["lynis"]
    flagged = {tid: text for tid, text in result.lynis.warnings + result.lynis.suggestions}
    wrong = {tid: (control, flagged.get(tid, "not run")) for tid, control in rules.items()
             if not result.lynis.passed(tid)}  # fmt: skip
    assert not wrong, f"Lynis tests that do not pass (test: (control, finding)): {wrong}"


def test_every_deliberate_difference_is_still_one(scanned) -> None:
    """controls.yml's deliberate entries (what the audit shows as "deliberate: <why>") describe the host: a
    rule listed there that passes, or a Lynis test that raised nothing, is a stale entry."""
    _, _, result = scanned
    rules = read_deliberate()
    got = result.oscap[ANSSI_INTERMEDIARY].results
    stale = sorted(rule for scanner, rule in rules if scanner == "openscap" and got.get(rule) == "pass")
    stale += sorted(tid for scanner, tid in rules if scanner == "lynis" and tid not in result.lynis.flagged())
    assert not stale, f"deliberate in controls.yml, yet no finding on a baselined host: {stale}"
