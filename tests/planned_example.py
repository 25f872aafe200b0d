"""The bundled example consortium planned once per test session, for tests/plan, infra, policies, audit.

Their conftests import these fixtures; the plan itself is computed once per process (cached
below), so the families share it instead of planning the example once each.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

import pytest

from consortium.plan.records import Plan, StackPlan, plan_document
from consortium.plan.runner import plan_registry, plan_stack
from consortium.registry.load import Registry, load_registry
from consortium.registry.stackconfig import member_stack
from tests.conftest import REPO

# Pinned so that plans (and the golden file) do not change with the calendar.
BUDGET_START = date(2026, 1, 1)
# The run's date (``as_of``) pinned too: the plans a module compares are then equal even when made on two days.
AS_OF = date(2026, 1, 15)


@cache
def _example_registry() -> Registry:
    return load_registry(REPO)


@cache
def _example_plan() -> Plan:
    return plan_registry(_example_registry(), None, include_hub=True, budget_start=BUDGET_START, as_of=AS_OF)


@cache
def _example_records() -> list[dict[str, Any]]:
    return plan_document(_example_plan())["resources"]


@pytest.fixture
def records() -> list[dict[str, Any]]:
    """A private deep copy of every plan record (hub + all members), as in the plan file: mutate freely."""
    return copy.deepcopy(_example_records())


@pytest.fixture(scope="session")
def example_registry() -> Registry:
    """The bundled example registry (read only: shared by every test of the session)."""
    return _example_registry()


@pytest.fixture(scope="session")
def example_plan() -> Plan:
    """The hub and every member of the bundled example consortium."""
    return _example_plan()


@pytest.fixture(scope="session")
def hub_plan(example_plan: Plan) -> StackPlan:
    return next(s for s in example_plan.stacks if s.stack == "hub")


@pytest.fixture(scope="session")
def stack_plan(example_plan: Plan) -> Callable[[str], StackPlan]:
    by_name = {s.stack: s for s in example_plan.stacks}
    return lambda name: by_name[name]


@pytest.fixture(scope="session")
def plan_member_at(example_registry: Registry, hub_plan: StackPlan) -> Callable[[str, int], StackPlan]:
    """Plan an example member as if it were in another phase (services from consortium.yaml)."""

    def plan(slug: str, phase: int) -> StackPlan:
        member = example_registry.entry(slug).member.model_copy(update={"phase": phase})
        return plan_stack(
            member_stack(example_registry, member), hub_outputs=hub_plan.outputs, budget_start=BUDGET_START, as_of=AS_OF
        )

    return plan


@cache
def _first_preview_records() -> list[dict[str, Any]]:
    plan = plan_registry(
        _example_registry(), None, include_hub=True, budget_start=BUDGET_START, as_of=AS_OF, first_preview=True
    )
    return [r.to_json() for r in plan.records]


def first_preview_records() -> list[dict[str, Any]]:
    """A private copy of the example's offline first preview (nothing deployed: ids and computed values unknown)."""
    return copy.deepcopy(_first_preview_records())
