"""The offline plan: its file format, determinism, the golden plan, and the `plan` / `up` commands.

The golden plan (tests/infra/golden/verona.json) is the whole plan of one phase-4 member. When a
change to the program is intended, regenerate it and review the diff like code:

    CONSORTIUM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/infra -k golden
    git diff tests/infra/golden/
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from infra_helpers import BUDGET_START, ROOT

from consortium.cli import main
from consortium.plan import records
from consortium.plan import runner as offline

plan_command = main.commands["plan"]
up_command = main.commands["up"]

GOLDEN = Path(__file__).parent / "golden" / "verona.json"
RECORD_KEYS = {
    "stack",
    "member",
    "urn",
    "id",
    "type",
    "name",
    "custom",
    "parent",
    "provider",
    "dependencies",
    "inputs",
}


def test_plan_document_shape(example_plan):
    doc = records.plan_document(example_plan)
    assert doc["version"] == 1 and doc["project"] == "consortium" and doc["consortium"] == "dane-county"
    assert doc["stacks"][0]["stack"] == "hub"
    assert sorted(s["stack"] for s in doc["stacks"][1:]) == [s["stack"] for s in doc["stacks"][1:]]
    urns = [r["urn"] for r in doc["resources"]]
    assert urns == sorted(urns) and len(set(urns)) == len(urns)
    for r in doc["resources"]:
        # ignore_changes only where the program sets it (the budget's start date, kept from the first up).
        assert set(r) - {"ignore_changes"} == RECORD_KEYS
        if "ignore_changes" in r:
            assert r["ignore_changes"] == sorted(r["ignore_changes"]) and r["ignore_changes"]
            assert set(r["ignore_changes"]) <= set(r["inputs"]), r["name"]
        assert r["urn"].startswith(f"urn:pulumi:{r['stack']}::consortium::")
        assert r["member"] == (None if r["stack"] == "hub" else r["stack"])
        assert r["dependencies"] == sorted(r["dependencies"])
        assert (r["id"] is None) == (not r["custom"])
        assert set(r["dependencies"]) <= set(urns), f"{r['name']} depends on something not in the plan"
        if r["parent"] is not None and not r["parent"].endswith("pulumi:pulumi:Stack::consortium-" + r["stack"]):
            assert r["parent"] in urns
        if r["provider"] is not None:
            assert r["provider"] in urns
    totals = {s["stack"]: s["resources"] for s in doc["stacks"]}
    assert sum(totals.values()) == len(doc["resources"])


def test_two_runs_give_byte_identical_plans(registry, example_plan):
    again = offline.plan_registry(registry, None, include_hub=True, budget_start=BUDGET_START)
    assert records.plan_json(again) == records.plan_json(example_plan)


def test_parallel_planning_gives_the_same_plan(registry, example_plan):
    parallel = offline.plan_registry(registry, None, include_hub=True, budget_start=BUDGET_START, jobs=2)
    assert records.plan_json(parallel) == records.plan_json(example_plan)


def test_the_fast_path_changes_nothing_but_speed(registry, stack_plan, hub_plan):
    """The runner's fast path (aliases dropped, ...) and the SDK's default path give the same records."""
    from consortium.registry.stackconfig import member_stack

    slow = offline.plan_stack(
        member_stack(registry, registry.entry("verona").member),
        hub_outputs=hub_plan.outputs,
        budget_start=BUDGET_START,
        fast=False,
    )
    assert slow.records == stack_plan("verona").records


def test_golden_plan_of_verona(stack_plan):
    current = records.plan_json(offline.Plan("dane-county", (stack_plan("verona"),)))
    if os.environ.get("CONSORTIUM_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(current, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if current != expected:
        diff = "".join(
            list(difflib.unified_diff(expected.splitlines(True), current.splitlines(True), "golden", "now"))[:60]
        )
        pytest.fail(
            "the verona plan changed; if intended, regenerate it "
            "(CONSORTIUM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/infra -k golden) and review:\n" + diff
        )


def test_unknown_member_is_one_line(registry):
    with pytest.raises(offline.InputError) as err:
        offline.plan_registry(registry, ["verona", "atlantis"], include_hub=False)
    assert str(err.value) == "members/atlantis.yaml: no such member in the registry"


def test_invalid_stack_config_fails_with_readable_lines(registry):
    import pulumi

    from consortium.registry.stackconfig import hub_stack
    from infra.program import read_stack

    data = hub_stack(registry).model_dump(mode="json")
    data.pop("subnets")
    data["log_retention_days"] = "lots"
    with pytest.raises(pulumi.RunError) as err:
        read_stack(data)
    lines = str(err.value).splitlines()
    assert any(line.startswith("consortium:stack: hub.subnets: ") for line in lines)
    assert any("hub.log_retention_days" in line for line in lines)
    assert lines[-1] == "re-render the stack config: consortium render"


# --------------------------------------------------------------------------- the commands


def test_plan_all_writes_the_plan_file(tmp_path):
    out = tmp_path / "out" / "plan.json"
    runner = CliRunner()
    result = runner.invoke(plan_command, ["--registry", str(ROOT), "--all", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "stack hub (the shared hub)" in result.stdout
    assert "consortium:member:Network network" in result.stdout
    assert "azure-native:network:NetworkSecurityGroup x4" in result.stdout
    assert result.stdout.rstrip().endswith("planned 10 stacks, 284 resources") or "planned 10 stacks" in result.stdout
    doc = json.loads(out.read_text())
    assert len(doc["stacks"]) == 10 and len(doc["resources"]) > 200
    first = out.read_bytes()
    again = runner.invoke(plan_command, ["--registry", str(ROOT), "--all", "--json", str(out), "--summary"])
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
    result = CliRunner().invoke(plan_command, ["--registry", str(ROOT), *args])
    assert result.exit_code == 2
    if message is not None:
        assert result.stderr == message
    assert "Traceback" not in result.output


def test_up_without_the_pulumi_cli_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `pulumi` anywhere
    result = CliRunner().invoke(up_command, ["--registry", str(ROOT), "--member", "verona"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pulumi: the Pulumi CLI is not installed")
    assert "https://www.pulumi.com/docs/install/" in lines[0]
    assert "Traceback" not in result.output
    hub = CliRunner().invoke(up_command, ["--registry", str(ROOT), "--hub"])
    assert hub.exit_code == 2 and hub.stderr == result.stderr


def test_up_needs_exactly_one_stack():
    assert CliRunner().invoke(up_command, ["--registry", str(ROOT)]).exit_code == 2
    assert CliRunner().invoke(up_command, ["--registry", str(ROOT), "--hub", "--member", "verona"]).exit_code == 2


def test_deploy_checks_the_project_files(tmp_path, monkeypatch):
    from consortium.plan import deploy
    from consortium.registry.errors import InputError

    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    with pytest.raises(InputError) as err:
        deploy.up(tmp_path, "verona")
    assert [str(p) for p in err.value.problems] == [
        f"Pulumi.yaml: not found in {tmp_path.resolve()} (point --registry at the registry root)",
        "stacks/Pulumi.verona.yaml: stack config not rendered; run: consortium render",
    ]


def test_deploy_requires_the_vpn_secrets_of_a_networked_member(tmp_path):
    from consortium.plan import deploy
    from consortium.registry.errors import InputError

    (tmp_path / "Pulumi.yaml").write_text("name: consortium\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.verona.yaml").write_text(
        "config:\n  consortium:vpn-psk-police:\n    secure: AAABAxyz\n"
    )
    deploy.check_project(tmp_path, "verona", ["vpn-psk-police"])
    with pytest.raises(InputError) as err:
        deploy.check_project(tmp_path, "verona", ["vpn-psk-city-hall", "vpn-psk-police"])
    assert [str(p) for p in err.value.problems] == [
        "stacks/Pulumi.verona.yaml: config.consortium:vpn-psk-city-hall: not set; "
        "run: pulumi config set --secret vpn-psk-city-hall --stack verona"
    ]
