"""``consortium plan`` and ``consortium up``: the Pulumi program, offline and for real.

Same conventions as the other commands: ``--registry DIR``; bad input is one line per problem on
stderr and exit 2.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.tree import Tree

from consortium.cli.common import (
    bad_input,
    complete_member,
    console,
    members_option,
    plan_members,
    print_warnings,
    registry_dir,
    registry_option,
)

if TYPE_CHECKING:
    from consortium.plan.records import ResourceRecord, StackPlan

EXIT_FAILED = 1
MEMBERS_PER_JOB = 25
_NAMES_SHOWN = 6


def _tree(stack: StackPlan) -> Tree:
    """A stack's resources as a tree: component -> resources, grouped and counted by type."""
    who = f"member {stack.member}" if stack.member else "the shared hub"
    tree = Tree(f"[bold]stack {stack.stack}[/bold] ({who}): {len(stack.records)} resources")
    children: dict[str | None, list[ResourceRecord]] = defaultdict(list)
    urns = {r.urn for r in stack.records}
    for r in stack.records:
        children[r.parent if r.parent in urns else None].append(r)

    def add(node: Tree, parent: str | None) -> None:
        kids = children.get(parent, [])
        by_type: dict[str, list[str]] = defaultdict(list)
        for r in kids:
            if r.custom:
                by_type[r.type].append(r.name)
        for type_, names in sorted(by_type.items()):
            shown = ", ".join(sorted(names)[:_NAMES_SHOWN]) + (", ..." if len(names) > _NAMES_SHOWN else "")
            node.add(escape(f"{type_} x{len(names)}: {shown}"))
        for r in sorted((r for r in kids if not r.custom), key=lambda r: r.urn):
            add(node.add(f"[bold]{escape(r.type)}[/bold] {escape(r.name)}"), r.urn)

    add(tree, None)
    return tree


def _has_unknown(value: object) -> bool:
    """Whether a plan-form value holds the unknown mask anywhere."""
    from consortium.wire import UNKNOWN

    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return value == UNKNOWN


@click.command()
@registry_option
@members_option("Plan this member (repeatable).")
@click.option("--hub", is_flag=True, help="Plan the hub stack.")
@click.option("--all", "everything", is_flag=True, help="Plan the hub and every member.")
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write the plan (every resource record, sorted by URN) to FILE.",
)
@click.option("--summary", is_flag=True, help="One line per stack instead of a tree.")
@click.option(
    "--against",
    "against",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Compare with an earlier plan file: per stack the resources to create (+), delete (-) and update "
    "(~, with the changed paths and values). Only the stacks planned in this run are compared (--member "
    "verona against a full plan reports verona only; --all also reports stacks gone from the registry). "
    "A report: exit 0 with or without changes.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Plan member stacks in N processes (default: one per CPU for large plans, else 1).",
)
@click.option(
    "--first-preview",
    is_flag=True,
    help="Plan as the first `pulumi preview` of stacks never deployed: nothing Azure computes is known "
    "(resource ids and names, principal ids, private addresses, the hub's outputs as members read them). "
    'Inputs that depend on them are "[unknown]" in the plan file, record ids too; same resources and URNs '
    "as the full plan. Judge it with `consortium audit --plan FILE`.",
)
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Plan as on this day (default: today): from a leaving town's unhook date its network and rights are gone.",
)
@bad_input
def plan(
    registry: str | None,
    members: tuple[str, ...],
    hub: bool,
    everything: bool,
    json_file: Path | None,
    summary: bool,
    against: Path | None,
    jobs: int | None,
    first_preview: bool,
    as_of: datetime | None,
) -> None:
    """Show what `pulumi up` would create, offline (no Azure, no Pulumi CLI needed).

    Runs the real program (infra/) under the Pulumi SDK's mock runtime, for the hub and/or members,
    and prints each stack's resources. With --json, writes every resource record (stack, member,
    urn, type, name, parent, provider, dependencies, inputs with secrets masked) for the policies.
    With --against FILE (an earlier --json file), also prints what changed since then, stack by stack.

    With --first-preview, the run answers as a first `pulumi preview` of stacks never deployed does
    (a fake Azure that computes nothing; members read the hub's first-preview outputs): what a
    policy can judge before anything exists. Inputs that depend on what Azure computes are
    "[unknown]"; the plan file has the same format and resources as the full plan.
    """
    from consortium.plan.diff import diff_plans, report_lines
    from consortium.plan.records import index_plan, plan_json, read_plan
    from consortium.plan.runner import select_members
    from consortium.registry.files import write_atomic
    from consortium.registry.load import load_registry
    from consortium.registry.stackconfig import HUB_STACK, hub_stack

    if not (members or hub or everything):
        raise click.UsageError("say what to plan: --member SLUG (repeatable), --hub, or --all")
    if everything and members:
        raise click.UsageError("--all already plans every member; drop --member")
    previous = read_plan(against) if against is not None else None  # bad FILE: exit 2 before any work
    reg = load_registry(registry_dir(registry))
    selected = select_members(reg, None if everything else members)
    print_warnings(reg.warnings)
    if jobs is None:  # forking pays off from a few dozen members on
        jobs = min(os.cpu_count() or 1, max(1, len(selected) // MEMBERS_PER_JOB))
    result = plan_members(
        reg,
        selected,
        include_hub=hub or everything,
        jobs=jobs,
        first_preview=first_preview,
        as_of=as_of.date() if as_of else None,
    )
    # The process ends after this command; a big plan leaves millions of objects, and the
    # interpreter's collection at exit would scan them all (0.6 s for 351 members) to free memory
    # the process is about to give back anyway. Frozen objects are exempt (atexit runs before it).
    atexit.register(gc.freeze)
    screen = console()
    for stack in result.stacks:
        if summary:
            kinds = Counter(r.type for r in stack.records if r.custom)
            click.echo(f"{stack.stack}: {len(stack.records)} resources ({len(kinds)} types)")
        else:
            screen.print(_tree(stack))
    total = sum(len(s.records) for s in result.stacks)
    text = plan_json(result) if json_file is not None or previous is not None else ""
    if json_file is not None:
        write_atomic(json_file, text)
        click.echo(f"wrote {json_file}")
    if any(s.stack == HUB_STACK for s in result.stacks):  # stated, never guessed (registry/regions.py)
        click.echo(f"hub availability zones: {hub_stack(reg).zone_support}")
    click.echo(f"planned {len(result.stacks)} stacks, {total} resources")
    if first_preview:
        unknown = sum(1 for s in result.stacks for r in s.records if _has_unknown(r.inputs))
        click.echo(f'first preview: {unknown} resources have inputs unknown until deployed ("[unknown]")')
    if previous is not None:
        # Compared as the plan file holds it (JSON round trip), so a plan compared with its own file is equal.
        current = index_plan(json.loads(text), "the new plan")
        scope = None if everything else [s.stack for s in result.stacks]
        for line in report_lines(diff_plans(previous, current, scope), str(against)):
            click.echo(line)


@click.command()
@registry_option
@click.option(
    "--member", metavar="SLUG", default=None, shell_complete=complete_member, help="Deploy this member's stack."
)
@click.option("--hub", is_flag=True, help="Deploy the hub stack.")
@click.option("--preview", is_flag=True, help="Only `pulumi preview`.")
@bad_input
def up(registry: str | None, member: str | None, hub: bool, preview: bool) -> None:
    """Deploy one stack with `pulumi up` (needs the Pulumi CLI and Azure credentials)."""
    from consortium.plan.deploy import pulumi_cli, stack_for
    from consortium.plan.deploy import up as run_up
    from consortium.registry.load import load_registry
    from consortium.registry.models import Service
    from consortium.registry.stackconfig import member_stack

    if bool(member) == hub:
        raise click.UsageError("say which stack: --member SLUG or --hub")
    pulumi_cli()  # before anything else: without the CLI nothing below can work
    root = registry_dir(registry)
    reg = load_registry(root)
    secrets: list[str] = []
    if member is not None:
        stack = member_stack(reg, reg.entry(member).member)
        if Service.NETWORKING in stack.services:  # only then does the program read the VPN keys
            secrets = list(stack.vpn_secret_keys.values())
    from pulumi import automation as auto

    try:
        result = run_up(
            reg.root, stack_for(member, hub), required_secrets=secrets, preview=preview, on_output=click.echo
        )
    except auto.CommandError as exc:
        last = str(exc).strip().splitlines()[-1] if str(exc).strip() else "see the output above"
        click.echo(f"pulumi failed for stack {stack_for(member, hub)}: {last}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"{result.stack}: {result.summary}")
