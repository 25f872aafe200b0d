"""Options, screens and the bad-input contract shared by every ``consortium`` command module."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from consortium.registry.errors import InputError, Problem

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


def console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160, highlight=False, soft_wrap=False)


def registry_dir(value: str | None) -> Path:
    path = Path(value or os.environ.get("CONSORTIUM_REGISTRY") or ".")
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
