"""What a town would pay alone for the services its phase gives it: the economies of scale as numbers.

"Alone" is the town's own copy of the hub resources its services need, priced at list price from
the same price files with the same usage assumptions as the consortium's estimate, but for one town:

* the landing zone (backup, identity or networking): firewall and its public IP, log workspace,
  private DNS zones, key vault and its private endpoint (every hub resource the plan tags with
  those services: :func:`consortium.costs.services.hub_resource_services`);
* networking: the VPN gateway and its public IP;
* plus its own stack's direct costs, which are the same alone as in the consortium.

Usage is the town's own: firewall traffic of one member, the workspace taking in its logs only.
The consortium's overhead (staff, service desk, licences) has no counterpart here: a town alone
carries its own, which the toolkit does not estimate, so a share is compared with alone without
its overhead part (:class:`Comparison`). A part with no price is left out and counted, so alone is
then a lower bound (and said to be).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from consortium.costs.estimate import HUB_STACK, Line, estimate
from consortium.costs.formula import Share
from consortium.costs.prices import PriceBook
from consortium.costs.usage import Usage
from consortium.money import money_text
from consortium.registry.load import Registry
from consortium.registry.models import HUB_SERVICES, CostUsage, Member
from consortium.words import count

ZERO = Decimal(0)


def basis(usage: CostUsage, log_retention_days: int) -> list[str]:
    """The assumptions behind every "alone" figure, in words (JSON ``alone.basis``, the README)."""
    return [
        "alone: the hub resources the town's services need, as the consortium's hub plans them, for one town: "
        "landing zone (backup, identity, networking): firewall and its public IP, log workspace, private DNS "
        "zones, key vault and its private endpoint; networking: VPN gateway and its public IP",
        "priced at list price from the same price files (prices/azure-<region>.json), no reservation or discount",
        f"usage of one town: {usage.firewall_gb_per_member} GB a month through its firewall; its workspace takes "
        f"{usage.log_gb_per_day_per_member} GB a day plus {usage.log_gb_per_day_per_server} per server, "
        f"kept {log_retention_days} days; {usage.key_vault_operations} key vault operations a month",
        "plus the town's own stack's direct costs, the same alone as in the consortium",
        "not counted: the consortium's overhead (staff, service desk, licences); a town alone carries its own, "
        "not estimated here, so the consortium share compared is the share without its overhead part",
        "a part with no price in the price files is left out and counted: alone is then a lower bound",
    ]


@dataclass(frozen=True)
class Alone:
    """What one town would pay a month on its own."""

    slug: str
    lines: tuple[Line, ...]  # its own hub: estimated and not-priced lines (free ones left out)
    direct: Decimal

    @property
    def hub(self) -> Decimal:
        return sum((line.monthly for line in self.lines if line.monthly is not None), ZERO)

    @property
    def monthly(self) -> Decimal:
        return self.hub + self.direct

    @property
    def not_priced(self) -> int:
        return sum(1 for line in self.lines if line.status == "not priced")


class AlonePricer:
    """Prices "alone" for any member from the hub's plan records. Towns with the same services and
    server count need the same hub, so each such hub is priced once (351 towns: a few dozen)."""

    def __init__(self, records: Iterable[dict[str, Any]], registry: Registry, prices: PriceBook) -> None:
        c = registry.consortium
        self.records = [r for r in records if r["stack"] == HUB_STACK]
        self.consortium = c
        self.prices = prices
        self.assumptions = c.costs.usage
        self._hubs: dict[tuple[frozenset[str], int], tuple[Line, ...]] = {}

    def of(self, member: Member, direct: Decimal) -> Alone:
        services = frozenset(str(s) for s in self.consortium.services_for(member.phase))
        key = (services, len(member.servers))
        lines = self._hubs.get(key)
        if lines is None:
            lines = self._hubs[key] = self._hub(member, services)
        return Alone(member.slug, lines, direct)

    def _hub(self, member: Member, services: frozenset[str]) -> tuple[Line, ...]:
        c = self.consortium
        behind = (member.slug,) if HUB_SERVICES & services else ()
        usage = Usage(self.assumptions, {member.slug: member}, behind, c.log_retention_days)
        est = estimate(
            self.records, consortium=c.slug, primary_region=c.azure.locations[0], usage=usage, prices=self.prices
        )
        return tuple(ln for ln in est.lines if ln.status != "free" and ln.services & services)


@dataclass(frozen=True)
class Comparison:
    """Alone beside the consortium share of the same services (the share without its overhead part)."""

    alone: Alone
    consortium: Decimal
    overhead: Decimal  # the share's overhead part, shown beside, not compared
    minimum_adjustment: Decimal

    @property
    def economy(self) -> Decimal:
        """What the consortium saves the town a month (negative: the consortium costs it more)."""
        return self.alone.monthly - self.consortium

    @property
    def why_not(self) -> str:
        """Why alone is not dearer than the share ("" when it is)."""
        if self.economy > 0:
            return ""
        reasons = []
        if not self.alone.lines:
            reasons.append(
                "its phase gives it no hub service, so alone it needs no hub; beyond its own stack it pays "
                "the consortium's overhead (staff, service desk, licences), which alone it would carry itself"
            )
        if self.alone.not_priced:
            reasons.append(f"{count(self.alone.not_priced, 'part')} of alone have no price and are left out")
        if self.minimum_adjustment > 0:
            reasons.append(f"the minimum share raised its share by {money_text(self.minimum_adjustment)}")
        return "; ".join(reasons) or "at these usage assumptions the consortium's hub costs it more than its own"


def compare(alone: Alone, share: Share, overhead: Decimal) -> Comparison:
    """``alone`` beside ``share``, whose formula amount of the overhead pool is ``overhead``."""
    return Comparison(alone, share.total - overhead, overhead, share.minimum.adjustment)
