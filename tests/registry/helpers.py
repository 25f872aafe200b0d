"""Helpers for registry tests: run the CLI in-process and edit registry files."""

from __future__ import annotations

from collections.abc import Callable
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


# --------------------------------------------------------------------------- editing registry files

Data = dict[str, Any]
DELETE = object()  # as a value in :func:`set_path`/:func:`edits`: remove the key


def set_path(data: Data, dotted: str, value: Any) -> None:
    """Set ``a.b[0].c``-style paths in nested dicts/lists (creating dicts on the way)."""
    parts = dotted.replace("]", "").replace("[", ".").split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    last = parts[-1]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value


def edits(*pairs: tuple[str, Any]) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        for dotted, value in pairs:
            set_path(data, dotted, value)

    return apply


def assert_fails_with_one_clear_line(
    registry_dir: Path, rel: str, edit: Callable[[Data], None], field: str, fragment: str
) -> None:
    """``validate`` after ``edit`` of ``rel`` exits 2 with a ``rel: field: ...fragment...`` line, and nothing else."""
    data = read(registry_dir / rel)
    edit(data)
    write(registry_dir / rel, data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2, result
    wanted = f"{rel}: {field}: "
    matching = [line for line in result.err_lines if line.startswith(wanted)]
    assert matching, f"no line starting {wanted!r} in:\n{result.err}"
    assert any(fragment in line for line in matching), f"{fragment!r} not in {matching}"
    assert "Traceback" not in result.err
    assert result.out == ""


def assert_passes(registry_dir: Path, rel: str, edit: Callable[[Data], None], target: str | None = None) -> None:
    """``validate`` passes after ``edit`` of ``rel`` (written to ``target`` instead, if given)."""
    data = read(registry_dir / rel)
    edit(data)
    if target is not None:
        (registry_dir / rel).unlink()
    write(registry_dir / (target or rel), data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0, result.err
    assert result.out.startswith("ok: dane-county: 9 members")


# A new town's member file, before onboarding gives it an address block.
NEW_TOWN = """\
# Town of Dunn: joining in 2027 (illustrative data).
slug: dunn
name: Town of Dunn   # the town's legal name
kind: town
population: 4931
joined: 2027-01-01
status: onboarding
phase: 1
contacts:
  it_lead: clerk@dunn.example
  billing: treasurer@dunn.example
admins: [c.meyer@dane-consortium.example]
endpoints: {windows: 12}
"""
