"""The servers whose backups must be proved: the backup agent's hosts, from the registry alone."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.offsite.spec import backup_hosts, offsite_members
from consortium.registry.load import Registry


@dataclass(frozen=True)
class ProtectedServer:
    member: str  # slug
    host: str  # the inventory_hostname, so the name of its evidence files


def protected_servers(registry: Registry, members: tuple[str, ...] = ()) -> list[ProtectedServer]:
    """Every Linux server of a member with offsite backups (the hosts ``playbooks/backup.yml`` backs up,
    by the test the rendered inventory uses) of the towns still served, in registry order; ``members``
    narrows to those slugs (an unknown one is bad input)."""
    offsite = set(offsite_members(registry))
    served = {e.member.slug for e in registry.served}  # a town that left is no longer backed up by us
    return [
        ProtectedServer(e.member.slug, host)
        for e in (registry.select(members) if members else registry.members)
        if e.member.slug in offsite and e.member.slug in served
        for host in backup_hosts(e.member)
    ]
