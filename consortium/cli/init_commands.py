"""``consortium init``: start a new consortium's registry in a directory of its own."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from consortium.cli.common import bad_input
from consortium.registry.errors import InputError, Problem

# Asked on a terminal when not given as options: (option, prompt).
_ASKED = (
    ("name", "Consortium name (e.g. Lakeside Towns IT Consortium)"),
    ("slug", "Short name for Azure resources (3-24 lower-case letters, digits, hyphens)"),
    ("region", "Primary Azure region (e.g. eastus2)"),
    ("supernet", "Private address range for Azure, /18 or larger (e.g. 10.80.0.0/12)"),
)


def _settings(values: dict[str, str | None]) -> dict[str, str]:
    """Fill missing settings from prompts on a terminal; elsewhere (CI, pipes) each missing one is a problem."""
    interactive = sys.stdin.isatty()
    missing = []
    for key, question in _ASKED:
        if values[key] is None:
            if interactive:
                values[key] = click.prompt(question)
            else:
                missing.append(Problem(f"--{key}", "", "required (no terminal to ask on)"))
    if missing:
        raise InputError(missing)
    return {k: v for k, v in values.items() if v is not None}


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=True, dir_okay=True))
@click.option("--name", default=None, help="The consortium's name.")
@click.option("--slug", default=None, help="Short name used in every Azure resource name.")
@click.option("--region", default=None, help="Primary Azure region (e.g. eastus2).")
@click.option("--supernet", default=None, help="Private IPv4 range for the hub and every member block.")
@click.option("--domain", default=None, help="Sign-in domain of the shared tenant (default: <slug>.example).")
@bad_input
def init(
    directory: Path, name: str | None, slug: str | None, region: str | None, supernet: str | None, domain: str | None
) -> None:
    """Start a consortium's own registry in DIRECTORY (new or empty).

    Writes a commented consortium.yaml, members/, exemptions.yaml, an example member file, a README,
    .gitignore, a Pulumi project running the toolkit's program, and a CI workflow. Missing options
    are asked for on a terminal only.
    """
    from consortium.registry.init import InitSettings, init_registry

    values = _settings({"name": name, "slug": slug, "region": region, "supernet": supernet, "domain": domain})
    written = init_registry(directory, InitSettings(**values))
    for rel in written:
        click.echo(f"wrote: {directory / rel}")
    click.echo(
        f"next: cd {directory} && git init, then `consortium validate`; add towns from docs/member-example.yaml "
        "with `consortium onboard members/<slug>.yaml` (README.md)"
    )
