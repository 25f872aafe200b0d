"""The toolkit as ``pip install`` gives it to a consortium's own repository: the wheel carries the
CLI, the program (infra/), the policy pack with its PulumiPolicy.yaml and every template, so the
registry's commands and the shim ``consortium init`` writes work without a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_registry

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, unpacked into a directory of its own (no dependencies:
    those come from the test environment)."""
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(out / "dist")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (out / "dist").glob("consortium_toolkit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(out / "site")
    return out / "site"


def run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH comes before site-packages, so the wheel's copy is imported, not the checkout
    env = {**os.environ, "PYTHONPATH": str(installed), "CONSORTIUM_REGISTRY": str(cwd)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_wheel_holds_the_program_the_pack_and_the_templates(installed: Path) -> None:
    for rel in (
        "infra/program.py",
        "policies/__main__.py",
        "policies/PulumiPolicy.yaml",
        "consortium/registry/templates/member_stack.yaml.j2",
        "consortium/registry/init_templates/workflow.yml.j2",
        "consortium/audit/reports/templates/audit.html.j2",
        "consortium/costs/templates/costs.html.j2",
        "consortium/costs/templates/invoice.html.j2",
        "consortium/council/templates/council.html.j2",
    ):
        assert (installed / rel).is_file(), rel


def test_the_installed_toolkit_runs_the_registry_commands(installed: Path, tmp_path: Path) -> None:
    registry = copy_registry(tmp_path / "registry")
    where = run(installed, registry, "-c", "import consortium, infra, policies; print(consortium.__file__)")
    assert where.stdout.startswith(str(installed)), where.stdout + where.stderr
    for args in (("validate",), ("render", "--check"), ("plan", "--member", "verona", "--json", "out/plan.json")):
        result = run(installed, registry, "-m", "consortium", *args)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    audit = run(installed, registry, "-m", "consortium", "audit", "--plan", "out/plan.json")
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_the_shim_of_a_new_consortium_finds_the_installed_program(installed: Path, tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    init = run(
        installed,
        tmp_path,
        "-m",
        "consortium",
        "init",
        str(ours),
        "--name",
        "Our Towns IT",
        "--slug",
        "ours",
        "--region",
        "eastus2",
        "--supernet",
        "10.80.0.0/12",
    )
    assert init.returncode == 0, init.stderr
    # the shim imports the program the way `pulumi preview` runs it, without running a stack
    shim = (ours / "program/__main__.py").read_text().replace("main()", "pass")
    check = run(installed, ours, "-c", shim + "\nimport infra.program; print(infra.program.__file__)")
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip().startswith(str(installed)), check.stdout
