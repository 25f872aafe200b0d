"""Drill and status documents as playbooks/restore_drill.yml and playbooks/backup_status.yml write them."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SNAP = "4f6c2a1b" + "0" * 56


def at(delta: timedelta, now: datetime | None = None) -> str:
    """``now - delta`` as the playbooks write times."""
    return ((now or datetime.now(UTC)) - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def drill(
    host: str = "ver-app01", *, age: timedelta = timedelta(days=2), now: datetime | None = None, **edits: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "host": host,
        "member": "verona",
        "repository": f"s3:https://s3.dane-consortium.example/dane-consortium-offsite/verona/{host}",
        "snapshot": {"id": SNAP, "time": at(age + timedelta(hours=3), now)},
        "files_sampled": 50,
        "files_restored": 50,
        "bytes_restored": 812345,
        "files_compared": 47,
        "files_changed": 3,
        "mismatches": [],
        "result": "passed",
        "started": at(age, now),
        "duration_seconds": 4.2,
    }
    doc.update(copy.deepcopy(edits))
    return doc


def status(host: str = "ver-app01", *, age: timedelta = timedelta(hours=7), **edits: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "host": host,
        "member": "verona",
        "repository": f"s3:https://s3.dane-consortium.example/dane-consortium-offsite/verona/{host}",
        "collected_at": at(timedelta(0)),
        "snapshots": [
            {"id": "1" * 64, "time": at(age + timedelta(days=1))},
            {"id": "2" * 64, "time": at(age)},
        ],
        "latest": {"files": 1234, "bytes": 5 * 1024 * 1024},
        "unit": {"result": "success", "exit_status": 0, "last_exit": at(age - timedelta(minutes=3))},
    }
    doc.update(copy.deepcopy(edits))
    return doc


def write(folder: Path, doc: Any, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or doc['host']}.json"
    path.write_text(json.dumps(doc))
    return path
