"""Audit sources: plan records and `pulumi stack export` files into resources; deployed state judged by outputs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from consortium.audit.sources import load_plan, load_state_file, plan_resources
from policies.crossguard import to_resource
from policies.framework import Resource
from tests.audit.stack_export import write_exports
from tests.conftest import REPO
from tests.policies.mutations import MUTATIONS
from tests.registry.helpers import cli


@pytest.fixture
def exports(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    folder = tmp_path / "exports"
    write_exports(records, folder)
    return folder


def _edit_outputs(path: Path, name: str, change: dict[str, Any]) -> None:
    doc = json.loads(path.read_text())
    for res in doc["deployment"]["resources"]:
        if res["urn"].endswith("::" + name):
            res["outputs"].update(change)
    path.write_text(json.dumps(doc))


def test_exports_look_like_the_engine_wrote_them(exports: Path) -> None:
    doc = json.loads((exports / "verona.json").read_text())
    assert doc["version"] == 3
    kinds = [r["type"] for r in doc["deployment"]["resources"]]
    assert kinds[:2] == ["pulumi:pulumi:Stack", "pulumi:providers:azure-native"]
    conn = next(r for r in doc["deployment"]["resources"] if r["type"].endswith("VirtualNetworkGatewayConnection"))
    assert "4dabf18193072939515e22adb298388d" in conn["outputs"]["sharedKey"]
    assert conn["id"].startswith("/subscriptions/") and "resourceGroupName" not in conn["outputs"]


def test_the_deployed_example_audits_clean(exports: Path) -> None:
    result = cli("audit", "--state", exports, "--registry", REPO)
    assert result.code == 0, result.out
    assert "0 failed, 0 advisory" in result.out
    assert "City of Verona (verona): Meets the standard" in result.out
    assert "Shared hub (hub): Meets the standard" in result.out and "9 members and the shared hub" in result.out


def test_drift_in_azure_is_judged_by_outputs(exports: Path) -> None:
    """Someone lowered TLS in the portal: the inputs still say TLS1_2, the outputs do not."""
    account = next(
        r
        for r in json.loads((exports / "verona.json").read_text())["deployment"]["resources"]
        if r["type"] == "azure-native:storage:StorageAccount"
    )
    name = account["urn"].rsplit("::", 1)[-1]
    _edit_outputs(exports / "verona.json", name, {"minimumTlsVersion": "TLS1_0"})
    result = cli("audit", "--state", exports, "--registry", REPO)
    assert result.code == 1
    assert "FAILED    MCS-STO-001" in result.out and "minimumTlsVersion is TLS1_0" in result.out


def test_isolation_is_judged_from_one_export_given_the_registry(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    mutate, fragment = MUTATIONS["MCS-ISO-001"]
    bad = copy.deepcopy(records)
    mutate(bad)
    folder = tmp_path / "exports"
    write_exports(bad, folder)
    together = cli("audit", "--state", folder, "--registry", REPO, "--format", "json")
    assert together.code == 1
    assert any(r["control"] == "MCS-ISO-001" and fragment in r["message"] for r in json.loads(together.out)["results"])
    alone = cli("audit", "--state", folder / "verona.json", "--registry", REPO, "--format", "json")
    assert alone.code == 1
    assert any(r["control"] == "MCS-ISO-001" and fragment in r["message"] for r in json.loads(alone.out)["results"])


def test_several_state_arguments_combine(exports: Path) -> None:
    result = cli("audit", "--state", exports / "hub.json", "--state", exports / "verona.json", "--registry", REPO)
    assert result.code == 0, result.out
    assert "; source: state exports of hub, verona; " in result.out  # the stacks, not the files' paths
    assert "Shared hub (hub): " in result.out and "City of Verona (verona): " in result.out
    assert "fitchburg" not in result.out


def test_same_stack_twice_is_refused(exports: Path, tmp_path: Path) -> None:
    copy_of = tmp_path / "again.json"
    copy_of.write_text((exports / "verona.json").read_text())
    result = cli("audit", "--state", exports, "--state", copy_of, "--registry", REPO)
    assert result.code == 2 and "stack verona is also in" in result.err


def test_empty_directory_is_refused(tmp_path: Path) -> None:
    result = cli("audit", "--state", tmp_path, "--registry", REPO)
    assert result.code == 2 and "holds no *.json stack exports" in result.err


def test_audit_without_a_registry_uses_defaults(exports: Path, tmp_path: Path) -> None:
    result = cli("audit", "--state", exports, "--registry", tmp_path)
    assert result.code == 0
    assert "controls use their default parameters" in result.err


URN = "urn:pulumi:verona::consortium::azure-native:storage:StorageAccount::stverona"


def test_a_plan_record_keeps_the_stack_and_member_its_file_gives() -> None:
    record = {"urn": URN, "type": "t", "name": "st-logical", "stack": "verona", "parent": "p", "id": "/subs/x"}
    (r,) = plan_resources([record])
    # no member in the file: none, not one guessed from the stack; no inputs: empty
    assert r == Resource(URN, "t", "st-logical", "verona", None, {}, parent="p", id="/subs/x")
    (r,) = plan_resources([{**record, "member": "verona", "inputs": {"a": 1}}])
    assert (r.member, r.props) == ("verona", {"a": 1})


def test_plan_file_state_export_and_crossguard_give_the_same_resources(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    """One conversion: a plan file, the export of the same records and the pack's view agree on identity."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"version": 1, "stacks": [{"stack": "verona"}], "resources": records}))
    planned = {r.urn: r for r in load_plan(plan) if r.stack == "verona"}
    (path,) = write_exports([r for r in records if r["stack"] == "verona"], tmp_path / "exports")
    deployed = {r.urn: r for r in load_state_file(path)}
    assert set(planned) < set(deployed)  # the export adds the stack and the default provider
    for urn, p in planned.items():
        d = deployed[urn]
        assert (d.type, d.name, d.stack, d.member) == (p.type, p.name, p.stack, p.member)
        pack = to_resource(p.type, p.props, p.urn, p.name, p.parent)
        assert pack == Resource.at(urn, p.type, p.props, name=p.name, stack=p.stack, member=p.member, parent=p.parent)
