"""Helpers for registry tests: run the CLI in-process and edit registry files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from consortium.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def cli(*args: str | Path) -> Result:
    """Run ``consortium ARGS`` in-process; stdout and stderr apart."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def read(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
