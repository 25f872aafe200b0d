"""``consortium backup-status``: per member and server, the last backup, snapshots and size, the last
restore drill and its result; stale, failed and unknown servers stand out.

A row's ``state``: ``no data`` (no status file: the server was never collected, never skipped),
``failed`` (the backup unit's last run failed, or restic could not list the repository), ``stale``
(no snapshot, or the newest is older than :data:`STALE_AFTER`), else ``ok``. CSV and JSON carry the
state as a column; the table writes every state but ``ok`` in capitals, and a failed drill too.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from consortium.backups.drills import Drill
from consortium.backups.protected import protected_servers
from consortium.backups.status import HostStatus
from consortium.registry.checker import stamp
from consortium.registry.errors import InputError, Problem
from consortium.registry.load import Registry
from consortium.words import count, table

STALE_AFTER = timedelta(hours=36)  # a nightly backup spread over 3 h may run 27 h after the last; 36 h is late
STATES = ("ok", "stale", "failed", "no data")
CSV_COLUMNS = (
    "member", "member_name", "host", "state", "last_backup", "backup_age_hours", "snapshots", "latest_files",
    "latest_bytes", "unit_result", "last_drill", "drill_result", "drill_snapshot", "collected_at", "problem",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One protected server's backups, as of ``now``."""

    member: str
    member_name: str
    host: str
    status: HostStatus | None
    drill: Drill | None
    state: str
    problem: str  # why the state is not ok, in words; empty when ok
    age: timedelta | None  # since the last backup

    @property
    def needs_attention(self) -> bool:
        return self.state != "ok" or (self.drill is not None and not self.drill.passed)


def _state(status: HostStatus | None, now: datetime) -> tuple[str, str, timedelta | None]:
    if status is None:
        return "no data", "no backup status collected (run playbooks/backup_status.yml)", None
    last = status.last_backup
    age = None if last is None else now - last.time
    if status.error is not None:
        return "failed", f"restic: {status.error}", age
    if status.unit_failed:
        return "failed", f"last backup run ended with {status.unit_result} (exit {status.unit_exit_status})", age
    if last is None:
        return "stale", "no snapshot yet", None
    if age is not None and age > STALE_AFTER:
        return "stale", f"last backup {int(age.total_seconds() // 3600)} h ago (over {_hours(STALE_AFTER)} h)", age
    return "ok", "", age


def _hours(d: timedelta) -> int:
    return int(d.total_seconds() // 3600)


def build_rows(
    registry: Registry,
    statuses: dict[str, HostStatus],
    drills: dict[str, Drill],
    now: datetime,
    members: tuple[str, ...] = (),
) -> list[Row]:
    """One row per protected server (registry order); a file naming another member than the registry is bad input."""
    names = {e.member.slug: e.member.name for e in registry.members}
    rows, problems = [], []
    for server in protected_servers(registry, members):
        status, drill = statuses.get(server.host), drills.get(server.host)
        for doc in (status, drill):
            if doc is not None and doc.member is not None and doc.member != server.member:
                problems.append(
                    Problem(
                        doc.file,
                        "member",
                        f"{doc.member!r}, but the registry lists {server.host} under {server.member}",
                    )
                )
        state, problem, age = _state(status, now)
        rows.append(Row(server.member, names[server.member], server.host, status, drill, state, problem, age))
    if problems:
        raise InputError(problems)
    return rows


def _cells(r: Row) -> dict[str, str]:
    s, d = r.status, r.drill
    last = s.last_backup if s else None
    return {
        "member": r.member,
        "member_name": r.member_name,
        "host": r.host,
        "state": r.state,
        "last_backup": stamp(last.time) if last else "",
        "backup_age_hours": "" if r.age is None else str(_hours(r.age)),
        "snapshots": "" if s is None else str(len(s.snapshots)),
        "latest_files": "" if s is None or s.latest_files is None else str(s.latest_files),
        "latest_bytes": "" if s is None or s.latest_bytes is None else str(s.latest_bytes),
        "unit_result": "" if s is None else s.unit_result,
        "last_drill": stamp(d.started) if d else "",
        "drill_result": d.result if d else "none",
        "drill_snapshot": (d.snapshot_id or "")[:8] if d else "",
        "collected_at": stamp(s.collected_at) if s else "",
        "problem": r.problem,
    }


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(_cells(r)[c] for c in CSV_COLUMNS)
    return out.getvalue()


def to_json(rows: list[Row], now: datetime) -> str:
    """``{"version": 1, "as_of", "stale_after_hours", "counts": {state: n}, "servers": [...]}``; numbers
    as numbers, unknowns as null; each drill in full (its evidence file's fields)."""
    servers = []
    for r in rows:
        s, d = r.status, r.drill
        last = s.last_backup if s else None
        servers.append(
            {
                "member": r.member,
                "host": r.host,
                "state": r.state,
                "problem": r.problem or None,
                "last_backup": stamp(last.time) if last else None,
                "backup_age_hours": None if r.age is None else _hours(r.age),
                "snapshots": None if s is None else len(s.snapshots),
                "latest_files": s.latest_files if s else None,
                "latest_bytes": s.latest_bytes if s else None,
                "unit": None
                if s is None
                else {
                    "result": s.unit_result,
                    "exit_status": s.unit_exit_status,
                    "last_exit": stamp(s.unit_last_exit) or None,
                },
                "collected_at": stamp(s.collected_at) if s else None,
                "drill": None if d is None else _drill_doc(d),
            }
        )
    doc = {
        "version": 1,
        "as_of": stamp(now),
        "stale_after_hours": _hours(STALE_AFTER),
        "counts": {state: sum(r.state == state for r in rows) for state in STATES},
        "servers": servers,
    }
    return json.dumps(doc, indent=2) + "\n"


def _drill_doc(d: Drill) -> dict:
    return {
        "started": stamp(d.started),
        "result": d.result,
        "snapshot": None if d.snapshot_id is None else {"id": d.snapshot_id, "time": stamp(d.snapshot_time)},
        "files_restored": d.files_restored,
        "bytes_restored": d.bytes_restored,
        "files_compared": d.files_compared,
        "files_changed": d.files_changed,
        "mismatches": list(d.mismatches),
        "duration_seconds": d.duration_seconds,
        "error": d.error,
    }


def _size(n: int | None) -> str:
    """Bytes for a person: binary units, one decimal."""
    if n is None:
        return "-"
    value, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"


def to_table(rows: list[Row], now: datetime) -> str:
    attention = [r for r in rows if r.needs_attention]
    counts = ", ".join(f"{sum(r.state == s for r in rows)} {s}" for s in STATES)
    lines = [
        f"backup status as of {stamp(now)}: {count(len(rows), 'protected server')} ({counts}); "
        f"stale after {_hours(STALE_AFTER)} h",
        f"{count(len(attention), 'server')} need attention" if attention else "every server is backed up and drilled",
    ]
    headers = ["host", "state", "last backup", "age h", "snapshots", "size", "last drill", "drill"]
    for slug in dict.fromkeys(r.member for r in rows):
        mine = [r for r in rows if r.member == slug]
        lines += ["", f"{slug} ({mine[0].member_name})"]
        cells = []
        for r in mine:
            c = _cells(r)
            drill = c["drill_result"]
            cells.append(
                [
                    r.host,
                    r.state if r.state == "ok" else r.state.upper(),
                    c["last_backup"] or "-",
                    c["backup_age_hours"] or "-",
                    c["snapshots"] or "-",
                    _size(r.status.latest_bytes if r.status else None),
                    c["last_drill"][:10] or "-",
                    drill.upper() if drill == "failed" else drill,
                ]
            )
        lines += table(headers, cells, frozenset({3, 4, 5}))
        lines += [f"  {r.host}: {r.problem}" for r in mine if r.problem]
        lines += [
            f"  {r.host}: drill failed: {_drill_problem(r.drill)}" for r in mine if r.drill and not r.drill.passed
        ]
    if not rows:
        lines += ["", "(no protected servers: no member with offsite backups has Linux servers)"]
    return "\n".join(lines) + "\n"


def _drill_problem(d: Drill) -> str:
    if d.error:
        return d.error
    if d.mismatches:
        return f"{count(len(d.mismatches), 'file')} differ or did not come back: {', '.join(d.mismatches[:3])}"
    return f"{d.files_restored} of {d.files_sampled} sampled files restored"
