"""The chargeback as a table, CSV or JSON, and one member's explanation (``--explain``).

Money is written as decimal text with two places; in every format the members' totals and the
unallocated costs add up to the bill's total to the cent."""

from __future__ import annotations

import io
import json
from typing import Any

from consortium.costs.chargeback import Chargeback, MemberBill, Untagged
from consortium.costs.explain import explanation
from consortium.money import money_text
from consortium.spreadsheet import csv_writer


def to_json(bill: Chargeback) -> str:
    doc: dict[str, Any] = {
        "month": bill.month,
        "currency": bill.currency,
        "bill_total": money_text(bill.bill_total),
        "members": {
            slug: {"direct": money_text(m.direct), "shared": money_text(m.shared), "total": money_text(m.total)}
            for slug, m in bill.members.items()
        },
        "unallocated": {
            "total": money_text(bill.unallocated_total),
            "rows": [
                {
                    "reason": u.reason,
                    "resource_id": u.resource_id,
                    "resource_group": u.resource_group,
                    "charge_category": u.category,
                    "rows": u.rows,
                    "first_row": u.first_row,
                    "amount": money_text(u.amount),
                }
                for u in bill.unallocated
            ],
        },
        "pools": {p.name: money_text(p.monthly) for p in bill.pools},
        "untagged": [
            {
                "owner": u.owner,
                "resource_id": u.resource_id,
                "resource_group": u.resource_group,
                "amount": money_text(u.amount),
            }
            for u in untagged(bill)
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def untagged(bill: Chargeback) -> list[Untagged]:
    """Every resource charged by its resource group for want of a ``member`` tag (members', then the hub's)."""
    return [*(u for m in bill.members.values() for u in m.untagged), *bill.hub_untagged]


def to_csv(bill: Chargeback) -> str:
    """One row per member, one per unallocated cost, and the bill's total (kind column first)."""
    out = io.StringIO()
    w = csv_writer(out, lineterminator="\n")
    w.writerow(["kind", "name", "direct", "shared", "total", "currency", "month"])
    for slug, m in bill.members.items():
        w.writerow(["member", slug, money_text(m.direct), money_text(m.shared), money_text(m.total)])
    for u in bill.unallocated:
        w.writerow(["unallocated", f"{u.reason}: {u.resource_id}".rstrip(": "), "", "", money_text(u.amount)])
    w.writerow(["bill", "total", "", "", money_text(bill.bill_total), bill.currency, bill.month])
    return out.getvalue()


def to_table(bill: Chargeback) -> str:
    """A plain-text table for the terminal."""
    rows = [(slug, money_text(m.direct), money_text(m.shared), money_text(m.total)) for slug, m in bill.members.items()]
    width = max([len("member"), *(len(r[0]) for r in rows)])
    amount = max([len("total"), *(len(x) for r in rows for x in r[1:]), len(money_text(bill.bill_total))])
    lines = [
        f"chargeback {bill.month} ({bill.currency}) from {bill.source}",
        f"{'member':<{width}}  {'direct':>{amount}}  {'shared':>{amount}}  {'total':>{amount}}",
    ]
    lines += [f"{r[0]:<{width}}  {r[1]:>{amount}}  {r[2]:>{amount}}  {r[3]:>{amount}}" for r in rows]
    lines.append(
        f"{'unallocated':<{width}}  {'':>{amount}}  {'':>{amount}}  {money_text(bill.unallocated_total):>{amount}}"
    )
    lines.append(f"{'bill total':<{width}}  {'':>{amount}}  {'':>{amount}}  {money_text(bill.bill_total):>{amount}}")
    for u in bill.unallocated:
        lines.append(
            f"unallocated {money_text(u.amount)}: {u.reason}" + (f" ({u.resource_id})" if u.resource_id else "")
        )
    for u in untagged(bill):
        lines.append(f"untagged (charged to {u.owner} by its resource group; fix its tags): {u.resource_id}")
    return "\n".join(lines) + "\n"


def direct_lines(m: MemberBill) -> list[str]:
    """The member's own costs on the bill, line by line."""
    lines = [f"direct costs: {money_text(m.direct)}"]
    for line in m.lines:
        when = f", correction for {line.earlier}" if line.earlier else ""
        lines.append(f"  {line.service or '(no service)'} ({line.category}{when}): {money_text(line.amount)}")
    for u in m.untagged:
        lines.append(f"  untagged, charged by its resource group {u.resource_group} (fix its tags): {u.resource_id}")
    return lines


def explain_member(bill: Chargeback, slug: str) -> str:
    """What ``--explain SLUG`` prints: the member's bill lines, then the formula's arithmetic."""
    m = bill.members[slug]
    head = [f"{m.name} ({slug}), chargeback {bill.month} in {bill.currency}"]
    return "\n".join([*head, *direct_lines(m), *explanation(m.share)]) + "\n"
