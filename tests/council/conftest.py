"""Fixtures for the council report's tests: the bundled example planned once (see planned_example),
its price files, and the page of one town built the way the CLI builds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from consortium.audit.about import plan_source
from consortium.costs.prices import PriceBook, load_prices
from consortium.council.assemble import council_report
from consortium.council.page import CouncilPage
from consortium.registry.load import Registry
from consortium.registry.models import Exemption
from tests.conftest import REPO
from tests.planned_example import example_registry, records  # noqa: F401 - fixtures, found by pytest by name

TODAY = date(2026, 12, 6)  # pinned: exemptions' expiry is judged on this day

PageOf = Callable[..., CouncilPage]


@pytest.fixture(scope="session")
def prices(example_registry: Registry) -> PriceBook:  # noqa: F811 - the fixture above
    c = example_registry.consortium
    return load_prices(REPO, list(c.azure.locations), c.costs.currency)


@pytest.fixture
def page_of(example_registry: Registry, prices: PriceBook) -> PageOf:  # noqa: F811
    """``page_of(plan, slug, exemptions=[])``: the town's page from those plan records."""

    def build(plan: list[dict[str, Any]], slug: str, exemptions: list[Exemption] | None = None) -> CouncilPage:
        return council_report(
            plan,
            registry=example_registry,
            slug=slug,
            prices=prices,
            exemptions=exemptions or [],
            plan_shown="plan.json",
            describe=lambda resources: plan_source(TODAY, resources),
            today=TODAY,
        )

    return build
