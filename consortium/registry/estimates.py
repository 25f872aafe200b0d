"""``estimates.json``: each member's estimated monthly costs, the basis of its Azure budget.

The costs room estimates the plan (``consortium costs --update-budgets``) and writes this file; the
registry reads it back so ``consortium render`` can set each budget to the estimate plus the
consortium's margin, and so the audit can check that a deployed budget still covers the estimate.
It is generated, committed with the registry, and never edited by hand: a member missing from it
(just onboarded) gets the minimum budget until the estimate is made again.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from consortium.money import cents
from consortium.registry.errors import fail
from consortium.registry.fields import SLUG_PATTERN, CentsMoney, Count
from consortium.registry.files import present, read_json
from consortium.registry.models import Consortium, Member, Strict
from consortium.registry.validation import parse_model

ESTIMATES_FILE = "estimates.json"
ABOUT = (
    "Each member's estimated direct monthly costs (its own stack, from the plan and the price files), "
    "written by `consortium costs --update-budgets`; `consortium render` sets each member's Azure budget "
    "to this figure plus costs.budget.margin_percent; share_monthly (direct plus shared costs, by the "
    "cost-sharing formula) prorates a leaving town's final share. Generated: do not edit by hand."
)
UPDATE_HINT = "run `consortium costs --update-budgets`"


class MemberEstimate(Strict):
    direct_monthly: CentsMoney  # the sum of the member stack's estimated lines, to the cent
    not_priced: Count  # lines of the stack with no price yet: the figure leaves them out
    # What the member pays a month by the cost-sharing formula (direct + its shares), for the
    # prorated final share of a leaving town's exit package.
    share_monthly: CentsMoney


class Estimates(Strict):
    about: str = ABOUT
    consortium: Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    made_on: date
    # Where the prices came from: region -> the price file's date.
    prices: dict[str, date] = Field(default_factory=dict)
    members: dict[Annotated[str, StringConstraints(pattern=SLUG_PATTERN)], MemberEstimate]


def read_estimates(root: Path, consortium: Consortium) -> Estimates | None:
    """The registry's estimates, checked against its consortium; None when none were made yet."""
    path = root / ESTIMATES_FILE
    if not present(path):  # a broken link or a folder there is bad input, not "no estimates yet"
        return None
    data = read_json(path, ESTIMATES_FILE)
    if not isinstance(data, dict):
        raise fail(ESTIMATES_FILE, "", f"not an estimates file (expected a JSON object); {UPDATE_HINT}")
    estimates: Estimates = parse_model(Estimates, data, ESTIMATES_FILE)
    if estimates.consortium != consortium.slug:
        raise fail(ESTIMATES_FILE, "consortium", f"is {estimates.consortium!r}, not {consortium.slug!r}; {UPDATE_HINT}")
    if estimates.currency != consortium.costs.currency:
        message = f"is {estimates.currency}, the cost model uses {consortium.costs.currency}; {UPDATE_HINT}"
        raise fail(ESTIMATES_FILE, "currency", message)
    return estimates


def estimates_text(estimates: Estimates) -> str:
    """The file's text: money as two-decimal strings, members in slug order, stable for diffs."""
    doc = estimates.model_dump(mode="json")
    doc["members"] = {
        slug: {
            "direct_monthly": f"{e.direct_monthly:.2f}",
            "not_priced": e.not_priced,
            "share_monthly": f"{e.share_monthly:.2f}",
        }
        for slug, e in sorted(estimates.members.items())
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def budget_amount(consortium: Consortium, member: Member, estimates: Estimates | None) -> Decimal:
    """The member's monthly budget: its estimated direct costs plus the margin, rounded half-up to
    the cent, and never below the minimum (also the budget of a member with no estimate yet)."""
    rules = consortium.costs.budget
    estimate = estimates.members.get(member.slug) if estimates is not None else None
    if estimate is None:
        return rules.minimum_monthly
    amount = estimate.direct_monthly * (100 + rules.margin_percent) / 100
    return max(rules.minimum_monthly, cents(amount))
