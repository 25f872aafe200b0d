"""`consortium plan` and `consortium up` (consortium/cli/plan_commands.py): output, plan file, bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from consortium.cli import main
from consortium.wire import UNKNOWN
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
    assert "verona: 64 resources" in again.stdout or "verona:" in again.stdout


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


def test_plan_first_preview_writes_a_plan_file_the_audit_reads(tmp_path):
    out = tmp_path / "first-preview.json"
    args = ["--registry", str(REPO), "--member", "verona", "--first-preview", "--summary", "--json", str(out)]
    result = CliRunner().invoke(plan_command, args)
    assert result.exit_code == 0, result.output
    assert "verona: 64 resources" in result.stdout  # the same resources as the full plan
    assert 'resources have inputs unknown until deployed ("[unknown]")' in result.stdout
    doc = json.loads(out.read_text())
    assert doc["version"] == 1 and [s["stack"] for s in doc["stacks"]] == ["verona"]
    assert {r["id"] for r in doc["resources"] if r["custom"] and r["type"] != "pulumi:pulumi:StackReference"} == {
        UNKNOWN
    }
    audit = CliRunner().invoke(main.commands["audit"], ["--registry", str(REPO), "--plan", str(out)])
    assert audit.exit_code in (0, 1), audit.output  # judged (pass or fail), never bad input or a crash
    assert "verona" in audit.stdout and "Traceback" not in audit.output


def test_plan_help_explains_the_first_preview():
    text = CliRunner().invoke(plan_command, ["--help"]).stdout
    assert "--first-preview" in text and "never deployed" in text
