"""Fixtures for the Pulumi program's tests: the bundled example, planned once under the mock runtime.

Every test here runs the real program (``infra/``) through :mod:`consortium.plan.runner` — the
same path ``consortium plan`` takes — so what is asserted is exactly what the policy engine will see.
"""

from __future__ import annotations

from consortium.plan.runner import load_program
from tests.planned_example import (  # noqa: F401 - fixtures, found by pytest by name
    example_plan,
    example_registry,
    hub_plan,
    plan_member_at,
    stack_plan,
)

# Make ``import infra...`` work in the tests (the program is not an installed package).
load_program()
