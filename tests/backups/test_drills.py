"""Restore drill evidence read strictly: good files read, each malformed or contradictory file one line
naming the file and the field, a credential in the repository refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from consortium.backups.drills import load_drills
from consortium.registry.errors import InputError

from .helpers import SNAP, drill, write


def test_a_good_drill_is_read(tmp_path: Path) -> None:
    write(tmp_path, drill())
    d = load_drills(tmp_path)["ver-app01"]
    assert d.passed and d.snapshot_id == SNAP and d.files_compared == 47 and d.duration_seconds == 4.2
    assert d.started.tzinfo is not None


def test_an_empty_folder_is_no_drill_and_a_missing_one_is_bad_input(tmp_path: Path) -> None:
    assert load_drills(tmp_path) == {}
    with pytest.raises(InputError, match="not a directory of restore drill evidence"):
        load_drills(tmp_path / "nope")


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"result": "ok"}, "result", "expected one of passed, failed"),
    ({"files_restored": "50"}, "files_restored", "expected a whole number, got a string"),
    ({"files_restored": True}, "files_restored", "expected a whole number, got a boolean"),
    ({"bytes_restored": -1}, "bytes_restored", "expected 0 or more"),
    ({"duration_seconds": "4"}, "duration_seconds", "expected a number"),
    ({"started": "2026-12-02 03:00"}, "started", "does not match"),
    ({"started": "2026-13-02T03:00:00Z"}, "started", "is not a date and time"),
    ({"snapshot": {"id": "XYZ", "time": "2026-12-02T03:00:00Z"}}, "snapshot.id", "does not match"),
    ({"snapshot": {"id": SNAP}}, "snapshot.time", "missing"),
    ({"mismatches": "none"}, "mismatches", "expected a list"),
    ({"member": "Not A Slug"}, "member", "does not match"),
    ({"extra": 1}, "extra", "unknown field"),
    ({"repository": "s3:https://AKIA:secret@s3.example/b/verona/ver-app01"}, "repository", "carries credentials"),
    # a pass must show it
    ({"mismatches": ["/etc/passwd"]}, "result", "passed, but 1 file(s) differ"),
    ({"error": "restic: timeout"}, "result", "passed, but the drill reports an error"),
    ({"snapshot": None}, "result", "passed, but no snapshot"),
    ({"files_restored": 49}, "result", "passed, but 49 of 50"),
    ({"files_sampled": 0, "files_restored": 0, "files_compared": 0, "files_changed": 0}, "result", "0 of 0"),
    ({"files_compared": 40}, "files_compared", "do not add up"),
]


@pytest.mark.parametrize(("edit", "field", "message"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_a_bad_drill_is_one_line_naming_file_and_field(tmp_path: Path, edit: dict, field: str, message: str) -> None:
    path = write(tmp_path, drill(**edit))
    with pytest.raises(InputError) as err:
        load_drills(tmp_path)
    (problem,) = err.value.problems
    assert (problem.path, problem.field) == (str(path), field)
    assert message in problem.message


def test_a_failed_drill_may_list_mismatches_and_an_error(tmp_path: Path) -> None:
    write(tmp_path, drill(result="failed", mismatches=["/etc/hosts"], error="restic exited 1", snapshot=None))
    d = load_drills(tmp_path)["ver-app01"]
    assert not d.passed and d.mismatches == ("/etc/hosts",) and d.error == "restic exited 1"


def test_every_bad_file_is_named_at_once_and_the_name_must_match(tmp_path: Path) -> None:
    write(tmp_path, drill("ver-app01", result=1))
    write(tmp_path, drill("fit-app01"), name="fit-web01")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(InputError) as err:
        load_drills(tmp_path)
    fields = sorted((Path(p.path).name, p.field) for p in err.value.problems)
    assert [f[0] for f in fields] == ["broken.json", "fit-web01.json", "ver-app01.json"]
    assert ("fit-web01.json", "host") in fields and ("ver-app01.json", "result") in fields
