"""The HTML report: one self-contained page for a council (scores, controls x members, findings).

Built from ``templates/audit.html.j2`` with autoescape on.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any, NamedTuple

import jinja2
import markupsafe

from consortium.audit.reports.summary import exemption_lines, host_lines, percent, summary_line, where
from consortium.audit.run import Audit, Result
from policies.framework import Control

# A control's cell for a member: its worst result, a pass where it was checked clean, else a dash.
_RANK = {"failed": 3, "advisory": 2, "exempted": 1}


class Cell(NamedTuple):
    css: str
    mark: str


_CELLS = {"failed": Cell("fail", "✗"), "advisory": Cell("adv", "!"), "exempted": Cell("exm", "E")}
_PASS = Cell("pass", "✓")


class Score(NamedTuple):
    member: str
    passed: int
    total: int
    percent: int


class Row(NamedTuple):
    control: Control
    cells: list[Cell | None]  # per member; None: not checked


class FindingRow(NamedTuple):
    css: str
    result: Result
    where: str


def _escape(value: Any) -> markupsafe.Markup:
    # html.escape's entities (&#x27;, &quot;), which the pages have always had; markupsafe alone writes &#39;, &#34;.
    return markupsafe.Markup(html.escape(str(value)))


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("consortium.audit.reports"),
        autoescape=True,
        finalize=_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("audit.html.j2")


def _matrix(audit: Audit, members: list[str]) -> list[Row]:
    worst: dict[tuple[str, str], str] = {}
    for r in audit.results:
        key = (r.finding.control, r.finding.member)
        if _RANK[r.status] > _RANK.get(worst.get(key, ""), 0):
            worst[key] = r.status
    checked = {(c.control, c.member) for c in audit.checks}
    return [
        Row(
            c,
            [
                _CELLS[worst[(c.id, m)]] if (c.id, m) in worst else _PASS if (c.id, m) in checked else None
                for m in members
            ],
        )
        for c in audit.catalog
    ]


def render(audit: Audit) -> str:
    members = audit.members()
    return _template().render(
        audit=audit,
        summary=summary_line(audit),
        members=members,
        scores=[Score(m, *audit.score(m), percent(*audit.score(m))) for m in members],
        matrix=_matrix(audit, members),
        findings=[FindingRow(_CELLS[r.status].css, r, where(r)) for r in audit.results],
        hosts=host_lines(audit),
        exemptions=exemption_lines(audit),
    )
