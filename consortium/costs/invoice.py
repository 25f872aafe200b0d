"""The chargeback as one self-contained, print-friendly HTML page: the summary, the unallocated
costs, then one invoice per member (a page each when printed) with its lines and the formula.

Built from ``templates/invoice.html.j2`` with autoescape on: resource ids and tag values come
from the bill and are text, never markup."""

from __future__ import annotations

from functools import cache

import jinja2

from consortium.costs.chargeback import Chargeback
from consortium.costs.explain import explanation
from consortium.money import money_text
from consortium.templating import package_templates


@cache
def _template() -> jinja2.Template:
    env = package_templates("consortium.costs")
    return env.get_template("invoice.html.j2")


def render(bill: Chargeback, consortium: str) -> str:
    """The page for ``bill`` of the consortium named ``consortium``."""
    return _template().render(
        bill=bill,
        consortium=consortium,
        members=list(bill.members.values()),
        money=money_text,
        explained={slug: "\n".join(explanation(m.share)) for slug, m in bill.members.items()},
    )
