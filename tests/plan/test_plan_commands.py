"""`consortium plan` and `consortium up` (consortium/cli/plan_commands.py): output, plan file, bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from consortium.cli import main
from tests.conftest import REPO

plan_command = main.commands["plan"]
up_command = main.commands["up"]


def test_plan_all_writes_the_plan_file(tmp_path):
    out = tmp_path / "out" / "plan.json"
    runner = CliRunner()
    result = runner.invoke(plan_command, ["--registry", str(REPO), "--all", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "stack hub (the shared hub)" in result.stdout
    assert "consortium:member:Network network" in result.stdout
    assert "azure-native:network:NetworkSecurityGroup x4" in result.stdout
    assert result.stdout.rstrip().endswith("planned 10 stacks, 284 resources") or "planned 10 stacks" in result.stdout
    doc = json.loads(out.read_text())
    assert len(doc["stacks"]) == 10 and len(doc["resources"]) > 200
    first = out.read_bytes()
    again = runner.invoke(plan_command, ["--registry", str(REPO), "--all", "--json", str(out), "--summary"])
    assert again.exit_code == 0 and out.read_bytes() == first
    assert "verona: 52 resources" in again.stdout or "verona:" in again.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--member", "atlantis"], "members/atlantis.yaml: no such member in the registry\n"),
        ([], None),
        (["--all", "--member", "verona"], None),
    ],
)
def test_plan_bad_input_exits_2(args, message):
    result = CliRunner().invoke(plan_command, ["--registry", str(REPO), *args])
    assert result.exit_code == 2
    if message is not None:
        assert result.stderr == message
    assert "Traceback" not in result.output


def test_up_without_the_pulumi_cli_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `pulumi` anywhere
    result = CliRunner().invoke(up_command, ["--registry", str(REPO), "--member", "verona"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pulumi: the Pulumi CLI is not installed")
    assert "https://www.pulumi.com/docs/install/" in lines[0]
    assert "Traceback" not in result.output
    hub = CliRunner().invoke(up_command, ["--registry", str(REPO), "--hub"])
    assert hub.exit_code == 2 and hub.stderr == result.stderr


def test_up_needs_exactly_one_stack():
    assert CliRunner().invoke(up_command, ["--registry", str(REPO)]).exit_code == 2
    assert CliRunner().invoke(up_command, ["--registry", str(REPO), "--hub", "--member", "verona"]).exit_code == 2
