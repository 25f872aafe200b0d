"""The HTML report: one self-contained page a council reads and prints.

The consortium by name, then the verdict per member (the shared hub apart), a legend, one section
per member with its failed mandatory controls, advisory findings, exemptions and hosts (each
finding with the resource, the risk in plain words and the fix), and the controls x members matrix
as an appendix. Built from ``templates/audit.html.j2`` with autoescape on; no script, no outside
asset, a print stylesheet (a page per member, table rows never cut).
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any, NamedTuple

import jinja2
import markupsafe

from consortium.audit.reports.summary import exemption_lines, host_line, summary_line, title, where
from consortium.audit.run import Audit, Result
from consortium.audit.verdicts import Verdict, display_name, exemption_register, verdicts
from consortium.templating import package_templates
from policies.framework import Control

# A control's cell for a member: its worst result, a pass where it was checked clean, else a dash.
_RANK = {"failed": 3, "advisory": 2, "exempted": 1}


class Cell(NamedTuple):
    css: str
    mark: str
    words: str  # the mark said in words, for screen readers and the legend: never colour (or a symbol) alone


_CELLS = {
    "failed": Cell("fail", "✗", "failed"),
    "advisory": Cell("adv", "!", "advisory"),
    "exempted": Cell("exm", "E", "exempted"),
}
_PASS = Cell("pass", "✓", "passed")
_UNCHECKED = Cell("none", "\u2013", "not checked")  # an en dash
LEGEND = (
    (_PASS, "checked and passed on every resource of the member it applies to"),
    (_CELLS["failed"], "a mandatory control failed: the member does not meet the standard"),
    (_CELLS["advisory"], "an advisory finding: worth fixing, does not fail the standard"),
    (_CELLS["exempted"], "a violation covered by an approved exemption still in force"),
    (_UNCHECKED, "the member has no resource this control reads (a service it does not use yet)"),
)


class Row(NamedTuple):
    control: Control
    cells: list[Cell]  # per column (members, then the shared hub)


class FindingRow(NamedTuple):
    result: Result
    where: str


class Section(NamedTuple):
    """One member's (or the hub's) part of the page."""

    verdict: Verdict
    failed: list[FindingRow]
    advisory: list[FindingRow]
    exempted: list[FindingRow]
    hosts: list[str]


def _escape(value: Any) -> markupsafe.Markup:
    # html.escape's entities (&#x27;, &quot;), which the pages have always had; markupsafe alone writes &#39;, &#34;.
    # A macro's output is already markup: escaped once, inside it.
    if isinstance(value, markupsafe.Markup):
        return value
    return markupsafe.Markup(html.escape(str(value)))


@cache
def _template() -> jinja2.Template:
    env = package_templates("consortium.audit.reports", finalize=_escape)
    return env.get_template("audit.html.j2")


def _matrix(audit: Audit, columns: list[str]) -> list[Row]:
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
                _CELLS[worst[(c.id, m)]] if (c.id, m) in worst else _PASS if (c.id, m) in checked else _UNCHECKED
                for m in columns
            ],
        )
        for c in audit.catalog
    ]


def _rows(results: tuple[Result, ...]) -> list[FindingRow]:
    return [FindingRow(r, where(r)) for r in sorted(results, key=lambda r: (r.finding.control, r.finding.urn))]


def _section(v: Verdict) -> Section:
    return Section(v, _rows(v.failed), _rows(v.advisory), _rows(v.exempted), [host_line(h) for h in v.hosts])


def render(audit: Audit) -> str:
    judged = verdicts(audit)
    subjects = [*judged.members, *judged.shared]
    return _template().render(
        audit=audit,
        title=title(audit),
        judged=judged,
        summary=summary_line(audit),
        sections=[_section(v) for v in subjects],
        columns=subjects,
        matrix=_matrix(audit, [v.slug for v in subjects]),
        legend=LEGEND,
        register=exemption_register(audit),
        name=lambda slug: display_name(audit, slug),
        exemption_lines=exemption_lines(audit),
    )
