"""What the consortium service desk may see and do in a town's resource group, by service.

The desk gets one custom role per town ("<consortium> service desk, <slug>"), assignable and
assigned on the town's resource group only, from phase 1; its actions grow as the town's services
arrive. Never Owner or Contributor, never at subscription scope (MCS-IAM-008 checks the role and its
assignments against this list). The program builds the role from here, the runbook tells the town
the same facts in plain words.

Sources (Microsoft Learn, "Azure permissions" and "Azure built-in roles"):
  READ:   the built-in Reader role's one action, ``*/read``: every control-plane read (resources,
          metrics, the activity log, alerts, and the town's resource logs in resource-context
          access, ``Microsoft.Insights/logs/<table>/read``), no data action: no secret value, no
          file or backup content.
  ALERTS: "Microsoft.AlertsManagement": ``alerts/changestate/action``, "Change the state of the
          alert" (acknowledge, close), so the desk can work the alerts it receives.
  BACKUP: "Microsoft.RecoveryServices": ``.../protectedItems/backup/action``, "Performs Backup for
          Protected Item" (the Backup Operator role's on-demand backup).
  VM:     "Microsoft.Compute": ``virtualMachines/start/action`` and ``virtualMachines/restart/action``
          (the documented "Virtual Machine Operator" custom role example).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from consortium.registry import naming
from consortium.registry.alerts import HUB_ALERTS, Alert, member_alerts
from consortium.registry.models import Service

# The role's purpose, in its display name and its GUID (naming.role_definition / role_display_name).
DESK_ROLE_PURPOSE = "service desk"


@dataclass(frozen=True)
class DeskAction:
    action: str  # Microsoft's action string
    what: str  # plain words, for the runbook


DESK_ACTIONS: dict[Service, tuple[DeskAction, ...]] = {
    Service.SERVICE_DESK: (
        DeskAction("*/read", "see every resource of the town, its metrics, activity log, alerts and logs (read only)"),
        DeskAction("Microsoft.AlertsManagement/alerts/changestate/action", "acknowledge and close the town's alerts"),
    ),
    Service.BACKUP: (
        DeskAction(
            "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action",
            "start an on-demand backup of a protected server or file share",
        ),
    ),
    Service.IDENTITY: (),  # Key Vault: the reads above only; never a secret's value
    Service.NETWORKING: (
        DeskAction("Microsoft.Compute/virtualMachines/start/action", "start the town's virtual machines"),
        DeskAction("Microsoft.Compute/virtualMachines/restart/action", "restart the town's virtual machines"),
    ),
}


def desk_actions(services: Iterable[Service | str]) -> list[DeskAction]:
    """The desk's actions for a member with these services, in service order (phase order)."""
    wanted = {Service(s) for s in services}
    return [a for service, actions in DESK_ACTIONS.items() if service in wanted for a in actions]


def role_actions(services: Iterable[Service | str]) -> list[str]:
    """The custom role's action strings, sorted (a stable diff)."""
    return sorted({a.action for a in desk_actions(services)})


ALL_DESK_ACTIONS = frozenset(a.action for actions in DESK_ACTIONS.values() for a in actions)


def desk_role_purpose(member_slug: str) -> str:
    """One role per town: custom role names are unique per tenant, and each is assignable in its town only."""
    return f"{DESK_ROLE_PURPOSE}, {member_slug}"


def runbook_context(consortium_slug: str, member_slug: str, services: Iterable[Service | str]) -> dict[str, Any]:
    """The runbook's "Service desk" section for a member with these services: what the desk can do
    (this module) and which alerts the town has (:mod:`consortium.registry.alerts`), in plain words."""

    def row(a: Alert) -> dict[str, str]:
        severity = "set by Azure" if a.severity is None else f"{a.severity}"
        return {"service": a.service.value, "title": a.title, "severity": severity, "signal": a.signal.value}

    wanted = [Service(s) for s in services]
    return {
        "resource_group": naming.resource_group(consortium_slug, member_slug),
        "role": naming.role_display_name(consortium_slug, desk_role_purpose(member_slug)),
        "action_group": naming.action_group(member_slug),
        "can": [{"action": a.action, "what": a.what} for a in desk_actions(wanted)],
        "alerts": [row(a) for a in member_alerts(wanted)],
        # The hub's own alerts protect every town behind it (any service beyond the desk).
        "hub_alerts": [row(a) for a in HUB_ALERTS] if set(wanted) - {Service.SERVICE_DESK} else [],
    }
