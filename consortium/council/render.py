"""The council page as HTML (one self-contained, printable page), Markdown or JSON.

HTML and Markdown come from the templates beside this module, reading the same
:class:`~consortium.council.page.CouncilPage`; HTML is autoescaped (names and approvers come from
the registry and are text, never markup). JSON is the page's data with money as decimal strings
("2011.08") and dates in ISO form.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import jinja2

from consortium.council.page import CouncilPage
from consortium.council.plain import HUB, MANDATORY, money
from consortium.money import money_text
from consortium.templating import package_templates
from consortium.words import count

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def markdown_text(text: object) -> str:
    """Registry text (a town's name, an approver) as literal Markdown: its special characters escaped,
    so a "|" cannot split a table row nor a "<" open an HTML tag."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = package_templates("consortium.council", autoescape=autoescape)
    env.filters["count"] = count
    env.filters["md"] = markdown_text
    env.globals.update(HUB=HUB, MANDATORY=MANDATORY)
    return env


def _render(template: str, page: CouncilPage, autoescape: bool) -> str:
    cash = page.money

    def shown(amount: Decimal) -> str:
        return money(amount, cash.currency)

    return _environment(autoescape).get_template(template).render(page=page, money=shown)


def page_html(page: CouncilPage) -> str:
    return _render("council.html.j2", page, autoescape=True)


def page_markdown(page: CouncilPage) -> str:
    return _render("council.md.j2", page, autoescape=False)


def _plain(value: Any) -> Any:
    """JSON-ready: money as two-place strings, dates in ISO form, tuples as lists."""
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def page_document(page: CouncilPage) -> dict[str, Any]:
    """The page's data as a JSON document (every field of :class:`CouncilPage`)."""
    return _plain(dataclasses.asdict(page))


def page_json(page: CouncilPage) -> str:
    return json.dumps(page_document(page), indent=1, ensure_ascii=False) + "\n"


RENDER = {"html": page_html, "markdown": page_markdown, "json": page_json}
