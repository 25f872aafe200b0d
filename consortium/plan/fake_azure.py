"""A fake Azure for the offline plan: the outputs Azure and Entra ID would compute, deterministic.

It answers the recording monitor (:mod:`consortium.plan.monitor`) like Azure would: resource ids
in Azure resource-id form, principal and object ids, the firewall's private address (the fourth
address of its subnet, as Azure assigns it), so that every dependent input is complete; an input
that still depends on a value nobody filled shows up as ``"[unknown]"`` (the run is a preview)
instead of silently vanishing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from consortium.wire import UNKNOWN


def _uuid(*parts: str) -> str:
    """A UUID Azure would generate, the same for the same parts (plans are reproducible)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "consortium-offline:" + "/".join(parts)))


# ARM resource-id templates by type token. ``{rg}`` is the resource group's id, the other
# placeholders are input wire names; the last one is the resource's Azure name.
_NET = "{rg}/providers/Microsoft.Network/"
_RSV = "{rg}/providers/Microsoft.RecoveryServices/vaults/{vaultName}"
_STORAGE = "{rg}/providers/Microsoft.Storage/storageAccounts/{accountName}"
ARM_IDS: dict[str, str] = {
    "azure-native:resources:ResourceGroup": "{rg}",
    "azure-native:network:VirtualNetwork": _NET + "virtualNetworks/{virtualNetworkName}",
    "azure-native:network:NetworkSecurityGroup": _NET + "networkSecurityGroups/{networkSecurityGroupName}",
    "azure-native:network:RouteTable": _NET + "routeTables/{routeTableName}",
    "azure-native:network:Route": _NET + "routeTables/{routeTableName}/routes/{routeName}",
    "azure-native:network:VirtualNetworkPeering": _NET
    + "virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
    "azure-native:network:PublicIPAddress": _NET + "publicIPAddresses/{publicIpAddressName}",
    "azure-native:network:FirewallPolicy": _NET + "firewallPolicies/{firewallPolicyName}",
    "azure-native:network:FirewallPolicyRuleCollectionGroup": _NET
    + "firewallPolicies/{firewallPolicyName}/ruleCollectionGroups/{ruleCollectionGroupName}",
    "azure-native:network:AzureFirewall": _NET + "azureFirewalls/{azureFirewallName}",
    "azure-native:network:VirtualNetworkGateway": _NET + "virtualNetworkGateways/{virtualNetworkGatewayName}",
    "azure-native:network:LocalNetworkGateway": _NET + "localNetworkGateways/{localNetworkGatewayName}",
    "azure-native:network:VirtualNetworkGatewayConnection": _NET + "connections/{virtualNetworkGatewayConnectionName}",
    "azure-native:network:VirtualNetworkGatewayNatRule": _NET
    + "virtualNetworkGateways/{virtualNetworkGatewayName}/natRules/{natRuleName}",
    "azure-native:network:NetworkWatcher": _NET + "networkWatchers/{networkWatcherName}",
    "azure-native:network:FlowLog": _NET + "networkWatchers/{networkWatcherName}/flowLogs/{flowLogName}",
    "azure-native:network:PrivateEndpoint": _NET + "privateEndpoints/{privateEndpointName}",
    "azure-native:network:PrivateDnsZoneGroup": _NET
    + "privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
    "azure-native:privatedns:PrivateZone": _NET + "privateDnsZones/{privateZoneName}",
    "azure-native:privatedns:VirtualNetworkLink": _NET
    + "privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
    "azure-native:operationalinsights:Workspace": "{rg}/providers/Microsoft.OperationalInsights/workspaces/"
    "{workspaceName}",
    "azure-native:keyvault:Vault": "{rg}/providers/Microsoft.KeyVault/vaults/{vaultName}",
    "azure-native:managedidentity:UserAssignedIdentity": "{rg}/providers/Microsoft.ManagedIdentity/"
    "userAssignedIdentities/{resourceName}",
    "azure-native:recoveryservices:Vault": _RSV,
    "azure-native:recoveryservices:ProtectionPolicy": _RSV + "/backupPolicies/{policyName}",
    "azure-native:storage:StorageAccount": _STORAGE,
    "azure-native:storage:BlobServiceProperties": _STORAGE + "/blobServices/{blobServicesName}",
    "azure-native:storage:ManagementPolicy": _STORAGE + "/managementPolicies/{managementPolicyName}",
    "azure-native:storage:BlobContainer": _STORAGE + "/blobServices/default/containers/{containerName}",
    "azure-native:authorization:RoleAssignment": "{scope}/providers/Microsoft.Authorization/roleAssignments/"
    "{roleAssignmentName}",
    "azure-native:authorization:RoleDefinition": "{scope}/providers/Microsoft.Authorization/roleDefinitions/"
    "{roleDefinitionId}",
    "azure-native:monitor:DiagnosticSetting": "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    "azure-native:consumption:Budget": "{scope}/providers/Microsoft.Consumption/budgets/{budgetName}",
    # The service desk's alerting (infra/alert_rules.py).
    "azure-native:monitor:ActionGroup": "{rg}/providers/Microsoft.Insights/actionGroups/{actionGroupName}",
    "azure-native:monitor:MetricAlert": "{rg}/providers/Microsoft.Insights/metricAlerts/{ruleName}",
    "azure-native:monitor:ScheduledQueryRule": "{rg}/providers/Microsoft.Insights/scheduledQueryRules/{ruleName}",
    "azure-native:monitor:ActivityLogAlert": "{rg}/providers/Microsoft.Insights/activityLogAlerts/"
    "{activityLogAlertName}",
    "azure-native:alertsmanagement:AlertProcessingRuleByName": "{rg}/providers/Microsoft.AlertsManagement/"
    "actionRules/{alertProcessingRuleName}",
    "azure-native:maintenance:MaintenanceConfiguration": "{rg}/providers/Microsoft.Maintenance/"
    "maintenanceConfigurations/{resourceName}",
    "azure-native:maintenance:ConfigurationAssignment": "{rg}/providers/{providerName}/{resourceType}/{resourceName}"
    "/providers/Microsoft.Maintenance/configurationAssignments/{configurationAssignmentName}",
}
# A type without a template (or whose template's inputs are unknown): an id that cannot pass for
# a real one. The type token and the Pulumi name are given explicitly, never taken from the inputs
# (a NAT rule's ``type`` input is ``Static``; templates' ``{name}`` is the ``name`` input if any).
FALLBACK_PROVIDER = "/providers/Offline.Unmodelled/"
_FALLBACK_ID = "{rg}" + FALLBACK_PROVIDER + "{token}/{pulumi_name}"


class FakeAzure:
    """Computed outputs the way Azure and Entra ID would fill them, deterministic for a consortium."""

    def __init__(self, consortium: str) -> None:
        self.consortium = consortium
        self.subscription_id = _uuid(consortium, "subscription")
        self.tenant_id = _uuid(consortium, "tenant")
        self.deployer_object_id = _uuid(consortium, "deployer")
        self._subnet_prefixes: dict[str, str] = {}
        self._provider_subscriptions: dict[str, str] = {}

    # ----------------------------------------------------------------- ids

    def resource_id(self, type_: str, name: str, inputs: dict[str, Any], provider: str | None) -> str:
        template = ARM_IDS.get(type_, _FALLBACK_ID)
        subscription = self._provider_subscriptions.get(provider or "", self.subscription_id)
        values = {"name": name, **{k: v for k, v in inputs.items() if isinstance(v, str)}}
        values["rg"] = f"/subscriptions/{subscription}/resourceGroups/{values.get('resourceGroupName', 'offline')}"
        values.update(token=type_.replace(":", "."), pulumi_name=name)
        try:
            return template.format(**values)
        except KeyError:
            return _FALLBACK_ID.format(**values)

    @staticmethod
    def azure_name(type_: str, resource_id: str) -> str:
        return resource_id.rstrip("/").rsplit("/", 1)[-1] if type_ in ARM_IDS else ""

    # ----------------------------------------------------------------- resources

    def new_resource(
        self, type_: str, name: str, inputs: dict[str, Any], provider: str | None, urn: str
    ) -> tuple[str, dict[str, Any]]:
        """Return ``(id, outputs)``: the inputs echoed back plus what Azure computes."""
        if type_.startswith("pulumi:providers:"):
            subscription = inputs.get("subscriptionId")
            if isinstance(subscription, str) and subscription != UNKNOWN:
                self._provider_subscriptions[f"{urn}::{_uuid(urn)}"] = subscription
            return _uuid(urn), dict(inputs)
        if type_.startswith("azuread:"):
            object_id = _uuid(self.consortium, type_, name)
            return object_id, {**inputs, "id": object_id, "objectId": object_id}
        if not type_.startswith("azure-native:"):
            return _uuid(urn), dict(inputs)

        rid = self.resource_id(type_, name, inputs, provider)
        out: dict[str, Any] = {**inputs, "id": rid, "name": self.azure_name(type_, rid) or name}
        out["azureApiVersion"] = "offline"
        extra = self._computed.get(type_)
        if extra is not None:
            extra(self, rid, inputs, out)
        return rid, out

    def _vnet(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        subnets = []
        for subnet in inputs.get("subnets") or []:
            subnet_id = f"{rid}/subnets/{subnet.get('name')}"
            self._subnet_prefixes[subnet_id] = subnet.get("addressPrefix", "")
            subnets.append({**subnet, "id": subnet_id})
        out["subnets"] = subnets

    def _firewall(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        configs = []
        for config in inputs.get("ipConfigurations") or []:
            prefix = self._subnet_prefixes.get((config.get("subnet") or {}).get("id", ""))
            # Azure gives the firewall the first address it does not reserve: the subnet's fourth.
            private_ip = str(ipaddress.ip_network(prefix)[4]) if prefix else UNKNOWN
            configs.append({**config, "privateIPAddress": private_ip})
        out["ipConfigurations"] = configs

    def _identity(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        out.update(principalId=_uuid(rid, "principal"), clientId=_uuid(rid, "client"), tenantId=self.tenant_id)

    def _system_identity(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        if inputs.get("identity"):
            out["identity"] = {
                **inputs["identity"],
                "principalId": _uuid(rid, "principal"),
                "tenantId": self.tenant_id,
            }

    def _user_assigned(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        """A resource given user-assigned identities: Azure answers with a map, id -> that identity's ids."""
        identity = inputs.get("identity")
        ids = identity.get("userAssignedIdentities") if isinstance(identity, dict) else None
        if isinstance(ids, list):
            out["identity"] = {
                **identity,
                "userAssignedIdentities": {
                    i: {"principalId": _uuid(i, "principal"), "clientId": _uuid(i, "client")} for i in ids
                },
            }

    def _key_vault(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        properties = dict(inputs.get("properties") or {})
        properties["vaultUri"] = f"https://{self.azure_name('azure-native:keyvault:Vault', rid)}.vault.azure.net/"
        out["properties"] = properties

    def _workspace(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        out["customerId"] = _uuid(rid, "customer")

    def _storage(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        account = self.azure_name("azure-native:storage:StorageAccount", rid)
        out["primaryEndpoints"] = {
            kind: f"https://{account}.{kind}.core.windows.net/" for kind in ("blob", "file", "queue", "table")
        }

    def _public_ip(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        # Documentation range (RFC 5737): realistic shape, never a real address.
        out["ipAddress"] = f"203.0.113.{int(hashlib.sha256(rid.encode()).hexdigest(), 16) % 254 + 1}"

    _computed: ClassVar[dict[str, Callable[[FakeAzure, str, dict[str, Any], dict[str, Any]], None]]] = {
        "azure-native:network:VirtualNetwork": _vnet,
        "azure-native:network:AzureFirewall": _firewall,
        "azure-native:managedidentity:UserAssignedIdentity": _identity,
        "azure-native:recoveryservices:Vault": _system_identity,
        "azure-native:keyvault:Vault": _key_vault,
        "azure-native:operationalinsights:Workspace": _workspace,
        "azure-native:storage:StorageAccount": _storage,
        "azure-native:network:PublicIPAddress": _public_ip,
        "azure-native:network:FlowLog": _user_assigned,
    }

    # ----------------------------------------------------------------- invokes

    def call(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """The answer to an invoke (a data source such as the deployer's client config)."""
        deployer = {
            "clientId": _uuid(self.consortium, "deployer-app"),
            "objectId": self.deployer_object_id,
            "tenantId": self.tenant_id,
        }
        if token == "azure-native:authorization:getClientConfig":
            return {**deployer, "subscriptionId": self.subscription_id}
        if token == "azuread:index/getClientConfig:getClientConfig":
            return deployer
        if token == "azuread:index/getUsers:getUsers":
            upns = list(args.get("userPrincipalNames") or [])
            ids = [_uuid(self.consortium, "user", upn.lower()) for upn in upns]
            return {
                "id": _uuid(self.consortium, "users", *upns),
                "objectIds": ids,
                "userPrincipalNames": upns,
                "mailNicknames": [upn.split("@")[0] for upn in upns],
                "mails": upns,
                "employeeIds": ["" for _ in upns],
                "users": [
                    {
                        "objectId": oid,
                        "userPrincipalName": upn,
                        "mailNickname": upn.split("@")[0],
                        "mail": upn,
                        "displayName": upn.split("@")[0],
                        "accountEnabled": True,
                        "employeeId": "",
                        "onpremisesImmutableId": "",
                        "onpremisesSamAccountName": "",
                        "onpremisesUserPrincipalName": "",
                        "usageLocation": "US",
                    }
                    for oid, upn in zip(ids, upns, strict=True)
                ],
            }
        raise NotImplementedError(
            f"the offline runner has no fake answer for the invoke {token}; add one to FakeAzure.call"
        )
