"""Helpers for policy tests: a control's findings on plan records, selecting and mutating records."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.registry.load import Registry
from consortium.wire import UNKNOWN
from policies.catalog import by_id
from policies.framework import Control, Finding, evaluate

Record = dict[str, Any]
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
# member -> its phase in the bundled example
PHASES = {"sun-prairie": 2, "waunakee": 2, "mcfarland": 3, "monona": 3, "verona": 4, "fitchburg": 4}


def findings(control: Control, records: list[Record], registry: Registry) -> list[Finding]:
    return evaluate([control], plan_resources(records), registry_params(registry)).findings


def messages(cid: str, records: list[Record], registry: Registry, urn: str | None = None) -> list[str]:
    """The messages of one control's findings, on ``urn`` only when given."""
    return [f.message for f in findings(by_id()[cid], records, registry) if urn is None or f.urn == urn]


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


def group_of(endpoint: Record) -> str:
    (group,) = endpoint["inputs"]["privateLinkServiceConnections"][0]["groupIds"]
    return group


def drop_endpoints(records: list[Record], member: str | None, groups: set[str]) -> None:
    """Remove a member's (None: the hub's) private endpoints for ``groups``, with their DNS zone groups."""
    records[:] = [
        r
        for r in records
        if not (r["member"] == member and r["type"] == ENDPOINT and group_of(r) in groups)
        and not (
            r["member"] == member
            and r["type"] == ZONE_GROUP
            and r["inputs"]["privateEndpointName"].endswith(tuple(f"-{g.lower()}" for g in groups))
        )
    ]


def first_preview(records: list[Record], stack: str) -> list[Record]:
    """One stack's records as a first preview would plan them: every id of its own resources unknown.

    Nothing of the stack exists yet, so its resources' ids, and every input made from them (references,
    scopes, resource URIs, group object ids), are the plan's unknown mask; what other stacks already
    deployed (the hub, through a stack reference) stays known.
    """
    mine = [copy.deepcopy(r) for r in records if r["stack"] == stack]
    ids = {r["id"] for r in mine if r.get("id") and r["type"] != STACK_REFERENCE}

    def mask(value: Any) -> Any:
        if isinstance(value, str):
            return UNKNOWN if value in ids or any(value.startswith(i + "/") for i in ids) else value
        if isinstance(value, list):
            return [mask(v) for v in value]
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        return value

    for r in mine:
        r["inputs"] = mask(r["inputs"])
        if r["type"] != STACK_REFERENCE:
            r["id"] = UNKNOWN
    return mine
