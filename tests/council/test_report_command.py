"""``consortium report --member`` as a user runs it: the three formats, a plan file or an offline
plan giving the same page, and bad input as one line, exit 2, nothing written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, copy_registry, tree_digest
from tests.registry.helpers import cli


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    root = copy_registry(tmp_path / "registry")
    shutil.copytree(REPO / "prices", root / "prices")
    return root


def _plan(tmp_path: Path, records: list[dict[str, Any]], name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"version": 1, "stacks": [], "resources": records}))
    return path


def test_the_page_in_each_format(tmp_path: Path, registry: Path, records: list[dict[str, Any]]) -> None:
    plan = _plan(tmp_path, records)
    out = tmp_path / "verona.html"
    result = cli("report", "--registry", registry, "--member", "verona", "--plan", plan, "--output", out)
    assert result.code == 0, result.err
    assert result.out == "" and result.err_lines == [f"wrote {out}: City of Verona, meets the standard"]
    html = out.read_text()
    assert html.startswith("<!doctype html>") and "Report to the council: City of Verona" in html
    markdown = cli("report", "--registry", registry, "--member", "verona", "--plan", plan, "--format", "markdown")
    assert markdown.code == 0 and markdown.out.startswith("# Report to the council: City of Verona\n")
    document = cli("report", "--registry", registry, "--member", "verona", "--plan", plan, "--format", "json")
    doc = json.loads(document.out)
    assert doc["town"] == "City of Verona" and doc["engineering"]["member"] == "verona"
    assert doc["engineering"]["source"].startswith("plan of ") and str(tmp_path) not in document.out
    # the figures of the three formats are one page's
    total = f"{float(doc['money']['total']):,.2f} USD"
    assert total in html and total in markdown.out


def test_offline_the_registry_is_planned_and_gives_the_same_page(
    tmp_path: Path, registry: Path, records: list[dict[str, Any]]
) -> None:
    offline = cli("report", "--registry", registry, "--member", "oregon", "--format", "json")
    assert offline.code == 0, offline.err
    from_file = cli("report", "--registry", registry, "--member", "oregon", "--format", "json",
                    "--plan", _plan(tmp_path, records))  # fmt: skip
    a, b = json.loads(offline.out), json.loads(from_file.out)
    assert a["engineering"].pop("source").startswith("offline plan of the whole consortium")
    b["engineering"].pop("source")
    assert a == b


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--member", "veronna"), "members/veronna.yaml: no such member in the registry (did you mean verona?)"),
        (("--member", "verona", "--plan", "{tmp}/missing.json"), "{tmp}/missing.json: "),
        (("--member", "verona", "--plan", "{tmp}/one.json"), "{tmp}/one.json: stacks: lacks cottage-grove, "),
        (("--member", "verona", "--output", "{tmp}/fifo"), "{tmp}/fifo: "),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_written(
    tmp_path: Path, registry: Path, records: list[dict[str, Any]], args: tuple[str, ...], line: str
) -> None:
    _plan(tmp_path, [r for r in records if r["stack"] in ("hub", "verona")], "one.json")
    os.mkfifo(tmp_path / "fifo")
    before = tree_digest(tmp_path)
    given = [a.replace("{tmp}", str(tmp_path)) for a in args]
    out = tmp_path / "page.html"
    extra = () if "--output" in given else ("--output", out)
    result = cli("report", "--registry", registry, *given, *extra)
    assert result.code == 2, result.err
    (only,) = result.err_lines
    assert only.startswith(line.replace("{tmp}", str(tmp_path))), only
    assert "Traceback" not in result.err and result.out == ""
    assert tree_digest(tmp_path) == before and not out.exists()
