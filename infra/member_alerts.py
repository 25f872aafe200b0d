"""A member's alerts to the consortium service desk, growing with its phase.

From phase 1 the town has an action group mailing the consortium service desk and the town's IT
lead (``contacts.service_desk`` of the consortium, ``contacts.it_lead`` of the member); the budget's
notifications go to it too (:mod:`infra.member_budget`). Each service adds the alerts
:mod:`consortium.registry.alerts` defines for it, on the resources that service deployed:

* ``backup``: the vault's built-in Azure Monitor alerts for job failures (switched on in the vault,
  :mod:`infra.member_backup`) routed here by an alert processing rule, and a log alert when the
  vault has had no successful backup in 36 hours;
* ``identity``: the Key Vault's availability and its refused requests (metric alerts);
* ``networking``: Resource Health of each of the town's site-to-site VPN connections.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from consortium.registry.alerts import Signal, member_alerts
from consortium.registry.models import Service

from .alert_rules import built_in_alert_routing, desk_action_group, health_alert, log_alert, metric_alert


@dataclass(frozen=True)
class MemberAlertsArgs:
    member_slug: str
    resource_group_name: pulumi.Input[str]
    location: str
    services: tuple[Service, ...]
    service_desk_email: str
    it_lead_email: str
    tags: dict[str, str]
    # What each service watches; required exactly when the member has the service.
    vault_id: pulumi.Input[str] | None = None  # backup
    key_vault_id: pulumi.Input[str] | None = None  # identity
    # networking: site -> connection id (none once the town is unhooked, or without on-prem sites)
    vpn_connection_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


class MemberAlerts(pulumi.ComponentResource):
    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: MemberAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:Alerts", name, None, opts)
        slug = args.member_slug
        group = desk_action_group(
            slug,
            resource_group_name=args.resource_group_name,
            receivers=[("service-desk", args.service_desk_email), ("town-it-lead", args.it_lead_email)],
            tags=args.tags,
            parent=self,
        )
        self.action_group_id = group.id
        common = {
            "action_group_id": group.id,
            "resource_group_name": args.resource_group_name,
            "tags": args.tags,
            "parent": self,
        }
        targets: dict[Service, pulumi.Input[str] | None] = {
            Service.BACKUP: args.vault_id,
            Service.IDENTITY: args.key_vault_id,
        }
        for alert in member_alerts(args.services):
            if alert.signal is Signal.BUDGET:
                continue  # the budget notifies the action group itself
            if alert.service is Service.NETWORKING:
                if args.vpn_connection_ids:
                    health_alert(slug, alert, target_ids=list(args.vpn_connection_ids.values()), **common)
                continue
            target = targets.get(alert.service)
            if target is None:
                raise ValueError(f"{slug} has {alert.service} but its alert {alert.key} was given nothing to watch")
            if alert.signal is Signal.BUILT_IN:
                built_in_alert_routing(slug, alert, target_id=target, **common)
            elif alert.signal is Signal.LOG:
                log_alert(slug, alert, target_id=target, location=args.location, **common)
            elif alert.signal is Signal.METRIC:
                metric_alert(slug, alert, target_id=target, **common)
            else:
                raise ValueError(f"alert {alert.key}: no builder for {alert.signal} on a member")
        self.register_outputs({"action_group_id": group.id})
