"""Options, screens and the bad-input contract shared by every ``consortium`` command module."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem
from rich.console import Console

from consortium.registry.errors import InputError, Problem

if TYPE_CHECKING:
    from consortium.plan.records import Plan
    from consortium.registry.load import Registry

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
REGISTRY_ENV = "CONSORTIUM_REGISTRY"
# A progress bar for fewer members would flash by; planning one member takes about a second.
PROGRESS_FROM_MEMBERS = 2


def console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160, highlight=False, soft_wrap=False)


def registry_dir(value: str | None) -> Path:
    path = Path(value or os.environ.get(REGISTRY_ENV) or ".")
    return path.parent if path.name == "consortium.yaml" else path


def registry_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--registry",
        "registry",
        metavar="DIR",
        default=None,
        help="Registry directory holding consortium.yaml and members/ (default: current directory, "
        "or $CONSORTIUM_REGISTRY).",
    )(func)


def output_option(what: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--output FILE``: the one spelling of writing a command's result to a file (atomically,
    only onto a regular file: see :func:`consortium.registry.files.check_writable`)."""
    return click.option(
        "--output",
        type=click.Path(path_type=Path),  # a directory: check_writable's one line, not click's usage text
        metavar="FILE",
        help=f"Write {what + ' to' if what else 'to'} FILE (atomically) instead of standard output.",
    )


def members_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--member SLUG`` (repeatable, completing the registry's slugs) into ``members``."""
    return click.option(
        "--member", "members", multiple=True, metavar="SLUG", shell_complete=complete_member, help=help
    )


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def bad_input(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn :class:`InputError` into one line per problem on stderr and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


def print_warnings(warnings: tuple[Problem, ...] | list[Problem]) -> None:
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


# --------------------------------------------------------------------------- shell completion


def complete_member(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Member slugs for ``--member``: the registry's ``members/*.yaml`` names (``--registry``, env, cwd).

    Reads file names only (no validation), so completion still works on a registry that does not
    validate, and answers nothing rather than failing on one that cannot be read.
    """
    root = registry_dir(ctx.params.get("registry"))
    try:
        slugs = sorted(p.stem for p in (root / "members").glob("*.yaml") if p.is_file())
    except OSError:
        return []
    return [CompletionItem(slug) for slug in slugs if slug.startswith(incomplete)]


# --------------------------------------------------------------------------- progress


def progress_wanted() -> bool:
    """A progress bar only for a person watching: stderr is a terminal and no CI says otherwise."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def plan_members(
    reg: Registry,
    slugs: list[str],
    *,
    include_hub: bool,
    jobs: int = 1,
    first_preview: bool = False,
    as_of: date | None = None,
) -> Plan:
    """``plan_registry`` of ``slugs``, with a progress bar on stderr when :func:`progress_wanted`
    (the runner reports each member stack as it is done; the plan is the same either way)."""
    from consortium.plan.runner import plan_registry

    if len(slugs) < PROGRESS_FROM_MEMBERS or not progress_wanted():
        return plan_registry(reg, slugs, include_hub=include_hub, jobs=jobs, first_preview=first_preview, as_of=as_of)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("planning"), BarColumn(), MofNCompleteColumn(), TextColumn("members"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("plan", total=len(slugs))
        return plan_registry(
            reg, slugs, include_hub=include_hub, jobs=jobs, first_preview=first_preview, as_of=as_of,
            on_stack=lambda _stack: bar.advance(task),
        )
