"""The hub stack's outputs: the one list of names the hub exports and the member stacks read.

A member stack needs a handful of the hub's facts that only exist once the hub is deployed (its
VNet id, the firewall's private address, the VPN gateway, the Log Analytics workspace, the
consortium-wide groups, what a VNet flow log writes to, and the private DNS zones its private
endpoints register in: zone name -> zone id, the Azure Backup zone of every consortium location
included). They travel through a
``StackReference`` to the ``hub`` stack, never through config, so a member can never point at a
stale address.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pulumi


class HubOutput(StrEnum):
    SUBSCRIPTION_ID = "subscription_id"
    RESOURCE_GROUP = "resource_group_name"
    LOCATION = "location"
    VNET_ID = "vnet_id"
    VNET_NAME = "vnet_name"
    FIREWALL_PRIVATE_IP = "firewall_private_ip"
    SHARED_SERVICES_PREFIX = "shared_services_prefix"
    SHARED_SERVICES_ROUTE_TABLE = "shared_services_route_table_name"
    VPN_GATEWAY_ID = "vpn_gateway_id"
    WORKSPACE_ID = "log_analytics_workspace_id"
    KEY_VAULT_ID = "key_vault_id"
    SERVICE_DESK_GROUP_ID = "service_desk_group_id"
    AUDITORS_GROUP_ID = "auditors_group_id"
    PRIVATE_DNS_ZONE_IDS = "private_dns_zone_ids"
    # The custom role whoever runs a member stack holds on the hub's resource group.
    MEMBER_DEPLOYER_ROLE_ID = "member_deployer_role_definition_id"
    # Where a spoke's flow log goes: the hub's watcher, account, identity, workspace (infra/flow_logs.py).
    FLOW_LOGS = "flow_logs"


def export_hub_outputs(values: dict[HubOutput, pulumi.Input[Any]]) -> None:
    """Export every hub output; refusing a partial set keeps the list above and the hub in step."""
    missing = sorted(set(HubOutput) - set(values))
    if missing:
        raise ValueError(f"the hub does not export {', '.join(missing)}")
    for key in HubOutput:
        pulumi.export(key.value, values[key])


class HubReference:
    """Typed read access to the hub stack's outputs from a member stack."""

    def __init__(self, stack_name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        self.stack_name = stack_name
        self._ref = pulumi.StackReference("hub", stack_name=stack_name, opts=opts)

    def get(self, key: HubOutput) -> pulumi.Output[Any]:
        """The output's value; a missing output fails the deployment rather than passing None on."""
        return self._ref.require_output(key.value)


def hub_stack_name(hub_stack: str) -> str:
    """``<org>/<project>/<hub stack>``: the fully qualified name ``StackReference`` wants."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{hub_stack}"
