"""The consortium_evidence callback on a Windows host, without a Windows host.

The callback gets real Ansible task objects loaded from windows_baseline's task files (their real
names and tags) and real ``CallbackTaskResult`` objects with synthetic return values: what Ansible
would hand it after each task of ``playbooks/baseline_audit.yml`` on a Windows server. The evidence
it writes is then read by ``consortium audit --evidence``, which ties the host to its member.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from ansible.executor.task_result import CallbackTaskResult
from ansible.inventory.host import Host
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.task import Task
from ansible.plugins.loader import init_plugin_loader

from tests.conftest import REPO
from tests.registry.helpers import cli

ROLE = REPO / "playbooks/roles/windows_baseline"
CALLBACK = REPO / "playbooks/callback_plugins/consortium_evidence.py"
HOST = "fit-fs01"  # a Windows file server of Fitchburg in the example registry
CATALOG = {c["id"]: c for c in yaml.safe_load((ROLE / "controls.yml").read_text())["controls"]}


def _callback_class() -> type:
    spec = importlib.util.spec_from_file_location("consortium_evidence", CALLBACK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CallbackModule


class _Role:
    """What the callback reads of a task's role: its path (for controls.yml) and its name."""

    _role_path = str(ROLE)

    def get_name(self, include_role_fqcn: bool = True) -> str:
        return "windows_baseline"


def _role_tasks() -> list[Task]:
    """Every control task of the role, in the order main.yml imports the concerns."""
    init_plugin_loader()  # resolves the tasks' modules (ansible.windows...) as ansible-playbook does
    main = yaml.safe_load((ROLE / "tasks/main.yml").read_text())
    tasks = []
    for entry in main:
        file = entry["ansible.builtin.import_tasks"]
        if file == "preflight.yml":
            continue
        for data in yaml.safe_load((ROLE / "tasks" / file).read_text()):
            task = Task.load(data, loader=DataLoader())
            task._role = _Role()
            tasks.append(task)
    return tasks


TASKS = _role_tasks()
_Role._task_blocks = TASKS  # the role's tasks in run order: the callback finds what follows a failed task


def _switches_task() -> Task:
    """The preflight task that hands the callback the concern switches (controller only)."""
    found = [
        t
        for t in yaml.safe_load((ROLE / "tasks/preflight.yml").read_text())
        if "_windows_baseline_evidence_switches" in t.get("ansible.builtin.set_fact", {})
    ]
    assert len(found) == 1, found
    task = Task.load(found[0], loader=DataLoader())
    task._role = _Role()
    return task


SWITCHES_TASK = _switches_task()
ALL_ON = {key: True for key in SWITCHES_TASK.args["_windows_baseline_evidence_switches"]}


def _task(name_start: str) -> Task:
    found = [t for t in TASKS if t.name.startswith(name_start)]
    assert len(found) == 1, (name_start, [t.name for t in found])
    return found[0]


def _play(evidence: Path) -> SimpleNamespace:
    return SimpleNamespace(
        get_variable_manager=lambda: SimpleNamespace(extra_vars={}),
        vars={"consortium_evidence_dir": str(evidence)},
        get_name=lambda: "Consortium Windows baseline audit (check mode)",
    )


Outcome = tuple[str, dict[str, Any]]  # ("ok" | "failed" | "skipped" | "unreachable", return values)


def _run(
    evidence: Path, outcome_of: Callable[[Task], Outcome | None], switches: dict[str, bool] | None = None
) -> dict[str, Any]:
    """Feed one audit run of the role on HOST to the callback; the host's evidence document.
    ``outcome_of`` decides each task's result (None: the run stopped before the task); the preflight
    reports ``switches`` (every concern on by default) as its fact, as set_fact returns it."""
    cb = _callback_class()()
    cb.v2_playbook_on_play_start(_play(evidence))
    host = Host(HOST)
    facts = {"ansible_facts": {"_windows_baseline_evidence_switches": ALL_ON | (switches or {})}, "changed": False}
    cb.v2_runner_on_ok(CallbackTaskResult(host, SWITCHES_TASK, facts, {}))
    for task in TASKS:
        outcome = outcome_of(task)
        if outcome is None:
            break
        kind, values = outcome
        result = CallbackTaskResult(host, task, values, {})
        if kind == "ok":
            cb.v2_runner_on_ok(result)
        elif kind == "failed":
            cb.v2_runner_on_failed(result)
        elif kind == "skipped":
            cb.v2_runner_on_skipped(result)
        else:
            cb.v2_runner_on_unreachable(result)
    cb.v2_playbook_on_stats(None)
    return json.loads((evidence / f"{HOST}.json").read_text())


def _is_report(task: Task) -> bool:
    """The tasks that only warn (report-only controls): skipped on a host that complies."""
    return task.action == "ansible.builtin.debug"


def compliant(task: Task) -> Outcome:
    if _is_report(task):
        return "skipped", {"skipped": True, "skip_reason": "Conditional result was False"}
    return "ok", {"changed": False}


@pytest.fixture
def evidence(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "evidence"
    yield folder


def test_a_compliant_windows_host_has_every_win_control_compliant(evidence: Path) -> None:
    doc = _run(evidence, compliant)
    assert set(doc) == {"host", "play", "generated", "reachable", "summary", "controls"}
    assert doc["host"] == HOST and doc["reachable"] is True
    assert doc["summary"]["compliant"] == sorted(CATALOG)  # all 16 WIN-* controls of controls.yml
    assert not doc["summary"]["drift"] and not doc["summary"]["error"] and not doc["summary"]["unreachable"]
    for cid, control in doc["controls"].items():
        # Titles and safeguards come from controls.yml (the crosswalk's home).
        assert control["title"] == CATALOG[cid]["title"]
        assert control["safeguards"] == sorted(CATALOG[cid]["safeguards"])
        assert control["tasks"] and all(t["task"].startswith("windows_baseline : ") for t in control["tasks"])


def test_report_only_bitlocker_off_is_drift_not_compliant(evidence: Path) -> None:
    """Enforcement off: the status script changes nothing (ok, unchanged) but the report task is
    "changed" in check mode, and that is what makes the control drift."""
    report = _task("WIN-BL-001 | The OS volume is not protected")

    def run(task: Task) -> Outcome:
        if task is report:
            return "ok", {"changed": True, "msg": "WARNING fit-fs01: BitLocker protection of C: is off"}
        return compliant(task)

    doc = _run(evidence, run)
    assert doc["summary"]["drift"] == ["WIN-BL-001"]
    assert doc["controls"]["WIN-BL-001"]["status"] == "drift"
    assert {t["outcome"] for t in doc["controls"]["WIN-BL-001"]["tasks"]} == {"ok", "drift"}
    assert len(doc["summary"]["compliant"]) == len(CATALOG) - 1


def test_enforced_local_admin_removal_in_check_mode_is_drift(evidence: Path) -> None:
    status = _task("WIN-ADM-001 | Local Administrators hold only")

    def run(task: Task) -> Outcome:
        if task is status:
            return "ok", {"changed": True, "result": {"extra": ["FIT\\jdoe"], "removed": [], "enforce": True}}
        return compliant(task)

    assert _run(evidence, run)["summary"]["drift"] == ["WIN-ADM-001"]


def test_a_failing_defender_check_is_an_error_for_both_of_its_controls(evidence: Path) -> None:
    script = _task("WIN-AV-001..002 | Real-time protection is on")

    def run(task: Task) -> Outcome:
        if task is script:
            return "failed", {"failed": True, "result": {"problems": ["Defender runs in 'Passive Mode'"]}}
        return compliant(task)

    doc = _run(evidence, run)
    # The policy tasks of WIN-AV-001/002 were fine; the failed status check outranks them.
    assert doc["summary"]["error"] == ["WIN-AV-001", "WIN-AV-002"]
    assert doc["controls"]["WIN-AV-001"]["safeguards"] == ["10.1"]


def _stopping_at(failed: Task, msg: str, off: set[str]) -> Callable[[Task], Outcome | None]:
    """A run in which ``failed`` fails (a module error) and the host runs nothing after it; the
    tasks of the switched-off concerns ``off`` are skipped."""
    reached = False

    def run(task: Task) -> Outcome | None:
        nonlocal reached
        if reached:
            return None
        if task is failed:
            reached = True
            return "failed", {"failed": True, "msg": msg}
        if off & set(task.tags):
            return "skipped", {"skipped": True, "skip_reason": "Conditional result was False"}
        return compliant(task)

    return run


def test_a_host_that_stops_at_a_failed_task_lists_what_it_never_checked_as_errors_naming_the_task(
    evidence: Path,
) -> None:
    """A reachable host whose run stops mid-role (a module error): every enabled control after the
    failed task is an error whose reason names that task, a control only partly checked is no
    longer compliant, and switched-off concerns stay out (before the stop: not_checked; after: absent)."""
    failed = _task("WIN-AV-002 | Defender checks for new signatures")  # after WIN-AV-001's policy task
    msg = "Exception calling\n  'SetValue': access denied"
    off = {"rdp", "laps"}  # one concern before the failed task, one after
    doc = _run(evidence, _stopping_at(failed, msg, off), switches=dict.fromkeys(off, False))
    message = "Exception calling 'SetValue': access denied"  # on one line
    stopped = f"the run stopped at '{failed.get_name()}': {message}"
    never = ["WIN-ADM-001", "WIN-BL-001", "WIN-LOCK-001", "WIN-UPD-001"]
    before = ["WIN-AUD-001", "WIN-BAN-001", "WIN-FW-001", "WIN-PWD-001", "WIN-PWD-002", "WIN-SVC-001", "WIN-TIME-001"]
    assert doc["reachable"] is True
    assert doc["summary"]["error"] == sorted(["WIN-AV-001", "WIN-AV-002", *never])
    assert doc["summary"]["compliant"] == before
    assert doc["summary"]["not_checked"] == ["WIN-RDP-001", "WIN-RDP-002"]
    assert "WIN-LAPS-001" not in doc["controls"]
    for cid in never:
        control = doc["controls"][cid]
        assert control["reason"] == f"not checked: {stopped}" and control["tasks"] == [], control
        assert control["title"] == CATALOG[cid]["title"]
        assert control["safeguards"] == sorted(CATALOG[cid]["safeguards"])
    # WIN-AV-001: its policy task was fine, its status check (after the failed task) never ran.
    assert doc["controls"]["WIN-AV-001"]["reason"] == f"not fully checked: {stopped}"
    assert [t["outcome"] for t in doc["controls"]["WIN-AV-001"]["tasks"]] == ["ok"]
    # The failed task's own control: its message, once.
    assert doc["controls"]["WIN-AV-002"]["reason"] == f"'{failed.get_name()}' failed: {message}"

    # consortium audit fails the host and says where its run stopped, in text, json and junit.
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 1, result.out
    assert (
        f"fitchburg {HOST}: 7 compliant, 0 drift, 6 error ({', '.join(never)} error: not checked: {stopped}; "
        f"WIN-AV-001 error: not fully checked: {stopped}; WIN-AV-002 error: '{failed.get_name()}' failed: {message})"
        in result.out
    )
    host = json.loads(cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "json").out)["hosts"][0]
    assert host["failing"] == sorted(["WIN-AV-001", "WIN-AV-002", *never])
    assert host["controls"]["WIN-BL-001"] == {
        "status": "error",
        "title": CATALOG["WIN-BL-001"]["title"],
        "safeguards": sorted(CATALOG["WIN-BL-001"]["safeguards"]),
        "reason": f"not checked: {stopped}",
    }
    assert "reason" not in host["controls"]["WIN-PWD-001"]
    junit = cli("audit", "--evidence", evidence, "--registry", REPO, "--format", "junit").out
    assert f"{HOST}: WIN-BL-001 error: not checked: {stopped}" in junit.replace("&apos;", "'")


def test_a_loop_that_stops_the_host_gives_the_first_failed_item_as_the_reason(evidence: Path) -> None:
    """Ansible's message for a failed loop is only "One or more items failed": the reason names the
    first item that failed and its own message instead."""
    failed = _task("WIN-AUD-001 | Audit logons")
    values = {
        "failed": True,
        "msg": "One or more items failed",
        "results": [
            {"item": "Logon", "changed": False},
            {"item": "Account Lockout", "failed": True, "msg": "access is\ndenied"},
            {"item": "Special Logon", "failed": True, "msg": "not reached"},
        ],
    }
    doc = _run(
        evidence,
        lambda t: (
            ("failed", values) if t is failed else (None if TASKS.index(t) > TASKS.index(failed) else compliant(t))
        ),
    )
    assert doc["controls"]["WIN-BAN-001"]["reason"] == (
        f"not checked: the run stopped at '{failed.get_name()}': Account Lockout: access is denied"
    )


def test_tasks_skipped_for_the_host_are_not_checked(evidence: Path) -> None:
    """A domain controller: the local Administrators check does not apply."""

    def run(task: Task) -> Outcome:
        if "WIN-ADM-001" in task.tags:
            return "skipped", {"skipped": True}
        return compliant(task)

    doc = _run(evidence, run)
    assert doc["summary"]["not_checked"] == ["WIN-ADM-001"]


def test_an_unreachable_host_is_unreachable_not_compliant(evidence: Path) -> None:
    first = TASKS[0]

    def run(task: Task) -> Outcome | None:
        if task is first:
            return "unreachable", {"unreachable": True, "msg": "psrp: certificate verify failed"}
        return None

    doc = _run(evidence, run)
    assert doc["reachable"] is False
    # Every control of the role, not only those of the task that found the host unreachable;
    # nothing is claimed compliant.
    assert doc["summary"]["unreachable"] == sorted(CATALOG)
    assert {s for s, ids in doc["summary"].items() if ids} == {"unreachable"}
    for cid, control in doc["controls"].items():
        assert control["title"] == CATALOG[cid]["title"]
        assert control["safeguards"] == sorted(CATALOG[cid]["safeguards"])
    # The task that failed to connect is on record for its own controls.
    for cid in (t for t in first.tags if t.startswith("WIN-")):
        assert doc["controls"][cid]["tasks"] == [{"task": first.get_name(), "outcome": "unreachable"}]


def test_an_unreachable_host_lists_only_the_controls_of_enabled_concerns(evidence: Path) -> None:
    """Switched-off concerns (windows_baseline_<concern>_enabled false) are not audited: the
    evidence of an unreachable host does not list them, whatever task found it unreachable."""
    off = {"laps", "bitlocker", "rdp"}
    last = TASKS[-1]  # the run got as far as the last concern (local admins) before the host went away

    def run(task: Task) -> Outcome:
        if task is last:
            return "unreachable", {"unreachable": True, "msg": "psrp: connection refused"}
        if off & set(task.tags):
            return "skipped", {"skipped": True, "skip_reason": "Conditional result was False"}
        return compliant(task)

    doc = _run(evidence, run, switches=dict.fromkeys(off, False))
    expected = sorted(cid for cid, c in CATALOG.items() if c["concern"] not in off)
    assert doc["reachable"] is False and doc["summary"]["unreachable"] == expected
    # The switched-off concerns' tasks were skipped: not checked, never unreachable or compliant.
    assert doc["summary"]["not_checked"] == sorted(cid for cid, c in CATALOG.items() if c["concern"] in off)
    assert not doc["summary"]["compliant"]


# What ansible.builtin.psrp's first task returns when the server rejects a CredSSP logon (HTTP 401
# without a token): a plain failure per loop item, as test_windows_connection.py records it.
CREDSSP_REJECTED = (
    "Task failed: Server did not response with a CredSSP token after step TLS Handshake - actual 'Negotiate, CredSSP'"
)


def _failed_loop(msg: str) -> dict[str, Any]:
    item = {"failed": True, "msg": msg, "changed": False, "item": {"key": "MinimumPasswordLength", "value": 14}}
    return {"failed": True, "msg": "One or more items failed", "results": [item, dict(item)]}


def test_a_rejected_credssp_logon_on_the_first_windows_task_is_unreachable_with_the_message(evidence: Path) -> None:
    """Only the controller's preflight ran (set_fact): the first task on the host fails with
    requests_credssp's message, so the host is unreachable like SSH's failed authentication."""

    def run(task: Task) -> Outcome | None:
        return ("failed", _failed_loop(CREDSSP_REJECTED)) if task is TASKS[0] else None

    doc = _run(evidence, run)
    assert doc["reachable"] is False
    assert doc["summary"]["unreachable"] == sorted(CATALOG)
    assert {s for s, ids in doc["summary"].items() if ids} == {"unreachable"}
    assert {c["reason"] for c in doc["controls"].values()} == {CREDSSP_REJECTED}


def test_an_unreachable_host_gives_the_connection_message_as_every_control_reason(evidence: Path) -> None:
    """The SSH-style path (Ansible reports the host unreachable) shares the reason."""

    def run(task: Task) -> Outcome | None:
        return ("unreachable", {"unreachable": True, "msg": "psrp: connection\nrefused"}) if task is TASKS[0] else None

    doc = _run(evidence, run)
    assert {c["reason"] for c in doc["controls"].values()} == {"psrp: connection refused"}


@pytest.mark.parametrize(
    ("where", "msg"),
    [
        # A later task (the host logged on before) with the exact message: a failure of that task.
        ("later", CREDSSP_REJECTED),
        # The first task, with a 401 in a message that is not a rejected logon.
        ("first", "Task failed: HTTP 401 from the WSUS proxy while checking Windows Update"),
        # A later task with a 401 in an unrelated message.
        ("later", "Task failed: Unauthorized (401) reading the Defender status"),
    ],
)
def test_other_failures_stay_errors_of_a_reachable_host(evidence: Path, where: str, msg: str) -> None:
    failing = TASKS[0] if where == "first" else _task("WIN-AV-001..002 | Real-time protection is on")

    def run(task: Task) -> Outcome | None:
        if task is failing:
            return "failed", _failed_loop(msg)
        return compliant(task)

    doc = _run(evidence, run)
    assert doc["reachable"] is True and not doc["summary"]["unreachable"]
    assert set(failing.tags) & set(doc["summary"]["error"])
    assert all(msg in doc["controls"][cid]["reason"] for cid in doc["summary"]["error"]), doc


def test_windows_laps_on_a_domain_controller_is_not_applicable_with_the_reason(evidence: Path) -> None:
    """LAPS cannot back up to Entra ID on a domain controller: the role warns and configures
    nothing, so the control is not applicable there, never compliant; the warning is the reason."""
    warning = _task("WIN-LAPS-001 | Domain controllers back up LAPS")
    policy = _task("WIN-LAPS-001 | Windows LAPS policy")
    reason = (
        "WARNING ver-dc01: a domain controller cannot back up its LAPS (DSRM) password to\n"
        "Entra ID; LAPS is not configured here. Set windows_baseline_laps_backup_directory ad for it."
    )

    def run(task: Task) -> Outcome:
        if task is warning:
            return "ok", {"changed": False, "msg": reason}
        if task is policy:
            return "skipped", {"skipped": True, "skip_reason": "Conditional result was False"}
        return compliant(task)

    doc = _run(evidence, run)
    laps = doc["controls"]["WIN-LAPS-001"]
    assert laps["status"] == "not_applicable" and doc["summary"]["not_applicable"] == ["WIN-LAPS-001"]
    assert laps["reason"] == " ".join(reason.split())
    assert "WIN-LAPS-001" not in doc["summary"]["compliant"]
    # Other controls carry no reason.
    assert "reason" not in doc["controls"]["WIN-PWD-001"]

    # The audit reports it, names the reason, and does not count it as a failure.
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 0, result.out
    assert (
        f"fitchburg {HOST}: {len(CATALOG) - 1} compliant, 0 drift, 0 error, 1 not applicable "
        f"(WIN-LAPS-001 not applicable: {' '.join(reason.split())})" in result.out
    )

    # A drift elsewhere in the same control still outranks it.
    doc = _run(evidence, lambda t: ("ok", {"changed": True}) if t is policy else run(t))
    assert doc["controls"]["WIN-LAPS-001"]["status"] == "drift" and "reason" not in doc["controls"]["WIN-LAPS-001"]


def test_consortium_audit_ties_the_windows_host_to_its_member_and_fails_on_drift(evidence: Path) -> None:
    report = _task("WIN-BL-001 | The OS volume is not protected")
    _run(evidence, lambda t: ("ok", {"changed": True}) if t is report else compliant(t))
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 1, result.out
    assert f"fitchburg {HOST}: {len(CATALOG) - 1} compliant, 1 drift, 0 error (WIN-BL-001 drift)" in result.out

    _run(evidence, compliant)
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 0, result.out
    assert f"fitchburg {HOST}: {len(CATALOG)} compliant, 0 drift, 0 error" in result.out


def test_every_warning_task_is_drift_in_check_mode_and_quiet_in_a_real_run() -> None:
    """Report-only means "don't change", not "don't judge": each control-tagged warning (a debug
    task) reports changed exactly in check mode, so the audit scores it drift and a real run stays
    at changed=0. Without this, an audit would call BitLocker or local admins compliant."""
    warnings = {c: t for t in TASKS if _is_report(t) for c in t.tags if c in ("WIN-BL-001", "WIN-ADM-001")}
    assert set(warnings) == {"WIN-BL-001", "WIN-ADM-001"}
    for task in warnings.values():
        # Changed in check mode: the --check flag, or the mode the status script reports it ran in
        # (the audit playbook sets check mode with the play keyword, which ansible_check_mode misses).
        registered = next(t.register for t in TASKS if t.tags == task.tags and t.register)
        assert task.changed_when == [f"ansible_check_mode or {registered}.result.check_mode | default(false)"]
        # A warning that also fired after the enforcing task acted would report a fixed host as drift.
        assert f"{registered} is not changed" in task.when, task.name
    for name in ("bitlocker.yml", "local_admins.yml"):
        script = (ROLE / "tasks" / name).read_text()
        assert "check_mode = $Ansible.CheckMode" in script, name
