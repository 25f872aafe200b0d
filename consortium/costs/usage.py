"""Usage quantities for usage-priced meters: the registry's counts (members, servers, endpoints)
times the assumptions of ``costs.usage`` in ``consortium.yaml`` (:class:`CostUsage`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from consortium.registry.load import Registry
from consortium.registry.models import HUB_SERVICES, CostUsage, Member

HOURS_PER_MONTH = Decimal(730)  # Azure's own convention for a monthly price
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
FREE_RETENTION_DAYS = 31  # a Log Analytics workspace keeps Analytics logs this long at no charge


@dataclass(frozen=True)
class Usage:
    """What the consortium uses, as the estimate needs it."""

    assumptions: CostUsage
    members: dict[str, Member]
    behind_hub: tuple[str, ...]  # members whose services put them behind the hub (firewall, logs)
    log_retention_days: int

    @classmethod
    def of(cls, registry: Registry) -> Usage:
        c = registry.consortium
        members = {e.member.slug: e.member for e in registry.members}
        behind = tuple(s for s, m in members.items() if HUB_SERVICES & set(c.services_for(m.phase)))
        return cls(c.costs.usage, members, behind, c.log_retention_days)

    def servers(self, slug: str) -> int:
        return len(self.members[slug].servers)

    def endpoints(self, slug: str) -> int:
        return self.members[slug].endpoints.total

    def log_gb_per_day(self) -> Decimal:
        """What the hub workspace takes in a day: each member behind the hub and each of its servers."""
        a = self.assumptions
        servers = sum(self.servers(s) for s in self.behind_hub)
        return a.log_gb_per_day_per_member * len(self.behind_hub) + a.log_gb_per_day_per_server * servers

    def backup_gb(self, slug: str) -> Decimal:
        a = self.assumptions
        return a.backup_gb_per_server * self.servers(slug) + a.backup_gb_per_endpoint * self.endpoints(slug)
