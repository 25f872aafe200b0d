"""The Azure Monitor resources behind the service desk's alerts, one builder per kind of signal.

Members (:mod:`infra.member_alerts`) and the hub (:mod:`infra.hub_alerts`) build the same kinds from
the same definitions (:mod:`consortium.registry.alerts`), so a threshold or a severity has one home.
Every rule is enabled and sends to the desk's action group; a policy (MCS-OPS-001) follows those
references from each deployed service to an action group that mails the desk.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import alertsmanagement, monitor

from consortium.registry import naming
from consortium.registry.alerts import Alert, Signal

# Action groups, activity log alerts and alert processing rules are global resources.
GLOBAL = "global"


def desk_action_group(
    owner: str,
    *,
    resource_group_name: pulumi.Input[str],
    receivers: Sequence[tuple[str, str]],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> monitor.ActionGroup:
    """The desk's action group: one e-mail receiver per (name, address), using the common alert schema."""
    name = naming.action_group(owner)
    return monitor.ActionGroup(
        name,
        action_group_name=name,
        resource_group_name=resource_group_name,
        location=GLOBAL,
        group_short_name=naming.action_group_short_name(owner),
        enabled=True,
        email_receivers=[
            {"name": receiver, "email_address": address, "use_common_alert_schema": True}
            for receiver, address in receivers
        ],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _need(alert: Alert, *signals: Signal) -> None:
    if alert.signal not in signals:
        raise ValueError(f"alert {alert.key} is a {alert.signal} alert, not {'/'.join(signals)}")


def metric_alert(
    owner: str,
    alert: Alert,
    *,
    target_id: pulumi.Input[str],
    action_group_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> monitor.MetricAlert:
    """A single-resource metric alert; priced per monitored time series (one here, or one per dimension value)."""
    _need(alert, Signal.METRIC)
    if alert.metric is None or alert.aggregation is None or alert.operator is None or alert.threshold is None:
        raise ValueError(f"metric alert {alert.key} lacks its metric, aggregation, operator or threshold")
    dimensions = None
    if alert.dimension is not None:
        dim_name, values = alert.dimension
        dimensions = [monitor.MetricDimensionArgs(name=dim_name, operator="Include", values=list(values))]
    # The criteria input is a union: typed args, not a dict, so the SDK sends Azure's wire names.
    criterion = monitor.MetricCriteriaArgs(
        criterion_type="StaticThresholdCriterion",
        name=alert.key,
        metric_name=alert.metric,
        time_aggregation=alert.aggregation,
        operator=alert.operator,
        threshold=alert.threshold,
        dimensions=dimensions,
    )
    name = naming.alert_rule(owner, alert.key)
    return monitor.MetricAlert(
        name,
        rule_name=name,
        resource_group_name=resource_group_name,
        location=GLOBAL,
        description=alert.title,
        severity=alert.severity,
        enabled=True,
        scopes=[target_id],
        evaluation_frequency=alert.frequency,
        window_size=alert.window,
        auto_mitigate=True,
        criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
            odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", all_of=[criterion]
        ),
        actions=[{"action_group_id": action_group_id}],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def log_alert(
    owner: str,
    alert: Alert,
    *,
    target_id: pulumi.Input[str],
    action_group_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    location: str,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> monitor.ScheduledQueryRule:
    """A log search alert run in the target's resource context (its logs, wherever its diagnostics send them)."""
    _need(alert, Signal.LOG)
    name = naming.alert_rule(owner, alert.key)
    return monitor.ScheduledQueryRule(
        name,
        rule_name=name,
        resource_group_name=resource_group_name,
        location=location,
        description=alert.title,
        display_name=alert.title,
        severity=alert.severity,
        enabled=True,
        scopes=[target_id],
        evaluation_frequency=alert.frequency,
        window_size=alert.window,
        criteria={
            "all_of": [
                {
                    "query": alert.query,
                    "time_aggregation": "Count",
                    "operator": alert.operator,
                    "threshold": alert.threshold,
                    "failing_periods": {"number_of_evaluation_periods": 1, "min_failing_periods_to_alert": 1},
                }
            ]
        },
        actions={"action_groups": [action_group_id]},
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def health_alert(
    owner: str,
    alert: Alert,
    *,
    target_ids: Sequence[pulumi.Input[str]],
    action_group_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> monitor.ActivityLogAlert:
    """An activity log alert on the targets' Resource Health events (free of charge)."""
    _need(alert, Signal.RESOURCE_HEALTH)
    name = naming.alert_rule(owner, alert.key)
    return monitor.ActivityLogAlert(
        name,
        activity_log_alert_name=name,
        resource_group_name=resource_group_name,
        location=GLOBAL,
        description=alert.title,
        enabled=True,
        scopes=list(target_ids),
        condition={
            "all_of": [
                {"field": "category", "equals": "ResourceHealth"},
                {
                    "any_of": [
                        {"field": "properties.currentHealthStatus", "equals": state} for state in alert.health_states
                    ]
                },
            ]
        },
        actions={"action_groups": [{"action_group_id": action_group_id}]},
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def built_in_alert_routing(
    owner: str,
    alert: Alert,
    *,
    target_id: pulumi.Input[str],
    action_group_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> alertsmanagement.AlertProcessingRuleByName:
    """Route a resource's built-in Azure Monitor alerts (Azure Backup's job failures) to the desk.

    Built-in alerts fire without a rule of ours but notify no one: an alert processing rule scoped to
    the resource adds the action group to them (free of charge).
    """
    _need(alert, Signal.BUILT_IN)
    name = naming.alert_rule(owner, alert.key)
    return alertsmanagement.AlertProcessingRuleByName(
        name,
        alert_processing_rule_name=name,
        resource_group_name=resource_group_name,
        location=GLOBAL,
        properties={
            "description": alert.title,
            "enabled": True,
            "scopes": [target_id],
            "actions": [{"action_type": "AddActionGroups", "action_group_ids": [action_group_id]}],
        },
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
