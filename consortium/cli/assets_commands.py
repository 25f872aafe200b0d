"""``consortium assets``: the asset and software register from the host inventories that
``playbooks/inventory.yml`` collects, per member or consortium-wide, as a table, CSV, JSON or a
Snipe-IT asset import.

Exit codes: 0 done; 2 bad input (the registry, an inventory file, a flag): one line per problem,
nothing written.
"""

from __future__ import annotations

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
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.load import load_registry

FORMATS = ("table", "csv", "json", "snipeit")


@click.command()
@registry_option
@click.option("--member", metavar="SLUG", shell_complete=complete_member, help="One member's assets (default: all).")
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    default=Path("out/inventory"),
    show_default=True,
    help="The host inventories (playbooks/inventory.yml -e consortium_inventory_dir=...).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="snipeit: a CSV for Snipe-IT's asset importer (one row per host).",
)
@output_option()
@bad_input
def assets(registry: str | None, member: str | None, folder: Path, fmt: str, output: Path | None) -> None:
    """The asset and software register: hardware, OS, patches, encryption, software per host."""
    from consortium.assets.inventory import load_inventories
    from consortium.assets.register import build_register
    from consortium.assets.report import to_csv, to_json, to_table
    from consortium.assets.snipeit import to_snipeit

    reg = load_registry(registry_dir(registry))
    print_warnings(reg.warnings)
    if output is not None:
        check_writable(output)
    register = build_register(load_inventories(folder), reg, member)
    text = {"table": to_table, "csv": to_csv, "json": to_json, "snipeit": to_snipeit}[fmt](register)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
