"""MCS-LOG-007 (every VNet's flow log, kept and analysed in the hub workspace), beyond its one mutation in
mutations.py: the other ways it must fire, what it cannot judge yet, and silence on every bundled VNet."""

from __future__ import annotations

from typing import Any

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.registry.load import Registry
from policies.catalog import by_id
from policies.framework import evaluate

from .helpers import first_preview, messages, pick
from .mutations import FLOW_LOG, VNET, setp

CID = "MCS-LOG-007"


def test_every_bundled_vnet_is_judged_and_passes(records: list[dict[str, Any]], example_registry: Registry) -> None:
    assert messages(CID, records, example_registry) == []
    checked = evaluate([by_id()[CID]], plan_resources(records), registry_params(example_registry)).checks
    vnets = {r["member"] or "hub" for r in records if r["type"] == VNET}
    assert {c.member for c in checked} == vnets and len(vnets) > 1


def test_a_vnet_without_a_flow_log_fails(records, example_registry) -> None:
    records.remove(pick(records, FLOW_LOG, member="fitchburg"))
    vnet = pick(records, VNET, member="fitchburg")
    assert messages(CID, records, example_registry, vnet["urn"]) == ["vnet-fitchburg has no flow log"]


def test_a_flow_log_of_another_vnet_does_not_count(records, example_registry) -> None:
    log = pick(records, FLOW_LOG, member="fitchburg")
    setp(log, "targetResourceId", log["inputs"]["targetResourceId"].replace("vnet-fitchburg", "vnet-elsewhere"))
    vnet = pick(records, VNET, member="fitchburg")
    assert messages(CID, records, example_registry, vnet["urn"]) == ["vnet-fitchburg has no flow log"]


def test_disabled_unretained_or_unanalysed_flow_logs_fail(records, example_registry) -> None:
    log = pick(records, FLOW_LOG, member=None)
    setp(log, "enabled", False)
    setp(log, "retentionPolicy.enabled", False)
    setp(log, "flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration.enabled", False)
    assert sorted(messages(CID, records, example_registry, log["urn"])) == [
        "flow log fl-vnet-dane-county-hub has no traffic analytics",
        "flow log fl-vnet-dane-county-hub is not enabled",
        "flow log fl-vnet-dane-county-hub keeps its records without a retention policy "
        "(retentionPolicy.enabled is not true)",
    ]


def test_traffic_analytics_to_another_workspace_fails(records, example_registry) -> None:
    log = pick(records, FLOW_LOG)
    path = "flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration.workspaceResourceId"
    setp(
        log, path, "/subscriptions/x/resourceGroups/rg-town/providers/Microsoft.OperationalInsights/workspaces/log-own"
    )
    assert messages(CID, records, example_registry, log["urn"]) == [
        "flow log fl-vnet-verona sends its traffic analytics to log-own, not the hub workspace"
    ]


def test_zero_days_is_azures_keep_forever_and_passes(records, example_registry) -> None:
    setp(pick(records, FLOW_LOG), "retentionPolicy.days", 0)
    assert messages(CID, records, example_registry) == []


def test_a_first_preview_cannot_judge_the_spoke_yet(records, example_registry) -> None:
    """The spoke's id is unknown before its first deployment, so its flow log's target is too: advisory."""
    stack = first_preview(records, "verona")
    found = evaluate([by_id()[CID]], plan_resources(stack), registry_params(example_registry)).findings
    assert [(f.resource_name, f.advisory) for f in found] == [("vnet-verona", True)]
    assert "targetResourceId of a flow log in stack verona" in found[0].message
