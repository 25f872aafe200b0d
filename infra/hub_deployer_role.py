"""The custom role "member deployer, hub side": exactly what a member stack does to the hub, nothing more.

A member stack creates resources in the hub's resource group (:mod:`infra.member_network`: the hub side
of its peering, its route in the shared-services route table, its towns' local network gateways, IPsec
connections and NAT rules, the spoke's flow log under the hub's Network Watcher) and links others to
hub resources (DNS zone groups, the peering's remote VNet, diagnostic settings). This role grants
exactly that, so a town's deployer can never touch the firewall, its policy, the VPN gateway itself,
the route tables themselves or anyone's access.

:data:`HUB_SIDE_ACTIONS` maps each member resource type that touches the hub to the actions it needs; the
role's actions are their union. A test plans every example member and fails on a hub-touching type the
mapping lacks. Every action string is Microsoft's, from the sources below; none is a wildcard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pulumi
from pulumi_azure_native import authorization

from consortium.registry import naming

from .roles import role_definition_id_output

PURPOSE = "member deployer, hub side"

# Sources (Microsoft Learn):
#   NET: "Azure permissions for Networking", Microsoft.Network section
#        (learn.microsoft.com/azure/role-based-access-control/permissions/networking).
#   LAW: "Manage access to Log Analytics workspaces", custom role example 2: workspaces/read and
#        workspaces/sharedKeys/action let a user "use it as a destination for diagnostic settings"
#        without any workspace-level query (learn.microsoft.com/azure/azure-monitor/logs/manage-access).
#   NWR: "Azure role-based access control permissions required to use Network Watcher capabilities",
#        sections "Flow logs" and "Traffic analytics"
#        (learn.microsoft.com/azure/network-watcher/required-rbac-permissions).
#   MI:  "Manage user-assigned managed identities": assigning one to a resource needs
#        userAssignedIdentities/assign/action (learn.microsoft.com/entra/identity/managed-identities-azure-resources).
#   RES: "Azure built-in roles for Networking": Microsoft.Resources/subscriptions/resourceGroups/read,
#        "Gets or lists resource groups"
#        (learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking).
# Microsoft's list has no join/action for virtualNetworkGateways or localNetworkGateways: a connection
# and a NAT rule reference them, which needs their read only.
HUB_SIDE_ACTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # The hub side of the peering (in the hub VNet), and the member side naming the hub VNet as its
        # remote, which Azure authorizes as peer/action on that remote VNet. NET.
        "azure-native:network:VirtualNetworkPeering": (
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/virtualNetworks/peer/action",
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read",
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete",
        ),
        # The spoke's route in the hub's shared-services route table: the routes, not the table. NET.
        "azure-native:network:Route": (
            "Microsoft.Network/routeTables/read",
            "Microsoft.Network/routeTables/routes/read",
            "Microsoft.Network/routeTables/routes/write",
            "Microsoft.Network/routeTables/routes/delete",
        ),
        # A town's local network gateway (Microsoft spells the type in lowercase). NET.
        "azure-native:network:LocalNetworkGateway": (
            "Microsoft.Network/localnetworkgateways/read",
            "Microsoft.Network/localnetworkgateways/write",
            "Microsoft.Network/localnetworkgateways/delete",
        ),
        # The IPsec connection on the hub gateway, with its shared key; reads the gateway it attaches to. NET.
        "azure-native:network:VirtualNetworkGatewayConnection": (
            "Microsoft.Network/virtualNetworkGateways/read",
            "Microsoft.Network/localnetworkgateways/read",
            "Microsoft.Network/connections/read",
            "Microsoft.Network/connections/write",
            "Microsoft.Network/connections/delete",
            "Microsoft.Network/connections/sharedKey/read",
            "Microsoft.Network/connections/sharedKey/write",
        ),
        # A town's static NAT rule, a child of the hub gateway: the rule, never the gateway. NET.
        "azure-native:network:VirtualNetworkGatewayNatRule": (
            "Microsoft.Network/virtualNetworkGateways/read",
            "Microsoft.Network/virtualNetworkGateways/natRules/read",
            "Microsoft.Network/virtualNetworkGateways/natRules/write",
            "Microsoft.Network/virtualNetworkGateways/natRules/delete",
        ),
        # A private endpoint's DNS zone group (in the member's group) registering in the hub's zones:
        # "Joins a Private DNS Zone"; no record or zone write of the deployer's own. NET.
        "azure-native:network:PrivateDnsZoneGroup": (
            "Microsoft.Network/privateDnsZones/read",
            "Microsoft.Network/privateDnsZones/join/action",
        ),
        # The service desk's tunnel alert (infra/member_alerts.py), in the member's resource group, watches
        # the town's connections in the hub's: reading what it scopes, nothing more. NET.
        "azure-native:monitor:ActivityLogAlert": ("Microsoft.Network/connections/read",),
        # The spoke's flow log, a child of the hub's Network Watcher, writing to the hub's flow-log account as
        # the hub's flow-log identity, with traffic analytics into the hub workspace (infra/flow_logs.py).
        # NWR (flow logs; traffic analytics), MI. Microsoft lists the storage SAS and key actions for flow
        # logs whatever the account's settings; the account refuses shared keys, so they grant no data access.
        "azure-native:network:FlowLog": (
            "Microsoft.Network/networkWatchers/read",
            "Microsoft.Network/networkWatchers/flowLogs/read",
            "Microsoft.Network/networkWatchers/flowLogs/write",
            "Microsoft.Network/networkWatchers/flowLogs/delete",
            "Microsoft.Network/networkWatchers/configureFlowLog/action",
            "Microsoft.Network/networkWatchers/queryFlowLogStatus/action",
            "Microsoft.Storage/storageAccounts/read",
            "Microsoft.Storage/storageAccounts/listServiceSas/action",
            "Microsoft.Storage/storageAccounts/listAccountSas/action",
            "Microsoft.Storage/storageAccounts/listKeys/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            "Microsoft.OperationalInsights/workspaces/read",
            "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
            "Microsoft.Insights/dataCollectionRules/read",
            "Microsoft.Insights/dataCollectionRules/write",
            "Microsoft.Insights/dataCollectionRules/delete",
            "Microsoft.Insights/dataCollectionEndpoints/read",
            "Microsoft.Insights/dataCollectionEndpoints/write",
            "Microsoft.Insights/dataCollectionEndpoints/delete",
        ),
        # A member resource's diagnostic setting sending to the hub's Log Analytics workspace. LAW.
        "azure-native:monitor:DiagnosticSetting": (
            "Microsoft.OperationalInsights/workspaces/read",
            "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
        ),
    }
)
# Reading the hub's resource group itself (Pulumi reads before it writes into it). RES.
COMMON_ACTIONS: tuple[str, ...] = ("Microsoft.Resources/subscriptions/resourceGroups/read",)


def role_actions() -> list[str]:
    """The role's actions: the union of the mapping and the common reads, sorted (a stable diff)."""
    return sorted({*COMMON_ACTIONS, *(a for actions in HUB_SIDE_ACTIONS.values() for a in actions)})


@dataclass(frozen=True)
class HubDeployerRoleArgs:
    consortium_slug: str
    consortium_name: str
    resource_group_id: pulumi.Input[str]  # the hub's: the role's only assignable scope
    subscription_id: pulumi.Input[str]
    deployers: tuple[str, ...]  # object ids of the service principals that run member stacks


class HubDeployerRole(pulumi.ComponentResource):
    """The role, assignable only on the hub's resource group, and one assignment there per deployer."""

    definition: authorization.RoleDefinition
    # The id role assignments use (subscription-scoped, like a built-in role's).
    definition_id: pulumi.Output[str]

    def __init__(self, name: str, args: HubDeployerRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:MemberDeployerRole", name, None, opts)
        guid = naming.role_definition(args.consortium_slug, PURPOSE)
        self.definition = authorization.RoleDefinition(
            "member-deployer-hub-side",
            role_definition_id=guid,
            role_name=naming.role_display_name(args.consortium_slug, PURPOSE),
            description=(
                f"{args.consortium_name}: what a member stack needs in the hub resource group (peering, route, "
                "site VPNs, NAT rules, DNS zone groups, diagnostics, flow logs); not the firewall, the gateway or "
                "access."
            ),
            role_type="CustomRole",
            scope=args.resource_group_id,
            assignable_scopes=[args.resource_group_id],
            permissions=[{"actions": role_actions(), "not_actions": [], "data_actions": [], "not_data_actions": []}],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.definition_id = role_definition_id_output(args.subscription_id, guid)
        for object_id in args.deployers:
            # azure-native sends principalType "User" when it is unset, and Azure refuses a type that
            # does not match the principal: member deployers are service principals.
            authorization.RoleAssignment(
                f"member-deployer-{object_id}",
                role_assignment_name=naming.role_assignment(
                    args.consortium_slug, naming.HUB, object_id, "member-deployer"
                ),
                scope=args.resource_group_id,
                principal_id=object_id,
                principal_type="ServicePrincipal",
                role_definition_id=self.definition_id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.definition]),
            )
        self.register_outputs({"definition_id": self.definition_id})
