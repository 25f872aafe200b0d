"""Write per-host evidence JSON of a baseline audit run (playbooks/baseline_audit.yml).

Active only in plays that set ``consortium_evidence_dir`` (a plain path; an extra var of that name
wins, as ``CONSORTIUM_EVIDENCE_DIR`` in the environment does); silent otherwise. For every host it
records each task's control IDs (tags ``LNX-...``/``WIN-...``), CIS safeguards (``cis_...``) and
outcome, and rolls them up per control: ``compliant`` (every task ok and unchanged), ``drift``
(a task would change something - the run is in check mode), ``error`` (a task failed),
``unreachable``, ``not_applicable`` or ``not_checked`` (all its tasks skipped). One file per host:
``<dir>/<host>.json``. The audit crosswalk reads these next to the policy results.

Two conventions of the roles, so that the evidence never claims more than was checked:

- A role's first preflight task (controller only, so it runs even when the host is down) sets the
  fact ``_<role>_evidence_switches``, its concern switches as booleans. A host that turns out
  unreachable then lists every control of the role's controls.yml whose ``concern`` is switched
  on as ``unreachable`` - not just the controls of the task that failed to connect.
- A task with the variable ``consortium_evidence_status: not_applicable`` that runs (ok) marks its
  controls ``not_applicable`` on that host, its ``msg`` the reason (e.g. LAPS on a domain
  controller); an auditor must not read "compliant" for a control that was not checked.
- A task that serves several controls in one call may name, in its result's
  ``consortium_evidence_drift`` (a list of control IDs), the ones it changed (or would change): only
  those are drift, its other controls compliant (e.g. the Linux baseline's one pam-auth-update call).

A host that fails a task (reachable, error not ignored) stops: Ansible runs nothing more on it. Every
enabled control that no task reported on, and every control with a task of the role after the failed
one that never reported, is then an ``error`` whose reason names the task the run stopped at -
so "not checked because the run stopped" never reads as "not part of the baseline" (absent) or as
"deliberately skipped" (``not_checked``, no failure), and a partly checked control never as compliant.

A Windows logon the server rejects is ``unreachable`` too, as SSH's authentication failure is, even
where the connection plugin reports it as a failed task (see ``logon_rejected``). Every unreachable
control's reason is the connection's message.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime

import yaml
from ansible.playbook.block import Block
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: consortium_evidence
    type: aggregate
    short_description: per-host control evidence JSON of baseline audits
    description:
      - Writes one JSON file per host with the outcome of every control-tagged task.
      - Active only in plays that set the play variable consortium_evidence_dir.
"""

CONTROL = re.compile(r"^(LNX|WIN)-[A-Z]+-\d{3}$")
# A control's status is the highest-ranked of its tasks' outcomes: a task declaring the control not
# applicable outranks compliant, and any drift, error or unreachable task outranks both.
RANK = {"not_checked": 0, "compliant": 1, "not_applicable": 2, "drift": 3, "error": 4, "unreachable": 5}
SWITCHES_FACT = "_{role}_evidence_switches"  # {role}: the role's name (its directory)
# The reduced results of the auditors' scanners, when the audit ran them (the baseline audit's opt-in):
# written as the evidence's "scanners" object (consortium/audit/scanner_evidence.py reads it).
SCANNERS_FACT = "_{role}_evidence_scanners"
STATUS_VAR = "consortium_evidence_status"
DRIFT_KEY = "consortium_evidence_drift"  # in a changed task's result: which of its controls changed
REASONED = ("not_applicable", "error", "unreachable")  # the statuses whose evidence says why
MESSAGE_MAX = 300  # characters of a failed task's message kept as the reason
# What requests_credssp raises when the server answers CredSSP (ansible.builtin.psrp, auth credssp) with
# 401: no token after a step (the logon rejected), CredSSP not offered, or an NTSTATUS error token
# (requests_credssp/credssp.py _get_credssp_token, _check_credssp_supported; exceptions.py
# NTStatusException). The psrp plugin maps only pypsrp's AuthenticationError/WinRMError to a connection
# failure, so these reach Ansible as a failed task. Every other rejected logon of psrp and winrm (NTLM,
# Kerberos, any auth over winrm, whose connect wraps every exception) already is a connection failure.
LOGON_REJECTED = (
    "Server did not response with a CredSSP token after step ",
    "The server did not response CredSSP being an available authentication method",
    "Received error status from the server: (",
)
# Actions that run on the controller without opening the host's connection (the roles' preflight):
# their success proves nothing about the logon.
CONTROLLER_ACTIONS = frozenset(
    f"{prefix}{name}"
    for name in ("assert", "debug", "fail", "set_fact", "set_stats", "include_vars", "validate_argument_spec", "meta")
    for prefix in ("", "ansible.builtin.", "ansible.legacy.")
)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "consortium_evidence"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self) -> None:
        super().__init__()
        self._dir: str | None = None
        self._play = ""
        self._hosts: dict[str, dict] = {}
        self._catalog: dict[str, dict] = {}
        self._role_controls: dict[str, list[dict]] = {}  # controls.yml path -> its controls

    # ---- play ------------------------------------------------------------------------------
    def v2_playbook_on_play_start(self, play) -> None:
        self._flush()
        vm = play.get_variable_manager()
        extra = (vm.extra_vars if vm is not None else None) or {}
        raw = extra.get("consortium_evidence_dir") or (play.vars or {}).get("consortium_evidence_dir")
        self._dir = os.environ.get("CONSORTIUM_EVIDENCE_DIR") or (str(raw) if raw else None)
        self._play = play.get_name()
        self._hosts = {}

    def v2_playbook_on_stats(self, stats) -> None:
        self._flush()

    # ---- results ---------------------------------------------------------------------------
    def _record(self, result, outcome: str) -> None:
        if not self._dir:
            return
        task = result._task
        tags = list(task.tags or [])
        controls = [t for t in tags if CONTROL.match(str(t))]
        role = getattr(task, "_role", None)
        role_controls = self._load_catalog(role)
        host = result._host.get_name()
        entry = self._hosts.setdefault(
            host,
            {"tasks": [], "unreachable": None, "logged_on": False, "enabled": [], "disabled": set(), "reported": set()},
        )
        entry["reported"].add(task._uuid)
        if outcome == "error" and not entry["logged_on"] and logon_rejected(result._result):
            outcome = "unreachable"  # the host's first connection, refused: no check ran
        if outcome == "unreachable" and entry["unreachable"] is None:
            entry["unreachable"] = _message(result._result)
        if (
            outcome == "ok"
            and not result._result.get("failed")
            and task.action not in CONTROLLER_ACTIONS
            and not task.delegate_to
        ):
            entry["logged_on"] = True
        switches = None
        if outcome == "ok" and role is not None:
            fact = SWITCHES_FACT.format(role=os.path.basename(role._role_path))
            switches = (result._result.get("ansible_facts") or {}).get(fact)
        if outcome == "ok" and role is not None:
            fact = SCANNERS_FACT.format(role=os.path.basename(role._role_path))
            scanners = (result._result.get("ansible_facts") or {}).get(fact)
            if isinstance(scanners, dict):
                entry["scanners"] = scanners
        if isinstance(switches, dict):
            entry["enabled"] = enabled_controls(role_controls, switches)
            entry["disabled"] = {c["id"] for c in role_controls} - set(entry["enabled"])
        if outcome == "error" and "stopped" not in entry:
            entry["stopped"] = {
                "task": task.get_name(),
                "msg": _message(result._result),
                "later": _tasks_after(role, task),
            }
        if not controls:
            return
        record = {
            "task": task.get_name(),
            "controls": controls,
            "safeguards": sorted({t[4:] for t in tags if str(t).startswith("cis_")}),
            "outcome": outcome,
        }
        if outcome == "ok" and (task.vars or {}).get(STATUS_VAR) == "not_applicable":
            record["outcome"] = "not_applicable"
            record["reason"] = " ".join(str(result._result.get("msg", "")).split())
        elif outcome == "ok" and result._result.get("changed"):
            record["outcome"] = "drift"
            drifted = result._result.get(DRIFT_KEY)
            if isinstance(drifted, list) and set(map(str, drifted)) & set(controls):
                as_wanted = [c for c in controls if c not in drifted]
                if as_wanted:
                    entry["tasks"].append({**record, "controls": as_wanted, "outcome": "ok"})
                record["controls"] = [c for c in controls if c in drifted]
        elif outcome == "error":
            record["reason"] = f"'{record['task']}' failed: {_message(result._result)}"
        entry["tasks"].append(record)

    def v2_runner_on_ok(self, result) -> None:
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._record(result, "ok" if ignore_errors else "error")

    def v2_runner_on_skipped(self, result) -> None:
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result) -> None:
        self._record(result, "unreachable")

    def _load_catalog(self, role) -> list[dict]:
        """The controls of a task's role (its controls.yml, when it has one): titles, safeguards
        and concerns."""
        path = os.path.join(role._role_path, "controls.yml") if role is not None else ""
        if not path:
            return []
        if path not in self._role_controls:
            controls = []
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    controls = list((yaml.safe_load(fh) or {}).get("controls", []))
            self._role_controls[path] = controls
            for c in controls:
                self._catalog[c["id"]] = c
        return self._role_controls[path]

    # ---- output ----------------------------------------------------------------------------
    def _flush(self) -> None:
        if not self._dir or not self._hosts:
            return
        os.makedirs(self._dir, exist_ok=True)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for host, entry in self._hosts.items():
            controls: dict[str, dict] = {}
            for t in entry["tasks"]:
                status = {"ok": "compliant", "skipped": "not_checked"}.get(t["outcome"], t["outcome"])
                for cid in t["controls"]:
                    c = controls.setdefault(cid, {"status": None, "safeguards": set(), "tasks": []})
                    c["safeguards"].update(t["safeguards"])
                    c["tasks"].append({k: t[k] for k in ("task", "outcome", "reason") if k in t})
                    if c["status"] is None or RANK[status] > RANK[c["status"]]:
                        c["status"] = status
            if entry["unreachable"] is not None:
                # Every enabled control of the role, not only those of the task that failed to connect;
                # a switched-off concern's skipped tasks stay not_checked.
                for cid in entry["enabled"]:
                    controls.setdefault(cid, {"status": None, "safeguards": set(), "tasks": []})
                for cid, c in controls.items():
                    if cid not in entry["disabled"]:
                        c["status"] = "unreachable"
                        c["note"] = entry["unreachable"]
            elif "stopped" in entry:
                _mark_stopped(controls, entry)
            doc = {
                "host": host,
                "play": self._play,
                "generated": now,
                "reachable": entry["unreachable"] is None,
                "summary": {s: sorted(cid for cid, c in controls.items() if c["status"] == s) for s in RANK},
                "controls": {
                    cid: {
                        "status": c["status"],
                        "title": self._catalog.get(cid, {}).get("title", ""),
                        # controls.yml is the home of the crosswalk; task tags are the fallback
                        "safeguards": sorted(self._catalog.get(cid, {}).get("safeguards") or c["safeguards"]),
                        "tasks": c["tasks"],
                        **_reason(c),
                    }
                    for cid, c in sorted(controls.items())
                },
                **({"scanners": entry["scanners"]} if "scanners" in entry else {}),
            }
            path = os.path.join(self._dir, f"{host}.json")
            tmp = f"{path}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=2)
                fh.write("\n")
            os.replace(tmp, path)
        self._hosts = {}


def enabled_controls(controls: list[dict], switches: dict) -> list[str]:
    """IDs of the role's controls whose concern is switched on (a control without a concern always is)."""
    return [c["id"] for c in controls if "concern" not in c or _truthy(switches.get(c["concern"], True))]


def _truthy(value: object) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on", "y", "t")


def _mark_stopped(controls: dict[str, dict], entry: dict) -> None:
    """The controls a stopped host left unchecked (never reported) or partly checked (a task of
    theirs was still to come) become errors, the task the run stopped at their reason."""
    stop = entry["stopped"]
    why = f"the run stopped at '{stop['task']}': {stop['msg']}"
    # The controls of the role's tasks after the failed one that reported nothing for the host.
    pending = {cid for uuid, cids in stop["later"] if uuid not in entry["reported"] for cid in cids}
    for cid in dict.fromkeys([*entry["enabled"], *sorted(pending)]):
        if cid in entry["disabled"]:
            continue  # a switched-off concern: its tasks would have been skipped
        c = controls.get(cid)
        if c is None:
            controls[cid] = {"status": "error", "safeguards": set(), "tasks": [], "note": f"not checked: {why}"}
        elif cid in pending and not any(t["task"] == stop["task"] for t in c["tasks"]):
            c["status"] = "error" if RANK[c["status"]] < RANK["error"] else c["status"]
            c["note"] = f"not fully checked: {why}"


def logon_rejected(result: dict) -> bool:
    """Whether a failed task's message is a connection plugin's rejected logon (``LOGON_REJECTED``);
    the caller asks only for the host's first connection, so a later failure stays an error."""
    text = _text(result)
    return any(marker in text for marker in LOGON_REJECTED)


def _reason(control: dict) -> dict:
    """Why a control is not applicable, an error or unreachable on the host: the messages of the
    tasks that said so, where the run stopped before checking (all of) it, or why it could not connect."""
    status = control["status"]
    if status not in REASONED:
        return {}
    reasons = [t["reason"] for t in control["tasks"] if t["outcome"] == status and t.get("reason")]
    reasons += [control["note"]] if control.get("note") else []
    if status == "error" and not reasons:
        return {}
    return {"reason": "; ".join(dict.fromkeys(reasons))}


def _message(result: dict) -> str:
    """A failed task's message on one line (``_text``), cut to MESSAGE_MAX characters."""
    text = _text(result)
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 3] + "..."


def _text(result: dict) -> str:
    """A failed or unreachable task's whole message on one line; for a loop, the first failed item's
    (Ansible's own message would only say "One or more items failed")."""
    items = [
        r for r in result.get("results") or [] if isinstance(r, dict) and (r.get("failed") or r.get("unreachable"))
    ]
    if items:
        item = items[0]
        label = f"{item['item']}: " if isinstance(item.get("item"), str | int) else ""
        return label + _text({k: v for k, v in item.items() if k != "results"})
    raw = next((result[k] for k in ("msg", "stderr", "module_stderr") if result.get(k)), "no message")
    return " ".join(str(raw).split())


def _tasks_after(role, task) -> list[tuple[str, list[str]]]:
    """(id, control IDs) of the role's control tasks after ``task``, in the order the role runs them:
    the checks a host that stops at ``task`` may never get to. Empty when the task is not found."""
    tasks = list(_tasks(getattr(role, "_task_blocks", None) or []))
    uuids = [getattr(t, "_uuid", None) for t in tasks]
    if task._uuid not in uuids:
        return []
    later = [
        (t._uuid, [str(x) for x in (t.tags or []) if CONTROL.match(str(x))])
        for t in tasks[uuids.index(task._uuid) + 1 :]
    ]
    return [(uuid, cids) for uuid, cids in later if cids]


def _tasks(items: list):
    """The tasks of blocks (block, rescue, always; nested blocks and imports) in order."""
    for item in items:
        if isinstance(item, Block):
            yield from _tasks([*(item.block or []), *(item.rescue or []), *(item.always or [])])
        else:
            yield item
