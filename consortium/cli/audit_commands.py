"""``consortium audit``: the security standard, evaluated in-process (attached in :mod:`consortium.cli`).

One command, four modes: write the CrossGuard pack config; list the catalog or the CIS crosswalk;
audit one source (an offline plan of members, a plan file, state exports), with or without host
evidence; or audit host evidence alone.

Exit codes: 0 no mandatory violation (and no expired exemption), 1 any, 2 bad input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from consortium.cli.common import (
    bad_input,
    members_option,
    plan_members,
    print_warnings,
    registry_dir,
    registry_option,
)
from consortium.paths import policy_pack_argument
from consortium.registry.files import present, write_atomic
from consortium.registry.load import Registry, load_registry
from consortium.registry.models import CONSORTIUM_FILE

if TYPE_CHECKING:
    from consortium.audit.run import Audit
    from policies.framework import Control, Resource


@dataclass(frozen=True)
class Source:
    """What one audit reads: the registry setting the parameters (None: defaults), the resources, the
    source in words (no local path: the report is read by people who never saw this machine), the
    members the report is about (``--member``; empty: all), and the controls judging them (None: the
    standard's catalog)."""

    registry: Registry | None
    resources: list[Resource]
    title: str
    focus: tuple[str, ...] = ()
    catalog: tuple[Control, ...] | None = None
    apart: tuple[tuple[Control, ...], tuple[Resource, ...]] = ((), ())  # judged on their own: restore drills
    drills: str = ""  # the restore drills judged, in words ("restore drills of 3 of 4 protected servers")


def _path_option(
    *decls: str, metavar: str, help: str, file_only: bool = False, multiple: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option naming a file (``file_only``) or a file or directory, as a :class:`Path`."""
    return click.option(
        *decls,
        type=click.Path(dir_okay=not file_only, path_type=Path),
        metavar=metavar,
        multiple=multiple,
        help=help,
    )


@click.command()
@registry_option
@members_option("Plan this member offline, then audit it (one member: that town's report, the shared hub included).")
@click.option("--all", "everything", is_flag=True, help="Plan the whole consortium offline, then audit it.")
@click.option(
    "--offsite",
    is_flag=True,
    help="Audit the offsite backup store (MCS-OFF controls), read with the admin credentials of the "
    "AWS environment variables or profile.",
)
@_path_option("--plan", "plan_file", metavar="FILE", help="Audit a `consortium plan --json` file.")
@_path_option(
    "--state",
    "states",
    metavar="FILE|DIR",
    multiple=True,
    help="Audit `pulumi stack export` files (a directory: every *.json in it). Repeatable.",
)
@_path_option(
    "--evidence",
    "evidence_dir",
    metavar="DIR",
    help="Include host baseline evidence (playbooks/baseline_audit.yml output), alone or with a source.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit", "sarif", "html", "markdown"]),
    default="text",
    show_default=True,
)
@_path_option(
    "--output",
    metavar="FILE",
    file_only=True,
    help="Write the report to FILE (atomically) instead of standard output.",
)
@_path_option(
    "--exemptions",
    "exemptions_file",
    metavar="FILE",
    file_only=True,
    help="Exemptions register (default: exemptions.yaml in the registry).",
)
@click.option("--catalog", "show_catalog", is_flag=True, help="List the controls (text, json or markdown).")
@click.option("--crosswalk", is_flag=True, help="List every CIS v8 IG1 safeguard and the controls giving evidence.")
@click.option(
    "--framework",
    type=click.Choice(["psrule", "checkov", "mcsb"]),
    default=None,
    help="With --crosswalk: each anchor rule of PSRule for Azure, Checkov or MCSB v1 for our resource types "
    "and the control covering it, or why it is not enforced.",
)
@_path_option(
    "--pack-config",
    "pack_config_file",
    metavar="FILE",
    file_only=True,
    help="Write the CrossGuard pack config (the registry's parameters) to FILE and exit.",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge as of this date: exemption expiry, restore drills' age, which leaving towns are unhooked "
    "(default: today).",
)
@bad_input
def audit(
    registry: str | None,
    members: tuple[str, ...],
    everything: bool,
    offsite: bool,
    plan_file: Path | None,
    states: tuple[Path, ...],
    evidence_dir: Path | None,
    fmt: str,
    output: Path | None,
    exemptions_file: Path | None,
    show_catalog: bool,
    crosswalk: bool,
    framework: str | None,
    pack_config_file: Path | None,
    on: datetime | None,
) -> None:
    """Evaluate the consortium security standard on plans or deployed state."""
    root = registry_dir(registry)
    if pack_config_file is not None:
        _write_pack_config(root, pack_config_file)
        return
    sources = sum([bool(members), everything, plan_file is not None, bool(states), offsite])
    if crosswalk or show_catalog:
        if sources or (crosswalk and show_catalog):
            raise click.UsageError("--crosswalk and --catalog take no audit source, and not both")
        _list(crosswalk, fmt, output, framework)
        return
    if framework is not None:
        raise click.UsageError("--framework goes with --crosswalk")
    if sources > 1 or (sources == 0 and evidence_dir is None):
        raise click.UsageError(
            "give one source: --member SLUG..., --all, --plan FILE, --state FILE|DIR or --offsite"
            " (and/or --evidence DIR)"
        )
    if offsite:
        source = _offsite(root, on)
    elif members or everything:
        source = _offline_plan(root, members)
    else:
        source = _read_source(root, plan_file, states, evidence_dir)
    result = _run(root, source, evidence_dir, exemptions_file, on)
    _report(result, fmt, output)
    sys.exit(result.exit_code)


def _write_pack_config(root: Path, path: Path) -> None:
    import json

    from consortium.audit.params import pack_config

    write_atomic(path, json.dumps(pack_config(load_registry(root)), indent=2, sort_keys=True) + "\n")
    pack = policy_pack_argument(root)
    click.echo(f"wrote {path}: use `pulumi preview --stack <slug> --policy-pack {pack} --policy-pack-config {path}`")


def _list(show_crosswalk: bool, fmt: str, output: Path | None, framework: str | None = None) -> None:
    """The CIS crosswalk (or another framework's, ``--framework``), or else the control catalog."""
    from consortium.audit.reports.anchors import anchor_crosswalk
    from consortium.audit.reports.catalog import catalog
    from consortium.audit.reports.crosswalk import crosswalk

    if fmt not in ("text", "json", "markdown"):
        raise click.UsageError("--crosswalk and --catalog print text, json or markdown")
    if framework is not None and not show_crosswalk:
        raise click.UsageError("--framework goes with --crosswalk")
    if framework is not None:
        _emit(anchor_crosswalk(framework, fmt, [c for catalog in _catalogs() for c in catalog]), output)
        return
    _emit(crosswalk(fmt) if show_crosswalk else catalog(fmt, _apart()), output)


def _offline_plan(root: Path, members: tuple[str, ...]) -> Source:
    """Plan the members (none: everyone) offline first, then audit the plan's inputs."""
    from consortium.audit.about import offline_source
    from consortium.audit.sources import plan_resources
    from consortium.plan.runner import select_members

    reg = load_registry(root)
    slugs = select_members(reg, members or None)  # every unknown --member is bad input, before any planning
    plan = plan_members(reg, slugs, include_hub=True)
    resources = plan_resources(r.to_json() for r in plan.records)
    names = [e.member.name for e in reg.select(members)]
    return Source(reg, resources, offline_source(date.today(), names, resources), tuple(dict.fromkeys(members)))


def _offsite(root: Path, on: datetime | None) -> Source:
    """The offsite store read back, judged by its own controls (consortium.offsite) as of ``on``."""
    from consortium.offsite.review import store_review

    reg = load_registry(root)
    resources, controls, title = store_review(reg, on.date() if on is not None else None)
    return Source(reg, resources, title, catalog=controls)


def _read_source(root: Path, plan_file: Path | None, states: tuple[Path, ...], evidence_dir: Path | None) -> Source:
    """A plan file, state exports or host evidence alone; the registry is optional for these."""
    from consortium.audit.about import plan_source, state_source
    from consortium.audit.sources import load_plan, load_states

    reg = _optional_registry(root)
    if plan_file is not None:
        resources = load_plan(plan_file)
        # A plan file holds no timestamp (two runs give identical files): the day it was written stands in.
        return Source(reg, resources, plan_source(date.fromtimestamp(plan_file.stat().st_mtime), resources))
    if states:
        resources = load_states(list(states))
        return Source(reg, resources, state_source(resources))
    return Source(reg, [], "")  # host evidence alone: described once it is read


def _optional_registry(root: Path) -> Registry | None:
    if not present(root / CONSORTIUM_FILE):  # a folder or a broken link there is bad input, named by the loader
        click.echo(f"warning: no {CONSORTIUM_FILE} in {root}: controls use their default parameters", err=True)
        return None
    return load_registry(root)


def _run(
    root: Path, source: Source, evidence_dir: Path | None, exemptions_file: Path | None, on: datetime | None
) -> Audit:
    from consortium.audit.about import about, evidence_source
    from consortium.audit.evidence import load_evidence
    from consortium.audit.exemptions import load_exemptions
    from consortium.audit.run import run_audit

    hosts = load_evidence(evidence_dir, source.registry) if evidence_dir is not None else []
    if evidence_dir is not None and source.registry is not None:
        source = _with_drills(source, evidence_dir / "drills", on)
    title = "; ".join(t for t in (source.title, evidence_source(hosts) if hosts else "", source.drills) if t)
    exemptions = load_exemptions(root, exemptions_file, _catalogs())
    if source.registry is not None:
        print_warnings(source.registry.warnings)
    return run_audit(
        source.resources,
        source=title,
        registry=source.registry,
        exemptions=exemptions,
        today=on.date() if on is not None else None,
        hosts=hosts,
        about=about(source.registry, source.focus),
        catalog=source.catalog,
        apart=source.apart,
    )


def _catalogs() -> tuple[tuple[Control, ...], ...]:
    """Every catalog whose controls the exemptions register may name: the standard's, the offsite
    store's and the restore drills'."""
    from consortium.backups.controls import drill_controls
    from consortium.offsite.controls import CONTROLS as OFFSITE
    from policies.catalog import CATALOG

    return (CATALOG, OFFSITE, drill_controls(None))


def _apart() -> tuple[tuple[str, tuple[Control, ...]], ...]:
    """The controls judged outside the plan, for the catalog: where each set is judged, and the set."""
    _, offsite, drills = _catalogs()
    return (
        ("`consortium audit --offsite` (the offsite backup store, read back)", offsite),
        ("`consortium audit --evidence DIR` (restore drills of the protected servers)", drills),
    )


def _with_drills(source: Source, drills_dir: Path, on: datetime | None) -> Source:
    """The source with MCS-BAK-009 (a recent successful restore drill per protected server) added,
    judged on the drill evidence in ``drills_dir`` (playbooks/restore_drill.yml's default place)."""
    from consortium.backups.controls import drill_controls, drill_resources
    from consortium.backups.drills import load_drills
    from consortium.words import count

    assert source.registry is not None
    if not present(drills_dir):  # a file or a FIFO there is bad input, named by load_drills
        # Said in the report too, so that a council reading it sees the drills were not looked at.
        click.echo(f"warning: no {drills_dir}: MCS-BAK-009 (restore drills) not judged", err=True)
        return replace(source, drills="restore drills not judged (no drill evidence)")
    servers = drill_resources(source.registry, load_drills(drills_dir))
    drilled = sum(r.get("drill") is not None for r in servers)
    words = f"restore drills of {drilled} of {count(len(servers), 'protected server')}"
    apart = (drill_controls(on.date() if on else None), tuple(servers))
    return replace(source, apart=apart, drills=words)


def _report(result: Audit, fmt: str, output: Path | None) -> None:
    from consortium.audit.reports import RENDER
    from consortium.audit.reports.summary import summary_line

    _emit(RENDER[fmt](result), output)
    if output is not None:
        click.echo(summary_line(result), err=True)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
