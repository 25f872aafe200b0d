"""The shares, "alone" and the what-if as JSON documents, CSV rows and HTML (the terminal tables are
the CLI's). Money is text with two places; every total is a sum of the figures shown:
``hub + overhead + members' direct == members' totals + unshared``, to the cent."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from consortium.costs.alone import AlonePricer, Comparison, basis, compare
from consortium.costs.estimate import Estimate
from consortium.costs.formula import Share
from consortium.costs.prices import PriceBook
from consortium.costs.report import ROUNDING, estimate_document, html_environment, line_json
from consortium.costs.shares import Shares, shares_of
from consortium.costs.what_if import rows
from consortium.money import money_text
from consortium.registry.load import Registry
from consortium.spreadsheet import csv_writer
from consortium.words import count

_ALONE_LINE = ("resource", "type", "part", "status", "monthly", "basis")
SHARES_RULE = "hub + overhead + members' direct = members' totals + unshared pools, to the cent"


@dataclass(frozen=True)
class Priced:
    """One side of the story: the shares and, per member, alone beside its share."""

    shares: Shares
    alone: Mapping[str, Comparison]
    phases: Mapping[str, int]
    basis: tuple[str, ...]  # the assumptions behind alone (:func:`consortium.costs.alone.basis`)


def priced(est: Estimate, records: Iterable[dict[str, Any]], registry: Registry, prices: PriceBook) -> Priced:
    """The shares of ``est`` (the hub and every member of ``registry``) with alone beside each, alone
    priced from the hub's ``records`` (the plan ``est`` was made from)."""
    c = registry.consortium
    shares = shares_of(est, registry)
    pricer = AlonePricer(records, registry, prices)
    members = {e.member.slug: e.member for e in registry.members}
    alone = {
        slug: compare(pricer.of(members[slug], s.direct), s, shares.overhead_part(slug))
        for slug, s in shares.members.items()
    }
    phases = {slug: m.phase for slug, m in members.items()}
    return Priced(shares, alone, phases, tuple(basis(c.costs.usage, c.log_retention_days)))


def _share_json(share: Share, phase: int) -> dict[str, Any]:
    return {
        "phase": phase,
        "direct": money_text(share.direct),
        "pools": {p.pool.name: money_text(p.amount) for p in share.pools},
        "formula": money_text(share.formula),
        "minimum_adjustment": money_text(share.minimum.adjustment),
        "shared": money_text(share.shared),
        "total": money_text(share.total),
    }


def summary_json(shares: Shares) -> dict[str, Any]:
    """The shares' totals and pools (no member rows)."""
    return {
        "rule": SHARES_RULE,
        "hub": money_text(shares.hub),
        "overhead": money_text(shares.overhead),
        "direct": money_text(shares.direct),
        "total": money_text(shares.total),
        "members_total": money_text(shares.members_total),
        "unshared": money_text(shares.unshared),
        "not_priced": shares.not_priced,
        "pools": [
            {
                "name": p.name,
                "services": sorted(p.services),
                "monthly": money_text(p.monthly),
                "not_priced": p.not_priced,
                "shared_by": sum(1 for s in shares.split.shares.values() if s.basis.shares(p)),
            }
            for p in shares.pools
        ],
    }


def alone_json(c: Comparison) -> dict[str, Any]:
    a = c.alone
    return {
        "monthly": money_text(a.monthly),
        "hub": money_text(a.hub),
        "direct": money_text(a.direct),
        "not_priced": a.not_priced,
        "consortium": money_text(c.consortium),
        "overhead": money_text(c.overhead),
        "economy": money_text(c.economy),
        "why_not": c.why_not,
        "lines": [{k: v for k, v in line_json(line).items() if k in _ALONE_LINE} for line in a.lines],
    }


def shares_document(est: Estimate, priced: Priced) -> dict[str, Any]:
    """The estimate's document with the shares and alone added."""
    shares = priced.shares
    doc = estimate_document(est)
    doc["shares"] = summary_json(shares) | {
        "members": {slug: _share_json(s, priced.phases[slug]) for slug, s in shares.members.items()}
    }
    doc["alone"] = {"basis": list(priced.basis), "members": {slug: alone_json(c) for slug, c in priced.alone.items()}}
    return doc


def shares_json(est: Estimate, priced: Priced) -> str:
    return json.dumps(shares_document(est, priced)) + "\n"  # one line: see estimate_json


def share_rows(priced: Priced) -> list[list[str]]:
    """The shares as rows in the estimate's CSV columns: status ``share`` (direct, each pool, the
    minimum adjustment, the total) and ``alone``; sum a status, never the whole column."""
    out = []
    for slug, share in priced.shares.members.items():

        def row(part: str, status: str, amount: Any, basis: str, services: str = "", slug: str = slug) -> list[str]:
            return [slug, slug, "", "share", part, status, money_text(amount), basis, services, ""]

        out.append(row("direct", "share", share.direct, "its own stack"))
        for p in share.pools:
            why = f"fraction {p.fraction:.6f} of {p.members} members" if p.shared else "not shared"
            out.append(row(p.pool.name, "share", p.amount, why, " ".join(sorted(p.pool.services))))
        out.append(row("minimum adjustment", "share", share.minimum.adjustment, f"minimum {share.minimum.amount}"))
        out.append(row("total", "share", share.total, "direct + pools + minimum adjustment"))
        c = priced.alone[slug]
        basis = f"{count(c.alone.not_priced, 'part')} not priced; economy {money_text(c.economy)}"
        out.append(row("alone", "alone", c.alone.monthly, f"{basis}; {c.why_not}".rstrip("; ")))
    return out


def shares_csv(lines_csv: str, priced: Priced) -> str:
    """The estimate's CSV (``lines_csv``) with the share rows after its lines."""
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerows(share_rows(priced))
    return lines_csv + out.getvalue()


def shares_html(est: Estimate, priced: Priced) -> str:
    doc = shares_document(est, priced)
    return html_environment().get_template("costs.html.j2").render(doc=doc, rounding=ROUNDING)


# --------------------------------------------------------------------------- what-if


def _side(share: Share | None) -> dict[str, str] | None:
    if share is None:
        return None
    return {"direct": money_text(share.direct), "shared": money_text(share.shared), "total": money_text(share.total)}


def what_if_document(consortium: str, changes: tuple[str, ...], before: Priced, after: Priced) -> dict[str, Any]:
    """Every member's share before and after and the change, with alone beside (after, or before for
    a member removed)."""
    b, a = before.shares.members, after.shares.members
    members = {}
    for r in rows(before.shares, after.shares):
        c = after.alone.get(r.slug) or before.alone[r.slug]
        members[r.slug] = {
            "before": _side(b.get(r.slug)),
            "after": _side(a.get(r.slug)),
            "change": money_text(r.change),
            "alone": alone_json(c),
        }
    return {
        "consortium": consortium,
        "currency": after.shares.currency,
        "what_if": list(changes),
        "before": summary_json(before.shares),
        "after": summary_json(after.shares),
        "total": {
            "before": money_text(before.shares.members_total),
            "after": money_text(after.shares.members_total),
            "change": money_text(after.shares.members_total - before.shares.members_total),
        },
        "members": members,
        "alone": {"basis": list(after.basis)},
    }


WHAT_IF_COLUMNS = (
    "member", "before_direct", "before_shared", "before_total", "after_direct", "after_shared", "after_total",
    "change", "alone", "alone_not_priced", "consortium_without_overhead", "economy", "why_not",
)  # fmt: skip


def what_if_csv(doc: dict[str, Any]) -> str:
    """One row per member, then the totals (member ``total``)."""
    out = io.StringIO()
    w = csv_writer(out, lineterminator="\n")
    w.writerow(WHAT_IF_COLUMNS)
    for slug, m in doc["members"].items():
        sides = [(m[s] or {}).get(k, "") for s in ("before", "after") for k in ("direct", "shared", "total")]
        al = m["alone"]
        w.writerow([slug, *sides, m["change"], al["monthly"], al["not_priced"], al["consortium"], al["economy"],
                    al["why_not"]])  # fmt: skip
    t = doc["total"]
    w.writerow(["total", "", "", t["before"], "", "", t["after"], t["change"], "", "", "", "", ""])
    return out.getvalue()


def what_if_html(doc: dict[str, Any]) -> str:
    return html_environment().get_template("what_if.html.j2").render(doc=doc)


def what_if_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1) + "\n"
