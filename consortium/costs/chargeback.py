"""The monthly chargeback: the real Azure bill (FOCUS 1.0) split into what each member pays.

Who owns a row of the bill, in this order:

1. its ``consortium`` tag names another consortium: **unallocated**;
2. its ``member`` tag: a member's slug is that member's direct cost; ``shared`` is the hub's; any
   other value names no member: **unallocated**;
3. no ``member`` tag: its resource group: a member's (``naming.resource_group``) is that member's
   direct cost and the hub's is the hub's, both listed as *untagged* so someone fixes the tag; any
   other resource group belongs to nobody: **unallocated**;
4. neither: the consortium's purchases (reservations), tax, credits and adjustments are shared
   pools; usage with no owner at all is **unallocated**.

The hub's costs go to a pool per the services each hub resource serves
(:func:`consortium.costs.services.hub_resource_services`). The pools are split by the formula
(:mod:`consortium.costs.formula`); a pool no member's phase uses is listed as unallocated, not
spread. Every figure is rounded so the parts add up to the bill to the cent:
``sum(members' totals) + unallocated == bill total``.

The month is the billing period (BillingPeriodStart): a correction of last month billed this month
is on this month's invoice, and is shown as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from consortium.costs.focus import Charge, read_focus
from consortium.costs.formula import Formula, Share, bases, split
from consortium.costs.pools import Pool
from consortium.costs.services import hub_resource_services
from consortium.money import CENT, cents
from consortium.registry import naming
from consortium.registry.errors import fail
from consortium.registry.load import Registry
from consortium.registry.models import CONSORTIUM_FILE, HUB_SERVICES, VPN_SERVICES
from consortium.registry.stackconfig import hub_stack

ZERO = Decimal(0)
# Pools of the bill that are no hub resource's, by ChargeCategory (shared by every member).
CATEGORY_POOLS = {"Purchase": "purchases", "Tax": "tax", "Credit": "credits", "Adjustment": "adjustments"}
HUB_POOLS = {
    frozenset(str(s) for s in HUB_SERVICES): "hub landing zone",
    frozenset(str(s) for s in VPN_SERVICES): "hub VPN gateway",
}
_CACHE_LIMIT = 100_000


class Owner(NamedTuple):
    """Where one row's cost goes: ``member`` (name: slug), ``pool`` (name: pool) or
    ``unallocated`` (name: why); ``untagged`` marks a resource found by its resource group."""

    kind: str
    name: str
    untagged: bool = False
    services: frozenset[str] = frozenset()


class DirectLine(NamedTuple):
    """A member's direct costs of one service and charge category (and, for a late correction,
    the month the cost arose in)."""

    service: str
    category: str
    earlier: str  # "" or the YYYY-MM of a correction to an earlier month
    amount: Decimal


class Untagged(NamedTuple):
    """A resource with no ``member`` tag, charged by its resource group: fix its tags."""

    owner: str  # a member's slug, or "hub"
    resource_id: str
    resource_group: str
    amount: Decimal


class Unallocated(NamedTuple):
    """Costs that belong to no member, one line per resource and reason: never spread."""

    reason: str
    resource_id: str
    resource_group: str
    category: str
    rows: int
    first_row: int
    amount: Decimal


@dataclass(frozen=True)
class MemberBill:
    slug: str
    name: str
    lines: tuple[DirectLine, ...]
    untagged: tuple[Untagged, ...]
    share: Share

    @property
    def direct(self) -> Decimal:
        return self.share.direct

    @property
    def shared(self) -> Decimal:
        return self.share.shared

    @property
    def total(self) -> Decimal:
        return self.share.total


@dataclass(frozen=True)
class Chargeback:
    consortium: str
    source: str
    month: str
    currency: str
    bill_total: Decimal
    members: dict[str, MemberBill]
    pools: tuple[Pool, ...]
    hub_untagged: tuple[Untagged, ...]
    unallocated: tuple[Unallocated, ...]

    @property
    def unallocated_total(self) -> Decimal:
        return sum((u.amount for u in self.unallocated), ZERO)


def round_to(amounts: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """Each amount to the cent (half up), then the cents ``total`` still needs taken from or given
    to the amounts that rounding moved furthest the other way (ties: the earlier), so the parts add
    up to ``total`` exactly. ``total`` is the rounded sum, or a figure already rounded from it."""
    parts = [cents(a) for a in amounts]
    if not parts:
        return parts
    left = int((cents(total) - sum(parts, ZERO)) / CENT)
    step = CENT if left > 0 else -CENT
    # giving a cent: to those rounded down the most; taking one: from those rounded up the most
    moved = [(amounts[i] - parts[i]) * (-1 if left > 0 else 1) for i in range(len(parts))]
    order = sorted(range(len(parts)), key=lambda i: (moved[i], i))
    for n in range(abs(left)):
        parts[order[n % len(parts)]] += step
    return parts


class _Owners:
    """Decides each row's owner (see the module), remembering the answers for repeated resources."""

    def __init__(self, registry: Registry) -> None:
        c = registry.consortium
        tags = hub_stack(registry).tags  # the tags every resource carries: one source, the stack config
        self.consortium = c.slug
        self.consortium_tag = tags["consortium"]
        self.shared_tag = tags["member"]
        # a town that has left is no member: a charge still tagged with it is listed, never spread
        self.members = {e.member.slug for e in registry.served}
        self.groups = {naming.resource_group(c.slug, s).lower(): s for s in self.members}
        self.hub_group = naming.resource_group(c.slug, naming.HUB).lower()
        self.cache: dict[tuple[str, str, str, str], Owner] = {}

    def of(self, charge: Charge) -> Owner:
        key = (charge.tags_text, charge.resource_group, charge.category, charge.resource_name)
        found = self.cache.get(key)
        if found is None:
            found = self._decide(charge.tags.get("member"), charge.tags.get("consortium"), charge)
            if len(self.cache) > _CACHE_LIMIT:
                self.cache.clear()
            self.cache[key] = found
        return found

    def _hub(self, charge: Charge, untagged: bool) -> Owner:
        services = frozenset(str(s) for s in hub_resource_services(self.consortium, charge.resource_name))
        return Owner("pool", HUB_POOLS.get(services, "hub " + ", ".join(sorted(services))), untagged, services)

    def _decide(self, member: Any, consortium: Any, charge: Charge) -> Owner:
        group = charge.resource_group.strip().lower()
        if consortium is not None and consortium != self.consortium_tag:
            return Owner("unallocated", f"tag consortium={consortium} is not this consortium's")
        if member is not None:
            if member == self.shared_tag:
                return self._hub(charge, False)
            if isinstance(member, str) and member in self.members:
                return Owner("member", member)
            return Owner("unallocated", f"tag member={member} names no member of the consortium")
        if group:
            if group == self.hub_group:
                return self._hub(charge, True)
            if group in self.groups:
                return Owner("member", self.groups[group], True)
            return Owner("unallocated", f"resource group {charge.resource_group} belongs to no member")
        if charge.category in CATEGORY_POOLS:
            return Owner("pool", CATEGORY_POOLS[charge.category])
        return Owner("unallocated", f"{charge.category} with no member tag and no resource group")


@dataclass
class _Month:
    """One billing period's sums: all that is kept of the rows (memory stays flat however long the file)."""

    total: Decimal = ZERO
    lines: defaultdict[tuple[str, str, str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    untagged: defaultdict[tuple[str, str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    pools: defaultdict[tuple[str, frozenset[str]], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    unallocated: dict[tuple[str, str, str, str], list[Any]] = field(default_factory=dict)

    def add(self, charge: Charge, owner: Owner, cost: Decimal, rows: int) -> None:
        """``rows`` rows like ``charge`` (the first of them), costing ``cost`` together."""
        self.total += cost
        if owner.untagged:
            who = owner.name if owner.kind == "member" else naming.HUB
            self.untagged[(who, charge.resource_id, charge.resource_group)] += cost
        if owner.kind == "member":
            earlier = charge.charged_month if charge.charged_month < charge.month else ""
            self.lines[(owner.name, charge.service, charge.category, earlier)] += cost
        elif owner.kind == "pool":
            self.pools[(owner.name, owner.services)] += cost
        else:
            key = (owner.name, charge.resource_id or charge.resource_name, charge.resource_group, charge.category)
            entry = self.unallocated.get(key)
            if entry is None:
                self.unallocated[key] = [cost, rows, charge.row]
            else:
                entry[0] += cost
                entry[1] += rows


# Rows alike in all the chargeback looks at are summed first (a resource's daily rows of a month);
# past this many distinct kinds the sums are handed on and started again, so memory stays bounded.
_GROUPS = 200_000


def _aggregate(charges: Iterable[Charge], owners: _Owners) -> tuple[dict[str, _Month], str]:
    months: dict[str, _Month] = {}
    groups: dict[tuple[str, ...], list[Any]] = {}
    currency = ""

    def flush() -> None:
        for cost, rows, first in groups.values():
            month = months.get(first.month)
            if month is None:
                month = months[first.month] = _Month()
            month.add(first, owners.of(first), cost, rows)
        groups.clear()

    for c in charges:  # the hot path: one tuple, one dict look-up, one sum per row
        key = (c.month, c.charged_month, c.tags_text, c.resource_group, c.category, c.resource_name,
               c.resource_id, c.service)  # fmt: skip
        group = groups.get(key)
        if group is None:
            if len(groups) >= _GROUPS:
                flush()
            groups[key] = [c.cost, 1, c]
        else:
            group[0] += c.cost
            group[1] += 1
        currency = c.currency
    flush()
    return months, currency


def chargeback(registry: Registry, focus: Path, month: str | None = None, shown: str | None = None) -> Chargeback:
    """Read the FOCUS file ``focus`` (streamed) and split billing period ``month`` (None: the file's
    only one) among the registry's members. Bad input is an ``InputError`` naming file, row, column."""
    shown = str(focus) if shown is None else shown
    c = registry.consortium
    months, currency = _aggregate(read_focus(focus, shown), _Owners(registry))
    if currency and currency != c.costs.currency:
        raise fail(shown, "BillingCurrency", f"{currency}, but {CONSORTIUM_FILE} costs.currency is {c.costs.currency}")
    periods = ", ".join(sorted(months)) or "none"
    if month is None:
        if len(months) != 1:
            raise fail(shown, "BillingPeriodStart", f"billing periods {periods}: choose one with --month YYYY-MM")
        month = next(iter(months))
    if month not in months:
        raise fail(shown, "BillingPeriodStart", f"nothing billed in {month} (billing periods in the file: {periods})")
    return _split(registry, shown, month, currency, months[month])


def _split(registry: Registry, shown: str, month: str, currency: str, sums: _Month) -> Chargeback:
    c = registry.consortium
    slugs = sorted(e.member.slug for e in registry.served)
    direct_exact = {s: ZERO for s in slugs}
    for (slug, *_), amount in sums.lines.items():
        direct_exact[slug] += amount
    pool_keys = sorted(sums.pools)
    unalloc_keys = sorted(sums.unallocated)
    exact = [
        *direct_exact.values(),
        *(sums.pools[k] for k in pool_keys),
        *(sums.unallocated[k][0] for k in unalloc_keys),
    ]
    bill_total = cents(sums.total)
    rounded = round_to(exact, bill_total)
    direct = dict(zip(slugs, rounded[: len(slugs)], strict=True))
    pools = [
        Pool(name, services, amount)
        for (name, services), amount in zip(pool_keys, rounded[len(slugs) : len(slugs) + len(pool_keys)], strict=True)
    ]
    unallocated = [
        Unallocated(reason, rid, rg, category, sums.unallocated[k][1], sums.unallocated[k][2], amount)
        for k, amount in zip(unalloc_keys, rounded[len(slugs) + len(pool_keys) :], strict=True)
        for reason, rid, rg, category in [k]
    ]
    result = split(Formula.of(c.costs), bases(c, (e.member for e in registry.served), direct), pools)
    for pool in result.unshared:
        unallocated.append(
            Unallocated(f"pool {pool.name}: no member's phase gives its services", "", "", "", 0, 0, pool.monthly)
        )
    untagged = [Untagged(o, rid, rg, cents(a)) for (o, rid, rg), a in sorted(sums.untagged.items())]
    names = {e.member.slug: e.member.name for e in registry.members}
    members = {}
    for slug in slugs:
        keys = sorted(k for k in sums.lines if k[0] == slug)
        amounts = round_to([sums.lines[k] for k in keys], direct[slug])
        members[slug] = MemberBill(
            slug,
            names[slug],
            tuple(DirectLine(k[1], k[2], k[3], a) for k, a in zip(keys, amounts, strict=True)),
            tuple(u for u in untagged if u.owner == slug),
            result.shares[slug],
        )
    return Chargeback(
        c.slug,
        shown,
        month,
        currency or c.costs.currency,
        bill_total,
        members,
        tuple(pools),
        tuple(u for u in untagged if u.owner == naming.HUB),
        tuple(unallocated),
    )
