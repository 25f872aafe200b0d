"""The design's one-way dependencies, checked: import-linter contracts in pyproject.toml.

The rooms of consortium/ are layers (cli over the council's report, over audit and costs, which
are independent, over plan over registry; the audit and the costs read plan files but never run
the program); the registry imports nothing of the program, the policies or Pulumi; the program
(infra/) and the policies import the registry only; only the CLI imports click and rich. A contract
broken by a new import fails here, naming the import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert f"{len(contracts)} kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "import_chain"),
    [
        # the registry's models reaching into the policies: a forbidden contract
        (
            "registry/models.py",
            "import policies.catalog",
            "the registry imports none of the program, the policies or Pulumi BROKEN",
            "consortium.registry.models -> policies.catalog",
        ),
        # a lower room importing a higher one: the layers contract
        ("registry/ipam.py", "import consortium.audit", "BROKEN", "consortium.registry.ipam -> consortium.audit"),
        # the audit running the program
        (
            "audit/__init__.py",
            "import consortium.plan.runner",
            "the audit reads records, it never runs or deploys the program BROKEN",
            "consortium.audit -> consortium.plan.runner",
        ),
        # the costs and the audit are independent rooms of one layer
        ("costs/__init__.py", "import consortium.audit", "BROKEN", "consortium.costs -> consortium.audit"),
        # the council's report sits above the audit and the costs: neither may import it
        ("costs/shares.py", "import consortium.council", "BROKEN", "consortium.costs.shares -> consortium.council"),
        ("audit/verdicts.py", "import consortium.council", "BROKEN", "consortium.audit.verdicts -> consortium.council"),
        # the backups room reaching the offsite store's S3 side (boto3), even through the offsite room
        (
            "backups/protected.py",
            "import consortium.offsite.client",
            "the backups room reads drill and status evidence and the registry only BROKEN",
            "consortium.offsite.client -> boto3",
        ),
        # the costs running the program
        (
            "costs/__init__.py",
            "import consortium.plan.runner",
            "the costs read records and the registry, never the program or the audit BROKEN",
            "consortium.costs -> consortium.plan.runner",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str, import_chain: str
) -> None:
    """The contracts can fail: each import below, added to a copy of the toolkit, is caught and named."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "consortium" / module
    target.write_text(target.read_text() + f"\n{line}  # noqa: E402, F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert contract in result.stdout
    assert import_chain in result.stdout
