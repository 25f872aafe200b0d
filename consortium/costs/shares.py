"""Each member's share of the estimate: the hub's pools and the consortium's overhead split by the
formula (:mod:`consortium.costs.formula`), plus each member's own stack's direct costs.

The pools are the estimate's hub pools (:meth:`Estimate.pools`, by the services each serves) and
one pool for the overhead (``costs.shared_monthly``: staff, service desk, licences), which every
member shares. Everything is in cents already (estimate lines are rounded when made), so the
result reconciles exactly: ``hub + overhead + members' direct == sum of member totals + unshared``
(a pool no member's phase uses is listed, never spread). Lines of a pool with no price are counted
(``not_priced``) and said, not taken as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from consortium.costs.estimate import HUB_STACK, Estimate
from consortium.costs.formula import Formula, Share, Split, bases, split
from consortium.costs.pools import Pool
from consortium.money import cents
from consortium.registry.load import Registry

ZERO = Decimal(0)
OVERHEAD_POOL = "overhead: staff, service desk, licences"


@dataclass(frozen=True)
class Shares:
    """The estimate split among the members."""

    currency: str
    pools: tuple[Pool, ...]  # the hub's pools, then the overhead
    split: Split
    hub: Decimal  # the hub stack's estimated total
    overhead: Decimal
    direct: Decimal  # every member's direct costs together

    @property
    def members(self) -> dict[str, Share]:
        return dict(self.split.shares)

    @property
    def total(self) -> Decimal:
        """What the consortium costs a month: the hub, the overhead and every member's own stack."""
        return self.hub + self.overhead + self.direct

    @property
    def members_total(self) -> Decimal:
        return sum((s.total for s in self.split.shares.values()), ZERO)

    @property
    def unshared(self) -> Decimal:
        """Pools no member's phase uses: in the total, in no member's share."""
        return sum((p.monthly for p in self.split.unshared), ZERO)

    @property
    def not_priced(self) -> int:
        """Lines of the shared pools with no price: left out of the shares, and said so."""
        return sum(p.not_priced for p in self.pools)

    def overhead_part(self, slug: str) -> Decimal:
        """The member's formula amount of the overhead pool (before the minimum)."""
        return sum((p.amount for p in self.split.shares[slug].pools if p.pool.name == OVERHEAD_POOL), ZERO)


def missing_stacks(est: Estimate, registry: Registry) -> list[str]:
    """The stacks the shares need (the hub and every member) that the estimate lacks."""
    have = set(est.stacks)
    return [s for s in (HUB_STACK, *sorted(e.member.slug for e in registry.served)) if s not in have]


def lacking(est: Estimate, registry: Registry) -> str | None:
    """``lacks a, b and N more`` naming the stacks of :func:`missing_stacks` (five at most), or None;
    each caller says why it needs them."""
    missing = missing_stacks(est, registry)
    if not missing:
        return None
    return "lacks " + ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")


def shares_of(est: Estimate, registry: Registry) -> Shares:
    """Split ``est`` (the hub and every member of ``registry``, see :func:`missing_stacks`) among the members."""
    c = registry.consortium
    overhead = cents(c.costs.shared_monthly)
    pools = (*est.pools(), Pool(OVERHEAD_POOL, frozenset(), overhead))
    slugs = [e.member.slug for e in registry.served]  # a town that has left shares nothing
    direct = {s: est.stack_total(s) for s in slugs}
    result = split(Formula.of(c.costs), bases(c, (e.member for e in registry.served), direct), pools)
    return Shares(
        currency=est.currency,
        pools=pools,
        split=result,
        hub=est.stack_total(HUB_STACK),
        overhead=overhead,
        direct=sum(direct.values(), ZERO),
    )
