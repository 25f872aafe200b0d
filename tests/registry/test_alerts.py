"""The alert definitions and the desk's actions: one list each, well formed, growing with the phases."""

from __future__ import annotations

import re

from consortium.registry.alerts import HUB_ALERTS, MEMBER_ALERTS, Signal, alert, member_alerts
from consortium.registry.desk_access import ALL_DESK_ACTIONS, role_actions, runbook_context
from consortium.registry.models import Service

DURATION = re.compile(r"^P(\d+D)?(T(\d+H)?(\d+M)?)?$")


def test_each_phase_adds_its_services_alerts():
    assert [a.key for a in member_alerts([Service.SERVICE_DESK])] == ["budget"]
    assert [a.key for a in member_alerts([Service.SERVICE_DESK, Service.BACKUP])] == [
        "budget",
        "backup-job-failed",
        "backup-missing",
    ]
    every = member_alerts(list(Service))
    assert {a.service for a in every} == set(Service), "every service brings at least one alert"
    assert [a.key for a in every] == [a.key for a in MEMBER_ALERTS]


def test_defaults_are_what_azure_takes():
    for a in (*MEMBER_ALERTS, *HUB_ALERTS):
        assert re.fullmatch(r"[a-z0-9-]+", a.key)
        if a.severity is not None:
            assert 0 <= a.severity <= 4, a.key
        if a.signal in (Signal.METRIC, Signal.LOG):
            assert a.severity is not None and a.operator and a.threshold is not None, a.key
            assert DURATION.match(a.window or "") and DURATION.match(a.frequency or ""), a.key
        if a.signal is Signal.METRIC:
            assert a.metric and a.aggregation, a.key
        if a.signal is Signal.RESOURCE_HEALTH:
            assert set(a.health_states) <= {"Available", "Unavailable", "Degraded", "Unknown"} and a.health_states
    assert len({a.key for a in (*MEMBER_ALERTS, *HUB_ALERTS)}) == len(MEMBER_ALERTS) + len(HUB_ALERTS)
    assert "ago(36h)" in (alert("backup-missing").query or "")


def test_the_desk_never_writes_deletes_or_grants():
    for action in ALL_DESK_ACTIONS:
        assert not action.endswith(("/write", "/delete", "/*")) and "Authorization" not in action, action
    assert role_actions([Service.SERVICE_DESK]) == ["*/read", "Microsoft.AlertsManagement/alerts/changestate/action"]
    grown = role_actions(list(Service))
    assert set(role_actions([Service.SERVICE_DESK])) < set(grown) == ALL_DESK_ACTIONS


def test_runbook_context_names_the_towns_desk_side():
    ctx = runbook_context("dane-county", "oregon", [Service.SERVICE_DESK])
    assert ctx["resource_group"] == "rg-dane-county-oregon" and ctx["action_group"] == "ag-oregon-desk"
    assert ctx["role"] == "dane-county service desk, oregon"
    assert [a["service"] for a in ctx["alerts"]] == ["service_desk"] and ctx["hub_alerts"] == []
    assert runbook_context("dane-county", "verona", list(Service))["hub_alerts"]
