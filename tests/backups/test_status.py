"""Backup status files read strictly: good files read, each malformed file one line naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from consortium.backups.status import load_statuses
from consortium.registry.errors import InputError

from .helpers import status, write


def test_a_good_status_is_read_with_its_snapshots_in_time_order(tmp_path: Path) -> None:
    doc = status()
    doc["snapshots"].reverse()
    write(tmp_path, doc)
    s = load_statuses(tmp_path)["ver-app01"]
    assert [x.id[0] for x in s.snapshots] == ["1", "2"] and s.last_backup is not None
    assert s.last_backup.id == "2" * 64 and s.latest_bytes == 5 * 1024 * 1024 and not s.unit_failed


def test_a_unit_that_never_ran_has_not_failed(tmp_path: Path) -> None:
    write(
        tmp_path, status(snapshots=[], latest=None, unit={"result": "success", "exit_status": None, "last_exit": None})
    )
    s = load_statuses(tmp_path)["ver-app01"]
    assert s.last_backup is None and not s.unit_failed


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"snapshots": {}}, "snapshots", "expected a list"),
    ({"snapshots": [{"id": "1" * 64}]}, "snapshots[0].time", "missing"),
    ({"latest": {"files": 1, "bytes": "5"}}, "latest.bytes", "expected a whole number"),
    ({"unit": {"result": "success", "exit_status": 0}}, "unit.last_exit", "missing"),
    ({"unit": {"result": "Success!", "exit_status": 0, "last_exit": None}}, "unit.result", "does not match"),
    ({"collected_at": 1733000000}, "collected_at", "expected a string"),
    ({"repository": "s3:http://k:s@10.0.0.1:9000/b/x"}, "repository", "carries credentials"),
    ({"error": ""}, "error", "expected 1 to"),
]


@pytest.mark.parametrize(("edit", "field", "message"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_status_is_one_line_naming_file_and_field(tmp_path: Path, edit: dict, field: str, message: str) -> None:
    path = write(tmp_path, status(**edit))
    with pytest.raises(InputError) as err:
        load_statuses(tmp_path)
    (problem,) = err.value.problems
    assert (problem.path, problem.field) == (str(path), field)
    assert message in problem.message
