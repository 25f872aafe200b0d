"""Running the program offline (consortium/plan/runner.py): determinism, both paths, the golden plan.

The golden plan (tests/plan/golden/verona.json) is the whole plan of one phase-4 member. When a
change to the program or the fake Azure is intended, regenerate it and review the diff like code:

    CONSORTIUM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/plan -k golden
    git diff tests/plan/golden/
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from consortium.plan import records, runner
from consortium.plan.records import Plan
from consortium.registry.errors import InputError
from consortium.wire import UNKNOWN
from tests.planned_example import AS_OF, BUDGET_START

GOLDEN = Path(__file__).parent / "golden" / "verona.json"


def test_two_runs_give_byte_identical_plans(example_registry, example_plan):
    again = runner.plan_registry(example_registry, None, include_hub=True, budget_start=BUDGET_START, as_of=AS_OF)
    assert records.plan_json(again) == records.plan_json(example_plan)


def test_parallel_planning_gives_the_same_plan(example_registry, example_plan):
    reported = []
    parallel = runner.plan_registry(
        example_registry,
        None,
        include_hub=True,
        budget_start=BUDGET_START,
        as_of=AS_OF,
        jobs=2,
        on_stack=reported.append,
    )
    assert records.plan_json(parallel) == records.plan_json(example_plan)
    # each member stack reported once, as it is done (the hub is not a member)
    assert sorted(p.stack for p in reported) == [p.stack for p in parallel.stacks if p.stack != "hub"]


def test_each_member_is_reported_as_it_is_planned(example_registry):
    reported = []
    plan = runner.plan_registry(
        example_registry,
        ["verona", "monona"],
        include_hub=False,
        budget_start=BUDGET_START,
        as_of=AS_OF,
        on_stack=reported.append,
    )
    assert [p.stack for p in reported] == ["monona", "verona"] == [p.stack for p in plan.stacks]


def test_golden_plan_of_verona(stack_plan):
    current = records.plan_json(Plan("dane-county", (stack_plan("verona"),)))
    if os.environ.get("CONSORTIUM_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(current, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if current != expected:
        diff = "".join(
            list(difflib.unified_diff(expected.splitlines(True), current.splitlines(True), "golden", "now"))[:60]
        )
        pytest.fail(
            "the verona plan changed; if intended, regenerate it "
            "(CONSORTIUM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/plan -k golden) and review:\n" + diff
        )


def test_unknown_member_is_one_line(example_registry):
    with pytest.raises(InputError) as err:
        runner.plan_registry(example_registry, ["verona", "atlantis"], include_hub=False)
    assert str(err.value) == "members/atlantis.yaml: no such member in the registry"


def test_the_secret_placeholder_never_reaches_a_plan(example_plan):
    text = records.plan_json(example_plan)
    assert runner.PLACEHOLDER_SECRET not in text
    assert UNKNOWN not in text, "an input depends on an output the fake Azure does not fill"


def test_the_hub_is_planned_on_the_plans_day(example_registry):
    """The run's date (``as_of``) reaches the hub too: its gateway's maintenance window starts that day, so a
    plan pinned to a day is the same whenever it is made."""
    from datetime import date

    def window_start(as_of: date) -> str:
        plan = runner.plan_registry(example_registry, [], include_hub=True, budget_start=BUDGET_START, as_of=as_of)
        (config,) = [r for r in plan.stacks[0].records if r.type == "azure-native:maintenance:MaintenanceConfiguration"]
        return config.inputs["startDateTime"]

    assert window_start(date(2031, 3, 4)).startswith("2031-03-04 ")
    assert window_start(date(2031, 3, 5)).startswith("2031-03-05 ")
