"""windows_baseline end to end on a simulated Windows host (no Windows here).

The real playbooks (windows_baseline.yml, baseline_audit.yml), the real role, the rendered
Fitchburg inventory and the real evidence callback run through ansible-playbook; only the modules
are test doubles (tests/playbooks/winsim_module.py, shadowing ansible.windows and community.windows)
acting on a JSON file that stands in for the host's state, over a local connection. This tests the
role's control flow: idempotence, check mode, report-only controls judged as drift, enforcement,
errors - not PowerShell, the real modules or Windows.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.registry.helpers import cli

from .ansible_run import PLAYBOOKS, REPO, PlaybookRun, changed_tasks, run_playbook

HOST = "fit-fs01"  # a Windows file server of Fitchburg in the example registry
MODULES = {
    "ansible/windows": ["win_regedit", "win_audit_policy_system", "win_firewall", "win_powershell", "win_service"],
    "community/windows": ["win_firewall_rule", "win_security_policy"],
}
CONTROLS = 16  # controls.yml of windows_baseline

pytestmark = pytest.mark.slow

# A host that meets the controls the role cannot set by itself (BitLocker on, no extra admins,
# Defender healthy); everything the role writes starts empty.
HEALTHY = {
    "bitlocker": {"protected": True, "tpm": True},
    "local_admins": {"extra": []},
    "defender": {"real_time": True, "signature_age_days": 0, "mode": "Normal"},
}


@pytest.fixture(scope="module")
def collections(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("winsim")
    for namespace, names in MODULES.items():
        folder = root / "ansible_collections" / namespace / "plugins/modules"
        folder.mkdir(parents=True)
        for name in names:
            shutil.copy(Path(__file__).parent / "winsim_module.py", folder / f"{name}.py")
    return root


class SimulatedHost:
    """HOST as a JSON state file; ``run(playbook, *args)`` runs a real playbook against it."""

    def __init__(self, folder: Path, collections: Path, state: dict) -> None:
        self.folder, self.collections = folder, collections
        self.state = folder / "state.json"
        self.state.write_text(json.dumps(state))
        self.evidence = folder / "evidence" / f"{HOST}.json"

    def run(self, playbook: str, *args: str) -> PlaybookRun:
        overrides = {
            # The rendered inventory (psrp, Vault account) with the connection swapped for the double.
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "vault_fitchburg_windows_user": "unused",
            "vault_fitchburg_windows_password": "unused",
            "baseline_hosts": HOST,
            "consortium_evidence_dir": str(self.evidence.parent),
        }
        return run_playbook(
            PLAYBOOKS / playbook,
            "-i",
            str(REPO / "playbooks/inventories/fitchburg.yml"),
            "--limit",
            HOST,
            "-e",
            json.dumps(overrides),
            *args,
            env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(self.collections), "WINSIM_STATE": str(self.state)},
            timeout=600,
        )

    def audit(self, *args: str) -> dict[str, list[str]]:
        """The evidence summary of a baseline_audit.yml run."""
        self.evidence.unlink(missing_ok=True)
        run = self.run("baseline_audit.yml", *args)
        assert self.evidence.is_file(), run.explain()
        return json.loads(self.evidence.read_text())["summary"]

    def edit(self, change: Callable[[dict], object]) -> dict:
        data = json.loads(self.state.read_text())
        change(data)
        self.state.write_text(json.dumps(data))
        return data

    def read(self) -> dict:
        return json.loads(self.state.read_text())


@pytest.fixture(scope="module")
def baselined(tmp_path_factory, collections: Path) -> tuple[dict, PlaybookRun, PlaybookRun]:
    """A healthy host after a first and a second run of windows_baseline.yml: (state, first, second)."""
    host = SimulatedHost(tmp_path_factory.mktemp("baselined"), collections, HEALTHY)
    first = host.run("windows_baseline.yml")
    second = host.run("windows_baseline.yml")
    return host.read(), first, second


@pytest.fixture
def host(tmp_path: Path, collections: Path, baselined) -> SimulatedHost:
    """A copy of the baselined host for one test."""
    return SimulatedHost(tmp_path, collections, baselined[0])


def test_applied_baseline_is_idempotent_and_the_audit_finds_it_compliant(baselined, host: SimulatedHost) -> None:
    _, first, second = baselined
    assert first.rc == 0 and first.recap[HOST]["changed"] > 0, first.explain()
    assert "Consortium baseline - Remote Desktop" in host.state.read_text()  # the double saw the rule
    assert second.rc == 0 and second.recap[HOST]["changed"] == 0, changed_tasks(second.stdout)
    summary = host.audit()
    assert len(summary["compliant"]) == CONTROLS and not summary["drift"] and not summary["error"], summary


def test_report_only_controls_are_drift_in_the_audit_and_untouched_by_a_run(host: SimulatedHost) -> None:
    host.edit(lambda s: (s["bitlocker"].update(protected=False), s["local_admins"].update(extra=["FIT\\jdoe"])))
    assert host.audit()["drift"] == ["WIN-ADM-001", "WIN-BL-001"]

    # Enforcement off: a real run warns, changes nothing, and stays changed=0.
    run = host.run("windows_baseline.yml")
    assert run.rc == 0 and run.recap[HOST]["changed"] == 0, changed_tasks(run.stdout)
    assert "BitLocker protection of C: is off" in run.stdout and "jdoe" in run.stdout
    state = host.read()
    assert state["bitlocker"]["protected"] is False and state["local_admins"]["extra"] == ["FIT\\jdoe"]

    # Enforcement on: the run fixes both (the audit in check mode would have said drift too: the
    # callback unit tests cover that path), and the next audit finds the host compliant.
    enforce = ["-e", '{"windows_baseline_bitlocker_enforce": true, "windows_baseline_local_admins_enforce": true}']
    fixed = host.run("windows_baseline.yml", *enforce)
    assert fixed.rc == 0 and fixed.recap[HOST]["changed"] == 2, changed_tasks(fixed.stdout)
    summary = host.audit()
    assert len(summary["compliant"]) == CONTROLS and not summary["drift"], summary


def test_a_changed_setting_is_exactly_that_drift_and_a_failed_check_an_error(host: SimulatedHost) -> None:
    smb1 = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters\\SMB1"
    host.edit(lambda s: (s["registry"].update({smb1: "1"}), s["defender"].update(mode="Passive")))
    summary = host.audit()
    assert summary["drift"] == ["WIN-SVC-001"], summary
    # Defender in passive mode (another antivirus, not approved) fails its status check: both its
    # controls are errors, and so is every control after it, never checked (the host stopped).
    after = ["WIN-ADM-001", "WIN-BL-001", "WIN-LAPS-001", "WIN-LOCK-001", "WIN-UPD-001"]
    assert summary["error"] == sorted(["WIN-AV-001", "WIN-AV-002", *after]), summary
    assert host.read()["registry"][smb1] == "1"  # check mode wrote nothing


def test_an_unreachable_host_lists_every_enabled_control_as_unreachable(host: SimulatedHost) -> None:
    """The connection fails at the first task that touches the host: the evidence still lists every
    control of the enabled concerns as unreachable (from the preflight's switches), none of a
    switched-off concern, and nothing as compliant."""
    down = {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_user": "nobody"}
    host.evidence.unlink(missing_ok=True)
    run = host.run("baseline_audit.yml", "-e", json.dumps({**down, "windows_baseline_laps_enabled": False}))
    assert run.recap[HOST]["unreachable"] == 1, run.explain()
    doc = json.loads(host.evidence.read_text())
    assert doc["reachable"] is False
    catalog = _controls()
    assert doc["summary"]["unreachable"] == sorted(c["id"] for c in catalog if c["concern"] != "laps"), doc
    assert "WIN-LAPS-001" not in doc["controls"]
    assert {s for s, ids in doc["summary"].items() if ids} == {"unreachable"}

    run = host.run("baseline_audit.yml", "-e", json.dumps(down))
    assert len(json.loads(host.evidence.read_text())["summary"]["unreachable"]) == CONTROLS, run.explain()


def test_a_module_error_mid_role_lists_every_control_the_run_never_reached_as_an_error(host: SimulatedHost) -> None:
    """A reachable host whose run stops at a module error (the audit policy task): every enabled
    control after it is an error naming that task, none of a switched-off concern is listed, and
    consortium audit fails the host with the reason, in text and json."""
    message = "Exception calling AuditSetSystemPolicy: access is denied (0x80070005)"
    host.edit(lambda s: s.update(broken={"win_audit_policy_system": message}))
    summary = host.audit("-e", '{"windows_baseline_laps_enabled": false}')
    task = "windows_baseline : WIN-AUD-001 | Audit logons and account management (success and failure)"
    # The task loops over subcategories: the reason is the first failed item's message, not Ansible's
    # "One or more items failed".
    message = f"Logon: {message}"
    stopped = f"not checked: the run stopped at '{task}': {message}"
    before = ["WIN-FW-001", "WIN-PWD-001", "WIN-PWD-002", "WIN-RDP-001", "WIN-RDP-002", "WIN-SVC-001"]
    never = ["WIN-ADM-001", "WIN-AV-001", "WIN-AV-002", "WIN-BAN-001", "WIN-BL-001"]
    never += ["WIN-LOCK-001", "WIN-TIME-001", "WIN-UPD-001"]
    assert summary["compliant"] == before, summary
    assert summary["error"] == sorted(["WIN-AUD-001", *never]), summary
    assert {s for s, ids in summary.items() if ids} == {"compliant", "error"}  # WIN-LAPS-001: switched off
    doc = json.loads(host.evidence.read_text())
    assert doc["reachable"] is True
    assert {cid: doc["controls"][cid]["reason"] for cid in never} == dict.fromkeys(never, stopped)
    assert doc["controls"]["WIN-AUD-001"]["reason"] == f"'{task}' failed: {message}"

    result = cli("audit", "--evidence", host.evidence.parent, "--registry", REPO)
    assert result.code == 1, result.out
    assert f"fitchburg {HOST}: 6 compliant, 0 drift, 9 error (WIN-ADM-001, WIN-AV-001," in result.out
    assert f"WIN-UPD-001 error: {stopped}; WIN-AUD-001 error: '{task}' failed: {message})" in result.out
    report = json.loads(cli("audit", "--evidence", host.evidence.parent, "--registry", REPO, "--format", "json").out)
    (evidence,) = report["hosts"]
    assert evidence["failing"] == sorted(["WIN-AUD-001", *never]) and report["exit_code"] == 1
    assert evidence["controls"]["WIN-BL-001"]["reason"] == stopped


def test_laps_on_a_domain_controller_is_not_applicable_and_the_audit_says_why(host: SimulatedHost) -> None:
    dc = ["-e", '{"consortium_server_role": "domain-controller"}']
    summary = host.audit(*dc)
    assert summary["not_applicable"] == ["WIN-LAPS-001"], summary
    assert "WIN-LAPS-001" not in summary["compliant"]
    laps = json.loads(host.evidence.read_text())["controls"]["WIN-LAPS-001"]
    assert "cannot back up its LAPS (DSRM) password to Entra ID" in laps["reason"], laps
    result = cli("audit", "--evidence", host.evidence.parent, "--registry", REPO)
    assert result.code == 0, result.out  # not applicable is no failure
    assert "1 not applicable (WIN-LAPS-001 not applicable: WARNING fit-fs01: a domain controller" in result.out

    # Backed up to AD, LAPS applies to the domain controller and is configured and checked.
    summary = host.audit(*dc, "-e", '{"windows_baseline_laps_backup_directory": "ad"}')
    assert "WIN-LAPS-001" in summary["drift"] + summary["compliant"] and not summary["not_applicable"], summary


def _controls() -> list[dict]:
    return yaml.safe_load((PLAYBOOKS / "roles/windows_baseline/controls.yml").read_text())["controls"]


def test_a_stricter_account_policy_reaches_the_local_policy_with_long_passwords_allowed_first(
    host: SimulatedHost,
) -> None:
    """consortium.yaml account_policy, rendered as consortium_account_policy, is what WIN-PWD-001..002 set;
    above 14 characters the relaxed length limit comes first, and the baselined host then drifts from it."""
    relax = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SAM\\RelaxMinimumPasswordLengthLimits"
    assert relax not in host.read()["registry"]  # 14 characters (the example's standard) need no relaxing
    stricter = {
        "min_length": 16,
        "min_classes": 2,
        "history": 10,
        "max_age_days": 90,
        "lockout_threshold": 3,
        "lockout_minutes": 30,
    }
    extra = ["-e", json.dumps({"consortium_account_policy": stricter})]
    assert host.audit(*extra)["drift"] == ["WIN-PWD-001", "WIN-PWD-002"]
    run = host.run("windows_baseline.yml", *extra)
    assert run.rc == 0, run.explain()
    state = host.read()
    assert state["registry"][relax] == "1"
    policy = {k.removeprefix("System Access/"): v for k, v in state["security_policy"].items()}
    assert {
        k: policy[k]
        for k in (
            "MinimumPasswordLength",
            "PasswordHistorySize",
            "MaximumPasswordAge",
            "PasswordComplexity",
            "LockoutBadCount",
            "LockoutDuration",
            "ResetLockoutCount",
        )
    } == {
        "MinimumPasswordLength": "16",
        "PasswordHistorySize": "10",
        "MaximumPasswordAge": "90",
        "PasswordComplexity": "0",
        "LockoutBadCount": "3",
        "LockoutDuration": "30",
        "ResetLockoutCount": "30",
    }
    assert not host.audit(*extra)["drift"]
