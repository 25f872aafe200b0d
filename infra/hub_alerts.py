"""The hub's alerts to the consortium service desk: the firewall's health and the VPN gateway's.

Every town behind the hub depends on both, so the hub has its own action group mailing the service
desk (``contacts.service_desk``) and the rules :data:`consortium.registry.alerts.HUB_ALERTS` defines.
It takes the resources' ids as inputs, so the components that build them stay unaware of alerting.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from consortium.registry import naming
from consortium.registry.alerts import HUB_ALERTS, Signal

from .alert_rules import desk_action_group, health_alert, metric_alert


@dataclass(frozen=True)
class HubAlertsArgs:
    resource_group_name: pulumi.Input[str]
    service_desk_email: str
    firewall_id: pulumi.Input[str]
    vpn_gateway_id: pulumi.Input[str]
    tags: dict[str, str]


class HubAlerts(pulumi.ComponentResource):
    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: HubAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:Alerts", name, None, opts)
        owner = naming.HUB
        group = desk_action_group(
            owner,
            resource_group_name=args.resource_group_name,
            receivers=[("service-desk", args.service_desk_email)],
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
        targets = {"firewall-health": args.firewall_id, "vpn-gateway-health": args.vpn_gateway_id}
        for alert in HUB_ALERTS:
            target = targets[alert.key]
            if alert.signal is Signal.METRIC:
                metric_alert(owner, alert, target_id=target, **common)
            elif alert.signal is Signal.RESOURCE_HEALTH:
                health_alert(owner, alert, target_ids=[target], **common)
            else:
                raise ValueError(f"alert {alert.key}: no builder for {alert.signal} on the hub")
        self.register_outputs({"action_group_id": group.id})
