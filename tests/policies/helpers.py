"""Helpers for policy tests: a control's findings on plan records, selecting and mutating records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.registry.load import Registry
from policies.framework import Control, Finding, evaluate

Record = dict[str, Any]


def findings(control: Control, records: list[Record], registry: Registry) -> list[Finding]:
    return evaluate([control], plan_resources(records), registry_params(registry)).findings


def pick(
    records: list[Record],
    type_: str,
    *,
    member: str | None = "verona",
    where: Callable[[Record], bool] = lambda r: True,
) -> Record:
    """The first record (by URN) of a type in a member's stack (None: the hub) that satisfies ``where``."""
    for r in sorted(records, key=lambda r: r["urn"]):
        if r["type"] == type_ and r["member"] == member and where(r):
            return r
    raise LookupError(f"no {type_} for {member}")


def clone(records: list[Record], template: Record, name: str, **inputs: Any) -> Record:
    """A new record like ``template`` (same stack and parent) with a new name and merged inputs."""
    new = {
        **template,
        "name": name,
        "urn": template["urn"].rsplit("::", 1)[0] + "::" + name,
        "inputs": {**template["inputs"], **inputs},
    }
    records.append(new)
    return new
