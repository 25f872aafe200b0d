"""``consortium overlap``: which towns run the same line-of-business systems, what they spend on them
together, and when their contracts end (the windows to join a shared contract).

Exit codes: 0 done; 2 bad input (the registry, an ``applications:`` entry, a flag): one line per
problem, nothing written.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from consortium.cli.common import bad_input, output_option, print_warnings, registry_dir, registry_option
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.load import load_registry
from consortium.registry.overlap import WINDOW_MONTHS


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    """``--as-of`` as a date (default: today); a bad one is a usage error (exit 2)."""
    if value is None:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD") from None


@click.command()
@registry_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "html"]), default="table", show_default=True
)
@output_option()
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    callback=_day,
    help=f"The day contract ends are judged from (default: today): those within {WINDOW_MONTHS} months are windows.",
)
@bad_input
def overlap(registry: str | None, fmt: str, output: Path | None, as_of: date) -> None:
    """Where towns run the same systems: by category and product, spend, contract windows."""
    from consortium.registry.overlap import overlap as analyse
    from consortium.registry.overlap_report import to_csv, to_json, to_table

    reg = load_registry(registry_dir(registry))
    print_warnings(reg.warnings)
    if output is not None:
        check_writable(output)
    report = analyse(reg, as_of)
    if fmt == "html":
        from consortium.registry.overlap_html import render

        text = render(report)
    else:
        text = {"table": to_table, "csv": to_csv, "json": to_json}[fmt](report)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
