"""Operations: what the service desk hears about each town.

A service nobody is alerted about fails silently: a backup that stopped a week ago is found on the
day of the restore. MCS-OPS-001 follows, for each member, every deployed service's resource to an
enabled alert whose action group mails the consortium service desk (``service_desk_email``, from the
registry's ``contacts.service_desk``): the budget for the service desk itself, each Recovery
Services vault (backup), each Key Vault (identity) and each site-to-site VPN connection
(networking). The alert kinds are Azure Monitor's: metric, log search and activity log alert rules,
the alert processing rules that route built-in alerts, and the budget's own notifications.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .framework import Message, Param, Resource, Severity, Unknown, control, each, is_unknown
from .governance import BUDGET
from .util import as_list, mappings, ref_id

AREA = "operations"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
LOG_ALERT = "azure-native:monitor:ScheduledQueryRule"
ACTIVITY_ALERT = "azure-native:monitor:ActivityLogAlert"
PROCESSING_RULE = "azure-native:alertsmanagement:AlertProcessingRuleByName"
ALERT_TYPES = (METRIC_ALERT, LOG_ALERT, ACTIVITY_ALERT, PROCESSING_RULE)
# The resource that shows a service is deployed: (service, its ARM type, its name input).
WATCHED = {
    "azure-native:recoveryservices:Vault": ("backup", "Microsoft.RecoveryServices/vaults", "vaultName"),
    "azure-native:keyvault:Vault": ("identity", "Microsoft.KeyVault/vaults", "vaultName"),
    "azure-native:network:VirtualNetworkGatewayConnection": (
        "networking",
        "Microsoft.Network/connections",
        "virtualNetworkGatewayConnectionName",
    ),
}
AG_ARM = ("Microsoft.Insights/actionGroups", "actionGroupName")
ArmKey = tuple[str, str, str]  # (resource group, ARM type, name), lower-case


def arm_key(resource_id: Any) -> ArmKey | None:
    """What an ARM id names: its resource group, its (last) provider type and its name."""
    parts = str(resource_id or "").strip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "resourcegroups" not in lowered or "providers" not in lowered:
        return None
    rg = parts[lowered.index("resourcegroups") + 1]
    at = len(lowered) - 1 - lowered[::-1].index("providers")
    rest = parts[at + 1 :]
    if len(rest) < 3:
        return None
    return rg.lower(), f"{rest[0]}/{rest[-2]}".lower(), rest[-1].lower()


def resource_key(r: Resource, arm_type: str, name_input: str) -> ArmKey | None:
    """The resource's ARM key: from its id when known (state), else from its inputs (a preview sees no ids)."""
    rid = r.azure_id
    if rid and not is_unknown(rid):
        return arm_key(rid)
    rg = r.get("resourceGroupName")
    if not rg or is_unknown(rg):
        return None
    return str(rg).lower(), arm_type.lower(), r.azure_name(name_input).lower()


def desk_action_groups(resources: Sequence[Resource], desk_email: str) -> set[ArmKey]:
    """The enabled action groups that mail the desk (any e-mail receiver when the address is unset)."""
    wanted = desk_email.strip().lower()
    out = set()
    for r in resources:
        if r.type != ACTION_GROUP or r.get("enabled") is False:
            continue
        emails = [str(e.get("emailAddress") or "").lower() for e in mappings(r.get("emailReceivers"))]
        if ((wanted in emails) if wanted else any(emails)) and (key := resource_key(r, *AG_ARM)):
            out.add(key)
    return out


def reaches_desk(groups: Sequence[Any], desk: set[ArmKey]) -> bool:
    return any(arm_key(ref_id(g)) in desk for g in groups)


def alert_routes(r: Resource) -> tuple[list[Any], list[Any]]:
    """An alert's (scopes, action group ids) in the shape of its type; nothing for a disabled one."""
    if r.type == PROCESSING_RULE:
        if r.get("properties.enabled") is False:
            return [], []
        groups = [
            g
            for action in mappings(r.get("properties.actions"))
            if action.get("actionType") == "AddActionGroups"
            for g in as_list(action.get("actionGroupIds"))
        ]
        return as_list(r.get("properties.scopes")), groups
    if r.get("enabled") is False:
        return [], []
    if r.type == METRIC_ALERT:
        groups = [a.get("actionGroupId") for a in mappings(r.get("actions"))]
    elif r.type == LOG_ALERT:
        groups = as_list(r.get("actions.actionGroups"))
    else:  # activity log alert
        groups = [a.get("actionGroupId") for a in mappings(r.get("actions.actionGroups"))]
    return as_list(r.get("scopes")), groups


def budget_routed(r: Resource, desk: set[ArmKey]) -> bool | None:
    """True when an enabled notification of the budget reaches a desk group; None when its groups are unknown."""
    unknown = False
    for n in (r.get("notifications") or {}).values():
        if not isinstance(n, Mapping) or n.get("enabled") is False:
            continue
        groups = as_list(n.get("contactGroups"))
        if any(is_unknown(g) for g in groups):
            unknown = True
        if reaches_desk(groups, desk):
            return True
    return None if unknown else False


@control(
    "MCS-OPS-001",
    "Every deployed service of a member has an alert routed to the service desk",
    area=AREA,
    types=[BUDGET, *WATCHED, ACTION_GROUP, *ALERT_TYPES],
    severity=Severity.HIGH,
    cis_v8=["17.2", "17.3", "11.2"],
    mcsb=["BR-3"],
    scope="stack",
    params={
        "service_desk_email": Param(
            "", "string", "The service desk's address (contacts.service_desk); unset: any e-mail receiver"
        )
    },
    rationale="A failed backup, a refused vault or a dropped tunnel nobody hears about is found when it is too late.",
    fix="Deploy the member's alerts (infra/member_alerts.py): each service's rule, sent to the action group that "
    "mails the service desk.",
)
def service_alerts(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
    desk = desk_action_groups(resources, str(p.get("service_desk_email") or ""))
    covered: set[ArmKey] = set()
    # Members with an alert whose scope or group is unknown yet: an uncovered target of theirs may be its.
    pending: set[str | None] = set()
    for r in resources:
        if r.type not in ALERT_TYPES:
            continue
        scopes, groups = alert_routes(r)
        if any(is_unknown(v) for v in (*scopes, *groups)):
            pending.add(r.member)
        if reaches_desk(groups, desk):
            covered.update(key for s in scopes if (key := arm_key(s)) is not None)

    def judge_budget(r: Resource) -> Iterator[Message]:
        routed = budget_routed(r, desk)
        if routed is None:
            yield Unknown("the budget's action groups")
        elif not routed:
            yield f"budget {r.azure_name('budgetName')} notifies no action group of the service desk"

    def judge_target(r: Resource) -> Iterator[Message]:
        service, arm_type, name_input = WATCHED[r.type]
        key = resource_key(r, arm_type, name_input)
        if key is None:
            yield Unknown("the resource's id")
        elif key not in covered:
            if r.member in pending:
                yield Unknown("the scopes or action groups of the member's alerts")
            else:
                yield f"{service}: {r.label} has no enabled alert routed to the service desk"

    members = [r for r in resources if r.member is not None]
    yield from each((r for r in members if r.type == BUDGET), judge_budget)
    yield from each((r for r in members if r.type in WATCHED), judge_target)


CONTROLS = (service_alerts,)
