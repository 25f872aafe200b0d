"""Plan records and the plan file: what the offline run of the program saw, one record per resource.

A plan file (:func:`plan_document`) is what ``consortium plan --json`` writes and what the audit
and ``plan --against`` read::

    {
      "version": 1,
      "project": "consortium",
      "consortium": "<consortium slug>",
      "stacks": [                       # hub first, then members by slug
        {"stack": "hub", "member": null, "resources": 42, "by_type": {"<type>": 3, ...}},
        {"stack": "verona", "member": "verona", ...}
      ],
      "resources": [                    # every stack's records, sorted by URN
        {
          "stack": "verona",            # the Pulumi stack
          "member": "verona",           # member slug, null for the hub
          "urn": "urn:pulumi:verona::consortium::...::rsv-verona",
          "id": "/subscriptions/.../vaults/rsv-verona",   # the fake cloud's id; null for components
          "type": "azure-native:recoveryservices:Vault",
          "name": "rsv-verona",         # the Pulumi logical name
          "custom": true,               # false for components (consortium:member:Network, ...)
          "parent": "<urn>" | null,
          "provider": "<provider urn>" | null,   # null: the package's default provider
          "dependencies": ["<urn>", ...],         # sorted
          "inputs": {...},              # wire names; secrets "[secret]"; unresolved "[unknown]"
          "ignore_changes": ["<input>"], # only where the program sets ignore_changes: not updated by `pulumi up`
          "replace_on_changes": ["<input>"], # only where set: a change of these replaces the resource
          "delete_before_replace": true, # only where set: a replacement deletes the old one first
          "protect": true,              # only where set: `pulumi up`/`destroy` refuse to delete it
          "retain_on_delete": true      # only where set: deleted from the stack, kept in Azure
        }
      ]
    }

``consortium plan --first-preview`` writes the same format: every custom resource's id and every
input that depends on what Azure computes are ``"[unknown]"`` (see :mod:`consortium.plan.first_preview`).

Reading a plan file checks its shape and names the file and the field of the first problem, so a
truncated, hand-edited or older-format file is one line, not a traceback or a bogus report.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consortium.registry.errors import fail
from consortium.registry.files import read_json
from consortium.registry.stackconfig import PROJECT

PLAN_VERSION = 1

Records = dict[str, dict[str, dict[str, Any]]]  # stack -> urn -> resource record


@dataclass(frozen=True)
class ResourceRecord:
    """One registered (or read) resource, as the engine would have received it."""

    stack: str
    member: str | None
    urn: str
    id: str | None  # what the (fake) cloud answered: an Azure resource id, an object id; None for components
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str | None
    dependencies: tuple[str, ...]
    inputs: dict[str, Any]
    ignore_changes: tuple[str, ...] = ()  # input properties `pulumi up` does not update (wire names)
    # Input properties Azure cannot change in place (wire names): a change replaces the resource, and
    # with delete_before_replace the old one goes first (a fixed Azure name cannot exist twice).
    replace_on_changes: tuple[str, ...] = ()
    delete_before_replace: bool = False
    # Options that keep a resource (a leaving town's data, infra/retention.py); written only when set,
    # so the plan files of everything else read as before.
    protect: bool = False
    retain_on_delete: bool = False

    def to_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = {
            k: list(getattr(self, k)) for k in ("ignore_changes", "replace_on_changes") if getattr(self, k)
        }
        extra.update({k: True for k in ("protect", "retain_on_delete", "delete_before_replace") if getattr(self, k)})
        return {
            "stack": self.stack,
            "member": self.member,
            "urn": self.urn,
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "provider": self.provider,
            "dependencies": list(self.dependencies),
            "inputs": self.inputs,
            **extra,
        }


@dataclass(frozen=True)
class StackPlan:
    stack: str
    member: str | None
    records: tuple[ResourceRecord, ...]
    outputs: dict[str, Any] = field(default_factory=dict)  # the stack's exports

    def by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.records).items()))

    def summary(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "member": self.member,
            "resources": len(self.records),
            "by_type": self.by_type(),
        }


@dataclass(frozen=True)
class Plan:
    consortium: str
    stacks: tuple[StackPlan, ...]

    @property
    def records(self) -> list[ResourceRecord]:
        return sorted((r for s in self.stacks for r in s.records), key=lambda r: r.urn)


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan file's content (see the module docstring for its shape)."""
    return {
        "version": PLAN_VERSION,
        "project": PROJECT,
        "consortium": plan.consortium,
        "stacks": [s.summary() for s in plan.stacks],
        "resources": [r.to_json() for r in plan.records],
    }


def plan_json(plan: Plan) -> str:
    """The plan file's text: sorted keys and records, so two runs give byte-identical files."""
    return json.dumps(plan_document(plan), indent=1, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- reading a plan file


def _require(ok: bool, where: str, field: str, message: str) -> None:
    if not ok:
        raise fail(where, field, message)


def plan_records(document: Any, where: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The stacks and resource records of a plan document, in file order, once its shape is checked."""
    _require(isinstance(document, dict), where, "", "not a plan file (expected a JSON object)")
    _require("version" in document, where, "version", "missing")
    version = document["version"]
    _require(
        type(version) is int and version == PLAN_VERSION,
        where,
        "version",
        f"is {version!r}, this toolkit reads version {PLAN_VERSION}",
    )
    for key in ("stacks", "resources"):
        _require(key in document, where, key, "missing")
        _require(isinstance(document[key], list), where, key, "must be a list")
    stacks = []
    for i, entry in enumerate(document["stacks"]):
        stack = entry.get("stack") if isinstance(entry, dict) else None
        _require(isinstance(stack, str) and bool(stack), where, f"stacks[{i}].stack", "missing or not a string")
        stacks.append(stack)
    seen: set[tuple[str, str]] = set()
    for i, record in enumerate(document["resources"]):
        _require(isinstance(record, dict), where, f"resources[{i}]", "must be an object")
        for key in ("urn", "stack", "type", "name"):
            value = record.get(key)
            _require(isinstance(value, str) and bool(value), where, f"resources[{i}].{key}", "missing or not a string")
        for key in ("member", "parent", "id"):  # optional: a string, or null (the hub's member, a root's parent)
            value = record.get(key)
            ok = value is None or isinstance(value, str)
            _require(ok, where, f"resources[{i}].{key}", "must be a string or null")
        _require(isinstance(record.get("inputs", {}), dict), where, f"resources[{i}].inputs", "must be an object")
        deps = record.get("dependencies", [])
        _require(
            isinstance(deps, list) and all(isinstance(d, str) for d in deps),
            where,
            f"resources[{i}].dependencies",
            "must be a list of URNs",
        )
        key = (record["stack"], record["urn"])
        _require(key not in seen, where, f"resources[{i}].urn", f"duplicate {record['urn']}")
        seen.add(key)
    return stacks, document["resources"]


def index_plan(document: Any, where: str) -> Records:
    """A plan document's records indexed by stack and URN (every listed stack, even an empty one)."""
    stacks, resources = plan_records(document, where)
    records: Records = {stack: {} for stack in stacks}
    for record in resources:
        records.setdefault(record["stack"], {})[record["urn"]] = record
    return records


def read_plan(path: Path) -> Records:
    """Read and index a plan file; unreadable or malformed: one ``InputError`` line naming it."""
    return index_plan(read_json(path, str(path)), str(path))
