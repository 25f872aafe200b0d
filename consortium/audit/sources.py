"""Audit sources: plan files and ``pulumi stack export`` files, read into the policies' resources.

A plan is judged by its *inputs* (what the program asks for); deployed state by its *outputs*
(what Azure reports). Several exports are read together so that the isolation controls see every
member at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from consortium.plan.records import plan_records
from consortium.registry.errors import fail
from consortium.registry.files import read_json
from policies.framework import Resource, stack_of


def plan_resources(records: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """Resources of plan records (the plan file's shape), judged by their inputs."""
    return [
        Resource.at(
            rec["urn"],
            rec["type"],
            rec.get("inputs", {}),
            name=rec["name"],
            stack=rec["stack"],
            member=rec.get("member"),
            parent=rec.get("parent"),
            id=rec.get("id"),
            protect=rec.get("protect") is True,
        )
        for rec in records
    ]


def load_plan(path: Path) -> list[Resource]:
    """Resources of a ``consortium plan --json`` file."""
    _, records = plan_records(read_json(path, str(path)), str(path))
    return plan_resources(records)


def _require(record: Any, keys: tuple[str, ...], shown: str, where: str) -> None:
    if not isinstance(record, dict):
        raise fail(shown, where, "expected an object")
    for key in keys:
        if key not in record:
            raise fail(shown, f"{where}.{key}", "missing")
        if not isinstance(record[key], str):
            raise fail(shown, f"{where}.{key}", f"expected a string, got {type(record[key]).__name__}")


def load_state_file(path: Path) -> list[Resource]:
    """Resources of one ``pulumi stack export`` (deployment version 3), judged by their outputs."""
    shown = str(path)
    doc = read_json(path, shown)
    if not isinstance(doc, dict) or "deployment" not in doc:
        raise fail(shown, "deployment", "missing: not a `pulumi stack export` file")
    if doc.get("version") != 3:
        raise fail(shown, "version", f"deployment version {doc.get('version')!r} is not supported (expected 3)")
    resources = (doc["deployment"] or {}).get("resources") if isinstance(doc["deployment"], dict) else None
    if not isinstance(resources, list):
        raise fail(shown, "deployment.resources", "expected a list")
    out = []
    for i, rec in enumerate(resources):
        _require(rec, ("urn", "type"), shown, f"deployment.resources[{i}]")
        if not stack_of(rec["urn"]):
            raise fail(shown, f"deployment.resources[{i}].urn", f"not a Pulumi URN: {rec['urn'][:80]}")
        outputs = rec.get("outputs")
        outputs = {} if outputs is None else outputs
        if not isinstance(outputs, dict):
            raise fail(shown, f"deployment.resources[{i}].outputs", "expected an object")
        out.append(
            Resource.at(
                rec["urn"],
                rec["type"],
                outputs,
                parent=rec.get("parent"),
                id=rec.get("id"),
                protect=rec.get("protect") is True,
            )
        )
    return out


def load_states(paths: list[Path]) -> list[Resource]:
    """Every export given (a directory means each ``*.json`` in it); a stack may appear only once."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise fail(str(p), "", "directory holds no *.json stack exports")
            files.extend(found)
        else:
            files.append(p)
    resources: list[Resource] = []
    owner: dict[str, str] = {}
    for f in files:
        loaded = load_state_file(f)
        for stack in sorted({r.stack for r in loaded}):
            if stack in owner:
                raise fail(str(f), "", f"stack {stack} is also in {owner[stack]}")
            owner[stack] = str(f)
        resources.extend(loaded)
    return resources
