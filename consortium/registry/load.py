"""Loading a registry directory: ``consortium.yaml`` plus ``members/*.yaml``, then its rules.

Loading collects every problem it can find (one :class:`Problem` per line) rather than stopping
at the first, because an operator fixing a member file wants the whole list at once. Single-file
shape rules live in the models, rules that span files in :mod:`rules`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from consortium.registry import naming
from consortium.registry.errors import InputError, Problem, fail
from consortium.registry.estimates import Estimates, read_estimates
from consortium.registry.fields import SLUG_HINT, SLUG_PATTERN, Address, Hostname
from consortium.registry.files import present
from consortium.registry.models import (
    CONSORTIUM_FILE,
    MEMBERS_DIR,
    AzureSettings,
    Consortium,
    Member,
    MemberEntry,
    MemberNetwork,
    NetworkPlan,
    Server,
    Status,
    member_file,
)
from consortium.registry.rules import check_registry, server_addresses_reachable, server_names_unique
from consortium.registry.safeyaml import load_mapping
from consortium.registry.validation import parse_model


@dataclass(frozen=True)
class Registry:
    root: Path
    consortium: Consortium
    members: tuple[MemberEntry, ...]
    warnings: tuple[Problem, ...] = field(default=())
    # Each member's estimated direct costs (``estimates.json``), the basis of its budget; None until made.
    estimates: Estimates | None = None

    def entry(self, slug: str) -> MemberEntry:
        """The member ``slug`` (an unknown slug is bad input, see :meth:`select`)."""
        return self.select([slug])[0]

    def select(self, slugs: Iterable[str]) -> list[MemberEntry]:
        """The members named by ``slugs``, each once, in the order given; every unknown slug is one problem."""
        by_slug = {e.member.slug: e for e in self.members}
        wanted = list(dict.fromkeys(slugs))
        unknown = [s for s in wanted if s not in by_slug]
        if unknown:
            raise InputError([Problem(member_file(s), "", _no_such_member(s, by_slug)) for s in unknown])
        return [by_slug[s] for s in wanted]

    @property
    def served(self) -> tuple[MemberEntry, ...]:
        """The members the consortium still serves: all but the towns that have left (whose files
        stay only as the record). They are planned, and they share the costs."""
        return tuple(e for e in self.members if e.member.status is not Status.LEFT)

    @property
    def unestimated(self) -> list[str]:
        """The served members ``estimates.json`` has no figure for: their budgets are the minimum."""
        known = self.estimates.members if self.estimates is not None else {}
        return [e.member.slug for e in self.served if e.member.slug not in known]

    def retention_days(self, member: Member) -> int:
        """The member's backup retention: its own setting, or the consortium default."""
        return self.consortium.retention_days(member)


def _no_such_member(slug: str, known: Iterable[str]) -> str:
    """The one wording of an unknown member, everywhere (plan, audit, up), with the likely slug."""
    return "no such member in the registry" + _did_you_mean(slug, known)


def _did_you_mean(value: str, known: Iterable[str]) -> str:
    near = difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {near[0]}?)" if near else ""


def _section(model: type[BaseModel], value: Any) -> Any:
    """One section of a file as ``model``, or None when it does not validate (its problems are the
    whole file's, reported by the file's model): lets a check of one section run whatever else is wrong."""
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def _consortium_checks(data: dict[str, Any]) -> list[Problem]:
    """consortium.yaml's checks beyond its model, each on its own section so that one problem elsewhere
    in the file hides none of them."""
    problems = []
    azure = _section(AzureSettings, data.get("azure"))
    known = sorted(naming.BACKUP_GEO_CODES)
    for i, loc in enumerate(azure.locations if azure else []):
        if loc not in naming.BACKUP_GEO_CODES:
            message = (
                f"{loc} is not a region the toolkit can deploy to{_did_you_mean(loc, known)}: "
                f"the regions whose Azure Backup private DNS zone it knows are {', '.join(known)}"
            )
            problems.append(Problem(CONSORTIUM_FILE, f"azure.locations[{i}]", message))
    network = _section(NetworkPlan, data.get("network"))
    if network is not None and not network.hub.subnet_of(network.supernet):
        message = (
            f"{network.hub} is outside the supernet {network.supernet}; "
            "the hub is carved from the supernet, like the member blocks"
        )
        problems.append(Problem(CONSORTIUM_FILE, "network.hub", message))
    return problems


def member_files(root: Path) -> list[Path]:
    """Every member file, sorted; other files in ``members/`` are reported, not silently skipped."""
    folder = root / MEMBERS_DIR
    if not present(folder):
        return []
    if not folder.is_dir():  # a file (or a broken link) named members would hide every member
        raise fail(MEMBERS_DIR, "", "not a directory; member files go in members/<slug>.yaml")
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def load_consortium(root: Path) -> Consortium:
    path = root / CONSORTIUM_FILE
    if not present(path):  # a folder, a FIFO or a broken link there is named by load_mapping
        raise InputError(
            [Problem(CONSORTIUM_FILE, "", f"not found in {root} (point --registry at a registry directory)")]
        )
    data = load_mapping(path, CONSORTIUM_FILE)
    consortium: Consortium = _parse_reporting_all(Consortium, data, CONSORTIUM_FILE, _consortium_checks(data))
    return consortium


def load_member(path: Path, rel: str) -> Member:
    return _parse_member(load_mapping(path, rel), path, rel)


def _parse_member(data: dict[str, Any], path: Path, rel: str) -> Member:
    """``data`` as the member of file ``path``; its slug is checked against the file name even
    when the rest of the file does not validate."""
    slug = data.get("slug")
    mismatch = (
        [Problem(rel, "slug", f"'{slug}' must equal the file name '{path.stem}'")]
        if isinstance(slug, str) and re.fullmatch(SLUG_PATTERN, slug) and slug != path.stem
        else []
    )
    member: Member = _parse_reporting_all(Member, data, rel, mismatch)
    return member


def _parse_reporting_all(model: type[Any], data: dict[str, Any], rel: str, problems: list[Problem]) -> Any:
    """``data`` as ``model``; the model's problems and ``problems`` (found apart from it) reported in one run."""
    try:
        parsed = parse_model(model, data, rel)
    except InputError as exc:
        raise InputError([*exc.problems, *problems]) from None
    if problems:
        raise InputError(problems)
    return parsed


def _salvaged(data: dict[str, Any], rel: str, names_judged: bool) -> MemberEntry:
    """What the server rules need of a member file the model refused: each server's name and address
    where they are valid (addresses only when the file's network is), so that a server's bad ``os``
    does not hide that its address is unreachable or its name another member's. A name repeated within
    the file is left out when the model judged the names (``names_judged``), which it does only when
    every server validates; otherwise the rule reports the repeat."""
    network = _section(MemberNetwork, data.get("network", {}))
    raw = data.get("servers")
    servers, seen = [], set()
    for item in raw if isinstance(raw, list) else []:
        item = item if isinstance(item, dict) else {}
        name = _valid(_HOSTNAME, item.get("name"), "")
        address = _valid(_ADDRESS, item.get("address"), None) if network is not None else None
        repeated = names_judged and name in seen
        servers.append(Server.model_construct(name="" if repeated else name, address=address))
        seen.add(name)
    # model_construct: only the fields the server rules read, never used beyond them
    partial = Member.model_construct(network=network or MemberNetwork(), servers=servers)
    return MemberEntry(rel, partial)


_HOSTNAME: TypeAdapter[str] = TypeAdapter(Hostname)
_ADDRESS: TypeAdapter[IPv4Address] = TypeAdapter(Address)


def _valid(adapter: TypeAdapter[Any], value: Any, invalid: Any) -> Any:
    """``value`` through ``adapter``, or ``invalid`` when it does not validate."""
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return invalid


def load_registry(
    root: Path,
    *,
    overrides: dict[str, Member] | None = None,
    allow_unallocated: frozenset[str] = frozenset(),
    with_estimates: bool = True,
) -> Registry:
    """Load and validate a whole registry; raise :class:`InputError` listing every problem.

    ``overrides`` replaces a member file's content by an in-memory model (used by ``onboard`` to
    validate a new allocation before anything is written); ``allow_unallocated`` names the members
    being onboarded, which may still lack ``network.cidr`` (see :func:`rules.check_registry`);
    ``with_estimates=False`` leaves ``estimates.json`` unread (it is about to be made again, and a
    broken one must not stand in the way).
    """
    root = root.resolve()
    problems: list[Problem] = []
    consortium: Consortium | None = None
    try:
        consortium = load_consortium(root)
    except InputError as exc:
        problems.extend(exc.problems)
    entries: list[MemberEntry] = []
    # Files the model refused, kept for the server rules; ``ordered``: every file in order, for name ownership.
    salvaged: list[MemberEntry] = []
    ordered: list[MemberEntry] = []
    try:
        paths = member_files(root)
    except InputError as exc:
        problems.extend(exc.problems)
        paths = []
    for path in paths:
        data: dict[str, Any] = {}
        rel = f"{MEMBERS_DIR}/{path.name}"
        if path.suffix != ".yaml" or not path.is_file():
            problems.append(Problem(rel, "", "unexpected entry in members/: member files are <slug>.yaml"))
            continue
        if not re.fullmatch(SLUG_PATTERN, path.stem):
            problems.append(Problem(rel, "", f"file name is not <slug>.yaml: the slug {SLUG_HINT}"))
            continue
        try:
            override = (overrides or {}).get(path.stem)
            data = {} if override else load_mapping(path, rel)
            member = override or _parse_member(data, path, rel)
        except InputError as exc:
            problems.extend(exc.problems)
            if data:
                salvaged.append(_salvaged(data, rel, any(p.field == "servers" for p in exc.problems)))
                ordered.append(salvaged[-1])
            continue
        entries.append(MemberEntry(rel, member))
        ordered.append(entries[-1])
    problems.extend(_server_problems(salvaged, ordered))
    if consortium is None:
        raise InputError(problems)
    estimates = None
    try:
        estimates = read_estimates(root, consortium) if with_estimates else None
    except InputError as exc:
        problems.extend(exc.problems)
    findings = check_registry(consortium, entries, onboarding=allow_unallocated)
    problems.extend(findings.errors)
    if problems:
        raise InputError(problems)
    return Registry(root, consortium, tuple(entries), tuple(sorted(set(findings.warnings))), estimates)


def _server_problems(salvaged: list[MemberEntry], ordered: list[MemberEntry]) -> list[Problem]:
    """The server rules' problems in the files the model refused (the rest are :func:`check_registry`'s)."""
    if not salvaged:
        return []
    paths = {e.path for e in salvaged}
    found = [*server_addresses_reachable(salvaged), *server_names_unique(ordered)]
    return [p for p in found if p.path in paths]
