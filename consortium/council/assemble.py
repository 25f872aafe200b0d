"""The council page from one plan: the audit and the shares computed from the same records.

Both rooms read the same plan records, so the page's verdict and its money describe one state of
the consortium. The shares need the hub and every member (each town's part depends on the others'
drivers), so a plan holding fewer stacks is bad input, named by the plan as the caller shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from consortium.audit.about import about
from consortium.audit.run import run_audit
from consortium.audit.sources import plan_resources
from consortium.costs.estimate import estimate
from consortium.costs.prices import PriceBook
from consortium.costs.share_report import priced
from consortium.costs.shares import lacking
from consortium.costs.usage import Usage
from consortium.council.page import CouncilPage, council_page
from consortium.registry.errors import fail
from consortium.registry.load import Registry
from consortium.registry.models import Exemption
from policies.framework import Resource


def council_report(
    records: Iterable[dict[str, Any]],
    *,
    registry: Registry,
    slug: str,
    prices: PriceBook,
    exemptions: list[Exemption],
    plan_shown: str,
    describe: Callable[[list[Resource]], str],
    today: date | None = None,
) -> CouncilPage:
    """Member ``slug``'s page from plan ``records`` (plan-file records): ``describe`` words the source
    for the audit (never a local path); ``plan_shown`` names the plan in a bad-input line."""
    records = list(records)
    registry.entry(slug)  # an unknown member is bad input (with the likely slug), before any work
    c = registry.consortium
    est = estimate(records, consortium=c.slug, primary_region=c.azure.primary, usage=Usage.of(registry), prices=prices)
    lacks = lacking(est, registry)
    if lacks:
        raise fail(plan_shown, "stacks", f"{lacks}: a town's share needs the hub and every member")
    resources = plan_resources(records)
    audit = run_audit(
        resources,
        source=describe(resources),
        registry=registry,
        exemptions=exemptions,
        today=today,
        about=about(registry, (slug,)),
    )
    return council_page(registry, slug, audit, est, priced(est, records, registry, prices))
