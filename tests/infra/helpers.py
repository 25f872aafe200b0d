"""Small lookups over plan records, shared by the program's tests."""

from __future__ import annotations

from typing import Any

from consortium.plan.records import ResourceRecord, StackPlan


def of_type(plan: StackPlan, type_: str) -> list[ResourceRecord]:
    return [r for r in plan.records if r.type == type_]


def one(plan: StackPlan, type_: str, name: str | None = None) -> ResourceRecord:
    found = [r for r in of_type(plan, type_) if name is None or r.name == name]
    assert len(found) == 1, f"expected one {type_} {name or ''} in {plan.stack}, found {len(found)}"
    return found[0]


def inputs(plan: StackPlan, type_: str, name: str | None = None) -> dict[str, Any]:
    return one(plan, type_, name).inputs
