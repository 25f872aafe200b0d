"""The host side of the drills and the status (playbooks/roles/backup_agent/files/backup_report.py),
run here against a real restic repository on disk: a drill of unchanged files passes, a file changed
since the snapshot is counted and not compared, a file that differs though unchanged fails the drill,
and what it prints (plus the playbook's host fields) is what the toolkit's readers accept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consortium.backups.drills import parse_drill
from consortium.backups.status import parse_status
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(
    shutil.which("restic") is None, reason="restic is not installed (make test installs it)"
)
SCRIPT = REPO / "playbooks/roles/backup_agent/files/backup_report.py"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A restic repository with one nightly snapshot of a data directory; the wrapper plays consortium-restic."""
    data = tmp_path / "data"
    (data / "sub dir").mkdir(parents=True)
    for i in range(12):
        (data / ("sub dir" if i % 2 else "") / f"file[{i}]*.txt").write_bytes(os.urandom(1000 + i))
    old = time.time() - 3600
    for p in data.rglob("*"):
        os.utime(p, (old, old))
    wrapper = tmp_path / "consortium-restic"
    wrapper.write_text(
        f"#!/bin/sh\nexport RESTIC_REPOSITORY={tmp_path / 'repo'} RESTIC_PASSWORD=drill\n"
        f"export RESTIC_CACHE_DIR={tmp_path / 'cache'}\n"
        'exec restic "$@"\n'
    )
    wrapper.chmod(0o700)
    for args in (
        ["init"],
        ["backup", "--tag", "scheduled", str(data)],
        ["backup", "--tag", "restore-check", str(wrapper)],
    ):
        run = subprocess.run([str(wrapper), *args], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    return wrapper, data


def report(wrapper: Path, *args: str) -> dict:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), args[0], "--restic", str(wrapper), *args[1:]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def as_evidence(doc: dict, host: str = "ver-app01") -> dict:
    """What the playbook adds before writing the file."""
    return {**doc, "host": host, "member": "verona", "repository": "s3:http://10.0.0.1:9000/b/verona/ver-app01"}


def test_a_drill_of_unchanged_files_passes_and_leaves_no_scratch(repo: tuple[Path, Path], tmp_path: Path) -> None:
    wrapper, data = repo
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    doc = report(wrapper, "drill", "--sample", "50", "--path", str(data), "--scratch-dir", str(scratch))
    assert doc["result"] == "passed", doc
    assert doc["files_sampled"] == doc["files_restored"] == doc["files_compared"] == 12
    assert doc["bytes_restored"] == sum(1000 + i for i in range(12)) and doc["mismatches"] == []
    assert list(scratch.iterdir()) == []
    drill = parse_drill(as_evidence(doc), "ver-app01.json")
    assert drill.passed and drill.snapshot_id == doc["snapshot"]["id"]


def test_changed_files_are_counted_and_a_silent_difference_fails(repo: tuple[Path, Path]) -> None:
    wrapper, data = repo
    files = sorted(p for p in data.rglob("*.txt"))
    files[0].write_bytes(b"encrypted by ransomware")  # changed since the snapshot: new mtime, not compared
    old = files[1].stat().st_mtime
    files[1].write_bytes(b"bit rot with the old mtime")
    os.utime(files[1], (old, old))
    doc = report(wrapper, "drill", "--sample", "5", "--path", str(data))
    assert doc["files_sampled"] == 5  # a bounded sample
    full = report(wrapper, "drill", "--sample", "100", "--path", str(data))
    assert full["result"] == "failed" and full["mismatches"] == [str(files[1])], full
    assert full["files_changed"] == 1 and full["files_compared"] == 11
    assert not parse_drill(as_evidence(full), "ver-app01.json").passed


def test_no_snapshot_is_a_failed_drill_with_the_reason(repo: tuple[Path, Path]) -> None:
    wrapper, _ = repo
    doc = report(wrapper, "drill", "--snapshot", "deadbeef")
    assert doc["result"] == "failed" and "deadbeef" in doc["error"] and doc["snapshot"] is None
    parse_drill(as_evidence(doc), "ver-app01.json")


def test_status_lists_the_nightly_snapshots_and_the_latest_size(repo: tuple[Path, Path]) -> None:
    wrapper, _ = repo
    doc = report(wrapper, "status")
    assert len(doc["snapshots"]) == 1 and "error" not in doc, doc  # the restore-check snapshot is not a backup
    # restic's restore-size counts the directories on the way as files too, and their bytes as 0
    assert doc["latest"]["files"] >= 12 and doc["latest"]["bytes"] == sum(1000 + i for i in range(12))
    s = parse_status(as_evidence(doc), "ver-app01.json")
    assert s.last_backup is not None and s.last_backup.id == doc["snapshots"][0]["id"]
