"""Fixtures for the offline plan's tests: the bundled example, planned once (see planned_example)."""

from __future__ import annotations

from tests.planned_example import (  # noqa: F401 - fixtures, found by pytest by name
    example_plan,
    example_registry,
    hub_plan,
    plan_member_at,
    stack_plan,
)
