"""The asset register: host inventories tied to the registry's members, per member and consortium-wide.

A file's ``member`` must be a member of the registry, and a host the registry lists as one member's
server must not arrive as another's (a copied inventory, a renamed town): both are bad input. The
register also names the servers a member lists that have no inventory yet, so a host the playbook
could not reach shows up as missing instead of silently dropping out.
"""

from __future__ import annotations

from dataclasses import dataclass

from consortium.assets.inventory import HostInventory
from consortium.registry.errors import InputError, Problem
from consortium.registry.load import Registry


@dataclass(frozen=True)
class MemberAssets:
    slug: str
    name: str
    hosts: tuple[HostInventory, ...]  # sorted by host
    missing: tuple[str, ...]  # servers of the member file without an inventory

    @property
    def pending_updates(self) -> int:
        return sum(h.pending_updates or 0 for h in self.hosts)


@dataclass(frozen=True)
class Register:
    consortium: str  # the consortium's slug
    name: str
    members: tuple[MemberAssets, ...]  # registry order; with --member, that one only

    @property
    def hosts(self) -> list[HostInventory]:
        return [h for m in self.members for h in m.hosts]

    @property
    def missing(self) -> list[tuple[str, str]]:
        return [(m.slug, s) for m in self.members for s in m.missing]


def build_register(inventories: list[HostInventory], registry: Registry, member: str | None = None) -> Register:
    """The register of ``member`` (a slug; every member when None) from every inventory read."""
    chosen = registry.select([member]) if member is not None else list(registry.members)
    slugs = {e.member.slug for e in registry.members}
    owner = {s.name: e.member.slug for e in registry.members for s in e.member.servers}
    problems = []
    for inv in inventories:
        if inv.member not in slugs:
            problems.append(Problem(inv.file, "member", f"{inv.member!r} is not a member of the registry"))
        elif owner.get(inv.host, inv.member) != inv.member:
            message = f"{inv.host} is a server of {owner[inv.host]} in the registry, not of {inv.member}"
            problems.append(Problem(inv.file, "member", message))
    if problems:
        raise InputError(problems)
    members = []
    for entry in chosen:
        m = entry.member
        hosts = tuple(sorted((h for h in inventories if h.member == m.slug), key=lambda h: h.host))
        seen = {h.host for h in hosts}
        missing = tuple(sorted(s.name for s in m.servers if s.name not in seen))
        members.append(MemberAssets(m.slug, m.name, hosts, missing))
    return Register(registry.consortium.slug, registry.consortium.name, tuple(members))
