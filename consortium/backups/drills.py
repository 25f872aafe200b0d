"""Restore drill evidence: the JSON ``playbooks/restore_drill.yml`` writes per host, read strictly.

One file per host, ``<host>.json``::

    {"host": "ver-app01", "member": "verona",            # member: optional
     "repository": "s3:https://s3.example/bucket/verona/ver-app01",   # never credentials
     "snapshot": {"id": "<64 hex>", "time": "2026-12-01T01:00:04Z"},  # null: no snapshot to drill
     "files_sampled": 50, "files_restored": 50, "bytes_restored": 123456,
     "files_compared": 48, "files_changed": 2,           # changed since the snapshot: not compared
     "mismatches": ["/etc/x"],                            # compared and different, or not restored
     "result": "passed" | "failed", "started": "2026-12-02T03:00:00Z", "duration_seconds": 4.2,
     "error": "..."}                                      # optional: why the drill could not finish

A drill passes only when everything sampled came back and no unchanged file differs; a file that
claims to pass while listing mismatches, an error or no snapshot is refused, so a control never
counts a contradictory drill as proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from consortium.backups.hostfiles import repository
from consortium.registry.checker import HOST_PATTERN, Checker
from consortium.registry.fields import SLUG_PATTERN
from consortium.registry.hostfiles import load_host_files

RESULTS = ("passed", "failed")
SNAPSHOT_ID_PATTERN = r"^[0-9a-f]{8,64}$"
MAX_DRILL_BYTES = 4 * 1024 * 1024
_REQUIRED = (
    "host", "repository", "snapshot", "files_sampled", "files_restored", "bytes_restored", "files_compared",
    "files_changed", "mismatches", "result", "started", "duration_seconds",
)  # fmt: skip


@dataclass(frozen=True)
class Drill:
    """One host's last restore drill."""

    file: str  # as shown in messages
    host: str
    member: str | None
    repository: str
    snapshot_id: str | None
    snapshot_time: datetime | None
    files_sampled: int
    files_restored: int
    bytes_restored: int
    files_compared: int
    files_changed: int
    mismatches: tuple[str, ...]
    result: str
    started: datetime
    duration_seconds: float
    error: str | None

    @property
    def passed(self) -> bool:
        return self.result == "passed"


def parse_drill(doc: Any, shown: str) -> Drill:
    """One drill document, every field checked (see the module docstring)."""
    c = Checker(shown)
    c.obj(doc, "", _REQUIRED, ("member", "error"))
    repo = repository(c, doc["repository"])
    snap = doc["snapshot"]
    if snap is not None:
        c.obj(snap, "snapshot", ("id", "time"))
    mismatches = tuple(c.text(m, f"mismatches[{i}]") for i, m in enumerate(c.items(doc["mismatches"], "mismatches")))
    drill = Drill(
        file=shown,
        host=c.text(doc["host"], "host", pattern=HOST_PATTERN),
        member=c.text(doc.get("member"), "member", optional=True, pattern=SLUG_PATTERN),
        repository=repo,
        snapshot_id=None if snap is None else c.text(snap["id"], "snapshot.id", pattern=SNAPSHOT_ID_PATTERN),
        snapshot_time=None if snap is None else c.timestamp(snap["time"], "snapshot.time"),
        files_sampled=c.integer(doc["files_sampled"], "files_sampled"),
        files_restored=c.integer(doc["files_restored"], "files_restored"),
        bytes_restored=c.integer(doc["bytes_restored"], "bytes_restored"),
        files_compared=c.integer(doc["files_compared"], "files_compared"),
        files_changed=c.integer(doc["files_changed"], "files_changed"),
        mismatches=mismatches,
        result=c.choice(doc["result"], "result", RESULTS),
        started=c.timestamp(doc["started"], "started"),  # type: ignore[arg-type]
        duration_seconds=c.number(doc["duration_seconds"], "duration_seconds"),
        error=c.text(doc.get("error"), "error", optional=True),
    )
    if drill.passed:
        _check_passed(c, drill)
    return drill


def _check_passed(c: Checker, d: Drill) -> None:
    """A drill that says it passed must show it: a snapshot, every sampled file back, nothing different."""
    if d.snapshot_id is None:
        raise c.bad("result", "passed, but no snapshot was drilled")
    if d.error is not None:
        raise c.bad("result", "passed, but the drill reports an error")
    if d.mismatches:
        raise c.bad("result", f"passed, but {len(d.mismatches)} file(s) differ or were not restored")
    if d.files_restored != d.files_sampled or d.files_sampled == 0:
        raise c.bad("result", f"passed, but {d.files_restored} of {d.files_sampled} sampled files were restored")
    if d.files_compared + d.files_changed != d.files_restored:
        raise c.bad("files_compared", "compared and changed files do not add up to the files restored")


def load_drills(folder: Path) -> dict[str, Drill]:
    """Every ``<host>.json`` in ``folder`` by host (bad files all named at once: see ``hostfiles``)."""
    return load_host_files(
        folder,
        parse_drill,
        max_bytes=MAX_DRILL_BYTES,
        what="restore drill evidence (playbooks/restore_drill.yml writes it)",
    )
