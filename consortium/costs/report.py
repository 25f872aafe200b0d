"""The estimate as JSON, CSV and HTML (the terminal table is the CLI's, which owns the screen).

Money is text with two decimal places (:func:`consortium.money.money_text`); every total is
the sum of the lines above it (see :mod:`consortium.costs.estimate` on rounding).
"""

from __future__ import annotations

import io
import json
from typing import Any

import jinja2

from consortium.costs.estimate import Estimate, Line
from consortium.money import money_text
from consortium.spreadsheet import csv_writer
from consortium.templating import package_templates
from consortium.words import count

ROUNDING = "each line rounded half-up to the cent; stack totals, pools and the total are sums of the lines"
CSV_COLUMNS = ("stack", "member", "resource", "type", "part", "status", "monthly", "basis", "services", "source")


def _money(value: Any) -> str | None:
    return None if value is None else money_text(value)


def line_json(line: Line) -> dict[str, Any]:
    return {
        "stack": line.stack,
        "member": line.member,
        "resource": line.resource,
        "type": line.type,
        "part": line.part,
        "status": line.status,
        "monthly": _money(line.monthly),
        "basis": line.basis,
        "services": sorted(line.services),
        "source": line.source,
    }


def estimate_document(est: Estimate) -> dict[str, Any]:
    return {
        "consortium": est.consortium,
        "currency": est.currency,
        "rounding": ROUNDING,
        "total": money_text(est.total),
        "not_priced": len(est.not_priced),
        "stacks": [
            {
                "stack": stack,
                "monthly": money_text(est.stack_total(stack)),
                "lines": [line_json(line) for line in est.stack_lines(stack)],
            }
            for stack in est.stacks
        ],
        "pools": [
            {
                "name": p.name,
                "services": sorted(p.services),
                "monthly": money_text(p.monthly),
                "not_priced": p.not_priced,
            }
            for p in est.pools()
        ],
    }


def estimate_json(est: Estimate) -> str:
    # One line: the C encoder (json's indent falls back to pure Python, 4x slower on 12,000 lines).
    return json.dumps(estimate_document(est)) + "\n"


def estimate_csv(est: Estimate) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in est.lines:
        row = line_json(line)
        row["services"] = " ".join(row["services"])
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()


def html_environment() -> jinja2.Environment:
    """The costs room's templates, escaping everything they show."""
    env = package_templates("consortium.costs")
    env.filters["count"] = count
    return env


def estimate_html(est: Estimate) -> str:
    return html_environment().get_template("costs.html.j2").render(doc=estimate_document(est), rounding=ROUNDING)
