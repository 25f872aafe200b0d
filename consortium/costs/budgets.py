"""Budgets from the estimate: each member's direct costs, for ``estimates.json`` (``costs --update-budgets``).

A member's budget is what its own stack is estimated to cost plus the consortium's margin
(:func:`consortium.registry.estimates.budget_amount`); this module turns an estimate into the file
the registry reads, and lists what changes for each member so the treasurer sees it before rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from consortium.costs.estimate import Estimate
from consortium.costs.prices import PriceBook
from consortium.costs.shares import Shares, lacking
from consortium.registry.errors import fail
from consortium.registry.estimates import Estimates, MemberEstimate, budget_amount
from consortium.registry.load import Registry
from consortium.registry.render import rendered_budgets


@dataclass(frozen=True)
class BudgetChange:
    member: str
    direct_monthly: Decimal
    not_priced: int
    now: Decimal | None  # the budget in the member's rendered stack config; None before its first render
    after: Decimal


def member_estimates(
    est: Estimate, shares: Shares, registry: Registry, made_on: date, prices: PriceBook, shown: str
) -> Estimates:
    """Every served member's direct costs from ``est`` and its share from ``shares``; a member the
    plan lacks is bad input (``shown``: where the plan came from), since a budget must not silently
    fall to the minimum."""
    c = registry.consortium
    lacks = lacking(est, registry)
    if lacks:
        raise fail(shown, "stacks", f"{lacks}: budgets need every member's estimate")
    served = [e.member.slug for e in registry.served]
    members = {
        slug: MemberEstimate(
            direct_monthly=est.stack_total(slug),
            not_priced=sum(1 for line in est.stack_lines(slug) if line.status == "not priced"),
            share_monthly=shares.members[slug].total,
        )
        for slug in served
    }
    fetched = {region: file.fetched for region, file in sorted(prices.files.items())}
    return Estimates(consortium=c.slug, currency=c.costs.currency, made_on=made_on, prices=fetched, members=members)


def budget_changes(registry: Registry, new: Estimates) -> list[BudgetChange]:
    """Each served member's budget now (its rendered stack config) and after ``new``, in registry order."""
    c = registry.consortium
    rendered = rendered_budgets(registry)
    out = []
    for entry in registry.served:
        m = entry.member
        figure = new.members[m.slug]
        after = budget_amount(c, m, new)
        out.append(BudgetChange(m.slug, figure.direct_monthly, figure.not_priced, rendered.get(m.slug), after))
    return out
