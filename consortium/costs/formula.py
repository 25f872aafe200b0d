"""The cost-sharing formula: who pays how much of each shared pool, to the cent, and why.

Each member pays its own stack's direct costs, plus a share of every pool it shares (a pool serves
some services; a member shares it when its phase gives it any of them; a pool without services is
everyone's). Within a pool the share is a weighted sum of drivers (``costs.weights``): an equal part,
and parts in proportion to population, endpoints, servers and direct usage among the pool's members.
A driver that is zero for all of a pool's members (no servers yet) counts as equal shares, so the
weights always add up to the whole pool. Each pool is rounded to the cent by largest remainder.

The minimum share (``costs.minimum_share_monthly``) is a floor on a member's whole shared amount:
members below it are raised to it and the others pay the difference in proportion to what the
formula gave them (repeated until nobody is below), so the total still reconciles. It applies only
when the total can give every member the minimum; otherwise the formula stands and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from consortium.costs.pools import Pool
from consortium.money import cents, largest_remainder
from consortium.registry.models import COST_DRIVERS, Consortium, CostModel, Member

ZERO = Decimal(0)


@dataclass(frozen=True)
class Basis:
    """What the formula knows of one member: the services its phase gives it, its drivers, and its
    own stack's direct cost for the month (which it pays in full, and which is the ``direct`` driver)."""

    slug: str
    services: frozenset[str]
    population: int
    endpoints: int
    servers: int
    direct: Decimal

    def driver(self, name: str) -> Decimal:
        """The member's value of driver ``name``; a credit-heavy month (negative direct) counts as 0."""
        if name == "equal":
            return Decimal(1)
        if name == "direct":
            return max(self.direct, ZERO)
        return Decimal(getattr(self, name))

    def shares(self, pool: Pool) -> bool:
        return not pool.services or bool(self.services & pool.services)


def bases(consortium: Consortium, members: Iterable[Member], direct: Mapping[str, Decimal]) -> list[Basis]:
    """The formula's view of ``members`` (sorted by slug), with each one's direct cost (0 if absent)."""
    return [
        Basis(
            slug=m.slug,
            services=frozenset(str(s) for s in consortium.services_for(m.phase)),
            population=m.population,
            endpoints=m.endpoints.total,
            servers=len(m.servers),
            direct=direct.get(m.slug, ZERO),
        )
        for m in sorted(members, key=lambda m: m.slug)
    ]


@dataclass(frozen=True)
class Formula:
    """The weights by driver and the minimum share, from ``consortium.yaml`` ``costs:``."""

    weights: Mapping[str, Decimal]
    minimum: Decimal = ZERO

    @classmethod
    def of(cls, costs: CostModel) -> Formula:
        return cls(costs.weights.as_decimals(), cents(costs.minimum_share_monthly))


@dataclass(frozen=True)
class PoolShare:
    """One member's part of one pool, with the arithmetic behind it."""

    pool: Pool
    shared: bool  # False: the member's phase gives it none of the pool's services
    members: int  # how many members share the pool
    totals: Mapping[str, Decimal]  # each driver summed over the pool's members
    fraction: Decimal  # the member's weighted fraction of the pool (exact)
    amount: Decimal  # its part, to the cent


@dataclass(frozen=True)
class Minimum:
    """How the minimum share changed the member's shared amount (``adjustment`` 0: untouched)."""

    amount: Decimal
    applied: bool  # False: the total cannot give every member the minimum
    adjustment: Decimal  # > 0: raised to the minimum; < 0: pays part of others' raise


@dataclass(frozen=True)
class Share:
    """What one member pays: its own direct cost and its shares of the pools, explained."""

    basis: Basis
    weights: Mapping[str, Decimal]
    pools: tuple[PoolShare, ...]
    minimum: Minimum

    @property
    def formula(self) -> Decimal:
        """The shared amount as the drivers give it, before the minimum."""
        return sum((p.amount for p in self.pools), ZERO)

    @property
    def shared(self) -> Decimal:
        return self.formula + self.minimum.adjustment

    @property
    def direct(self) -> Decimal:
        return cents(self.basis.direct)

    @property
    def total(self) -> Decimal:
        return self.direct + self.shared


@dataclass(frozen=True)
class Split:
    """The formula's result: a share per member, and the pools nobody shares (their services are
    in no member's phase), which the caller must report rather than spread."""

    shares: Mapping[str, Share]
    unshared: tuple[Pool, ...] = field(default=())


def _fractions(weights: Mapping[str, Decimal], members: Sequence[Basis]) -> tuple[dict[str, Decimal], list[Decimal]]:
    """Each driver's total over ``members`` and each member's weighted fraction of a pool."""
    weight_sum = sum(weights.values(), ZERO)
    norm = {d: (weights.get(d, ZERO) / weight_sum if weight_sum else Decimal(d == "equal")) for d in COST_DRIVERS}
    totals = {d: sum((m.driver(d) for m in members), ZERO) for d in COST_DRIVERS}
    n = Decimal(len(members))
    fractions = [
        sum((norm[d] * (m.driver(d) / totals[d] if totals[d] else 1 / n) for d in COST_DRIVERS), ZERO) for m in members
    ]
    return totals, fractions


def _floor(amounts: Sequence[Decimal], minimum: Decimal) -> list[Decimal] | None:
    """The shared amounts after the minimum (exact), or None when it cannot apply (see the module)."""
    total = sum(amounts, ZERO)
    if minimum <= 0 or not amounts or total < minimum * len(amounts) or all(a >= minimum for a in amounts):
        return None
    raised = {i for i, a in enumerate(amounts) if a < minimum}
    while True:
        others = [i for i in range(len(amounts)) if i not in raised]
        rest = total - minimum * len(raised)
        base = sum((amounts[i] for i in others), ZERO)  # every one of them is >= minimum > 0
        target = {i: rest * amounts[i] / base for i in others}
        below = {i for i, t in target.items() if t < minimum}
        if not below:
            return [minimum if i in raised else target[i] for i in range(len(amounts))]
        raised |= below


def split(formula: Formula, members: Sequence[Basis], pools: Sequence[Pool]) -> Split:
    """Share every pool among its members and apply the minimum; see the module for the rules."""
    parts: dict[str, list[PoolShare]] = {m.slug: [] for m in members}
    unshared = []
    for pool in pools:
        sharing = [m for m in members if m.shares(pool)]
        if not sharing:  # listed in every member's explanation, never spread
            unshared.append(pool)
            for m in members:
                parts[m.slug].append(PoolShare(pool, False, 0, {}, ZERO, ZERO))
            continue
        totals, fractions = _fractions(formula.weights, sharing)
        amounts = dict(zip((m.slug for m in sharing), largest_remainder(pool.monthly, fractions), strict=True))
        fraction_of = dict(zip((m.slug for m in sharing), fractions, strict=True))
        for m in members:
            shared = m.slug in amounts
            parts[m.slug].append(
                PoolShare(pool, shared, len(sharing), totals, fraction_of.get(m.slug, ZERO), amounts.get(m.slug, ZERO))
            )
    formula_amounts = [sum((p.amount for p in parts[m.slug]), ZERO) for m in members]
    floored = _floor(formula_amounts, formula.minimum)
    final = largest_remainder(sum(formula_amounts, ZERO), floored) if floored is not None else formula_amounts
    applied = formula.minimum > 0 and sum(formula_amounts, ZERO) >= formula.minimum * len(members)
    shares = {
        m.slug: Share(
            m,
            formula.weights,
            tuple(parts[m.slug]),
            Minimum(formula.minimum, applied, final[i] - formula_amounts[i]),
        )
        for i, m in enumerate(members)
    }
    return Split(shares, tuple(unshared))
