"""Where towns run the same systems: the ``applications:`` of every member, grouped by category and
by product, with the combined annual spend and the contract ends that open a window to join a
shared contract ("ten communities using ten systems" is where consolidation saves money).

Analysis of registry data only: it reads the loaded registry and computes, and the formats
(:mod:`overlap_report`, :mod:`overlap_html`) only print what is here. Annual costs are whole cents
(``fields.CentsMoney``), so every sum is exact: the categories' totals, the products' totals and the
towns' totals all add up to the same grand total, to the cent, with no rounding anywhere.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from consortium.registry.load import Registry
from consortium.registry.models import Application, ApplicationCategory, MemberEntry
from consortium.registry.products import ProductKey, product_key

# How far ahead a contract end counts as a window to join a shared contract: procurement, a council
# vote and a data migration take a town a budget cycle or two.
WINDOW_MONTHS = 24


@dataclass(frozen=True)
class Deployment:
    """One town's entry for one system: the member file's ``applications[index]``."""

    path: str
    index: int
    slug: str
    member_name: str
    app: Application
    key: ProductKey


def deployments(entries: Iterable[MemberEntry]) -> list[Deployment]:
    """Every declared application of ``entries``, in member then file order, with its product key.

    The seam for matching software found on hosts to what towns declared: look a found product's
    :func:`products.product_key` up among these."""
    return [
        Deployment(e.path, i, e.member.slug, e.member.name, app, product_key(app.vendor, app.product))
        for e in entries
        for i, app in enumerate(e.member.applications)
    ]


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; a day the target month lacks becomes its last day
    (29 February plus 24 months is 28 February). Past the calendar's end: its last day."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _known_total(group: Sequence[Deployment]) -> Decimal:
    return sum((d.app.annual_cost for d in group if d.app.annual_cost is not None), Decimal(0))


def _unknown(group: Sequence[Deployment]) -> int:
    return sum(d.app.annual_cost is None for d in group)


def _towns(group: Sequence[Deployment]) -> tuple[str, ...]:
    return tuple(sorted({d.slug for d in group}))


@dataclass(frozen=True)
class ProductUse:
    """One product (one :class:`ProductKey`) and every town that runs it."""

    key: ProductKey
    deployments: tuple[Deployment, ...]  # by member slug

    @cached_property
    def vendor(self) -> str:
        """The vendor as most towns write it (ties: the first town's spelling)."""
        return Counter(d.app.vendor for d in self.deployments).most_common(1)[0][0]

    @cached_property
    def product(self) -> str:
        return Counter(d.app.product for d in self.deployments).most_common(1)[0][0]

    @property
    def label(self) -> str:
        """How people name it: "Esri ArcGIS Online", but "Microsoft 365", not "Microsoft Microsoft 365"."""
        vendor_word, product_word = self.vendor.split()[0], self.product.split()[0]
        return self.product if vendor_word.casefold() == product_word.casefold() else f"{self.vendor} {self.product}"

    @property
    def towns(self) -> tuple[str, ...]:
        return _towns(self.deployments)

    @property
    def shared(self) -> bool:
        return len(self.towns) > 1

    @property
    def categories(self) -> tuple[ApplicationCategory, ...]:
        return tuple(c for c in ApplicationCategory if any(d.app.category is c for d in self.deployments))

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(sorted({d.app.version for d in self.deployments if d.app.version}))

    @property
    def annual_cost(self) -> Decimal:
        """The towns' combined known annual spend on the product."""
        return _known_total(self.deployments)

    @property
    def costs_unknown(self) -> int:
        return _unknown(self.deployments)


@dataclass(frozen=True)
class CategoryUse:
    """One category and every town's system in it."""

    category: ApplicationCategory
    deployments: tuple[Deployment, ...]
    products: tuple[ProductUse, ...]  # in the report's product order

    @property
    def towns(self) -> tuple[str, ...]:
        return _towns(self.deployments)

    @property
    def annual_cost(self) -> Decimal:
        return _known_total(self.deployments)

    @property
    def costs_unknown(self) -> int:
        return _unknown(self.deployments)


@dataclass(frozen=True)
class Overlap:
    """The whole analysis, as every format prints it."""

    consortium: str  # its name
    slug: str
    currency: str
    as_of: date
    window_end: date  # contract ends from as_of up to and including this day are windows
    members: int  # members in the registry, with applications or not
    deployments: tuple[Deployment, ...]
    products: tuple[ProductUse, ...]  # most towns first, then most spend, then by name
    categories: tuple[CategoryUse, ...]  # in ApplicationCategory order, those in use only

    @property
    def annual_cost(self) -> Decimal:
        return _known_total(self.deployments)

    @property
    def costs_unknown(self) -> int:
        return _unknown(self.deployments)

    @property
    def towns_with_applications(self) -> tuple[str, ...]:
        return _towns(self.deployments)

    @property
    def shared_products(self) -> tuple[ProductUse, ...]:
        return tuple(p for p in self.products if p.shared)

    @property
    def single_town_products(self) -> tuple[ProductUse, ...]:
        return tuple(p for p in self.products if not p.shared)

    @property
    def windows(self) -> tuple[Deployment, ...]:
        """Contracts ending from ``as_of`` to ``window_end``, soonest first."""
        return self._by_end(
            d for d in self.deployments if d.app.contract_end and self.as_of <= d.app.contract_end <= self.window_end
        )

    @property
    def ended(self) -> tuple[Deployment, ...]:
        """Contracts that ended before ``as_of``: out of term now, so free to join a shared contract."""
        return self._by_end(d for d in self.deployments if d.app.contract_end and d.app.contract_end < self.as_of)

    def product_of(self, deployment: Deployment) -> ProductUse:
        """The product ``deployment`` is one town's use of."""
        return self._by_key[deployment.key]

    @cached_property
    def _by_key(self) -> dict[ProductKey, ProductUse]:
        return {p.key: p for p in self.products}

    @staticmethod
    def _by_end(found: Iterable[Deployment]) -> tuple[Deployment, ...]:
        return tuple(sorted(found, key=lambda d: (d.app.contract_end, d.slug, d.index)))


def overlap(registry: Registry, as_of: date) -> Overlap:
    """Every member's applications grouped by product and by category, judged on ``as_of``."""
    found = deployments(sorted(registry.members, key=lambda e: e.member.slug))
    by_key: dict[ProductKey, list[Deployment]] = {}
    for d in found:
        by_key.setdefault(d.key, []).append(d)
    products = sorted(
        (ProductUse(key, tuple(group)) for key, group in by_key.items()),
        key=lambda p: (-len(p.towns), -p.annual_cost, p.label.casefold(), str(p.key)),
    )
    categories = []
    for category in ApplicationCategory:
        group = tuple(d for d in found if d.app.category is category)
        if group:
            keys = {d.key for d in group}
            categories.append(CategoryUse(category, group, tuple(p for p in products if p.key in keys)))
    c = registry.consortium
    return Overlap(
        consortium=c.name,
        slug=c.slug,
        currency=c.costs.currency,
        as_of=as_of,
        window_end=add_months(as_of, WINDOW_MONTHS),
        members=len(registry.members),
        deployments=tuple(found),
        products=tuple(products),
        categories=tuple(categories),
    )
