"""`consortium plan --against FILE`: what changed since an earlier plan, stack by stack.

The property engineers rely on: onboarding a town adds that town's stack and changes nothing in
any other stack, the hub included. Both plans come from the command itself (same day, so the same
budget start), the changed registry is a private copy of the example.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from consortium.cli import main
from consortium.plan import diff as plan_diff
from consortium.plan.records import index_plan, read_plan
from consortium.registry.errors import InputError
from tests.conftest import REPO, copy_registry
from tests.registry.helpers import NEW_TOWN

plan_command = main.commands["plan"]
RECORD = {"stack": "s", "urn": "urn:a", "type": "t", "name": "a", "parent": None, "provider": None}


def _plan(*args: str | Path) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(plan_command, ["--summary", *(str(a) for a in args)])
    return result.exit_code, result.stdout.splitlines(), result.stderr


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example consortium's full plan, as `make demo` writes it."""
    path = tmp_path_factory.mktemp("base") / "plan.json"
    code, _, err = _plan("--registry", REPO, "--all", "--json", path)
    assert code == 0, err
    return path


def _report(lines: list[str]) -> list[str]:
    """The comparison: everything after the 'planned N stacks' line."""
    start = next(i for i, line in enumerate(lines) if line.startswith("planned "))
    return lines[start + 1 :]


def _doc(*records: dict) -> dict:
    return {"version": 1, "stacks": [{"stack": "s"}], "resources": list(records)}


# --------------------------------------------------------------------------- pure functions


def test_identical_plans_have_no_changes(base):
    records = read_plan(base)
    result = plan_diff.diff_plans(records, json.loads(json.dumps(records)))
    assert all(not s.changed and s.status == "compared" for s in result.stacks)
    assert result.total("unchanged") == len(json.loads(base.read_text())["resources"]) > 300
    assert plan_diff.report_lines(result, "old.json")[-1].startswith(
        "against old.json: 0 to create, 0 to delete, 0 to update,"
    )


def test_changes_are_paths_with_both_values():
    old = {**RECORD, "inputs": {"routes": [{"addressPrefix": "10.0.0.0/24"}], "flag": True}, "dependencies": ["u1"]}
    new = {**RECORD, "inputs": {"routes": [{"addressPrefix": "10.0.1.0/24"}, {"x": 1}], "flag": 1}, "dependencies": []}
    changes = plan_diff.resource_changes(old, new)
    assert [plan_diff.change_line(c) for c in changes] == [
        "inputs.flag: true -> 1",  # a bool turned int is a change, though True == 1
        'inputs.routes[0].addressPrefix: "10.0.0.0/24" -> "10.0.1.0/24"',
        'inputs.routes[1]: + {"x": 1}',
        'dependencies: - "u1"',
    ]


def test_inputs_the_program_ignores_are_not_changes(base):
    """The budget's start date (ignore_changes in infra/member_budget.py) differs between plans made
    in different months; `pulumi up` keeps the first value, so the diff must not call it a change."""
    doc = json.loads(base.read_text())
    budgets = [r for r in doc["resources"] if r["stack"] == "verona" and r["type"] == "azure-native:consumption:Budget"]
    (budget,) = budgets
    assert budget["ignore_changes"] == ["timePeriod"]  # recorded from the program's resource options
    later = {**budget, "inputs": {**budget["inputs"], "timePeriod": {"startDate": "2099-01-01T00:00:00Z"}}}
    assert plan_diff.resource_changes(budget, later) == []
    amount = {**later, "inputs": {**later["inputs"], "amount": budget["inputs"]["amount"] + 1}}
    assert [c.path for c in plan_diff.resource_changes(budget, amount)] == ["inputs.amount"]
    unmarked = {k: v for k, v in later.items() if k != "ignore_changes"}
    assert [c.path for c in plan_diff.resource_changes(budget, unmarked)] == ["inputs.timePeriod.startDate"]


def test_named_items_are_compared_by_name():
    """A subnet added before others in the sorted list is one addition, not every later one changed."""
    pe = {"name": "private-endpoints", "addressPrefix": "10.1.0.0/24"}
    servers = {"name": "servers", "addressPrefix": "10.1.1.0/24"}
    endpoints = {"name": "endpoints", "addressPrefix": "10.1.2.0/24"}
    old = {**RECORD, "inputs": {"subnets": [pe, servers]}}
    new = {**RECORD, "inputs": {"subnets": [endpoints, pe, {**servers, "addressPrefix": "10.1.9.0/24"}]}}
    assert [plan_diff.change_line(c) for c in plan_diff.resource_changes(old, new)] == [
        'inputs.subnets[name=endpoints]: + {"addressPrefix": "10.1.2.0/24", "name": "endpoints"}',
        'inputs.subnets[name=servers].addressPrefix: "10.1.1.0/24" -> "10.1.9.0/24"',
    ]
    swapped = {**RECORD, "inputs": {"subnets": [servers, pe]}}
    assert [plan_diff.change_line(c) for c in plan_diff.resource_changes(old, swapped)] == [
        'inputs.subnets (order of names): ["private-endpoints", "servers"] -> ["servers", "private-endpoints"]'
    ]
    # Names that repeat, or items without one, fall back to positions.
    twice = {**RECORD, "inputs": {"subnets": [pe, pe]}}
    assert [c.path for c in plan_diff.resource_changes(old, twice)] == [
        "inputs.subnets[1].addressPrefix",
        "inputs.subnets[1].name",
    ]


@pytest.mark.parametrize("field", ["parent", "provider", "dependencies"])
def test_parent_provider_and_dependency_changes_are_updates(field):
    old = {**RECORD, "inputs": {}, "dependencies": []}
    new = {**old, field: ["urn:p"] if field == "dependencies" else "urn:p"}
    result = plan_diff.diff_plans(index_plan(_doc(old), "a"), index_plan(_doc(new), "b"))
    (stack,) = result.stacks
    assert [u.urn for u in stack.updated] == ["urn:a"] and stack.unchanged == 0
    assert stack.updated[0].changes[0].path == field


# --------------------------------------------------------------------------- the command


def test_onboarding_a_town_changes_no_other_stack(base, tmp_path):
    registry = copy_registry(tmp_path / "registry")
    town = registry / "members/dunn.yaml"
    # Phase 4 with a LAN that overlaps McFarland's: the hardest case (VPN, NAT on the hub gateway).
    town.write_text(
        NEW_TOWN.replace("phase: 1", "phase: 4")
        + "network:\n  onprem:\n    - {name: town-hall, public_ip: 24.177.50.9, cidrs: [192.168.1.0/24]}\n"
    )
    onboard = CliRunner().invoke(main, ["onboard", "--registry", str(registry), str(town)])
    assert onboard.exit_code == 0, onboard.stderr
    assert "nat_cidrs: allocated" in onboard.stdout
    code, lines, err = _plan("--registry", registry, "--all", "--against", base)
    assert code == 0, err
    report = _report(lines)
    others = json.loads(base.read_text())["stacks"]
    assert len(others) == 10
    for stack in others:
        assert f"stack {stack['stack']}: no changes ({stack['resources']} unchanged)" in report
    (added,) = [line for line in report if line.startswith("stack dunn:")]
    assert added.startswith(f"stack dunn: added, not in {base} (") and added.endswith(" to create)")
    assert len(report) == 12  # ten unchanged stacks, the new one, the totals
    assert report[-1].startswith(f"against {base}: ") and ", 0 to delete, 0 to update, " in report[-1]
    assert report[-1].endswith("(11 stacks compared: 0 changed, 1 added, 0 removed)")


def test_moving_a_member_to_phase_4_updates_its_network_in_place(base, tmp_path):
    registry = copy_registry(tmp_path / "registry")
    member = registry / "members/mcfarland.yaml"
    member.write_text(member.read_text().replace("phase: 3", "phase: 4"))
    assert CliRunner().invoke(main, ["render", "--registry", str(registry)]).exit_code == 0
    code, lines, err = _plan("--registry", registry, "--member", "mcfarland", "--against", base)
    assert code == 0, err
    report = _report(lines)
    assert not any(line.startswith("stack ") and "mcfarland" not in line for line in report)  # only what was planned
    counts = re.fullmatch(r"stack mcfarland: (\d+) to create, 0 to delete, (\d+) to update, \d+ unchanged", report[0])
    assert counts and int(counts[1]) > 0 and int(counts[2]) > 0, report[0]
    assert not any(line.startswith("  - ") for line in report)
    assert "  + azure-native:network:NetworkSecurityGroup nsg-mcfarland-servers" in report
    assert "  + azure-native:network:VirtualNetworkGatewayConnection cn-mcfarland-village-hall" in report
    assert "  ~ azure-native:network:VirtualNetwork vnet-mcfarland" in report
    assert "  ~ azure-native:network:RouteTable rt-mcfarland" in report
    assert any(line.startswith("      inputs.routes[name=onprem-") and "192.168.1.0/24" in line for line in report)
    assert any(line.startswith("      inputs.subnets[name=servers]: + ") for line in report)
    assert not any(line.startswith("      inputs.subnets[name=private-endpoints]") for line in report)  # untouched
    assert '      inputs.tags.phase: "3" -> "4"' in report
    assert report[-1].endswith("(1 stacks compared: 1 changed, 0 added, 0 removed)")
    assert "offline-placeholder" not in "\n".join(report)  # the VPN key stays "[secret]"


def test_a_resource_gone_from_the_program_is_a_delete_and_a_gone_stack_is_removed(base, tmp_path):
    doc = json.loads(base.read_text())
    vault = next(r for r in doc["resources"] if r["stack"] == "verona" and r["name"] == "rsv-verona")
    doc["resources"].append({**vault, "urn": vault["urn"] + "-old", "name": "rsv-verona-old"})
    doc["stacks"].append({"stack": "atlantis", "member": "atlantis", "resources": 1, "by_type": {}})
    doc["resources"].append({**vault, "stack": "atlantis", "member": "atlantis", "urn": "urn:pulumi:atlantis::x"})
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    code, lines, err = _plan("--registry", REPO, "--member", "verona", "--against", old)
    assert code == 0, err
    report = _report(lines)
    assert report[0] == "stack verona: 0 to create, 1 to delete, 0 to update, 64 unchanged"
    assert report[1:] == ["  - azure-native:recoveryservices:Vault rsv-verona-old", report[-1]]
    code, lines, err = _plan("--registry", REPO, "--all", "--against", old)
    assert code == 0, err
    assert f"stack atlantis: removed, only in {old} (1 to delete)" in _report(lines)
    assert _report(lines)[-1].endswith("(11 stacks compared: 1 changed, 0 added, 1 removed)")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", ": line 1: not valid JSON: "),
        ('{"version": 2, "stacks": [], "resources": []}', ": version: is 2, this toolkit reads version 1"),
        ('{"version": 1, "stacks": []}', ": resources: missing"),
        ('{"version": 1, "stacks": [], "resources": [{"stack": "hub", "type": "t", "name": "n"}]}', ""),
        (None, ": file not found"),
    ],
)
def test_a_bad_against_file_is_one_line_and_nothing_is_written(tmp_path, monkeypatch, content, message):
    monkeypatch.setattr("consortium.plan.runner.plan_registry", lambda *a, **k: pytest.fail("planned before checking"))
    old = tmp_path / "old.json"
    if content is not None:
        old.write_text(content)
    out = tmp_path / "out" / "plan.json"
    code, lines, err = _plan("--registry", REPO, "--member", "oregon", "--json", out, "--against", old)
    assert code == 2 and lines == []
    assert len(err.splitlines()) == 1 and err.startswith(f"{old}: ")
    assert message in err if message else err == f"{old}: resources[0].urn: missing or not a string\n"
    assert not out.parent.exists()


def test_a_duplicate_urn_is_bad_input():
    with pytest.raises(InputError, match=r"^f: resources\[1\]\.urn: duplicate urn:a$"):
        index_plan(_doc({**RECORD}, {**RECORD}), "f")


def test_the_resilient_hub_shows_as_updates_and_replacements(tmp_path: Path) -> None:
    """The hub of before issue 18 (single-instance gateway, regional firewall) against today's: the
    firewall and its address are replaced (zones cannot change in place, the old one deleted first),
    the gateway is updated in place to active-active, and its second address and maintenance window are new."""
    current = tmp_path / "now.json"
    code, _, err = _plan("--registry", REPO, "--hub", "--json", current)
    assert code == 0, err
    old = json.loads(current.read_text())
    for r in old["resources"]:
        if r["name"] in ("afw-dane-county-hub", "pip-dane-county-hub-firewall"):
            r["inputs"].pop("zones")
        if r["type"] == "azure-native:network:VirtualNetworkGateway":
            r["inputs"]["activeActive"] = False
            r["inputs"]["ipConfigurations"] = r["inputs"]["ipConfigurations"][:1]
            r["dependencies"] = [d for d in r["dependencies"] if not d.endswith("-vpn-2")]
    old["resources"] = [
        r
        for r in old["resources"]
        if not r["name"].endswith("-vpn-2") and not r["type"].startswith("azure-native:maintenance:")
    ]
    before = tmp_path / "before.json"
    before.write_text(json.dumps(old))
    code, lines, err = _plan("--registry", REPO, "--hub", "--against", before)
    assert code == 0, err
    report = _report(lines)
    assert report[0] == "stack hub: 3 to create, 0 to delete, 3 to update (2 of them replaced), 55 unchanged"
    replaced = [line for line in report if line.startswith("  +- ")]
    assert replaced == [
        "  +- azure-native:network:AzureFirewall afw-dane-county-hub (replaced: zones cannot change in place, "
        "the old one deleted first)",
        "  +- azure-native:network:PublicIPAddress pip-dane-county-hub-firewall (replaced: zones cannot change in "
        "place, the old one deleted first)",
    ]
    assert "  ~ azure-native:network:VirtualNetworkGateway vgw-dane-county-hub" in report
    assert "      inputs.activeActive: false -> true" in report
    assert {line for line in report if line.startswith("  + ")} == {
        "  + azure-native:maintenance:ConfigurationAssignment mc-dane-county-hub-vpn",
        "  + azure-native:maintenance:MaintenanceConfiguration mc-dane-county-hub-vpn",
        "  + azure-native:network:PublicIPAddress pip-dane-county-hub-vpn-2",
    }


def test_a_change_outside_the_replace_on_change_inputs_is_an_update() -> None:
    record = {"urn": "u", "type": "t", "name": "n", "inputs": {"zones": ["1"], "tags": {"a": "1"}}}
    changed = {**record, "inputs": {"zones": ["1"], "tags": {"a": "2"}}, "replace_on_changes": ["zones"]}
    (updated,) = plan_diff.diff_stack("s", {"u": record}, {"u": changed}).updated
    assert not updated.replace
    rezoned = {**changed, "inputs": {"zones": ["1", "2"], "tags": {"a": "1"}}}
    (updated,) = plan_diff.diff_stack("s", {"u": record}, {"u": rezoned}).updated
    assert updated.replaced_by == ("zones",)
