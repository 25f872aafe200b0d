"""The application overlap (:mod:`overlap`) as one self-contained, print-friendly HTML page for the
consortium's board: by category, the products towns share, the contract windows, the single-town
products.

Built from ``templates/overlap.html.j2`` with autoescape on: vendor and product names come from
member files and are text, never markup. Tables have captions and header cells with ``scope``.
"""

from __future__ import annotations

from functools import cache

import jinja2

from consortium.registry.overlap import Overlap
from consortium.registry.overlap_report import cost_text
from consortium.templating import package_templates


@cache
def _template() -> jinja2.Template:
    env = package_templates("consortium.registry")
    return env.get_template("overlap.html.j2")


def render(report: Overlap) -> str:
    """The page for ``report``."""
    return _template().render(report=report, cost=cost_text)
