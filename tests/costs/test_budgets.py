"""Budgets from the estimate: `consortium costs --update-budgets` writes estimates.json, `render`
sets each budget to the estimate plus the margin, and bad estimates are one line with exit 2."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from consortium.cli import main
from consortium.registry.errors import InputError
from consortium.registry.estimates import ESTIMATES_FILE, Estimates, MemberEstimate, budget_amount
from consortium.registry.load import load_registry
from tests.conftest import tree_digest
from tests.costs.test_costs_command import PLAN, registry  # noqa: F401 - the priced registry fixture


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def stack_budget(root: Path, slug: str) -> Decimal:
    doc = yaml.safe_load((root / f"stacks/Pulumi.{slug}.yaml").read_text())
    return Decimal(str(doc["config"]["consortium:stack"]["budget"]["amount"]))


def test_update_budgets_writes_each_members_direct_costs_and_render_applies_the_margin(registry: Path) -> None:  # noqa: F811
    (registry / ESTIMATES_FILE).unlink()
    code, out, err = invoke("costs", "--registry", registry, "--plan", registry / PLAN, "--update-budgets")
    assert code == 0, err
    assert f"wrote {ESTIMATES_FILE}" in out and "plus 20%" in out
    doc = json.loads((registry / ESTIMATES_FILE).read_text())
    # The figures are the member stacks' totals in `costs --format json`, to the cent.
    code, out, _ = invoke("costs", "--registry", registry, "--plan", registry / PLAN, "--format", "json")
    stacks = {s["stack"]: s for s in json.loads(out)["stacks"]}
    for slug, figure in doc["members"].items():
        assert figure["direct_monthly"] == stacks[slug]["monthly"]
    # Raise the margin: render sets every budget to max(minimum, estimate x 1.x) and says nothing is missing.
    consortium = registry / "consortium.yaml"
    consortium.write_text(consortium.read_text().replace("margin_percent: 20", "margin_percent: 250"))
    code, out, err = invoke("render", "--registry", registry)
    assert code == 0, err
    assert "no estimate" not in err
    for slug, figure in doc["members"].items():
        direct = Decimal(figure["direct_monthly"])
        expected = max(Decimal(50), (direct * Decimal("3.5")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        assert stack_budget(registry, slug) == expected, slug
    assert any(stack_budget(registry, slug) > 50 for slug in doc["members"])  # the margin reached some budget


def test_a_member_without_an_estimate_gets_the_minimum_and_render_says_so(registry: Path) -> None:  # noqa: F811
    doc = json.loads((registry / ESTIMATES_FILE).read_text())
    del doc["members"]["verona"]
    (registry / ESTIMATES_FILE).write_text(json.dumps(doc))
    code, _, err = invoke("render", "--registry", registry)
    assert code == 0
    assert "no estimate of verona: budget 50.00 (the minimum)" in err
    assert stack_budget(registry, "verona") == Decimal(50)


def test_budget_amount_rounds_half_up_and_keeps_the_minimum(registry: Path) -> None:  # noqa: F811
    reg = load_registry(registry)
    c, verona = reg.consortium, reg.entry("verona").member

    def made(direct: str) -> Estimates:
        member = MemberEstimate(direct_monthly=Decimal(direct), not_priced=0, share_monthly=Decimal(900))
        return Estimates(consortium=c.slug, currency="USD", made_on="2026-12-01", members={"verona": member})

    assert budget_amount(c, verona, made("100.01")) == Decimal("120.01")  # 120.012 -> 120.01
    assert budget_amount(c, verona, made("100.05")) == Decimal("120.06")  # 120.06 exactly
    assert budget_amount(c, verona, made("41.67")) == Decimal("50.00")  # 50.004 -> 50.00
    assert budget_amount(c, verona, made("1.00")) == Decimal(50)  # the minimum
    assert budget_amount(c, verona, None) == Decimal(50)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["members"]["verona"].update(direct_monthly="12.345"), "members.verona.direct_monthly"),
        (lambda d: d["members"]["verona"].update(direct_monthly="-1"), "members.verona.direct_monthly"),
        (lambda d: d.update(currency="EUR"), "currency: is EUR, the cost model uses USD"),
        (lambda d: d.update(consortium="elsewhere"), "consortium: is 'elsewhere', not 'dane-county'"),
        (lambda d: d.pop("made_on"), "made_on: required field is missing"),
        (lambda d: d.update(extra=1), "extra"),
    ],
)
def test_a_bad_estimates_file_is_one_line_naming_the_field(registry: Path, change, expected: str) -> None:  # noqa: F811
    doc = json.loads((registry / ESTIMATES_FILE).read_text())
    change(doc)
    (registry / ESTIMATES_FILE).write_text(json.dumps(doc))
    before = tree_digest(registry)
    code, _, err = invoke("render", "--registry", registry)
    assert code == 2
    lines = [line for line in err.splitlines() if ESTIMATES_FILE in line]
    assert len(lines) == 1 and expected in lines[0], err
    assert tree_digest(registry) == before
    with pytest.raises(InputError):
        load_registry(registry)


def test_estimates_that_are_not_json_are_bad_input(registry: Path) -> None:  # noqa: F811
    (registry / ESTIMATES_FILE).write_text("{not json")
    code, _, err = invoke("validate", "--registry", registry)
    assert code == 2 and f"{ESTIMATES_FILE}: line 1: not valid JSON" in err


def test_the_old_hand_set_budget_rates_are_refused_with_the_way_forward(registry: Path) -> None:  # noqa: F811
    path = registry / "consortium.yaml"
    path.write_text(path.read_text().replace("margin_percent: 20", "base_monthly: 400"))
    code, _, err = invoke("validate", "--registry", registry)
    assert code == 2
    assert "costs.budget: base_monthly: budgets now come from each member's cost estimate" in err


def test_update_budgets_takes_no_member_or_output_and_writes_nothing_then(registry: Path, tmp_path: Path) -> None:  # noqa: F811
    before = tree_digest(registry)
    for extra in (["--member", "verona"], ["--format", "json"], ["--output", str(tmp_path / "x")]):
        code, _, err = invoke("costs", "--registry", registry, "--plan", registry / PLAN, "--update-budgets", *extra)
        assert code == 2 and "--update-budgets" in err and err.count("\n") == 1, err
    assert tree_digest(registry) == before


def test_a_plan_missing_a_member_cannot_update_the_budgets(registry: Path) -> None:  # noqa: F811
    doc = json.loads((registry / PLAN).read_text())
    doc["resources"] = [r for r in doc["resources"] if r["stack"] != "verona"]
    doc["stacks"] = [s for s in doc["stacks"] if s["stack"] != "verona"]
    (registry / PLAN).write_text(json.dumps(doc))
    before = tree_digest(registry)
    code, _, err = invoke("costs", "--registry", registry, "--plan", registry / PLAN, "--update-budgets")
    assert code == 2 and "stacks: lacks verona: each member's share needs the hub and every member" in err
    assert tree_digest(registry) == before


def test_a_broken_estimates_file_is_made_again_by_update_budgets(registry: Path) -> None:  # noqa: F811
    (registry / ESTIMATES_FILE).write_text('{"members": 1}')
    assert invoke("validate", "--registry", registry)[0] == 2
    code, _, err = invoke("costs", "--registry", registry, "--plan", registry / PLAN, "--update-budgets")
    assert code == 0, err
    assert invoke("validate", "--registry", registry)[0] == 0
