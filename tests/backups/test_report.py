"""``consortium backup-status``: every protected server listed (none skipped), stale, failed and
unknown servers flagged in every format, exit 1 when one needs attention, bad input exit 2."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.registry.helpers import cli

from .helpers import drill, status, write

# The example registry's protected servers: the Linux servers of members with offsite backups.
PROTECTED = {"fit-app01", "fit-web01", "mcf-nvr01", "mid-app01", "sp-log01", "ver-app01"}


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """Verona fresh and drilled, Fitchburg's app server stale, its web server failed, the rest unknown."""
    st, dr = tmp_path / "status", tmp_path / "drills"
    write(st, status())
    write(st, status("fit-app01", member="fitchburg", age=timedelta(hours=40)))
    failed_unit = {"result": "exit-code", "exit_status": 1, "last_exit": status()["unit"]["last_exit"]}
    write(st, status("fit-web01", member="fitchburg", unit=failed_unit))
    write(dr, drill())
    write(dr, drill("fit-app01", member="fitchburg", result="failed", mismatches=["/srv/a"], error="restic exited 1"))
    return st, dr


def _run(dirs: tuple[Path, Path], *args: str):
    return cli("backup-status", "--registry", REPO, "--status-dir", dirs[0], "--drills", dirs[1], *args)


def test_json_lists_every_protected_server_with_its_state(dirs: tuple[Path, Path]) -> None:
    result = _run(dirs, "--format", "json")
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    states = {s["host"]: s["state"] for s in doc["servers"]}
    assert set(states) == PROTECTED
    assert states == {
        "ver-app01": "ok", "fit-app01": "stale", "fit-web01": "failed",
        "mcf-nvr01": "no data", "mid-app01": "no data", "sp-log01": "no data",
    }  # fmt: skip
    assert doc["counts"] == {"ok": 1, "stale": 1, "failed": 1, "no data": 3}
    ver = next(s for s in doc["servers"] if s["host"] == "ver-app01")
    assert ver["snapshots"] == 2 and ver["latest_bytes"] == 5 * 1024 * 1024 and ver["drill"]["result"] == "passed"
    assert 6 <= ver["backup_age_hours"] <= 7
    fit = next(s for s in doc["servers"] if s["host"] == "fit-app01")
    assert fit["drill"]["mismatches"] == ["/srv/a"] and "40 h ago" in fit["problem"]


def test_csv_has_the_state_column_and_one_row_per_server(dirs: tuple[Path, Path]) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(dirs, "--format", "csv").out)))
    assert {r["host"] for r in rows} == PROTECTED
    web = next(r for r in rows if r["host"] == "fit-web01")
    assert web["state"] == "failed" and web["unit_result"] == "exit-code" and "exit 1" in web["problem"]
    assert next(r for r in rows if r["host"] == "mid-app01")["drill_result"] == "none"


def test_the_table_highlights_what_needs_attention(dirs: tuple[Path, Path]) -> None:
    out = _run(dirs).out
    assert "6 protected servers (1 ok, 1 stale, 1 failed, 3 no data)" in out and "5 servers need attention" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1] not in ("", " ")}
    assert " ok " in lines["ver-app01"] and "5.0 MiB" in lines["ver-app01"]
    assert "STALE" in lines["fit-app01"] and "FAILED" in lines["fit-app01"]  # stale backup, failed drill
    assert "FAILED" in lines["fit-web01"] and "NO DATA" in lines["mid-app01"]
    assert "fit-app01: drill failed: restic exited 1" in out


def test_all_fresh_and_drilled_exits_0_and_member_narrows(dirs: tuple[Path, Path]) -> None:
    result = _run(dirs, "--member", "verona", "--format", "json")
    assert result.code == 0, result.out
    assert [s["host"] for s in json.loads(result.out)["servers"]] == ["ver-app01"]


def test_output_file_is_written_and_bad_input_is_one_line_exit_2(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "status.csv"
    assert _run(dirs, "--format", "csv", "--output", out).code == 1
    assert out.read_text().startswith("member,member_name,host,state,")
    write(dirs[0], status("mid-app01", member="verona"))  # the registry lists it under middleton
    bad = _run(dirs, "--output", tmp_path / "other.txt")
    assert bad.code == 2 and bad.err_lines == [
        f"{dirs[0] / 'mid-app01.json'}: member: 'verona', but the registry lists mid-app01 under middleton"
    ]
    assert not (tmp_path / "other.txt").exists()
    unknown = _run(dirs, "--member", "atlantis")
    assert unknown.code == 2 and len(unknown.err_lines) == 1 and "atlantis" in unknown.err
    missing = cli("backup-status", "--registry", REPO, "--status-dir", tmp_path / "nope")
    assert missing.code == 2 and "not a directory of backup status" in missing.err


def test_no_drills_yet_is_a_warning_not_an_error(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    result = cli(
        "backup-status",
        "--registry",
        REPO,
        "--status-dir",
        dirs[0],
        "--drills",
        tmp_path / "none",
        "--member",
        "verona",
    )
    assert result.code == 0 and "no restore drill evidence yet" in result.err
