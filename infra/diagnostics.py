"""Diagnostic settings: every member's and the hub's logs go to the hub's Log Analytics workspace.

One helper so that every diagnostic setting looks the same (all logs, optionally all metrics, the
same name) and a policy can recognise them; the caller decides, per resource type, whether Azure
offers metrics for it (NSGs have none, and Azure rejects a metrics block for them).
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import monitor

from consortium.registry import naming


def send_to_workspace(
    logical_name: str,
    resource_id: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    *,
    metrics: bool,
    parent: pulumi.Resource,
    dedicated: bool = False,
) -> monitor.DiagnosticSetting:
    """``dedicated``: write the resource-specific tables (which some services, Azure Backup's new
    events among them, only fill) instead of the shared AzureDiagnostics table."""
    return monitor.DiagnosticSetting(
        f"{logical_name}-diagnostics",
        name=naming.DIAGNOSTIC_SETTING,
        resource_uri=resource_id,
        workspace_id=workspace_id,
        logs=[{"category_group": "allLogs", "enabled": True}],
        metrics=[{"category": "AllMetrics", "enabled": True}] if metrics else None,
        log_analytics_destination_type="Dedicated" if dedicated else None,
        opts=pulumi.ResourceOptions(parent=parent),
    )
