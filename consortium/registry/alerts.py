"""The alerts routed to the service desk: what each service watches, with its defaults, in one place.

The Pulumi program builds these rules (``infra/member_alerts.py``, ``infra/hub_alerts.py``), the
onboarding runbook lists them for each town, and the audit (MCS-OPS-001) checks that every deployed
service has one routed to the desk. A service's alerts arrive with its phase: the budget from
phase 1, backups with ``backup``, the Key Vault with ``identity``, the town's VPN tunnels with
``networking``; the hub watches its firewall and VPN gateway for everyone.

Severities are Azure Monitor's (0 critical, 1 error, 2 warning, 3 informational, 4 verbose). Windows
and frequencies are ISO 8601 durations, as Azure takes them. Sources for the metric names and kinds:
Microsoft Learn, "Supported metrics" for Microsoft.KeyVault/vaults (``Availability``,
``ServiceApiResult`` with the ``StatusCode`` dimension) and Microsoft.Network/azureFirewalls
(``FirewallHealth``); Azure Monitor Baseline Alerts (firewall health below 90 % over 5 minutes);
Azure Backup, "Azure Monitor alerts for Azure Backup" (built-in alerts for job failures, routed by an
alert processing rule) and the resource-specific ``AddonAzureBackupJobs`` table (the 36-hour rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from consortium.registry.models import Service


class Signal(StrEnum):
    """How Azure raises the alert; decides the resource the program builds for it."""

    BUDGET = "budget"  # the budget's own notifications (Cost Management), to the action group too
    BUILT_IN = "built-in"  # an Azure Backup built-in Azure Monitor alert, routed by an alert processing rule
    METRIC = "metric"  # a metric alert rule on the resource
    LOG = "log"  # a scheduled query (log search) rule on the resource's logs
    RESOURCE_HEALTH = "resource-health"  # an activity log alert on the resource's Resource Health


@dataclass(frozen=True)
class Alert:
    """One alert the desk receives; the numeric fields are what the rule is built with."""

    key: str  # stable: names the Azure rule (``naming.alert_rule``)
    service: Service
    title: str  # plain words, for the runbook and the rule's description
    signal: Signal
    severity: int | None = None  # None where Azure sets it (budgets, built-in alerts, activity log alerts)
    metric: str | None = None
    aggregation: str | None = None
    operator: str | None = None
    threshold: float | None = None
    dimension: tuple[str, tuple[str, ...]] | None = None  # (name, values) the metric is filtered on
    query: str | None = None
    window: str | None = None
    frequency: str | None = None
    health_states: tuple[str, ...] = ()


# No successful backup job of the vault in 36 hours: the daily schedule plus half a day of grace.
BACKUP_GAP_HOURS = 36

MEMBER_ALERTS: tuple[Alert, ...] = (
    Alert(
        key="budget",
        service=Service.SERVICE_DESK,
        title="monthly spending reaches each budget threshold",
        signal=Signal.BUDGET,
    ),
    Alert(
        key="backup-job-failed",
        service=Service.BACKUP,
        title="a backup or restore job of the town's vault fails",
        signal=Signal.BUILT_IN,
    ),
    Alert(
        key="backup-missing",
        service=Service.BACKUP,
        title=f"the town's vault has had no successful backup in {BACKUP_GAP_HOURS} hours",
        signal=Signal.LOG,
        severity=1,
        # Resource-context query over the vault's own logs (its diagnostic setting writes the
        # resource-specific tables); one row means "fine", none means "no backup completed".
        query=(
            "AddonAzureBackupJobs"
            f" | where TimeGenerated > ago({BACKUP_GAP_HOURS}h)"
            ' | where JobOperation == "Backup" and JobStatus == "Completed"'
            " | summarize Completed = count()"
            " | where Completed > 0"
        ),
        operator="LessThan",
        threshold=1,
        window="P2D",  # the rule's time range: the query's own 36 h filter decides
        frequency="PT1H",
    ),
    Alert(
        key="key-vault-availability",
        service=Service.IDENTITY,
        title="the town's Key Vault answers less than 99 % of requests",
        signal=Signal.METRIC,
        severity=1,
        metric="Availability",
        aggregation="Average",
        operator="LessThan",
        threshold=99,
        window="PT5M",
        frequency="PT1M",
    ),
    Alert(
        key="key-vault-access-denied",
        service=Service.IDENTITY,
        title="the town's Key Vault refuses more than 5 requests in 15 minutes (401/403)",
        signal=Signal.METRIC,
        severity=2,
        metric="ServiceApiResult",
        aggregation="Count",
        operator="GreaterThan",
        threshold=5,
        dimension=("StatusCode", ("401", "403")),
        window="PT15M",
        frequency="PT5M",
    ),
    Alert(
        key="vpn-tunnel-down",
        service=Service.NETWORKING,
        title="a site-to-site VPN tunnel of the town is down or degraded",
        signal=Signal.RESOURCE_HEALTH,
        health_states=("Unavailable", "Degraded"),
    ),
)

HUB_ALERTS: tuple[Alert, ...] = (
    Alert(
        key="firewall-health",
        service=Service.NETWORKING,
        title="the hub firewall's health falls below 90 %",
        signal=Signal.METRIC,
        severity=0,
        metric="FirewallHealth",
        aggregation="Average",
        operator="LessThan",
        threshold=90,
        window="PT5M",
        frequency="PT1M",
    ),
    Alert(
        key="vpn-gateway-health",
        service=Service.NETWORKING,
        title="the hub VPN gateway is down or degraded",
        signal=Signal.RESOURCE_HEALTH,
        health_states=("Unavailable", "Degraded"),
    ),
)


def member_alerts(services: Iterable[Service | str]) -> list[Alert]:
    """The alerts a member with these services gets, in definition order."""
    wanted = {Service(s) for s in services}
    return [a for a in MEMBER_ALERTS if a.service in wanted]


def alert(key: str, catalogue: Iterable[Alert] = MEMBER_ALERTS + HUB_ALERTS) -> Alert:
    """One alert by its key; a key the program asks for that is not defined is a bug, not input."""
    for a in catalogue:
        if a.key == key:
            return a
    raise KeyError(f"no alert {key!r} is defined")
