#!/usr/bin/env python3
"""Backup evidence, run on a backed-up host by playbooks/restore_drill.yml and backup_status.yml.

  backup_report.py status --restic CMD            restic snapshots and the latest one's size, and the
                                                  backup unit's last run, as JSON on stdout
  backup_report.py drill --restic CMD [--sample N] [--path P]... [--snapshot ID] [--scratch-dir D]
                                                  restore a sample of a snapshot into a scratch directory,
                                                  compare it with the live files, print the evidence JSON

The drill compares checksums only for live files older than the snapshot (a file changed since then
is expected to differ: it is counted, not compared); the scratch directory is removed whatever
happens. Both always print a document and exit 0 when they could judge, so the evidence of a failed
drill is written too; the playbook then fails the host. Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

TAG = "scheduled"  # the nightly backups (the role's restore check tags its canary snapshots otherwise)
UNIT = "consortium-backup.service"
_RESTIC_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_GLOB = re.compile(r"([\\*?\[])")


class ResticError(Exception):
    pass


def stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def restic_time(text: str) -> datetime:
    """restic's times have nanoseconds and an offset, which datetime.fromisoformat (3.11) cannot read."""
    m = _RESTIC_TIME.match(text)
    if not m:
        raise ResticError(f"unreadable snapshot time {text!r}")
    base = datetime.fromisoformat(m[1] + ("+00:00" if m[3] == "Z" else m[3]))
    return base + timedelta(seconds=float("0" + m[2]) if m[2] else 0)


def restic(cmd: str, *args: str) -> str:
    run = subprocess.run([cmd, *args], capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no message"])[-1]
        raise ResticError(f"restic {args[0]} exited {run.returncode}: {last[:300]}")
    return run.stdout


def snapshots(cmd: str, snapshot: str = "") -> list[dict]:
    """The nightly snapshots (or the one named), oldest first."""
    found = json.loads(restic(cmd, "snapshots", "--json", *([snapshot] if snapshot else ["--tag", TAG]))) or []
    return sorted(found, key=lambda s: restic_time(s["time"]))


# --------------------------------------------------------------------------------------------- status


def unit_state() -> dict:
    """systemd's view of the backup unit's last run; last_exit null when it never ran."""
    props = ("Result", "ExecMainStatus", "ExecMainExitTimestamp")
    args = ["systemctl", "show", UNIT, "--timestamp=utc", *(f"--property={p}" for p in props)]
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):  # no systemd to ask: the unit's state is unknown, not failed
        out = ""
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    found = re.search(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)", values.get("ExecMainExitTimestamp", ""))
    ran = found is not None
    return {
        "result": values.get("Result") or "unknown",
        "exit_status": int(values["ExecMainStatus"]) if ran and values.get("ExecMainStatus", "").isdigit() else None,
        "last_exit": f"{found[1]}T{found[2]}Z" if found else None,
    }


def status(cmd: str) -> dict:
    doc: dict = {"collected_at": stamp(datetime.now(UTC)), "snapshots": [], "latest": None, "unit": unit_state()}
    try:
        snaps = snapshots(cmd)
        doc["snapshots"] = [{"id": s["id"], "time": stamp(restic_time(s["time"]))} for s in snaps]
        if snaps:
            stats = json.loads(restic(cmd, "stats", "--json", snaps[-1]["id"]))
            doc["latest"] = {"files": int(stats["total_file_count"]), "bytes": int(stats["total_size"])}
    except (ResticError, ValueError, KeyError) as exc:
        doc["error"] = str(exc)[:500]
    return doc


# ---------------------------------------------------------------------------------------------- drill


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sample_files(cmd: str, snap: str, paths: list[str], size: int) -> list[dict]:
    """A sample of the snapshot's regular files (under ``paths``), the same for the same snapshot."""
    listing = restic(cmd, "ls", "--json", *(["--recursive"] if paths else []), snap, *paths)
    files = []
    for line in listing.splitlines():
        node = json.loads(line)
        if node.get("struct_type") == "node" and node.get("type") == "file":
            files.append(node)
    chosen = random.Random(snap).sample(files, min(size, len(files)))
    return sorted(chosen, key=lambda n: n["path"])


def compare(sample: list[dict], scratch: str, taken: datetime, doc: dict) -> None:
    """Count what came back; checksum against the live file when it has not changed since the snapshot."""
    for node in sample:
        path, restored = node["path"], scratch + node["path"]
        if not os.path.isfile(restored) or os.path.islink(restored):
            doc["mismatches"].append(path)  # sampled from the snapshot, not restored
            continue
        doc["files_restored"] += 1
        doc["bytes_restored"] += os.path.getsize(restored)
        live_unchanged = os.path.isfile(path) and os.stat(path).st_mtime < taken.timestamp()
        if not live_unchanged:
            doc["files_changed"] += 1
        else:
            doc["files_compared"] += 1
            if sha256(path) != sha256(restored):
                doc["mismatches"].append(path)


def drill(cmd: str, size: int, paths: list[str], snapshot: str, scratch_dir: str) -> dict:
    start, clock = datetime.now(UTC), time.monotonic()
    doc: dict = {"snapshot": None, "files_sampled": 0, "files_restored": 0, "bytes_restored": 0,
                 "files_compared": 0, "files_changed": 0, "mismatches": []}  # fmt: skip
    scratch = ""
    try:
        snaps = snapshots(cmd, snapshot)
        if not snaps:
            raise ResticError(f"no {'snapshot ' + snapshot if snapshot else TAG + ' snapshot'} to drill")
        snap = snaps[-1]
        taken = restic_time(snap["time"])
        doc["snapshot"] = {"id": snap["id"], "time": stamp(taken)}
        sample = sample_files(cmd, snap["id"], paths, size)
        doc["files_sampled"] = len(sample)
        if not sample:
            raise ResticError("the snapshot holds no files" + (f" under {', '.join(paths)}" if paths else ""))
        scratch = tempfile.mkdtemp(prefix="consortium-drill-", dir=scratch_dir)
        includes = [arg for n in sample for arg in ("--include", _GLOB.sub(r"\\\1", n["path"]))]
        restic(cmd, "restore", snap["id"], "--target", scratch, *includes)
        compare(sample, scratch, taken, doc)
    except (ResticError, OSError, ValueError, KeyError) as exc:
        doc["error"] = str(exc)[:500]
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    good = "error" not in doc and not doc["mismatches"] and doc["files_sampled"] > 0
    doc["result"] = "passed" if good and doc["files_restored"] == doc["files_sampled"] else "failed"
    doc["started"] = stamp(start)
    doc["duration_seconds"] = round(time.monotonic() - clock, 1)
    return doc


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("status", "drill"):
        p = sub.add_parser(name)
        p.add_argument("--restic", required=True, help="restic with this host's repository (consortium-restic)")
    d = sub.choices["drill"]
    d.add_argument("--sample", type=int, default=50)
    d.add_argument("--path", action="append", default=[], help="sample only under this path (repeatable)")
    d.add_argument("--snapshot", default="", help="drill this snapshot (default: the latest nightly one)")
    d.add_argument("--scratch-dir", default="/var/tmp")
    args = parser.parse_args(argv)
    if args.command == "status":
        doc = status(args.restic)
    else:
        doc = drill(args.restic, args.sample, args.path, args.snapshot, args.scratch_dir)
    json.dump(doc, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
