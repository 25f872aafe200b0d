"""The application overlap (:mod:`overlap`) as a terminal table, CSV or JSON (HTML: :mod:`overlap_html`).

Amounts are decimal text with two places, in the consortium's ``costs.currency``. They are exact:
annual costs are whole cents, so no figure is rounded and every total equals the sum of its parts.

JSON (``version`` 1)::

    {"version": 1, "consortium": slug, "name": ..., "currency": "USD",
     "as_of": "YYYY-MM-DD", "window_end": "YYYY-MM-DD", "window_months": 24,
     "members": n,                    # members in the registry
     "members_with_applications": n, "applications": n,
     "annual_cost": "123.45",         # every known annual cost
     "costs_unknown": n,              # entries without annual_cost (not in any total)
     "categories": [{"category", "towns": [slug], "products": [product id], "applications": n,
                     "annual_cost", "costs_unknown"}],          # in category order
     "products": [{"id": "vendor/product", "vendor", "product", "categories": [...],
                   "towns": [slug], "shared": bool, "versions": [...], "annual_cost", "costs_unknown",
                   "deployments": [<deployment>]}],             # most towns first, then most spend
     "contract_windows": [<deployment> + "product_id"],        # ends from as_of to window_end, soonest first
     "contracts_ended": [<deployment> + "product_id"],         # ended before as_of
     "single_town_products": [product id]}

where ``<deployment>`` is ``{"member", "name", "file", "index", "category", "vendor", "product",
"version", "hosting", "annual_cost", "contract_end"}`` as the member file writes them (vendor and
product as the town spells them; ``null`` where the file gives none) and a product id is
:class:`products.ProductKey` as text.

CSV: one row per application (see :data:`CSV_COLUMNS`), so a spreadsheet can pivot it any way.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from consortium.money import money_text
from consortium.registry.overlap import WINDOW_MONTHS, Deployment, Overlap, ProductUse
from consortium.spreadsheet import csv_writer
from consortium.words import table

CSV_COLUMNS = (
    "category",
    "product_id",
    "vendor",
    "product",
    "towns_on_product",
    "member",
    "member_name",
    "version",
    "hosting",
    "annual_cost",
    "currency",
    "contract_end",
    "contract_status",  # ends-in-window | ended | later | no-end-date
)


def _grouped(amount: Decimal) -> str:
    """Like :func:`consortium.money.money_text`, with thousands separators, for people reading a table."""
    return f"{amount:,.2f}"


def contract_status(report: Overlap, d: Deployment) -> str:
    end = d.app.contract_end
    if end is None:
        return "no-end-date"
    if end < report.as_of:
        return "ended"
    return "ends-in-window" if end <= report.window_end else "later"


# --------------------------------------------------------------------------- JSON


def _deployment(d: Deployment) -> dict[str, Any]:
    app = d.app
    return {
        "member": d.slug,
        "name": d.member_name,
        "file": d.path,
        "index": d.index,
        "category": app.category.value,
        "vendor": app.vendor,
        "product": app.product,
        "version": app.version,
        "hosting": app.hosting.value,
        "annual_cost": None if app.annual_cost is None else money_text(app.annual_cost),
        "contract_end": None if app.contract_end is None else app.contract_end.isoformat(),
    }


def _product(p: ProductUse) -> dict[str, Any]:
    return {
        "id": str(p.key),
        "vendor": p.vendor,
        "product": p.product,
        "categories": [c.value for c in p.categories],
        "towns": list(p.towns),
        "shared": p.shared,
        "versions": list(p.versions),
        "annual_cost": money_text(p.annual_cost),
        "costs_unknown": p.costs_unknown,
        "deployments": [_deployment(d) for d in p.deployments],
    }


def to_json(report: Overlap) -> str:
    doc = {
        "version": 1,
        "consortium": report.slug,
        "name": report.consortium,
        "currency": report.currency,
        "as_of": report.as_of.isoformat(),
        "window_end": report.window_end.isoformat(),
        "window_months": WINDOW_MONTHS,
        "members": report.members,
        "members_with_applications": len(report.towns_with_applications),
        "applications": len(report.deployments),
        "annual_cost": money_text(report.annual_cost),
        "costs_unknown": report.costs_unknown,
        "categories": [
            {
                "category": c.category.value,
                "towns": list(c.towns),
                "products": [str(p.key) for p in c.products],
                "applications": len(c.deployments),
                "annual_cost": money_text(c.annual_cost),
                "costs_unknown": c.costs_unknown,
            }
            for c in report.categories
        ],
        "products": [_product(p) for p in report.products],
        "contract_windows": [{**_deployment(d), "product_id": str(d.key)} for d in report.windows],
        "contracts_ended": [{**_deployment(d), "product_id": str(d.key)} for d in report.ended],
        "single_town_products": [str(p.key) for p in report.single_town_products],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- CSV


def to_csv(report: Overlap) -> str:
    """One row per application, by category, then product (in the report's order), then town."""
    out = io.StringIO()
    w = csv_writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for c in report.categories:
        for p in c.products:
            for d in p.deployments:
                if d.app.category is not c.category:
                    continue
                app = d.app
                w.writerow(
                    [
                        c.category.value,
                        str(p.key),
                        app.vendor,
                        app.product,
                        len(p.towns),
                        d.slug,
                        d.member_name,
                        app.version or "",
                        app.hosting.value,
                        "" if app.annual_cost is None else money_text(app.annual_cost),
                        report.currency,
                        "" if app.contract_end is None else app.contract_end.isoformat(),
                        contract_status(report, d),
                    ]
                )
    return out.getvalue()


# --------------------------------------------------------------------------- table


def cost_text(amount: Decimal, unknown: int) -> str:
    """An annual cost for people, saying how many entries had none (they are not in the figure)."""
    if unknown and not amount:
        return "unknown"
    return _grouped(amount) + (f" (+{unknown} unknown)" if unknown else "")


def _window_rows(report: Overlap, found: Sequence[Deployment]) -> list[list[str]]:
    return [
        [
            d.app.contract_end.isoformat() if d.app.contract_end else "",
            d.slug,
            report.product_of(d).label,
            str(len(report.product_of(d).towns)),
            "unknown" if d.app.annual_cost is None else _grouped(d.app.annual_cost),
        ]
        for d in found
    ]


def to_table(report: Overlap) -> str:
    shared = report.shared_products
    lines = [
        f"applications of {report.slug} ({report.consortium}) as of {report.as_of}; annual costs in {report.currency}",
        f"{len(report.towns_with_applications)} of {report.members} members list {len(report.deployments)} "
        f"applications: {len(report.products)} products, {len(shared)} run by two or more towns; "
        f"{cost_text(report.annual_cost, report.costs_unknown)} a year",
        "",
        "by category",
    ]
    rows = [
        [c.category.value, str(len(c.towns)), str(len(c.products)), cost_text(c.annual_cost, c.costs_unknown)]
        for c in report.categories
    ]
    total = ["total", str(len(report.towns_with_applications)), str(len(report.products))]
    rows.append([*total, cost_text(report.annual_cost, report.costs_unknown)])
    lines += table(["category", "towns", "products", "annual cost"], rows, frozenset({1, 2, 3}))
    lines += ["", "products run by two or more towns (most towns first)"]
    rows = [
        [
            p.label,
            ", ".join(c.value for c in p.categories),
            str(len(p.towns)),
            cost_text(p.annual_cost, p.costs_unknown),
            ", ".join(p.towns),
        ]
        for p in shared
    ]
    lines += table(["product", "category", "towns", "annual cost", "members"], rows, frozenset({2, 3}))
    lines += ["", f"contracts ending by {report.window_end} (windows to join a shared contract)"]
    headers = ["ends", "member", "product", "towns on it", "annual cost"]
    lines += table(headers, _window_rows(report, report.windows), frozenset({3, 4}))
    if report.ended:
        lines += ["", f"contracts that ended before {report.as_of} (free to join now)"]
        lines += table(headers, _window_rows(report, report.ended), frozenset({3, 4}))
    lines += ["", "products run by one town only"]
    rows = [
        [p.label, ", ".join(c.value for c in p.categories), p.towns[0], cost_text(p.annual_cost, p.costs_unknown)]
        for p in report.single_town_products
    ]
    lines += table(["product", "category", "member", "annual cost"], rows, frozenset({3}))
    return "\n".join(lines) + "\n"
