"""``consortium prices update`` and ``consortium costs``: what the consortium's Azure costs a month.

``prices update`` fetches the Azure Retail Prices API into ``prices/azure-<region>.json`` (every file
fetched whole before any is written, so a failure leaves the previous files untouched).
``costs`` estimates a plan (a plan file, or the registry planned offline like ``consortium audit``)
with those prices: per resource, per stack and in total, as a table, CSV, JSON or HTML.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.table import Table

from consortium.cli.common import (
    bad_input,
    complete_member,
    console,
    plan_members,
    print_warnings,
    registry_dir,
    registry_option,
)
from consortium.registry.errors import fail
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.load import load_registry
from consortium.registry.models import CONSORTIUM_FILE

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
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Estimate a `consortium plan --json` file (default: plan the registry offline).")  # fmt: skip
@click.option("--member", metavar="SLUG", shell_complete=complete_member, help="Only this member's direct costs.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "html"]), default="table", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE (atomically) instead of standard output.")  # fmt: skip
@bad_input
def costs(registry: str | None, plan_file: Path | None, member: str | None, fmt: str, output: Path | None) -> None:
    """Monthly cost estimate per resource, per stack and in total, from the plan and the price files."""
    from consortium.costs.estimate import estimate
    from consortium.costs.prices import load_prices
    from consortium.costs.report import estimate_csv, estimate_html, estimate_json
    from consortium.costs.usage import Usage

    root = registry_dir(registry)
    reg = load_registry(root)
    if member is not None:
        reg.select([member])  # an unknown member is bad input before any planning
    if output is not None:
        check_writable(output, str(output))
    if plan_file is not None:
        from consortium.plan.records import read_plan

        records = [r for stack in read_plan(plan_file).values() for r in stack.values()]
    else:
        plan = plan_members(reg, [member] if member else [e.member.slug for e in reg.members], include_hub=not member)
        records = [r.to_json() for r in plan.records]
    print_warnings(reg.warnings)
    c = reg.consortium
    book = load_prices(root, list(c.azure.locations), c.costs.currency)
    est = estimate(records, consortium=c.slug, primary_region=c.azure.locations[0], usage=Usage.of(reg), prices=book)
    if member is not None:
        est = est.only(member)
    if fmt == "table":
        text = None
        _table(est, output)
    else:
        text = {"csv": estimate_csv, "json": estimate_json, "html": estimate_html}[fmt](est)
    if text is not None:
        if output is None:
            click.echo(text, nl=False)
        else:
            write_atomic(output, text, str(output))
    if est.not_priced:
        click.echo(f"note: {len(est.not_priced)} line(s) not priced: the total leaves them out", err=True)


def _table(est: object, output: Path | None) -> None:
    """The estimate on the terminal (or as the table's text in ``output``)."""
    from consortium.costs.estimate import Estimate
    from consortium.costs.money import money_text

    assert isinstance(est, Estimate)
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
            screen.print(f"pool {pool.name}: {money_text(pool.monthly)}")
        screen.print(f"total: {money_text(est.total)} a month ({len(est.not_priced)} line(s) not priced)")
    if output is None:
        click.echo(captured.get(), nl=False)
    else:
        write_atomic(output, captured.get(), str(output))
