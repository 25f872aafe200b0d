"""A member's share, explained in plain lines: its drivers, the weights, each pool and the arithmetic.

The same lines serve ``--explain SLUG`` and the invoice page, so a town reads one explanation
wherever it looks."""

from __future__ import annotations

from decimal import Decimal

from consortium.costs.formula import PoolShare, Share
from consortium.money import money_text
from consortium.registry.errors import fail
from consortium.registry.load import Registry
from consortium.registry.models import COST_DRIVERS, Status
from consortium.words import count

# Exact fractions are shown to this many places; the amounts themselves come from the exact values.
_PLACES = Decimal("0.000001")


def check_explainable(registry: Registry, slug: str) -> None:
    """``--explain SLUG`` needs a member the consortium serves: an unknown slug is one line with the
    likely one; a town that has left has no share (its file stays as the record) - one line too."""
    [entry] = registry.select([slug])
    if entry.member.status is Status.LEFT:
        left_on = entry.member.leaving.left_on if entry.member.leaving else None
        raise fail(entry.path, "status", f"{slug} left the consortium on {left_on}: it has no share to explain")


def _number(value: Decimal) -> str:
    """A driver value or a weight without trailing zeros or an exponent ("0.2", "13000")."""
    return f"{value.normalize():f}"


def _term(share: Share, pool: PoolShare, driver: str) -> str | None:
    """``weight * value/total`` for one driver of one pool (None when its weight is 0)."""
    weights_sum = sum(share.weights.values(), Decimal(0))
    weight = share.weights.get(driver, Decimal(0))
    if not weight:
        return None
    w = _number(weight / weights_sum) if weights_sum != 1 else _number(weight)
    total = pool.totals[driver]
    if driver == "equal" or not total:
        why = "" if driver == "equal" else f" (no {driver} among them: equal)"
        return f"{w} * 1/{pool.members}{why}"
    return f"{w} * {_number(share.basis.driver(driver))}/{_number(total)} {driver}"


def pool_lines(share: Share, pool: PoolShare) -> list[str]:
    """How one pool's part came about (or why the member has none of it)."""
    missing = f", {count(pool.pool.not_priced, 'line')} not priced, left out" if pool.pool.not_priced else ""
    name = f"{pool.pool.name} ({money_text(pool.pool.monthly)}{missing})"
    if not pool.members:
        return [f"{name}: shared by no member (no phase gives its services): listed apart, not spread"]
    if not pool.shared:
        services = ", ".join(sorted(pool.pool.services))
        return [f"{name}: not shared: its services ({services}) are not in this member's phase"]
    who = "every member" if not pool.pool.services else "members with " + ", ".join(sorted(pool.pool.services))
    terms = [t for d in COST_DRIVERS if (t := _term(share, pool, d)) is not None]
    fraction = pool.fraction.quantize(_PLACES)
    return [
        f"{name}: shared by {pool.members} ({who})",
        f"  fraction = {' + '.join(terms)} = {fraction}",
        f"  {money_text(pool.pool.monthly)} * {fraction} -> {money_text(pool.amount)}",
    ]


def minimum_line(share: Share) -> str:
    m = share.minimum
    floor = money_text(m.amount)
    if not m.amount:
        return "minimum share: none"
    if not m.applied:
        return f"minimum share {floor}: not applied (the shared total is below the minimum times the members)"
    if m.adjustment > 0:
        return f"minimum share {floor}: raised by {money_text(m.adjustment)} to the minimum"
    if m.adjustment < 0:
        return f"minimum share {floor}: {money_text(m.adjustment)} (others raised to the minimum, paid by the rest)"
    return f"minimum share {floor}: above it, unchanged"


def explanation(share: Share) -> list[str]:
    """Every line of a member's explanation, from its drivers to its total."""
    b = share.basis
    services = ", ".join(sorted(b.services)) or "none"
    drivers = f"population {b.population}, endpoints {b.endpoints}, servers {b.servers}, direct {money_text(b.direct)}"
    weights = ", ".join(f"{d} {_number(share.weights.get(d, Decimal(0)))}" for d in COST_DRIVERS)
    lines = [f"{b.slug}: services {services}", f"drivers: {drivers}", f"weights: {weights}"]
    for pool in share.pools:
        lines.extend(pool_lines(share, pool))
    lines.append(f"formula: {money_text(share.formula)}")
    lines.append(minimum_line(share))
    lines.append(
        f"total = direct {money_text(share.direct)} + shared {money_text(share.shared)} = {money_text(share.total)}"
    )
    return lines
