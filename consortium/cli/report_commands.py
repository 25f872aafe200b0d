"""``consortium report --member SLUG``: one town's page for its council (attached in :mod:`consortium.cli`).

The audit and the costs of one plan (a plan file, or the whole registry planned offline, like
``consortium audit --all``) joined on one page by :mod:`consortium.council`. Exit codes: 0 the page
was written, 2 bad input (one line, nothing written). A failing verdict is the page's content, not
an error: the audit's own exit code is ``consortium audit``'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from consortium.cli.common import (
    bad_input,
    complete_member,
    output_option,
    plan_members,
    print_warnings,
    registry_dir,
    registry_option,
)
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.load import Registry, load_registry

if TYPE_CHECKING:
    from policies.framework import Resource

Describe = Callable[[list["Resource"]], str]  # the audit's source in words, from the resources it holds


@click.command()
@registry_option
@click.option("--member", "slug", required=True, metavar="SLUG", shell_complete=complete_member,
              help="The town the page is for.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["html", "markdown", "json"]), default="html", show_default=True)
@output_option("the page")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Read a `consortium plan --all --json` file (default: plan the registry offline).")  # fmt: skip
@bad_input
def report(registry: str | None, slug: str, fmt: str, output: Path | None, plan_file: Path | None) -> None:
    """One town's report for its council: services, monthly share, security verdict, backups."""
    from consortium.audit.exemptions import load_exemptions
    from consortium.costs.prices import load_prices
    from consortium.council.assemble import council_report
    from consortium.council.render import RENDER

    root = registry_dir(registry)
    reg = load_registry(root)
    reg.entry(slug)  # an unknown town is bad input (with the likely slug) before any planning
    if output is not None:
        check_writable(output, str(output))
    exemptions = load_exemptions(root)
    c = reg.consortium
    book = load_prices(root, list(c.azure.locations), c.costs.currency)
    records, shown, describe = _records(reg, plan_file)
    print_warnings(reg.warnings)
    page = council_report(
        records, registry=reg, slug=slug, prices=book, exemptions=exemptions, plan_shown=shown, describe=describe
    )
    text = RENDER[fmt](page)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text, str(output))
        click.echo(f"wrote {output}: {page.town}, {page.security.town.headline.lower()}", err=True)


def _records(reg: Registry, plan_file: Path | None) -> tuple[list[dict[str, Any]], str, Describe]:
    """The plan's records, how a bad-input line names the plan, and how the audit words its source."""
    from consortium.audit.about import offline_source, plan_source

    if plan_file is not None:
        from consortium.plan.records import read_plan

        records = [r for stack in read_plan(plan_file).values() for r in stack.values()]
        made = date.fromtimestamp(plan_file.stat().st_mtime)  # a plan file holds no date: the day it was written

        def from_file(resources: list[Resource]) -> str:
            return plan_source(made, resources)

        return records, str(plan_file), from_file
    plan = plan_members(reg, [e.member.slug for e in reg.members], include_hub=True)

    def offline(resources: list[Resource]) -> str:
        return offline_source(date.today(), [], resources)

    return [r.to_json() for r in plan.records], "offline plan", offline
