"""Loading and validating a registry directory: ``consortium.yaml`` plus ``members/*.yaml``.

Validation collects every problem it can find (one :class:`Problem` per line) rather than stopping
at the first, because an operator fixing a member file wants the whole list at once. Rules that
span files (overlaps, the consortium's minimum retention, phases, unique server names) live here;
single-file shape rules live in the models.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from consortium.registry import models, naming
from consortium.registry.errors import InputError, Problem
from consortium.registry.ipam import overlapping_pairs
from consortium.registry.models import Consortium, Member
from consortium.registry.safeyaml import load_mapping

CONSORTIUM_FILE = "consortium.yaml"
# NAT rules one Azure VPN gateway holds, ingress and egress together (Azure VPN Gateway FAQ, NAT).
MAX_NAT_RULES = 100
MEMBERS_DIR = "members"

_PATTERN_HINTS = {
    models.SLUG_PATTERN: "must be 3-24 characters: lowercase letters, digits and hyphens, "
    "not starting or ending with a hyphen",
    models.EMAIL_PATTERN: "must be an e-mail address",
}


@dataclass(frozen=True)
class MemberEntry:
    """A member and the registry-relative path of the file it came from."""

    path: str
    member: Member


@dataclass(frozen=True)
class Registry:
    root: Path
    consortium: Consortium
    members: tuple[MemberEntry, ...]
    warnings: tuple[Problem, ...] = field(default=())

    def entry(self, slug: str) -> MemberEntry:
        for e in self.members:
            if e.member.slug == slug:
                return e
        raise KeyError(slug)

    def retention_days(self, member: Member) -> int:
        """The member's backup retention: its own setting, or the consortium default."""
        return member.backup.retention_days or self.consortium.backup.default_retention_days


# --------------------------------------------------------------------------- pydantic errors


def _loc_to_field(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the field at ``loc`` (for 'did you mean' on unknown keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Reach the model inside ``list[X]`` / ``X | None`` annotations."""
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problems_from_validation(exc: ValidationError, model: type[BaseModel], rel: str) -> list[Problem]:
    """Turn pydantic's errors into one ``path: field: message`` problem each."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            known = sorted(owner.model_fields) if owner else []
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
            msg = "unknown field" + (f" (did you mean '{hint[0]}'?)" if hint else "")
            if known and not hint:
                msg += f"; allowed: {', '.join(known)}"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind == "string_pattern_mismatch":
            pattern = err.get("ctx", {}).get("pattern", "")
            msg = f"{_short(err['input'])} " + _PATTERN_HINTS.get(pattern, f"must match {pattern}")
        elif kind == "value_error":
            msg = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        else:
            msg = err["msg"]
            if not isinstance(err.get("input"), dict | list):
                msg += f", got {_short(err.get('input'))}"
        problems.append(Problem(rel, _loc_to_field(loc), msg))
    return problems


def parse_model(model: type[BaseModel], data: dict[str, Any], rel: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, model, rel)) from None


# --------------------------------------------------------------------------- loading


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
            "region; add its geo code to consortium/naming.py BACKUP_GEO_CODES",
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
    validate a new allocation before anything is written); ``allow_unallocated`` names members that
    may still lack ``network.cidr`` (the one being onboarded).
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
        if not re.fullmatch(models.SLUG_PATTERN, path.stem):
            problems.append(
                Problem(rel, "", f"file name is not <slug>.yaml: the slug {_PATTERN_HINTS[models.SLUG_PATTERN]}")
            )
            continue
        try:
            member = (overrides or {}).get(path.stem) or load_member(path, rel)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        entries.append(MemberEntry(rel, member))
    if consortium is None:
        raise InputError(problems)
    warnings: list[Problem] = []
    problems.extend(check_members(consortium, entries, allow_unallocated, warnings))
    if problems:
        raise InputError(problems)
    return Registry(root, consortium, tuple(entries), tuple(sorted(set(warnings))))


# --------------------------------------------------------------------------- cross-file rules


def check_members(
    consortium: Consortium,
    entries: list[MemberEntry],
    allow_unallocated: frozenset[str],
    warnings: list[Problem],
) -> list[Problem]:
    """Rules that need the consortium or other members. Appends warnings, returns errors."""
    problems: list[Problem] = []
    plan = consortium.network
    minimum = consortium.backup.minimum_retention_days
    hub = ("the hub (consortium.yaml network.hub)", plan.hub)
    allocated: list[tuple[str, IPv4Network]] = []
    server_owner: dict[str, str] = {}

    for entry in entries:
        rel, m = entry.path, entry.member
        if m.phase > len(consortium.phases):
            problems.append(
                Problem(rel, "phase", f"{m.phase} is not a phase of consortium.yaml (1-{len(consortium.phases)})")
            )
        if m.backup.retention_days is not None and m.backup.retention_days < minimum:
            problems.append(
                Problem(
                    rel,
                    "backup.retention_days",
                    f"{m.backup.retention_days} is below the consortium minimum of {minimum} days",
                )
            )
        for i, admin in enumerate(m.admins):
            domain = admin.rsplit("@", 1)[1].lower()
            if domain not in consortium.identity.upn_domains:
                problems.append(
                    Problem(
                        rel,
                        f"admins[{i}]",
                        f"{admin} is not in a tenant domain ({', '.join(consortium.identity.upn_domains)})",
                    )
                )
        cidr = m.network.cidr
        if cidr is None:
            if m.slug not in allow_unallocated:
                problems.append(Problem(rel, "network.cidr", f"not allocated yet; run `consortium onboard {rel}`"))
        elif cidr.prefixlen != plan.member_prefix:
            problems.append(
                Problem(
                    rel,
                    "network.cidr",
                    f"{cidr} is a /{cidr.prefixlen}; member blocks are "
                    f"/{plan.member_prefix} (consortium.yaml network.member_prefix)",
                )
            )
        elif not cidr.subnet_of(plan.supernet):
            problems.append(Problem(rel, "network.cidr", f"{cidr} is outside the supernet {plan.supernet}"))
        elif cidr.overlaps(plan.hub):
            problems.append(Problem(rel, "network.cidr", f"{cidr} overlaps {hub[0]} {plan.hub}"))
        else:
            allocated.append((rel, cidr))
        for s, site in enumerate(m.network.onprem):
            for c, net in enumerate(site.cidrs):
                where = f"network.onprem[{s}].cidrs[{c}]"
                if net.overlaps(plan.supernet):
                    problems.append(Problem(rel, where, f"{net} overlaps the consortium supernet {plan.supernet}"))
                elif net.overlaps(plan.hub):
                    problems.append(Problem(rel, where, f"{net} overlaps {hub[0]} {plan.hub}"))
        ranges = [n for site in m.network.onprem for n in site.cidrs] + ([cidr] if cidr else [])
        for i, server in enumerate(m.servers):
            if server.address is not None and not any(server.address in r for r in ranges):
                problems.append(
                    Problem(
                        rel,
                        f"servers[{i}].address",
                        f"{server.address} is in neither network.cidr nor an on-prem range",
                    )
                )
            if server.name in server_owner:
                problems.append(
                    Problem(
                        rel,
                        f"servers[{i}].name",
                        f"{server.name} is already a server of {server_owner[server.name]}",
                    )
                )
            else:
                server_owner[server.name] = rel

    partners: dict[int, int] = {}
    for i, j in overlapping_pairs([cidr for _, cidr in allocated]):
        partners[i] = min(partners.get(i, j), j)
        partners[j] = min(partners.get(j, i), i)
    for i, j in sorted(partners.items()):
        rel, cidr = allocated[i]
        problems.append(Problem(rel, "network.cidr", f"{cidr} overlaps {allocated[j][0]}"))

    problems.extend(check_onprem(consortium, entries, warnings, onboarding=allow_unallocated))
    return problems


@dataclass(frozen=True)
class _SiteRange:
    """One on-prem range of a member: a LAN range (``cidrs``) or its translation (``nat_cidrs``)."""

    entry: MemberEntry
    where: str  # the field, e.g. network.onprem[0].nat_cidrs[1]
    net: IPv4Network
    nat: bool  # a translated range, from nat_cidrs
    translated: bool  # its site has NAT, so Azure never sees its LAN ranges

    def describe(self) -> str:
        kind = "the translated range" if self.nat else "the on-premises range"
        return f"{kind} {self.net} of {self.entry.member.name} ({self.entry.path} {self.where})"


def site_ranges(entries: list[MemberEntry]) -> list[_SiteRange]:
    out = []
    for e in entries:
        for s, site in enumerate(e.member.network.onprem):
            translated = site.nat_cidrs is not None
            out += [
                _SiteRange(e, f"network.onprem[{s}].cidrs[{c}]", net, False, translated)
                for c, net in enumerate(site.cidrs)
            ]
            out += [
                _SiteRange(e, f"network.onprem[{s}].nat_cidrs[{c}]", net, True, True)
                for c, net in enumerate(site.nat_cidrs or [])
            ]
    return out


def check_onprem(
    consortium: Consortium,
    entries: list[MemberEntry],
    warnings: list[Problem],
    *,
    onboarding: frozenset[str] = frozenset(),
) -> list[Problem]:
    """On-prem and translated ranges across members. Appends warnings, returns errors.

    The hub's route-based gateway routes a prefix to one connection only, so what Azure sees of
    the towns' LANs must be unique: translated ranges come from ``network.nat_pool`` (which the
    model keeps apart from the supernet, hence from the hub and every member block) and overlap
    no other range, LAN or translated. Two towns whose untranslated LANs overlap are an error once
    both have ``networking`` (both VPNs exist); before that a warning, so they can plan NAT. A clash
    involving a member in ``onboarding`` is a warning too: onboarding translates that member's
    sites, then validates the result strictly.
    """
    pool = consortium.network.nat_pool
    problems: list[Problem] = []
    ranges = site_ranges(entries)
    for r in ranges:
        if r.nat and pool is None:
            problems.append(
                Problem(
                    r.entry.path,
                    r.where,
                    f"{r.net} is a translated range but consortium.yaml has no network.nat_pool to take it from",
                )
            )
        elif r.nat and pool is not None and not r.net.subnet_of(pool):
            problems.append(
                Problem(
                    r.entry.path, r.where, f"{r.net} is outside the NAT pool {pool} (consortium.yaml network.nat_pool)"
                )
            )
    translated = sum(r.nat for r in ranges)
    if translated > MAX_NAT_RULES:
        problems.append(
            Problem(
                CONSORTIUM_FILE,
                "network.nat_pool",
                f"members have {translated} translated ranges (nat_cidrs) but the hub VPN gateway holds at most "
                f"{MAX_NAT_RULES} NAT rules, one per range",
            )
        )
    vpn = {e.member.slug for e in entries if models.Service.NETWORKING in consortium.services_for(e.member.phase)}
    for i, j in overlapping_pairs([r.net for r in ranges]):
        a, b = ranges[i], ranges[j]
        if a.nat or b.nat:
            problems += [
                Problem(x.entry.path, x.where, f"{x.net} overlaps {y.describe()}") for x, y in ((a, b), (b, a)) if x.nat
            ]
        elif a.entry is not b.entry and not (a.translated or b.translated):
            pair = {a.entry.member.slug, b.entry.member.slug}
            if pair <= vpn and not pair & onboarding:
                problems += [_lan_clash(x, y, pool) for x, y in ((a, b), (b, a))]
            else:
                warnings.append(
                    Problem(
                        a.entry.path,
                        a.where,
                        f"{a.net} of {a.entry.member.name} overlaps {b.net} of {b.entry.member.name} ({b.entry.path}); "
                        "their site-to-site VPNs need NAT: give one site nat_cidrs before both reach networking",
                    )
                )
    return problems


def _lan_clash(mine: _SiteRange, other: _SiteRange, pool: IPv4Network | None) -> Problem:
    source = (
        f"from network.nat_pool {pool}"
        if pool
        else "from a network.nat_pool (e.g. 100.64.0.0/16) added to consortium.yaml"
    )
    return Problem(
        mine.entry.path,
        mine.where,
        f"{mine.net} of {mine.entry.member.name} overlaps {other.net} of {other.entry.member.name} "
        f"({other.entry.path}) and both have site-to-site VPNs on the hub gateway, which routes a range to one "
        f"town only: give one of the two sites nat_cidrs (ranges of the same sizes {source})",
    )
