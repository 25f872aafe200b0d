"""Backup status: the JSON ``playbooks/backup_status.yml`` writes per host, read strictly.

One file per host, ``<host>.json``, reduced on the host from restic's own JSON (``restic snapshots
--json``, ``restic stats --json latest``) and the backup unit's last run (systemd)::

    {"host": "ver-app01", "member": "verona", "repository": "s3:...",     # member: optional
     "collected_at": "2026-12-02T08:00:00Z",
     "snapshots": [{"id": "<hex>", "time": "2026-12-02T01:00:04Z"}],      # the nightly backups
     "latest": {"files": 1234, "bytes": 56789},                           # null: no snapshot yet
     "unit": {"result": "success", "exit_status": 0, "last_exit": "2026-12-02T01:03:10Z"},
     "error": "..."}                                                      # optional: restic failed

``unit.result`` is systemd's ``Result`` of ``consortium-backup.service`` ("success", "exit-code",
"timeout", ...); ``last_exit`` is null when the unit never ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from consortium.backups.drills import SNAPSHOT_ID_PATTERN
from consortium.backups.hostfiles import repository
from consortium.registry.checker import HOST_PATTERN, Checker
from consortium.registry.fields import SLUG_PATTERN
from consortium.registry.hostfiles import load_host_files

MAX_STATUS_BYTES = 16 * 1024 * 1024
UNIT_RESULT_PATTERN = r"^[a-z][a-z-]{0,40}$"


@dataclass(frozen=True)
class Snapshot:
    id: str
    time: datetime


@dataclass(frozen=True)
class HostStatus:
    """One host's backups as last collected."""

    file: str
    host: str
    member: str | None
    repository: str
    collected_at: datetime
    snapshots: tuple[Snapshot, ...]  # oldest first
    latest_files: int | None
    latest_bytes: int | None
    unit_result: str
    unit_exit_status: int | None
    unit_last_exit: datetime | None
    error: str | None

    @property
    def last_backup(self) -> Snapshot | None:
        """The newest snapshot: the last backup that finished (restic writes a snapshot only then)."""
        return self.snapshots[-1] if self.snapshots else None

    @property
    def unit_failed(self) -> bool:
        """The backup unit's last run failed (a unit that never ran has not failed; it is stale)."""
        return self.unit_last_exit is not None and self.unit_result != "success"


def parse_status(doc: Any, shown: str) -> HostStatus:
    c = Checker(shown)
    c.obj(doc, "", ("host", "repository", "collected_at", "snapshots", "latest", "unit"), ("member", "error"))
    repo = repository(c, doc["repository"])
    snaps = []
    for i, s in enumerate(c.items(doc["snapshots"], "snapshots")):
        c.obj(s, f"snapshots[{i}]", ("id", "time"))
        snaps.append(
            Snapshot(
                c.text(s["id"], f"snapshots[{i}].id", pattern=SNAPSHOT_ID_PATTERN),
                c.timestamp(s["time"], f"snapshots[{i}].time"),  # type: ignore[arg-type]
            )
        )
    latest = doc["latest"]
    if latest is not None:
        c.obj(latest, "latest", ("files", "bytes"))
    unit = c.obj(doc["unit"], "unit", ("result", "exit_status", "last_exit"))
    return HostStatus(
        file=shown,
        host=c.text(doc["host"], "host", pattern=HOST_PATTERN),
        member=c.text(doc.get("member"), "member", optional=True, pattern=SLUG_PATTERN),
        repository=repo,
        collected_at=c.timestamp(doc["collected_at"], "collected_at"),  # type: ignore[arg-type]
        snapshots=tuple(sorted(snaps, key=lambda s: (s.time, s.id))),
        latest_files=None if latest is None else c.integer(latest["files"], "latest.files"),
        latest_bytes=None if latest is None else c.integer(latest["bytes"], "latest.bytes"),
        unit_result=c.text(unit["result"], "unit.result", pattern=UNIT_RESULT_PATTERN),
        unit_exit_status=c.integer(unit["exit_status"], "unit.exit_status", optional=True),
        unit_last_exit=c.timestamp(unit["last_exit"], "unit.last_exit", optional=True),
        error=c.text(doc.get("error"), "error", optional=True),
    )


def load_statuses(folder: Path) -> dict[str, HostStatus]:
    """Every ``<host>.json`` in ``folder`` by host (bad files all named at once: see ``hostfiles``)."""
    return load_host_files(
        folder, parse_status, max_bytes=MAX_STATUS_BYTES, what="backup status (playbooks/backup_status.yml writes it)"
    )
