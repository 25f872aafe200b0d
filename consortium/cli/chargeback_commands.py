"""``consortium chargeback``: the month's real Azure bill (a FOCUS 1.0 export) split among the members.

Exit codes: 0 done; 2 bad input (the FOCUS file, the registry, a flag): one line per problem,
nothing written.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from consortium.cli.common import (
    bad_input,
    complete_member,
    output_option,
    print_warnings,
    registry_dir,
    registry_option,
)
from consortium.registry.errors import fail
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.load import load_registry

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # [0-9]: \d would take any script's digits


@click.command()
@registry_option
@click.option(
    "--focus",
    "focus_file",
    required=True,
    type=click.Path(path_type=Path),  # a directory is one line from the reader, not click's usage text
    metavar="FILE",
    help="Azure Cost Management export in FOCUS 1.0 (.csv or .csv.gz).",
)
@click.option("--month", metavar="YYYY-MM", help="Billing period (default: the file's only one).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "html"]), default="table", show_default=True
)
@output_option()
@click.option(
    "--explain",
    "explain_slug",
    metavar="SLUG",
    shell_complete=complete_member,
    help="Print how the member's figures were reached (its lines, drivers, weights, each pool).",
)
@bad_input
def chargeback(
    registry: str | None,
    focus_file: Path,
    month: str | None,
    fmt: str,
    output: Path | None,
    explain_slug: str | None,
) -> None:
    """Split the month's Azure bill (FOCUS 1.0) into what each member pays."""
    from consortium.costs.chargeback import chargeback as split_bill
    from consortium.costs.statement import explain_member, to_csv, to_json, to_table

    # bad flags are one line like bad files (a click usage error is three)
    if month is not None and not _MONTH.fullmatch(month):
        raise fail("--month", month, "not a month written YYYY-MM (like 2026-11)")
    if explain_slug is not None and fmt != "table":
        raise fail("--explain", explain_slug, "prints text; it takes no --format")
    reg = load_registry(registry_dir(registry))
    print_warnings(reg.warnings)
    if explain_slug is not None:
        from consortium.costs.explain import check_explainable

        check_explainable(reg, explain_slug)  # an unknown or departed member: bad input before the bill is read
    if output is not None:
        check_writable(output)
    bill = split_bill(reg, focus_file, month)
    if explain_slug is not None:
        text = explain_member(bill, explain_slug)
    elif fmt == "html":
        from consortium.costs.invoice import render

        text = render(bill, reg.consortium.name)
    else:
        text = {"table": to_table, "csv": to_csv, "json": to_json}[fmt](bill)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
