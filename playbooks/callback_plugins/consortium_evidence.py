"""Write per-host evidence JSON of a baseline audit run (playbooks/baseline_audit.yml).

Active only in plays that set ``consortium_evidence_dir`` (a plain path; an extra var of that name
wins, as ``CONSORTIUM_EVIDENCE_DIR`` in the environment does); silent otherwise. For every host it
records each task's control IDs (tags ``LNX-...``/``WIN-...``), CIS safeguards (``cis_...``) and
outcome, and rolls them up per control: ``compliant`` (every task ok and unchanged), ``drift``
(a task would change something - the run is in check mode), ``error`` (a task failed),
``unreachable``, or ``not_checked`` (all its tasks skipped). One file per host:
``<dir>/<host>.json``. The audit crosswalk reads these next to the policy results.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime

import yaml
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
RANK = {"not_checked": 0, "compliant": 1, "drift": 2, "error": 3, "unreachable": 4}


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
        self._seen: set[str] = set()

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
        self._load_catalog(task)
        host = result._host.get_name()
        entry = self._hosts.setdefault(host, {"tasks": [], "unreachable": False})
        if outcome == "unreachable":
            entry["unreachable"] = True
        if not controls:
            return
        if outcome == "ok" and result._result.get("changed"):
            outcome = "drift"
        entry["tasks"].append(
            {
                "task": task.get_name(),
                "controls": controls,
                "safeguards": sorted({t[4:] for t in tags if str(t).startswith("cis_")}),
                "outcome": outcome,
            }
        )

    def v2_runner_on_ok(self, result) -> None:
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._record(result, "ok" if ignore_errors else "error")

    def v2_runner_on_skipped(self, result) -> None:
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result) -> None:
        self._record(result, "unreachable")

    def _load_catalog(self, task) -> None:
        """Titles and safeguards of the controls from the role's controls.yml, when it has one."""
        role = getattr(task, "_role", None)
        path = os.path.join(role._role_path, "controls.yml") if role is not None else ""
        if not path or path in self._seen:
            return
        self._seen.add(path)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                for c in (yaml.safe_load(fh) or {}).get("controls", []):
                    self._catalog[c["id"]] = c

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
                    c["tasks"].append({"task": t["task"], "outcome": t["outcome"]})
                    if c["status"] is None or RANK[status] > RANK[c["status"]]:
                        c["status"] = status
            if entry["unreachable"]:
                for c in controls.values():
                    c["status"] = "unreachable"
            doc = {
                "host": host,
                "play": self._play,
                "generated": now,
                "reachable": not entry["unreachable"],
                "summary": {s: sorted(cid for cid, c in controls.items() if c["status"] == s) for s in RANK},
                "controls": {
                    cid: {
                        "status": c["status"],
                        "title": self._catalog.get(cid, {}).get("title", ""),
                        # controls.yml is the home of the crosswalk; task tags are the fallback
                        "safeguards": sorted(self._catalog.get(cid, {}).get("safeguards") or c["safeguards"]),
                        "tasks": c["tasks"],
                    }
                    for cid, c in sorted(controls.items())
                },
            }
            path = os.path.join(self._dir, f"{host}.json")
            tmp = f"{path}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=2)
                fh.write("\n")
            os.replace(tmp, path)
        self._hosts = {}
