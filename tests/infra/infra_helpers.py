"""Small lookups over plan records, shared by the program's tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from consortium.plan import runner as offline

ROOT = Path(__file__).resolve().parents[2]
# Pinned so that plans (and the golden file) do not change with the calendar.
BUDGET_START = date(2026, 1, 1)


def of_type(plan: offline.StackPlan, type_: str) -> list[offline.ResourceRecord]:
    return [r for r in plan.records if r.type == type_]


def one(plan: offline.StackPlan, type_: str, name: str | None = None) -> offline.ResourceRecord:
    found = [r for r in of_type(plan, type_) if name is None or r.name == name]
    assert len(found) == 1, f"expected one {type_} {name or ''} in {plan.stack}, found {len(found)}"
    return found[0]


def inputs(plan: offline.StackPlan, type_: str, name: str | None = None) -> dict[str, Any]:
    return one(plan, type_, name).inputs
