"""`consortium costs` and `consortium prices update` as a user runs them: formats, reconciliation,
bad input as one line with exit 2 and nothing written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from consortium.cli import main
from tests.conftest import REPO, tree_digest
from tests.costs.test_retail_api import Replay, replay  # noqa: F401 - the replay server fixture

PLAN = "plan.json"


@pytest.fixture
def registry(registry_dir: Path, records: list[dict], tmp_path: Path) -> Path:
    """The example registry with its shipped price files, and a plan file of it."""
    shutil.copytree(REPO / "prices", registry_dir / "prices")
    from consortium.plan.records import PLAN_VERSION

    stacks = sorted({r["stack"] for r in records})
    doc = {"version": PLAN_VERSION, "stacks": [{"stack": s} for s in stacks], "resources": records}
    (registry_dir / PLAN).write_text(json.dumps(doc))
    return registry_dir


def run(registry: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["costs", "--registry", str(registry), "--plan", str(registry / PLAN), *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_totals_reconcile_with_the_lines(registry: Path) -> None:
    code, out, err = run(registry, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    lines = [line for s in doc["stacks"] for line in s["lines"]]
    assert sum(Decimal(line["monthly"]) for line in lines if line["monthly"]) == Decimal(doc["total"])
    for stack in doc["stacks"]:
        assert sum(Decimal(ln["monthly"]) for ln in stack["lines"] if ln["monthly"]) == Decimal(stack["monthly"])
    assert all(len(line["monthly"].split(".")[1]) == 2 for line in lines if line["monthly"])
    firewall = next(ln for ln in lines if ln["type"].endswith("AzureFirewall") and ln["part"] == "deployment")
    assert firewall["monthly"] == "912.50" and firewall["basis"] == "730 h x 1.25/h"
    assert firewall["source"].startswith("published")
    assert doc["not_priced"] == sum(1 for ln in lines if ln["status"] == "not priced") > 0
    assert "not priced" in err


def test_member_csv_and_html(registry: Path, tmp_path: Path) -> None:
    code, out, _ = run(registry, "--member", "verona", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("stack,member,resource")
    assert {row.split(",")[0] for row in out.splitlines()[1:]} == {"verona"}
    target = tmp_path / "costs.html"
    code, out, _ = run(registry, "--format", "html", "--output", str(target))
    html = target.read_text()
    assert code == 0 and out == "" and html.startswith("<!doctype html>") and "912.50" in html
    assert "<script" not in html and "http" not in html.split("<style>")[0]  # self-contained


def test_html_escapes_what_it_shows(registry: Path) -> None:
    plan = json.loads((registry / PLAN).read_text())
    plan["resources"][0]["type"] = "<script>alert(1)</script>"
    plan["resources"][0]["custom"] = True
    (registry / PLAN).write_text(json.dumps(plan))
    code, out, _ = run(registry, "--format", "html")
    assert code == 0 and "<script>alert" not in out and "&lt;script&gt;" in out


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda r: (r / PLAN).write_text("{"), "plan.json: line 1: not valid JSON"),
        (lambda r: (r / PLAN).write_text('{"version": 1, "stacks": []}'), "plan.json: resources: missing"),
        (
            lambda r: (r / "prices/azure-centralus.json").write_text(
                (r / "prices/azure-centralus.json").read_text().replace('"1.25"', '"1.2.5"')
            ),
            "prices/azure-centralus.json: meters[0].price: not a number: '1.2.5'",
        ),
        (
            lambda r: (r / "prices/azure-eastus2.json").write_text(
                (r / "prices/azure-eastus2.json").read_text().replace('"currency": "USD"', '"currency": "EUR"')
            ),
            "prices/azure-eastus2.json: currency: is EUR",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(registry: Path, tmp_path: Path, break_it, expected: str) -> None:
    break_it(registry)
    target = tmp_path / "out.json"
    before = tree_digest(registry)
    code, out, err = run(registry, "--format", "json", "--output", str(target))
    assert code == 2 and out == "" and not target.exists()
    assert len(err.strip().splitlines()) == 1 and expected in err
    assert tree_digest(registry) == before


def test_an_unknown_member_is_bad_input(registry: Path) -> None:
    code, _, err = run(registry, "--member", "atlantis")
    assert code == 2 and "members/atlantis.yaml" in err


def test_without_a_plan_the_registry_is_planned_offline(registry: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "consortium", "costs", "--registry", str(registry), "--member", "verona", "--format",
         "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [s["stack"] for s in doc["stacks"]] == ["verona"] and Decimal(doc["total"]) > 0


def test_prices_update_writes_every_region_or_nothing(registry: Path, replay: Replay) -> None:  # noqa: F811
    replay.routes[("Standard Deployment", 0)] = [(200, {}, "firewall-standard-deployment-page1.json")]
    replay.routes[("Standard Deployment", 100)] = [(200, {}, "firewall-standard-deployment-page2.json")]
    env = {"CONSORTIUM_PRICES_API": replay.base_url}
    result = CliRunner().invoke(main, ["prices", "update", "--registry", str(registry), "--region", "eastus2"], env=env)
    assert result.exit_code == 0, result.output
    written = json.loads((registry / "prices/azure-eastus2.json").read_text())
    assert written["source"] == replay.base_url
    firewall = next(m for m in written["meters"] if m["key"] == "firewall-standard-deployment")
    assert firewall["origin"] == "api" and firewall["price"] == "1.25"

    replay.routes[("Operations", 0)] = [(200, {}, "malformed-missing-retailprice.json")]
    before = tree_digest(registry)
    result = CliRunner().invoke(main, ["prices", "update", "--registry", str(registry)], env=env)
    assert result.exit_code == 2 and "Items[0].retailPrice: missing" in result.stderr
    assert tree_digest(registry) == before  # the previous files are untouched


def test_prices_update_refuses_a_region_outside_the_consortium(registry: Path) -> None:
    result = CliRunner().invoke(main, ["prices", "update", "--registry", str(registry), "--region", "westeurope"])
    assert result.exit_code == 2 and "azure.locations: 'westeurope' is not a consortium region" in result.stderr
