"""The design's one-way dependencies, checked: import-linter contracts in pyproject.toml.

The registry imports nothing of the program, the policies, the runners (offline plan, audit,
deploy) or the CLI; the program (infra/) and the policies import the registry only; only the CLI
modules import click and rich. A contract broken by a new import fails here, naming the import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("consortium", "infra", "policies")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_dependency_contracts_hold() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_a_forbidden_import_breaks_a_contract(tmp_path: Path) -> None:
    """The contracts can fail: the registry's models importing the policies is caught."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    models = tmp_path / "consortium" / "models.py"
    models.write_text(models.read_text() + "\nimport policies.catalog  # noqa: E402, F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the registry imports none of the program, the policies, the runners or the CLI BROKEN" in result.stdout
    assert "consortium.models -> policies.catalog" in result.stdout
