"""``consortium audit``: the security standard, evaluated in-process (attached in :mod:`consortium.cli`).

Exit codes: 0 no mandatory violation (and no expired exemption), 1 any, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from consortium.cli.common import bad_input, print_warnings, registry_dir, registry_option
from consortium.registry.errors import InputError, Problem
from consortium.registry.files import write_atomic
from consortium.registry.load import CONSORTIUM_FILE, Registry, load_registry


def _registry_or_none(root: Path, required: bool) -> Registry | None:
    if not required and not (root / CONSORTIUM_FILE).is_file():
        click.echo(f"warning: no {CONSORTIUM_FILE} in {root}: controls use their default parameters", err=True)
        return None
    return load_registry(root)


@click.command()
@registry_option
@click.option("--member", "members", multiple=True, metavar="SLUG", help="Plan this member offline, then audit it.")
@click.option("--all", "everything", is_flag=True, help="Plan the whole consortium offline, then audit it.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Audit a `consortium plan --json` file.",
)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE|DIR",
    help="Audit `pulumi stack export` files (a directory: every *.json in it). Repeatable.",
)
@click.option(
    "--evidence",
    "evidence_dir",
    type=click.Path(path_type=Path),
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
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the report to FILE (atomically) instead of standard output.",
)
@click.option(
    "--exemptions",
    "exemptions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Exemptions register (default: exemptions.yaml in the registry).",
)
@click.option("--catalog", "show_catalog", is_flag=True, help="List the controls (text, json or markdown).")
@click.option("--crosswalk", is_flag=True, help="List every CIS v8 IG1 safeguard and the controls giving evidence.")
@click.option(
    "--pack-config",
    "pack_config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the CrossGuard pack config (the registry's parameters) to FILE and exit.",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge exemption expiry as of this date (default: today).",
)
@bad_input
def audit(
    registry: str | None,
    members: tuple[str, ...],
    everything: bool,
    plan_file: Path | None,
    states: tuple[Path, ...],
    evidence_dir: Path | None,
    fmt: str,
    output: Path | None,
    exemptions_file: Path | None,
    show_catalog: bool,
    crosswalk: bool,
    pack_config_file: Path | None,
    on: object,
) -> None:
    """Evaluate the consortium security standard on plans or deployed state."""
    from consortium.audit.evidence import load_evidence
    from consortium.audit.exemptions import load_exemptions
    from consortium.audit.reports import RENDER
    from consortium.audit.reports.catalog import catalog
    from consortium.audit.reports.crosswalk import crosswalk as safeguards
    from consortium.audit.reports.summary import summary_line
    from consortium.audit.run import run_audit
    from consortium.audit.sources import load_plan, load_states

    sources = sum([bool(members), everything, plan_file is not None, bool(states)])
    if pack_config_file is not None:
        import json

        from consortium.audit.params import pack_config

        reg = _registry_or_none(registry_dir(registry), required=True)
        assert reg is not None
        write_atomic(pack_config_file, json.dumps(pack_config(reg), indent=2, sort_keys=True) + "\n")
        click.echo(
            f"wrote {pack_config_file}: use `pulumi preview --policy-pack policies "
            f"--policy-pack-config {pack_config_file}`"
        )
        return
    if crosswalk or show_catalog:
        if sources or (crosswalk and show_catalog):
            raise click.UsageError("--crosswalk and --catalog take no audit source, and not both")
        if fmt not in ("text", "json", "markdown"):
            raise click.UsageError("--crosswalk and --catalog print text, json or markdown")
        _emit(safeguards(fmt) if crosswalk else catalog(fmt), output)
        return
    if sources > 1 or (sources == 0 and evidence_dir is None):
        raise click.UsageError(
            "give one source: --member SLUG..., --all, --plan FILE or --state FILE|DIR (and/or --evidence DIR)"
        )
    root = registry_dir(registry)
    if members or everything:
        from consortium.audit.sources import plan_resources
        from consortium.plan.runner import plan_registry

        reg = _registry_or_none(root, required=True)
        assert reg is not None
        unknown = sorted(set(members) - {e.member.slug for e in reg.members})
        if unknown:
            raise InputError([Problem("--member", "", f"{s} is not a member of the registry") for s in unknown])
        plan = plan_registry(reg, list(members) if members else None)
        resources = plan_resources(r.to_json() for r in plan.records)
        source = "offline plan of " + (", ".join(members) if members else "the whole consortium")
    elif plan_file is not None:
        reg = _registry_or_none(root, required=False)
        resources, source = load_plan(plan_file), f"plan {plan_file}"
    elif states:
        reg = _registry_or_none(root, required=False)
        resources, source = load_states(list(states)), "state " + ", ".join(str(s) for s in states)
    else:
        reg = _registry_or_none(root, required=False)
        resources, source = [], f"host evidence {evidence_dir}"
    hosts = load_evidence(evidence_dir, reg) if evidence_dir is not None else []
    exemptions = load_exemptions(root, exemptions_file)
    if reg is not None:
        print_warnings(reg.warnings)
    result = run_audit(
        resources,
        source=source,
        registry=reg,
        exemptions=exemptions,
        today=on.date() if hasattr(on, "date") else None,
        hosts=hosts,
    )
    _emit(RENDER[fmt](result), output)
    if output is not None:
        click.echo(summary_line(result), err=True)
    sys.exit(result.exit_code)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
