"""Fixtures for the Pulumi program's tests: the bundled example, planned once under the mock runtime.

Every test here runs the real program (``infra/``) through :mod:`consortium.offline` — the same
path ``consortium plan`` takes — so what is asserted is exactly what the policy engine will see.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from infra_helpers import BUDGET_START, ROOT

from consortium.plan import runner as offline
from consortium.registry.load import Registry, load_registry
from consortium.registry.stackconfig import member_stack

# Make ``import infra...`` work in the tests (the program is not an installed package).
offline.load_program()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry(ROOT)


@pytest.fixture(scope="session")
def example_plan(registry: Registry) -> offline.Plan:
    """The hub and every member of the bundled example consortium."""
    return offline.plan_registry(registry, None, include_hub=True, budget_start=BUDGET_START)


@pytest.fixture(scope="session")
def hub_plan(example_plan: offline.Plan) -> offline.StackPlan:
    return next(s for s in example_plan.stacks if s.stack == "hub")


@pytest.fixture(scope="session")
def stack_plan(example_plan: offline.Plan) -> Callable[[str], offline.StackPlan]:
    by_name = {s.stack: s for s in example_plan.stacks}
    return lambda name: by_name[name]


@pytest.fixture(scope="session")
def plan_member_at(registry: Registry, hub_plan: offline.StackPlan) -> Callable[[str, int], offline.StackPlan]:
    """Plan an example member as if it were in another phase (services from consortium.yaml)."""

    def plan(slug: str, phase: int) -> offline.StackPlan:
        member = registry.entry(slug).member.model_copy(update={"phase": phase})
        return offline.plan_stack(
            member_stack(registry, member), hub_outputs=hub_plan.outputs, budget_start=BUDGET_START
        )

    return plan
