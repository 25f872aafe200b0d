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
from consortium.registry.errors import fail
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.load import load_registry
from consortium.registry.overlap import WINDOW_MONTHS


def _day(value: str | None) -> date:
    """``--as-of`` as a date (default: today); a bad one is one line, exit 2, like a bad file."""
    if value is None:
        return date.today()
    try:
        if not value.isascii():  # strptime's %Y and %d take any script's digits
            raise ValueError(value)
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise fail("--as-of", value, "not a date written YYYY-MM-DD") from None


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
    help=f"The day contract ends are judged from (default: today): those within {WINDOW_MONTHS} months are windows.",
)
@bad_input
def overlap(registry: str | None, fmt: str, output: Path | None, as_of: str | None) -> None:
    """Where towns run the same systems: by category and product, spend, contract windows."""
    from consortium.registry.overlap import overlap as analyse
    from consortium.registry.overlap_report import to_csv, to_json, to_table

    day = _day(as_of)
    reg = load_registry(registry_dir(registry))
    print_warnings(reg.warnings)
    if output is not None:
        check_writable(output)
    report = analyse(reg, day)
    if fmt == "html":
        from consortium.registry.overlap_html import render

        text = render(report)
    else:
        text = {"table": to_table, "csv": to_csv, "json": to_json}[fmt](report)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
