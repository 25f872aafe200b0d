"""``consortium prices update`` and ``consortium costs``: what the consortium's Azure costs a month.

``prices update`` fetches the Azure Retail Prices API into ``prices/azure-<region>.json`` (every file
fetched whole before any is written, so a failure leaves the previous files untouched).
``costs`` estimates a plan (a plan file, or the registry planned offline like ``consortium audit``)
with those prices: per resource, per stack and in total, as a table, CSV, JSON or HTML.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from consortium.cli.common import (
    bad_input,
    complete_member,
    console,
    output_option,
    plan_members,
    print_warnings,
    registry_dir,
    registry_option,
)
from consortium.money import money_text
from consortium.registry.errors import fail
from consortium.registry.estimates import ESTIMATES_FILE
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.load import Registry, load_registry
from consortium.registry.models import CONSORTIUM_FILE
from consortium.words import count

if TYPE_CHECKING:
    from consortium.costs.estimate import Estimate
    from consortium.costs.prices import PriceBook
    from consortium.costs.share_report import Priced
    from consortium.costs.what_if import WhatIf

API_ENV = "CONSORTIUM_PRICES_API"
FORMATS = ["table", "csv", "json", "html"]


@click.group()
def prices() -> None:
    """The registry's price files (prices/azure-<region>.json)."""


@prices.command("update")
@registry_option
@click.option(
    "--region", "regions", multiple=True, metavar="R", help="A region to fetch (default: every consortium region)."
)
@click.option(
    "--api-url",
    envvar=API_ENV,
    default=None,
    metavar="URL",
    help=f"The Retail Prices API (default: Azure's; or ${API_ENV}).",
)
@bad_input
def update(registry: str | None, regions: tuple[str, ...], api_url: str | None) -> None:
    """Fetch current prices of the meters the plan needs from the Azure Retail Prices API."""
    from consortium.costs.prices import API_URL, price_file_json, price_file_name
    from consortium.costs.retail_api import RetailPrices, fetch_price_file

    root = registry_dir(registry)
    reg = load_registry(root)
    known = list(reg.consortium.azure.locations)
    for region in regions:
        if region not in known:
            raise fail(
                CONSORTIUM_FILE, "azure.locations", f"{region!r} is not a consortium region ({', '.join(known)})"
            )
    wanted = list(dict.fromkeys(regions)) or known
    for region in wanted:
        check_writable(root / price_file_name(region), price_file_name(region))
    client = RetailPrices(base_url=api_url or API_URL)
    fetched = {r: fetch_price_file(client, r, reg.consortium.costs.currency, date.today()) for r in wanted}
    for region, file in fetched.items():  # only once every region answered: all or nothing
        write_atomic(root / price_file_name(region), price_file_json(file), price_file_name(region))
        priced = sum(1 for m in file.meters if m.price is not None)
        click.echo(f"wrote {price_file_name(region)}: {priced} priced, {len(file.meters) - priced} not priced")
    click.echo(f"{client.requests} requests to {client.base_url}", err=True)


@click.command()
@registry_option
@click.option("--plan", "plan_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Estimate a `consortium plan --json` file (default: plan the registry offline).")  # fmt: skip
@click.option("--member", metavar="SLUG", shell_complete=complete_member, help="Only this member's direct costs.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "html"]), default="table", show_default=True
)
@output_option()
@click.option("--explain", "explain_slug", metavar="SLUG", shell_complete=complete_member,
              help="Print the drivers and arithmetic behind the member's share (after any what-if).")  # fmt: skip
@click.option("--what-if-add", "add", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="What if this member file joined (validated like onboarding; nothing written).")  # fmt: skip
@click.option("--what-if-remove", "remove", multiple=True, metavar="SLUG", shell_complete=complete_member,
              help="What if this member left.")  # fmt: skip
@click.option("--what-if-phase", "phase", multiple=True, metavar="SLUG=N",
              help="What if this member were in phase N.")  # fmt: skip
@click.option("--update-budgets", is_flag=True,
              help=f"Write each member's estimated direct costs to {ESTIMATES_FILE}, the basis of its budget "
                   "(then `consortium render`).")  # fmt: skip
@bad_input
def costs(
    registry: str | None,
    plan_file: Path | None,
    member: str | None,
    fmt: str,
    output: Path | None,
    explain_slug: str | None,
    add: tuple[Path, ...],
    remove: tuple[str, ...],
    phase: tuple[str, ...],
    update_budgets: bool,
) -> None:
    """Monthly cost estimate per resource, per stack and in total, each member's share, and what-ifs."""
    from consortium.costs.estimate import estimate
    from consortium.costs.prices import load_prices
    from consortium.costs.usage import Usage
    from consortium.costs.what_if import pending, what_if

    root = registry_dir(registry)
    reg = load_registry(root, allow_unallocated=pending(root, add), with_estimates=not update_budgets)
    asked = add or remove or phase
    if member is not None and (asked or explain_slug):
        message = "shows one member's direct costs; shares (--explain, --what-if-*) need every member"
        raise fail("--member", member, message)
    if explain_slug is not None and fmt != "table":
        raise fail("--explain", explain_slug, "prints text; it takes no --format")
    if update_budgets and (member or asked or explain_slug or output or fmt != "table"):
        message = "writes the registry's estimates of every member as they are; it takes no other option but --plan"
        raise fail("--update-budgets", "", message)
    if member is not None:
        reg.select([member])  # an unknown member is bad input before any planning
    change = what_if(reg, add=add, remove=remove, phase=phase) if asked else None
    before = change.before if change else reg
    if explain_slug is not None:
        from consortium.costs.explain import check_explainable

        check_explainable(change.after if change else reg, explain_slug)
    if output is not None:
        check_writable(output, str(output))
    if plan_file is not None:
        from consortium.plan.records import read_plan

        records = [r for stack in read_plan(plan_file).values() for r in stack.values()]
    else:
        plan = plan_members(
            before, [member] if member else [e.member.slug for e in before.members], include_hub=not member
        )
        records = [r.to_json() for r in plan.records]
    print_warnings(reg.warnings)
    c = reg.consortium
    book = load_prices(root, list(c.azure.locations), c.costs.currency)

    need = bool(asked or explain_slug or update_budgets)

    def priced(records: list[dict[str, Any]], registry: Registry) -> tuple[Estimate, Priced | None]:
        est = estimate(
            records, consortium=c.slug, primary_region=c.azure.locations[0], usage=Usage.of(registry), prices=book
        )
        return est, (_priced(est, records, registry, book, plan_file, need) if member is None else None)

    est, shares = priced(records, before)
    if update_budgets:
        assert shares is not None  # need: missing stacks were bad input
        _update_budgets(est, shares, reg, book, str(plan_file) if plan_file else "the registry's plan")
        return
    if member is not None:
        est = est.only(member)
    if change is not None:
        after_est, after = priced(_replanned(records, change), change.after)
        assert shares is not None and after is not None  # need: missing stacks were bad input
        if explain_slug is None:
            _what_if_out(c.slug, change.changes, shares, after, fmt, output)
            _note(after_est)
            return
        shares = after
    if explain_slug is not None:
        from consortium.costs.explain import explanation

        assert shares is not None
        _write("\n".join(explanation(shares.shares.members[explain_slug])) + "\n", output)
        return
    _estimate_out(est, shares, fmt, output)
    _note(est)


def _update_budgets(est: Estimate, priced: Priced, reg: Registry, book: PriceBook, shown: str) -> None:
    """Write ``estimates.json`` and show each member's budget before and after (render applies it)."""
    from consortium.costs.budgets import budget_changes, member_estimates
    from consortium.registry.estimates import estimates_text

    new = member_estimates(est, priced.shares, reg, date.today(), book, shown)
    path = reg.root / ESTIMATES_FILE
    check_writable(path, ESTIMATES_FILE)
    table = Table(title=f"{reg.consortium.slug}: monthly budgets ({new.currency})")
    for name in ("member", "direct costs", "not priced", "budget now", "budget after"):
        table.add_column(name, justify="left" if name == "member" else "right")
    for ch in budget_changes(reg, new):
        table.add_row(ch.member, money_text(ch.direct_monthly), str(ch.not_priced or ""),
                      "" if ch.now is None else money_text(ch.now), money_text(ch.after))  # fmt: skip
    console().print(table)
    write_atomic(path, estimates_text(new), ESTIMATES_FILE)
    rules = reg.consortium.costs.budget
    click.echo(
        f"wrote {ESTIMATES_FILE}: budgets are the estimate plus {rules.margin_percent}% "
        f"(at least {money_text(rules.minimum_monthly)}); run `consortium render` to set them in the stack configs"
    )
    _note(est)


def _note(est: Estimate) -> None:
    if est.not_priced:
        click.echo(f"note: {count(len(est.not_priced), 'line')} not priced: the total leaves them out", err=True)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text, str(output))


def _priced(
    est: Estimate,
    records: list[dict[str, Any]],
    registry: Registry,
    book: PriceBook,
    plan_file: Path | None,
    need: bool,
) -> Priced | None:
    """The shares of ``est`` and alone beside each; None (said on stderr) when the plan lacks stacks
    the shares need, which is bad input when shares were asked for (``need``)."""
    from consortium.costs.share_report import priced
    from consortium.costs.shares import lacking

    lacks = lacking(est, registry)
    if lacks:
        message = f"{lacks}: each member's share needs the hub and every member"
        if need:
            raise fail(str(plan_file), "stacks", message)
        click.echo(f"note: {plan_file}: {message}; no shares", err=True)
        return None
    return priced(est, records, registry, book)


def _replanned(records: list[dict[str, Any]], change: WhatIf) -> list[dict[str, Any]]:
    """The records after the what-if: the hub and the changed members planned again offline from the
    changed registry (in memory), every other remaining member's records as they were."""
    plan = plan_members(change.after, list(change.replan), include_hub=True)
    kept = {e.member.slug for e in change.after.members} - set(change.replan)
    return [*(r.to_json() for r in plan.records), *(r for r in records if r["stack"] in kept)]


def _estimate_out(est: Estimate, shares: Priced | None, fmt: str, output: Path | None) -> None:
    from consortium.costs.report import estimate_csv, estimate_html, estimate_json
    from consortium.costs.share_report import shares_csv, shares_html, shares_json

    if fmt == "table":
        _table(est, shares, output)
        return
    if shares is None:
        text = {"csv": estimate_csv, "json": estimate_json, "html": estimate_html}[fmt](est)
    else:
        text = {
            "csv": lambda: shares_csv(estimate_csv(est), shares),
            "json": lambda: shares_json(est, shares),
            "html": lambda: shares_html(est, shares),
        }[fmt]()
    _write(text, output)


def _what_if_out(consortium: str, changes: tuple[str, ...], before: Priced, after: Priced, fmt: str,
                 output: Path | None) -> None:  # fmt: skip
    """Every member's share before and after, the change, and alone beside it."""
    from consortium.costs.share_report import what_if_csv, what_if_document, what_if_html, what_if_json

    doc = what_if_document(consortium, changes, before, after)
    if fmt != "table":
        _write({"csv": what_if_csv, "json": what_if_json, "html": what_if_html}[fmt](doc), output)
        return
    table = Table(title=f"{consortium}: what if {'; '.join(changes)} ({doc['currency']} a month)")
    for name in ("member", "before", "after", "change", "alone", "share w/o overhead", "economy"):
        table.add_column(name, justify="left" if name == "member" else "right")
    for slug, m in doc["members"].items():
        al = m["alone"]
        alone = al["monthly"] + (f" ({al['not_priced']} not priced)" if al["not_priced"] else "")
        before_total = m["before"]["total"] if m["before"] else "-"
        after_total = m["after"]["total"] if m["after"] else "-"
        table.add_row(slug, before_total, after_total, m["change"], alone, al["consortium"], al["economy"])
    t = doc["total"]
    table.add_row("total", t["before"], t["after"], t["change"], "", "", "")
    screen = console()
    with screen.capture() as captured:
        screen.print(table)
        for line in _share_notes(after):
            screen.print(line)
    _write(captured.get(), output)


def _share_notes(priced: Priced) -> list[str]:
    """The reconciliation, what is not priced, and why alone is not dearer where it is not."""
    sh = priced.shares
    unshared = f" + unshared pools {money_text(sh.unshared)}" if sh.unshared else ""
    notes = [
        f"hub {money_text(sh.hub)} + overhead {money_text(sh.overhead)} + members' direct {money_text(sh.direct)}"
        f" = {money_text(sh.total)} = members' totals {money_text(sh.members_total)}{unshared}"
    ]
    if sh.not_priced:
        notes.append(f"{count(sh.not_priced, 'line')} of the shared pools not priced: left out of the shares, not as 0")
    notes.extend(f"{slug}: alone is not dearer: {c.why_not}" for slug, c in priced.alone.items() if c.why_not)
    notes.append("alone: the town's own hub for its services at list price, plus its own stack; economy: alone "
                 "minus its share without overhead (assumptions: --format json, alone.basis)")  # fmt: skip
    return notes


def _table(est: Estimate, shares: Priced | None, output: Path | None) -> None:
    """The estimate on the terminal (or as the table's text in ``output``), then each member's share."""
    table = Table(title=f"{est.consortium}: monthly estimate ({est.currency})")
    for name in ("stack", "resource", "part", "status", "monthly", "basis"):
        table.add_column(name, justify="right" if name == "monthly" else "left")
    for line in est.lines:
        monthly = money_text(line.monthly) if line.monthly is not None else ""
        table.add_row(line.stack, line.resource, line.part, line.status, monthly, line.basis)
    screen = console()
    with screen.capture() as captured:
        screen.print(table)
        for stack in est.stacks:
            screen.print(f"{stack}: {money_text(est.stack_total(stack))}")
        for pool in est.pools():
            missing = f" ({count(pool.not_priced, 'line')} not priced)" if pool.not_priced else ""
            screen.print(f"pool {pool.name}: {money_text(pool.monthly)}{missing}")
        screen.print(f"total: {money_text(est.total)} a month ({count(len(est.not_priced), 'line')} not priced)")
        if shares is not None:
            screen.print(_shares_table(shares))
            for line in _share_notes(shares):
                screen.print(line)
    _write(captured.get(), output)


def _shares_table(priced: Priced) -> Table:
    sh = priced.shares
    table = Table(title=f"each member's share ({sh.currency} a month)")
    columns = ["member", "phase", "direct", *(p.name for p in sh.pools), "min. adj.", "total", "alone", "economy"]
    for name in columns:
        table.add_column(name, justify="left" if name == "member" else "right")
    for slug, s in sh.members.items():
        c = priced.alone[slug]
        pools = [money_text(p.amount) for p in s.pools]
        table.add_row(slug, str(priced.phases[slug]), money_text(s.direct), *pools, money_text(s.minimum.adjustment),
                      money_text(s.total), money_text(c.alone.monthly), money_text(c.economy))  # fmt: skip
    pools = [money_text(p.monthly) for p in sh.pools]
    table.add_row("total", "", money_text(sh.direct), *pools, "", money_text(sh.members_total), "", "")
    return table
