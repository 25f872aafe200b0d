"""What-if: the registry changed in memory (a member added, removed, or in another phase), and
every member's share before and after.

Nothing is written: the new member's file is read and validated like onboarding reads it (one line
per problem naming the file), its address block (and NAT ranges) allocated in memory as
:class:`consortium.registry.onboard.Allocator` does, and the changed registry checked by the same
cross-file rules as any registry. Planning the changed registry is the caller's (the CLI plans
offline; this room may not import the runner): :attr:`WhatIf.replan` names the member stacks to
plan again with the hub; every other member's stack is unchanged.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from consortium.costs.shares import Shares
from consortium.registry.errors import InputError, fail
from consortium.registry.load import Registry, load_member
from consortium.registry.models import MEMBERS_DIR, MemberEntry
from consortium.registry.onboard import Allocator
from consortium.registry.rules import check_registry

ZERO = Decimal(0)
PHASE_FLAG = "--what-if-phase"


@dataclass(frozen=True)
class WhatIf:
    """The registry before and after the changes, and what changed in words."""

    before: Registry
    after: Registry
    replan: tuple[str, ...]  # members of ``after`` whose stack must be planned again
    changes: tuple[str, ...]


def pending(root: Path, added: Sequence[Path]) -> frozenset[str]:
    """Slugs of added files already in the registry's ``members/`` (not yet onboarded): the registry
    is loaded with them allowed to lack a block, and they are left out of "before"."""
    folder = (root / MEMBERS_DIR).resolve()
    return frozenset(p.stem for p in added if _folder_of(p) == folder)


def _folder_of(path: Path) -> Path | None:
    """The folder ``path`` resolves into; None for a loop of symbolic links (reading the file then
    says what is wrong with it, as one line)."""
    try:
        return path.resolve().parent
    except (OSError, RuntimeError):  # RuntimeError: Python 3.11's resolve() on a symlink loop
        return None


def _phase(value: str, registry: Registry) -> tuple[str, int]:
    """``SLUG=N`` as a known slug and one of the consortium's phase numbers."""
    phases = len(registry.consortium.phases)
    slug, sep, number = value.partition("=")
    # ASCII digits, few: isdigit() alone takes "²" (int() fails) and 5,000 digits (int() refuses)
    if not sep or not re.fullmatch(r"[0-9]{1,3}", number.strip()):
        raise fail(PHASE_FLAG, value, f"expected SLUG=N, N a phase number 1-{phases}")
    phase = int(number)
    if not 1 <= phase <= phases:
        raise fail(PHASE_FLAG, value, f"phase {phase} is not one of the consortium's phases (1-{phases})")
    registry.select([slug])  # unknown: one line with the likely slug, as everywhere
    return slug, phase


def what_if(
    registry: Registry, *, add: Sequence[Path] = (), remove: Sequence[str] = (), phase: Sequence[str] = ()
) -> WhatIf:
    """Apply the changes (removals, then phases, then additions) to a copy of ``registry`` in memory.
    ``registry`` may hold the :func:`pending` added members; "before" leaves them out."""
    files = pending(registry.root, add)
    waiting = {e.member.slug for e in registry.members if e.member.slug in files and e.member.network.cidr is None}
    before = dataclasses.replace(registry, members=tuple(e for e in registry.members if e.member.slug not in waiting))
    before.select(remove)
    parsed = [_phase(v, before) for v in phase]
    phases = dict(parsed)
    touched = [*dict.fromkeys(remove), *(slug for slug, _ in parsed)]
    twice = sorted({s for s in touched if touched.count(s) > 1})
    if twice:
        raise fail(PHASE_FLAG, twice[0], "the same member is changed twice (removed and given a phase, or two phases)")
    changes = [f"remove {s}" for s in dict.fromkeys(remove)]
    entries: list[MemberEntry] = []
    for e in before.members:
        if e.member.slug in remove:
            continue
        if e.member.slug in phases:
            n = phases[e.member.slug]
            changes.append(f"{e.member.slug}: phase {e.member.phase} -> {n}")
            entries.append(MemberEntry(e.path, e.member.model_copy(update={"phase": n})))
        else:
            entries.append(e)
    allocator = Allocator(dataclasses.replace(before, members=tuple(entries)))
    added = []
    for path in add:
        shown = str(path)
        member = load_member(path, shown)
        if any(e.member.slug == member.slug for e in entries):
            raise fail(shown, "slug", f"{member.slug!r} is already a member of the registry")
        member = allocator.allocated(member, shown)
        entries.append(MemberEntry(shown, member))  # cross-file problems name the file given
        added.append(member.slug)
        changes.append(f"add {member.slug} (phase {member.phase}, block {member.network.cidr}) from {shown}")
    findings = check_registry(registry.consortium, entries)
    if findings.errors:
        raise InputError(findings.errors)
    after = dataclasses.replace(registry, members=tuple(sorted(entries, key=lambda e: e.member.slug)))
    return WhatIf(before, after, (*phases, *added), tuple(changes))


@dataclass(frozen=True)
class Row:
    """One member before and after (None: not a member then)."""

    slug: str
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal:
        return (self.after or ZERO) - (self.before or ZERO)


def rows(before: Shares, after: Shares) -> list[Row]:
    """Every member of either side, by slug, with its total share before and after."""
    b, a = before.members, after.members
    return [
        Row(slug, b[slug].total if slug in b else None, a[slug].total if slug in a else None)
        for slug in sorted(set(b) | set(a))
    ]
