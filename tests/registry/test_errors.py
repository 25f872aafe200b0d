"""A problem is one line, whatever a bad file puts in its keys and values."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consortium.registry.errors import Problem, shown_value
from tests.registry.helpers import cli


@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_a_problem_prints_as_one_line(path: str, field: str, message: str) -> None:
    assert len(str(Problem(path, field, message)).splitlines()) <= 1


def test_control_characters_are_shown_escaped() -> None:
    assert str(Problem("a.json", "controls.\r.status", "x\u2028y")) == "a.json: controls.\\r.status: x\\u2028y"
    assert str(Problem("café.json", "", "plain words")) == "café.json: plain words"


def test_evidence_with_a_carriage_return_as_control_id_is_one_line(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    doc = {"host": "ver-app01", "reachable": True, "controls": {"\r": {"status": "nonsense"}}}
    (evidence / "ver-app01.json").write_text(json.dumps(doc))
    result = cli("audit", "--evidence", evidence, "--registry", tmp_path)
    assert result.code == 2
    problems = [line for line in result.err.splitlines() if not line.startswith("warning: ")]
    assert len(problems) == 1 and "ver-app01.json: controls.\\r.status: expected one of" in problems[0], result.err


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2026, 1, 1), "2026-01-01"),
        (datetime(2026, 1, 1, 10, 0), "2026-01-01T10:00:00"),
        (True, "true"),
        (None, "null"),
        (Decimal("1.50"), "1.50"),
        ("verona", "'verona'"),
        (15, "15"),
    ],
)
def test_a_bad_value_is_shown_as_the_file_wrote_it_not_as_a_python_repr(value: object, shown: str) -> None:
    # Fuzzing found "got datetime.date(2026, 1, 1)" and "got True" in lines meant for people editing YAML.
    assert shown_value(value) == shown
