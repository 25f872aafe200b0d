"""Comparing two offline plans: what `pulumi up` would create, delete or change since the last plan.

``consortium plan --against FILE`` plans as usual, then compares the stacks it planned with the
same stacks in FILE (an earlier plan file, see :mod:`consortium.plan.records`). The question an
engineer asks before onboarding a town is "does this touch anybody else?", so the answer is per
stack: resources to create (``+``), to delete (``-``), to update (``~``, with every changed path
and both values) and how many stay as they are.

A resource is identified by its URN, as Pulumi does: a changed URN is a delete plus a create. A
resource is updated when its inputs, dependencies, provider or parent differ. Its ``id`` is not
compared: it is what the fake cloud answered, derived from the inputs, not something the program
asks for. Whether Azure changes an updated resource in place or replaces it is the provider's
decision, which only ``pulumi preview`` knows in full; where the program knows Azure cannot change
an input in place it says so (``replace_on_changes``: a hub public address's or firewall's zones),
and an update touching such an input is reported as a replacement (``+-``), with "deleted first"
where the old resource must go before the new one. Values come from the plan files, where secrets are
already ``"[secret]"``; a changed secret therefore does not show (both sides read ``[secret]``).

Everything here is pure: documents in, :class:`PlanDiff` out, text lines out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from consortium.plan.records import Records
from consortium.registry.stackconfig import HUB_STACK

# What makes a resource "changed" besides its inputs (type and name are part of the URN); the
# options that keep it (protect, retain_on_delete) change what `pulumi up` may do to it, so count too.
COMPARED_FIELDS = ("parent", "provider", "protect", "retain_on_delete")
MAX_VALUE_CHARS = 200  # an Azure resource id or a URN fits whole


class _Missing:
    """A value that is not there at all (a key only on one side), as opposed to a JSON null."""

    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Change:
    """One changed value of an updated resource: ``inputs.routes[3].addressPrefix: old -> new``."""

    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Updated:
    urn: str
    type: str
    name: str
    changes: tuple[Change, ...]
    # The changed inputs the program marks replace-on-change: non-empty, `pulumi up` replaces the resource.
    replaced_by: tuple[str, ...] = ()
    delete_first: bool = False  # the replacement deletes the old resource before creating the new one

    @property
    def replace(self) -> bool:
        return bool(self.replaced_by)


@dataclass(frozen=True)
class StackDiff:
    """One stack's comparison. ``status`` is "added" (only in the new plan), "removed" (only in the
    old one) or "compared"; for whole added/removed stacks every resource is a create/delete."""

    stack: str
    status: str
    created: tuple[dict[str, Any], ...]
    deleted: tuple[dict[str, Any], ...]
    updated: tuple[Updated, ...]
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.deleted or self.updated)


@dataclass(frozen=True)
class PlanDiff:
    stacks: tuple[StackDiff, ...]

    def total(self, what: str) -> int:
        """Sum of ``created``/``deleted``/``updated`` (lengths) or ``unchanged`` over the stacks."""
        return sum(s.unchanged if what == "unchanged" else len(getattr(s, what)) for s in self.stacks)


# --------------------------------------------------------------------------- comparing


def by_name(items: list[Any]) -> dict[str, Any] | None:
    """A list of objects that each carry a unique string ``name`` (subnets, routes, rules, security
    rules), keyed by it; ``None`` for any other list (an empty list is keyed: nothing in it)."""
    if not all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in items):
        return None
    keyed = {item["name"]: item for item in items}
    return keyed if len(keyed) == len(items) else None


def value_changes(old: Any, new: Any, path: str) -> list[Change]:
    """Every leaf that differs between two JSON values, by path (``a.b[2].c``).

    Objects are compared key by key. Lists of named objects are compared by name
    (``subnets[name=endpoints]``): the plan sorts subnets by name, so a new subnet would otherwise
    show as every later subnet changed; a pure change of order is reported as one change of the
    names' order. Other lists are compared item by item (a longer list shows its extra items as
    added), so a changed address is ``addressPrefixes[1]``, not the whole list.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[Change] = []
        for key in sorted(old.keys() | new.keys()):
            found += value_changes(old.get(key, MISSING), new.get(key, MISSING), f"{path}.{key}")
        return found
    if isinstance(old, list) and isinstance(new, list):
        named_old, named_new = by_name(old), by_name(new)
        if named_old is not None and named_new is not None and (named_old or named_new):
            found = []
            for name in sorted(named_old.keys() | named_new.keys()):
                found += value_changes(
                    named_old.get(name, MISSING), named_new.get(name, MISSING), f"{path}[name={name}]"
                )
            common_old = [name for name in named_old if name in named_new]
            common_new = [name for name in named_new if name in named_old]
            if common_old != common_new:
                found.append(Change(f"{path} (order of names)", common_old, common_new))
            return found
        found = []
        for i in range(max(len(old), len(new))):
            found += value_changes(
                old[i] if i < len(old) else MISSING, new[i] if i < len(new) else MISSING, f"{path}[{i}]"
            )
        return found
    # bool is an int in Python: True == 1 must still count as a change of value.
    if old == new and type(old) is type(new):
        return []
    return [Change(path, old, new)]


def _ignored(path: str, ignore_changes: Iterable[str]) -> bool:
    """Is ``path`` (``inputs.timePeriod.startDate``) at or under an input the program ignores?"""
    for name in ignore_changes:
        prefix = f"inputs.{name}"
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return True
    return False


def resource_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What differs between two records of the same URN: inputs by path, parent, provider, dependencies.

    Inputs the new program marks ``ignore_changes`` are left out, as `pulumi up` leaves them (the
    budget's start date, pinned to the month of the first plan, is one).
    """
    ignore = new.get("ignore_changes") or ()
    found = [
        c for c in value_changes(old.get("inputs", {}), new.get("inputs", {}), "inputs") if not _ignored(c.path, ignore)
    ]
    for key in COMPARED_FIELDS:
        found += value_changes(old.get(key), new.get(key), key)
    before, after = set(old.get("dependencies", [])), set(new.get("dependencies", []))
    found += [Change("dependencies", urn, MISSING) for urn in sorted(before - after)]
    found += [Change("dependencies", MISSING, urn) for urn in sorted(after - before)]
    return found


def replacing_inputs(record: dict[str, Any], changes: Iterable[Change]) -> tuple[str, ...]:
    """The inputs among ``changes`` that ``record`` marks replace-on-change (``zones``), sorted."""
    marked = record.get("replace_on_changes") or ()
    return tuple(sorted({name for name in marked for c in changes if _ignored(c.path, [name])}))


def diff_stack(stack: str, old: dict[str, dict[str, Any]] | None, new: dict[str, dict[str, Any]] | None) -> StackDiff:
    """Compare one stack's records (``None``: the stack is not in that plan at all)."""
    before, after = old or {}, new or {}
    status = "added" if old is None else "removed" if new is None else "compared"
    updated = []
    unchanged = 0
    for urn in sorted(before.keys() & after.keys()):
        changes = resource_changes(before[urn], after[urn])
        if changes:
            record = after[urn]
            updated.append(
                Updated(
                    urn,
                    record["type"],
                    record["name"],
                    tuple(changes),
                    replacing_inputs(record, changes),
                    bool(record.get("delete_before_replace")),
                )
            )
        else:
            unchanged += 1
    return StackDiff(
        stack=stack,
        status=status,
        created=tuple(after[u] for u in sorted(after.keys() - before.keys())),
        deleted=tuple(before[u] for u in sorted(before.keys() - after.keys())),
        updated=tuple(updated),
        unchanged=unchanged,
    )


def diff_plans(old: Records, new: Records, scope: Iterable[str] | None = None) -> PlanDiff:
    """Compare the stacks in ``scope`` (``None``: every stack of either plan) between two plans.

    A partial run (``plan --member verona``) passes the stacks it planned as the scope, so the
    other stacks of a full earlier plan are not reported as removed.
    """
    names = set(old) | set(new) if scope is None else set(scope)
    ordered = sorted(names, key=lambda s: (s != HUB_STACK, s))  # the hub first, as in the plan file
    return PlanDiff(tuple(diff_stack(s, old.get(s), new.get(s)) for s in ordered))


# --------------------------------------------------------------------------- the report


def show(value: Any) -> str:
    """A value as compact JSON, longer ones cut in the middle to :data:`MAX_VALUE_CHARS`: ids and
    URNs differ at their end (the resource's name), so both ends are kept."""
    text = json.dumps(value, sort_keys=True, separators=(", ", ": "))
    if len(text) <= MAX_VALUE_CHARS:
        return text
    keep = (MAX_VALUE_CHARS - 3) // 2
    return text[:keep] + "..." + text[-keep:]


def change_line(change: Change) -> str:
    if change.old is MISSING:
        return f"{change.path}: + {show(change.new)}"
    if change.new is MISSING:
        return f"{change.path}: - {show(change.old)}"
    return f"{change.path}: {show(change.old)} -> {show(change.new)}"


def _counts(created: int, deleted: int, updated: int, unchanged: int, replaced: int = 0) -> str:
    """``updated`` counts every changed resource; of those, ``replaced`` are replacements."""
    changed = f"{updated} to update" + (f" ({replaced} of them replaced)" if replaced else "")
    return f"{created} to create, {deleted} to delete, {changed}, {unchanged} unchanged"


def _kept_note(record: dict[str, Any]) -> str:
    """What a delete really does to a resource the earlier plan kept (a leaving town's data)."""
    if record.get("protect"):
        return " (protected: `pulumi up` refuses to delete it)"
    if record.get("retain_on_delete"):
        return " (retained: leaves the stack, stays in Azure)"
    return ""


def kept(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records a plan keeps whatever happens (protected or retained on delete), sorted by URN."""
    return sorted((r for r in records if r.get("protect") or r.get("retain_on_delete")), key=lambda r: r["urn"])


def report_lines(result: PlanDiff, against: str) -> list[str]:
    """The text report: per stack a headline and its creates/deletes/updates, then one totals line."""
    lines: list[str] = []
    for s in result.stacks:
        if s.status == "added":
            lines.append(f"stack {s.stack}: added, not in {against} ({len(s.created)} to create)")
            continue
        if s.status == "removed":
            lines.append(f"stack {s.stack}: removed, only in {against} ({len(s.deleted)} to delete)")
            continue
        if not s.changed:
            lines.append(f"stack {s.stack}: no changes ({s.unchanged} unchanged)")
            continue
        replaced = sum(u.replace for u in s.updated)
        lines.append(
            f"stack {s.stack}: " + _counts(len(s.created), len(s.deleted), len(s.updated), s.unchanged, replaced)
        )
        lines += [f"  + {r['type']} {r['name']}" for r in s.created]
        lines += [f"  - {r['type']} {r['name']}{_kept_note(r)}" for r in s.deleted]
        for u in s.updated:
            if u.replace:
                first = ", the old one deleted first" if u.delete_first else ""
                why = f"{', '.join(u.replaced_by)} cannot change in place{first}"
                lines.append(f"  +- {u.type} {u.name} (replaced: {why})")
            else:
                lines.append(f"  ~ {u.type} {u.name}")
            lines += [f"      {change_line(c)}" for c in u.changes]
    added = sum(s.status == "added" for s in result.stacks)
    removed = sum(s.status == "removed" for s in result.stacks)
    changed = sum(s.status == "compared" and s.changed for s in result.stacks)
    replaced = sum(u.replace for s in result.stacks for u in s.updated)
    totals = _counts(*(result.total(w) for w in ("created", "deleted", "updated", "unchanged")), replaced)
    lines.append(
        f"against {against}: {totals} ({len(result.stacks)} stacks compared: "
        f"{changed} changed, {added} added, {removed} removed)"
    )
    return lines
