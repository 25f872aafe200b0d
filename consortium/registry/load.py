"""Loading a registry directory: ``consortium.yaml`` plus ``members/*.yaml``, then its rules.

Loading collects every problem it can find (one :class:`Problem` per line) rather than stopping
at the first, because an operator fixing a member file wants the whole list at once. Single-file
shape rules live in the models, rules that span files in :mod:`rules`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from consortium.registry import naming
from consortium.registry.errors import InputError, Problem
from consortium.registry.fields import SLUG_HINT, SLUG_PATTERN
from consortium.registry.models import (
    CONSORTIUM_FILE,
    MEMBERS_DIR,
    Consortium,
    Member,
    MemberEntry,
    member_file,
)
from consortium.registry.rules import check_registry
from consortium.registry.safeyaml import load_mapping
from consortium.registry.validation import parse_model


@dataclass(frozen=True)
class Registry:
    root: Path
    consortium: Consortium
    members: tuple[MemberEntry, ...]
    warnings: tuple[Problem, ...] = field(default=())

    def entry(self, slug: str) -> MemberEntry:
        """The member ``slug`` (an unknown slug is bad input, see :meth:`select`)."""
        return self.select([slug])[0]

    def select(self, slugs: Iterable[str]) -> list[MemberEntry]:
        """The members named by ``slugs``, each once, in the order given; every unknown slug is one problem."""
        by_slug = {e.member.slug: e for e in self.members}
        wanted = list(dict.fromkeys(slugs))
        unknown = [s for s in wanted if s not in by_slug]
        if unknown:
            raise InputError([Problem(member_file(s), "", "no such member in the registry") for s in unknown])
        return [by_slug[s] for s in wanted]

    def retention_days(self, member: Member) -> int:
        """The member's backup retention: its own setting, or the consortium default."""
        return member.backup.retention_days or self.consortium.backup.default_retention_days


def member_files(root: Path) -> list[Path]:
    """Every member file, sorted; other files in ``members/`` are reported, not silently skipped."""
    folder = root / MEMBERS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def load_consortium(root: Path) -> Consortium:
    path = root / CONSORTIUM_FILE
    if not path.is_file():
        raise InputError(
            [Problem(CONSORTIUM_FILE, "", f"not found in {root} (point --registry at a registry directory)")]
        )
    consortium: Consortium = parse_model(Consortium, load_mapping(path, CONSORTIUM_FILE), CONSORTIUM_FILE)
    unknown = [
        Problem(
            CONSORTIUM_FILE,
            f"azure.locations[{i}]",
            f"{loc}: no Azure Backup private DNS zone is known for this "
            "region; add its geo code to BACKUP_GEO_CODES in consortium/registry/naming.py",
        )
        for i, loc in enumerate(consortium.azure.locations)
        if loc not in naming.BACKUP_GEO_CODES
    ]
    if unknown:
        raise InputError(unknown)
    return consortium


def load_member(path: Path, rel: str) -> Member:
    data = load_mapping(path, rel)
    member: Member = parse_model(Member, data, rel)
    if member.slug != path.stem:
        raise InputError([Problem(rel, "slug", f"'{member.slug}' must equal the file name '{path.stem}'")])
    return member


def load_registry(
    root: Path,
    *,
    overrides: dict[str, Member] | None = None,
    allow_unallocated: frozenset[str] = frozenset(),
) -> Registry:
    """Load and validate a whole registry; raise :class:`InputError` listing every problem.

    ``overrides`` replaces a member file's content by an in-memory model (used by ``onboard`` to
    validate a new allocation before anything is written); ``allow_unallocated`` names the members
    being onboarded, which may still lack ``network.cidr`` (see :func:`rules.check_registry`).
    """
    root = root.resolve()
    problems: list[Problem] = []
    consortium: Consortium | None = None
    try:
        consortium = load_consortium(root)
    except InputError as exc:
        problems.extend(exc.problems)
    entries: list[MemberEntry] = []
    for path in member_files(root):
        rel = f"{MEMBERS_DIR}/{path.name}"
        if path.suffix != ".yaml" or not path.is_file():
            problems.append(Problem(rel, "", "unexpected entry in members/: member files are <slug>.yaml"))
            continue
        if not re.fullmatch(SLUG_PATTERN, path.stem):
            problems.append(Problem(rel, "", f"file name is not <slug>.yaml: the slug {SLUG_HINT}"))
            continue
        try:
            member = (overrides or {}).get(path.stem) or load_member(path, rel)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        entries.append(MemberEntry(rel, member))
    if consortium is None:
        raise InputError(problems)
    findings = check_registry(consortium, entries, onboarding=allow_unallocated)
    problems.extend(findings.errors)
    if problems:
        raise InputError(problems)
    return Registry(root, consortium, tuple(entries), tuple(sorted(set(findings.warnings))))
