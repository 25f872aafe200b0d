"""The registry's commands: ``validate``, ``members``, ``render``, ``onboard``, ``offboard``, ``schema``.

Exit codes: 0 success; 1 a check found something (``render --check``, ``schema --check``: stale
files); 2 bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from consortium.cli.common import (
    EXIT_FINDINGS,
    bad_input,
    complete_member,
    console,
    json_option,
    print_warnings,
    registry_dir,
    registry_option,
)
from consortium.paths import TEMPLATES_DIR, policy_pack_argument
from consortium.registry.estimates import ESTIMATES_FILE, UPDATE_HINT
from consortium.registry.files import check_all_writable
from consortium.registry.load import Registry, load_registry
from consortium.registry.render import apply, diff, refuse_phase_down_data_loss, render_registry
from consortium.words import count


def templates_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--templates",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=TEMPLATES_DIR,
        show_default="the toolkit's templates",
        help="Template directory.",
    )(func)


# --------------------------------------------------------------------------- validate


def _summary(reg: Registry) -> dict[str, Any]:
    phases: dict[int, int] = {}
    for e in reg.members:
        phases[e.member.phase] = phases.get(e.member.phase, 0) + 1
    return {
        "consortium": reg.consortium.slug,
        "members": len(reg.members),
        "by_phase": {str(k): v for k, v in sorted(phases.items())},
        "warnings": [str(w) for w in reg.warnings],
    }


@click.command()
@registry_option
@json_option
@bad_input
def validate(registry: str | None, as_json: bool) -> None:
    """Validate consortium.yaml and every member file (and that no phase change deletes data). Writes nothing."""
    reg = load_registry(registry_dir(registry))
    refuse_phase_down_data_loss(reg)
    summary = _summary(reg)
    if as_json:
        click.echo(json.dumps({"ok": True, **summary}, indent=2))
        return
    print_warnings(reg.warnings)
    phases = ", ".join(f"phase {k}: {v}" for k, v in summary["by_phase"].items())
    members = count(len(reg.members), "member") + (f" ({phases})" if phases else "")
    counts = f"{members}, 0 errors, {count(len(reg.warnings), 'warning')}"
    click.echo(f"ok: {reg.consortium.slug}: {counts}")


# --------------------------------------------------------------------------- members


@click.command()
@registry_option
@json_option
@bad_input
def members(registry: str | None, as_json: bool) -> None:
    """List the members: slug, name, kind, population, phase, status, cidr."""
    reg = load_registry(registry_dir(registry))
    rows = [
        {
            "slug": m.slug,
            "name": m.name,
            "kind": m.kind.value,
            "population": m.population,
            "phase": m.phase,
            "status": m.status.value,
            "cidr": str(m.network.cidr),
        }
        for m in (e.member for e in reg.members)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{reg.consortium.name}: {count(len(rows), 'member')}")
    for col in ("slug", "name", "kind", "population", "phase", "status", "cidr"):
        table.add_column(col, justify="right" if col in ("population", "phase") else "left", no_wrap=True)
    for r in rows:
        table.add_row(r["slug"], r["name"], r["kind"], f"{r['population']:,}", str(r["phase"]), r["status"], r["cidr"])
    console().print(table)


# --------------------------------------------------------------------------- render


@click.command()
@registry_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list stale files if any.")
@templates_option
@json_option
@bad_input
def render(registry: str | None, check: bool, templates: Path, as_json: bool) -> None:
    """Render stack configs, inventories and runbooks from the registry (atomically)."""
    reg = load_registry(registry_dir(registry))
    desired = render_registry(reg, templates)
    change = diff(reg.root, desired)
    print_warnings(reg.warnings)
    if reg.unestimated:
        minimum = reg.consortium.costs.budget.minimum_monthly
        click.echo(
            f"note: {ESTIMATES_FILE}: no estimate of {', '.join(reg.unestimated)}: budget {minimum:.2f} "
            f"(the minimum) until you {UPDATE_HINT}",
            err=True,
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "check": check,
                    "changed": change.changed,
                    "orphaned": change.orphaned,
                    "unchanged": change.unchanged,
                },
                indent=2,
            )
        )
    if check:
        if change.stale:
            if not as_json:
                for rel in change.stale:
                    why = "generated for a member that no longer exists" if rel in change.orphaned else "out of date"
                    click.echo(f"stale: {rel}: {why}")
                stale = count(len(change.stale), "rendered file")
                verb = "disagrees" if len(change.stale) == 1 else "disagree"
                click.echo(f"{stale} {verb} with the registry; run: consortium render")
            sys.exit(EXIT_FINDINGS)
        if not as_json:
            verb = "matches" if len(desired) == 1 else "match"
            click.echo(f"ok: {count(len(desired), 'rendered file')} {verb} the registry")
        return
    check_all_writable(reg.root, list(change.changed))  # nothing written unless every file can be
    apply(reg.root, desired, change)
    if not as_json:
        for rel in change.changed:
            click.echo(f"wrote {rel}")
        for rel in change.orphaned:
            click.echo(f"removed {rel}")
        click.echo(
            f"rendered {count(len(desired), 'file')}: {len(change.changed)} written, "
            f"{len(change.orphaned)} removed, {change.unchanged} unchanged"
        )


# --------------------------------------------------------------------------- onboard


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@registry_option
@templates_option
# The onboarding playbook prints these lines and applies the Linux baseline itself in its next play.
@click.option("--baseline-runs-next", is_flag=True, hidden=True)
@bad_input
def onboard(files: tuple[Path, ...], registry: str | None, templates: Path, baseline_runs_next: bool) -> None:
    """Allocate each new member's address block (lowest free), then render the registry.

    FILES are members/<slug>.yaml files; several are allocated in the order given. A member that
    already has a block keeps it. Everything is validated before anything is written.
    """
    from consortium.registry.files import write_atomic
    from consortium.registry.next_steps import next_steps
    from consortium.registry.onboard import onboard as run_onboard

    root = registry_dir(registry)
    reg, allocations, texts = run_onboard(root, list(files))
    desired = render_registry(reg, templates)
    change = diff(reg.root, desired)
    for rel, text in texts.items():
        write_atomic(reg.root / rel, text)
    apply(reg.root, desired, change)
    print_warnings(reg.warnings)
    for rel in change.orphaned:
        click.echo(f"removed {rel}")
    for a in allocations:
        verb = "allocated" if a.new else "already has"
        click.echo(f"{a.path}: network.cidr: {verb} {a.cidr}")
        for field, ranges in a.nat:
            click.echo(f"{a.path}: {field}: allocated {', '.join(map(str, ranges))} (its LAN overlaps another town's)")
    click.echo(f"rendered {count(len(desired), 'file')}: {len(change.changed)} written, {change.unchanged} unchanged")
    for a in allocations:
        member = reg.entry(a.slug).member
        pack = policy_pack_argument(root)
        for step in next_steps(reg.consortium, member, a.path, policy_pack=pack, baseline_runs_next=baseline_runs_next):
            click.echo(f"next: {step}")


# --------------------------------------------------------------------------- offboard


def _plan_of(reg: Registry, slug: str, as_of: date) -> dict[str, dict[str, Any]]:
    """The member's stack as the offline plan records it on ``as_of`` (the plan file's shape)."""
    from consortium.plan.records import index_plan, plan_json
    from consortium.plan.runner import plan_registry

    plan = plan_registry(reg, [slug], include_hub=False, as_of=as_of)
    return index_plan(json.loads(plan_json(plan)), "the plan").get(slug, {})


@click.command()
@click.argument("slug", shell_complete=complete_member)
@registry_option
@click.option(
    "--unhook-on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day the town's network is unhooked from the hub and its own rights withdrawn (default: today).",
)
@click.option(
    "--left",
    is_flag=True,
    help="The town has left: its data has expired and its stack is gone (`pulumi stack rm`). Removes its "
    "stack file, inventory and runbook; its member file stays as the record and keeps its address block.",
)
# The day the command takes as today (tests; the registry never reads the clock for an error).
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True)
@templates_option
@bad_input
def offboard(
    slug: str, registry: str | None, unhook_on: datetime | None, left: bool, today: datetime | None, templates: Path
) -> None:
    """Offboard the town SLUG: status leaving, its data kept, then its network and rights withdrawn.

    Sets status leaving and leaving.unhook_on in members/SLUG.yaml (comments kept), renders, writes
    the exit package (docs/members/SLUG-exit.md) and prints what goes on the unhook date and what
    stays (the offline plan of its stack, before and after). Its data-bearing resources are kept,
    protected, until the last backup's retention ends. With --left, later: status left.
    Everything is validated before anything is written.
    """
    from consortium.plan.diff import diff_stack, kept
    from consortium.registry.files import write_atomic
    from consortium.registry.offboard import offboard as run_offboard

    root = registry_dir(registry)
    day = today.date() if today else datetime.now(UTC).date()
    before = load_registry(root)
    reg, off = run_offboard(
        root, slug, unhook_on=unhook_on.date() if unhook_on else None, left_on=day if left else None, today=day
    )
    desired = render_registry(reg, templates)
    change = diff(reg.root, desired)
    leaving = off.after.leaving
    assert leaving is not None  # run_offboard checked it
    kept_until = reg.consortium.data_kept_until(off.after)
    lines = []
    if not left:  # the plan of its stack now, and on the unhook day: what goes, what stays
        now, then = _plan_of(before, slug, day), _plan_of(reg, slug, leaving.unhook_on)
        stack = diff_stack(slug, now, then)
        for r in stack.deleted:
            lines.append(f"goes on {leaving.unhook_on}: {r['type']} {r['name']}")
        for r in kept(then.values()):
            lines.append(f"kept until {kept_until}, protected: {r['type']} {r['name']}")
        lines.append(
            f"stays until the town has left: {len(then) - len(kept(then.values()))} other resources "
            "(resource group, spoke, private endpoints, groups, budget)"
        )
    write_atomic(reg.root / off.path, off.text)
    apply(reg.root, desired, change)
    print_warnings(reg.warnings)
    if left:
        click.echo(f"{off.path}: status: left on {leaving.left_on}; the file stays as the record")
        quarantine = reg.consortium.offboarding.quarantine_days
        click.echo(f"{off.path}: network.cidr: {off.after.network.cidr} reserved for {quarantine} days")
    else:
        click.echo(f"{off.path}: status: leaving; unhook on {leaving.unhook_on}, data kept until {kept_until}")
    for line in lines:
        click.echo(line)
    for rel in change.changed:
        click.echo(f"wrote {rel}")
    for rel in change.orphaned:
        click.echo(f"removed {rel}")


# --------------------------------------------------------------------------- schema


@click.command()
@registry_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    show_default="schema/ in the registry",
    help="Where to write the JSON Schema files.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files are out of date.")
@bad_input
def schema(registry: str | None, out: Path | None, check: bool) -> None:
    """Export the registry's JSON Schemas (for editor validation of consortium.yaml / member files)."""
    from consortium.registry.files import check_writable, read_current, write_atomic
    from consortium.registry.schema import schemas

    # Member files name ../schema/member.schema.json: the schemas belong beside the registry's files.
    out = out if out is not None else registry_dir(registry) / "schema"
    wanted = {out / name: text for name, text in schemas().items()}
    stale = [path for path, text in wanted.items() if read_current(path) != text]
    if not check:
        for path in stale:  # nothing written unless every file can be
            check_writable(path)
        for path in stale:
            write_atomic(path, wanted[path])
    for path in stale:
        click.echo(f"{'stale' if check else 'wrote'}: {path}")
    if check and stale:
        sys.exit(EXIT_FINDINGS)
