"""One violating mutation per control, applied to the compliant plan of the bundled consortium.

Each entry breaks exactly what its control guards, in the way a person (or a bad template change)
would, and names the fragment the control's message must contain. The mutation test applies each
to a fresh copy of the compliant plan and checks that the intended control catches it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .helpers import Record, clone, pick

ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
KV = "azure-native:keyvault:Vault"
NSG = "azure-native:network:NetworkSecurityGroup"
VNET = "azure-native:network:VirtualNetwork"
RT = "azure-native:network:RouteTable"
PEERING = "azure-native:network:VirtualNetworkPeering"
CONN = "azure-native:network:VirtualNetworkGatewayConnection"
LNG = "azure-native:network:LocalNetworkGateway"
FW_POLICY = "azure-native:network:FirewallPolicy"
RULE_GROUP = "azure-native:network:FirewallPolicyRuleCollectionGroup"
RSV = "azure-native:recoveryservices:Vault"
POLICY = "azure-native:recoveryservices:ProtectionPolicy"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
GROUP = "azuread:index/group:Group"
CA = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
DIAG = "azure-native:monitor:DiagnosticSetting"
WORKSPACE = "azure-native:operationalinsights:Workspace"
BUDGET = "azure-native:consumption:Budget"
FIREWALL = "azure-native:network:AzureFirewall"
PIP = "azure-native:network:PublicIPAddress"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
MAINTENANCE = "azure-native:maintenance:MaintenanceConfiguration"
MAINTENANCE_ASSIGNMENT = "azure-native:maintenance:ConfigurationAssignment"
FLOW_LOG = "azure-native:network:FlowLog"
SUB = "/subscriptions/ff456a7c-ba68-50a8-be24-81cb932c0c9b"
OWNER = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
ALERT_TYPES = (
    "azure-native:monitor:MetricAlert",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:monitor:ActivityLogAlert",
    "azure-native:alertsmanagement:AlertProcessingRuleByName",
)
FITCHBURG_RG = f"{SUB}/resourceGroups/rg-dane-county-fitchburg"
FITCHBURG = "10.64.16.0/20"
VERONA = "10.64.32.0/20"

Mutate = Callable[[list[Record]], Record]


def setp(record: Record, path: str, value: Any) -> Record:
    node = record["inputs"]
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    if value is DELETE:
        node.pop(last)
    else:
        node[int(last) if last.isdigit() else last] = value
    return record


DELETE = object()


def edit(
    type_: str,
    path: str,
    value: Any,
    *,
    member: str | None = "verona",
    where: Callable[[Record], bool] = lambda r: True,
) -> Mutate:
    return lambda records: setp(pick(records, type_, member=member, where=where), path, value)


def add_rule(rule: dict[str, Any]) -> Mutate:
    def apply(records: list[Record]) -> Record:
        nsg = pick(records, NSG, where=lambda r: r["name"].endswith("-servers"))
        nsg["inputs"]["securityRules"].append(
            {
                "access": "Allow",
                "direction": "Inbound",
                "protocol": "Tcp",
                "sourcePortRange": "*",
                "destinationAddressPrefix": "*",
                "priority": 300,
                "name": "bad-rule",
                **rule,
            }
        )
        return nsg

    return apply


def remove(
    type_: str,
    *,
    member: str | None = "verona",
    where: Callable[[Record], bool] = lambda r: True,
    report: str | None = None,
    report_where: Callable[[Record], bool] = lambda r: True,
) -> Mutate:
    """Delete a record; the finding lands on ``report`` (a type of the same member) or the record's owner."""

    def apply(records: list[Record]) -> Record:
        gone = pick(records, type_, member=member, where=where)
        records.remove(gone)
        return pick(records, report, member=member, where=report_where) if report else gone

    return apply


def _drop_subnet_key(key: str) -> Mutate:
    def apply(records: list[Record]) -> Record:
        vnet = pick(records, VNET)
        vnet["inputs"]["subnets"][0].pop(key)
        return vnet

    return apply


def _new_public_ip(records: list[Record]) -> Record:
    template = pick(records, "azure-native:network:PublicIPAddress", member=None)
    new = clone(records, template, "pip-verona-web", publicIpAddressName="pip-verona-web")
    new.update(stack="verona", member="verona", urn=new["urn"].replace("urn:pulumi:hub::", "urn:pulumi:verona::"))
    return new


def _spoke_peering(records: list[Record]) -> Record:
    template = pick(records, PEERING, where=lambda r: r["name"] == "peer-verona-to-hub")
    return clone(
        records,
        template,
        "peer-verona-to-fitchburg",
        virtualNetworkPeeringName="to-fitchburg",
        remoteVirtualNetwork={"id": f"{FITCHBURG_RG}/providers/Microsoft.Network/virtualNetworks/vnet-fitchburg"},
    )


def planted_spoke_peering(records: list[Record]) -> Record:
    """A new peering from verona's VNet to fitchburg's (a first preview's records: no record is changed)."""
    template = pick(records, PEERING, where=lambda r: r["name"] == "peer-verona-to-hub")
    planted = copy.deepcopy(template)
    planted["name"] = "peer-verona-to-fitchburg"
    planted["urn"] = template["urn"].replace("peer-verona-to-hub", "peer-verona-to-fitchburg")
    planted["inputs"]["virtualNetworkPeeringName"] = "to-fitchburg"
    planted["inputs"]["remoteVirtualNetwork"] = {
        "id": f"{FITCHBURG_RG}/providers/Microsoft.Network/virtualNetworks/vnet-fitchburg"
    }
    return planted


def _drop_internet_deny(records: list[Record]) -> Record:
    nsg = pick(records, NSG, where=lambda r: r["name"].endswith("-servers"))
    nsg["inputs"]["securityRules"] = [x for x in nsg["inputs"]["securityRules"] if x["access"] != "Deny"]
    return nsg


def _ca_drops_a_group(records: list[Record]) -> Record:
    ca = pick(records, CA)
    staff = pick(records, GROUP, where=lambda r: r["name"].endswith("-staff"))
    ca["inputs"]["conditions"]["users"]["includedGroups"].remove(staff["id"])
    return staff


def _desk_gets_contributor(records: list[Record]) -> Record:
    """A second grant to the service desk's group in Verona, the convenient and too broad one."""
    desk = pick(records, ASSIGNMENT, where=lambda r: r["name"] == "verona-service-desk-desk-role")
    return clone(
        records,
        desk,
        "verona-service-desk-contributor",
        roleDefinitionId=CONTRIBUTOR,
        roleAssignmentName="5b0c2f8e-0000-4000-8000-000000000001",
    )


def alert_scopes(record: Record) -> list[str]:
    inputs = record["inputs"]
    return list(inputs.get("scopes") or inputs.get("properties", {}).get("scopes") or [])


def _backup_alerts_removed(records: list[Record]) -> Record:
    """Every alert on Verona's vault deleted (the job-failure routing and the 36-hour rule)."""
    vault = pick(records, RSV)
    for r in [r for r in records if r["type"] in ALERT_TYPES and vault["id"] in alert_scopes(r)]:
        records.remove(r)
    return vault


def _route_to_fitchburg(records: list[Record]) -> Record:
    rt = pick(records, RT)
    rt["inputs"]["routes"].append({"name": "to-fitchburg", "addressPrefix": FITCHBURG, "nextHopType": "VnetLocal"})
    return rt


def _firewall_allows_spokes(records: list[Record]) -> Record:
    group = pick(records, RULE_GROUP, member=None)
    group["inputs"]["ruleCollections"].insert(
        0,
        {
            "name": "allow-verona-to-fitchburg",
            "priority": 150,
            "action": {"type": "Allow"},
            "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
            "rules": [
                {
                    "ruleType": "NetworkRule",
                    "name": "verona-fitchburg",
                    "sourceAddresses": [VERONA],
                    "destinationAddresses": [FITCHBURG],
                    "destinationPorts": ["445"],
                    "ipProtocols": ["TCP"],
                }
            ],
        },
    )
    return group


# control id -> (mutation returning the record the finding must name, message fragment)
MUTATIONS: dict[str, tuple[Mutate, str]] = {
    "MCS-STO-001": (edit(ACCOUNT, "minimumTlsVersion", "TLS1_0"), "minimumTlsVersion is TLS1_0"),
    "MCS-STO-002": (edit(ACCOUNT, "enableHttpsTrafficOnly", False), "enableHttpsTrafficOnly is False"),
    "MCS-STO-003": (edit(ACCOUNT, "allowBlobPublicAccess", True), "allowBlobPublicAccess is True"),
    "MCS-STO-004": (edit(ACCOUNT, "allowSharedKeyAccess", DELETE), "allowSharedKeyAccess is None"),
    "MCS-STO-005": (edit(ACCOUNT, "sku.name", "Standard_LRS"), "sku is Standard_LRS"),
    "MCS-STO-006": (edit(BLOB_SERVICE, "isVersioningEnabled", False), "versioning must be on"),
    "MCS-STO-007": (edit(ACCOUNT, "immutableStorageWithVersioning.enabled", False), "must be immutable"),
    "MCS-STO-008": (edit(ACCOUNT, "publicNetworkAccess", "Enabled"), "publicNetworkAccess is Enabled"),
    "MCS-STO-009": (edit(CONTAINER, "publicAccess", "Blob"), "publicAccess is Blob"),
    "MCS-STO-010": (edit(BLOB_SERVICE, "deleteRetentionPolicy.enabled", False), "blob soft delete is off"),
    "MCS-STO-011": (edit(ACCOUNT, "allowCrossTenantReplication", True), "allowCrossTenantReplication is True"),
    "MCS-KV-001": (edit(KV, "properties.enablePurgeProtection", False), "enablePurgeProtection is not true"),
    "MCS-KV-002": (edit(KV, "properties.softDeleteRetentionInDays", 7), "softDeleteRetentionInDays is 7"),
    "MCS-KV-003": (edit(KV, "properties.enableRbacAuthorization", False), "enableRbacAuthorization is not true"),
    "MCS-KV-004": (edit(KV, "properties.publicNetworkAccess", "Enabled"), "publicNetworkAccess is Enabled"),
    "MCS-NET-001": (
        add_rule({"sourceAddressPrefix": "Internet", "destinationPortRange": "22"}),
        "allows SSH (22) inbound from Internet",
    ),
    "MCS-NET-002": (
        add_rule({"sourceAddressPrefix": "*", "destinationPortRanges": ["3380-3390"]}),
        "allows RDP (3389) inbound from *",
    ),
    "MCS-NET-003": (
        add_rule({"sourceAddressPrefixes": ["0.0.0.0/0"], "destinationPortRange": "445"}),
        "allows SMB (445) inbound from 0.0.0.0/0",
    ),
    "MCS-NET-004": (
        add_rule({"sourceAddressPrefix": "Internet", "destinationPortRanges": ["5985-5986"]}),
        "allows WinRM inbound from the internet",
    ),
    "MCS-NET-005": (_drop_subnet_key("networkSecurityGroup"), "has no network security group"),
    "MCS-NET-006": (_new_public_ip, "public IP pip-verona-web in member verona's stack"),
    "MCS-NET-007": (edit(RT, "routes.0.nextHopType", "Internet"), "sends 0.0.0.0/0 to Internet"),
    "MCS-NET-008": (_drop_subnet_key("routeTable"), "has no route table"),
    "MCS-NET-009": (_spoke_peering, "connects two spokes"),
    "MCS-NET-010": (edit(CONN, "connectionProtocol", "IKEv1"), "connectionProtocol is IKEv1"),
    "MCS-NET-011": (edit(CONN, "ipsecPolicies.0.ikeIntegrity", "SHA1"), "weak algorithms: SHA1"),
    "MCS-NET-012": (edit(CONN, "sharedKey", "town-hall-2019!"), "stored in plain text"),
    "MCS-NET-013": (_drop_internet_deny, "no inbound Deny rule"),
    "MCS-NET-014": (edit(FW_POLICY, "threatIntelMode", "Off", member=None), "threatIntelMode is Off"),
    "MCS-NET-015": (edit(RT, "disableBgpRoutePropagation", False), "disableBgpRoutePropagation is not true"),
    "MCS-NET-016": (  # a phase-2 member: judged from the first vault on, not only once networking arrives
        remove(
            "azure-native:network:PrivateEndpoint",
            member="sun-prairie",
            where=lambda r: r["inputs"]["privateLinkServiceConnections"][0]["groupIds"] == ["AzureBackup"],
            report=RSV,
        ),
        "no private endpoint reaches AzureBackup",
    ),
    "MCS-BAK-001": (
        edit(RSV, "properties.securitySettings.softDeleteSettings.softDeleteState", "Disabled"),
        "soft delete state is Disabled",
    ),
    "MCS-BAK-002": (
        edit(RSV, "properties.securitySettings.immutabilitySettings.state", "Disabled"),
        "immutability state is Disabled",
    ),
    "MCS-BAK-003": (edit(RSV, "properties.publicNetworkAccess", "Enabled"), "publicNetworkAccess is Enabled"),
    "MCS-BAK-004": (
        edit(RSV, "properties.redundancySettings.standardTierStorageRedundancy", "LocallyRedundant"),
        "storage redundancy is LocallyRedundant",
    ),
    "MCS-BAK-005": (
        edit(
            POLICY,
            "properties.retentionPolicy.dailySchedule.retentionDuration.count",
            7,
            where=lambda r: r["name"].endswith("-vm-daily"),
        ),
        "daily retention is 7 days",
    ),
    "MCS-BAK-006": (
        edit(POLICY, "properties.schedulePolicy.scheduleRunFrequency", "Weekly"),
        "schedule frequency is Weekly",
    ),
    "MCS-BAK-007": (
        edit(POLICY, "properties.policyType", "V1", where=lambda r: r["name"].endswith("-vm-daily")),
        "policyType is V1",
    ),
    # A vault marked as a leaving town's kept data, without the protect option the program sets with it.
    "MCS-BAK-008": (edit(RSV, "tags.data-kept-until", "2026-06-01"), "kept until 2026-06-01, but is not protected"),
    "MCS-IAM-001": (edit(ASSIGNMENT, "scope", SUB), "is a subscription or wider"),
    "MCS-IAM-002": (
        edit(ASSIGNMENT, "scope", f"{SUB}/resourceGroups/rg-dane-county-hub"),
        "scope is resource group rg-dane-county-hub",
    ),
    "MCS-IAM-003": (edit(ASSIGNMENT, "roleDefinitionId", OWNER), "grants Owner"),
    "MCS-IAM-004": (edit(GROUP, "owners", []), "has no owner"),
    "MCS-IAM-005": (edit(GROUP, "mailEnabled", True), "not a plain security group"),
    "MCS-IAM-006": (edit(CA, "state", "enabledForReportingButNotEnforced"), "must be enabled"),
    "MCS-IAM-007": (_ca_drops_a_group, "is in no enabled MFA policy of verona"),
    "MCS-IAM-008": (_desk_gets_contributor, "grants Contributor to the service desk"),
    "MCS-LOG-001": (
        remove(DIAG, where=lambda r: "RecoveryServices" in r["inputs"]["resourceUri"], report=RSV),
        "rsv-verona sends no diagnostics",
    ),
    "MCS-LOG-002": (
        remove(DIAG, where=lambda r: "KeyVault" in r["inputs"]["resourceUri"], report=KV),
        "sends no diagnostics to the hub workspace",
    ),
    "MCS-LOG-003": (
        remove(
            DIAG,
            where=lambda r: r["name"] == "nsg-verona-servers-diagnostics",
            report=NSG,
            report_where=lambda r: r["name"] == "nsg-verona-servers",
        ),
        "nsg-verona-servers sends no diagnostics",
    ),
    "MCS-LOG-004": (edit(WORKSPACE, "retentionInDays", 30, member=None), "retentionInDays is 30"),
    "MCS-LOG-005": (edit(DIAG, "logs", []), "no enabled allLogs/audit category group"),
    "MCS-LOG-007": (edit(FLOW_LOG, "retentionPolicy.days", 30), "keeps its records 30 days; at least 90"),
    "MCS-GOV-001": (edit(ACCOUNT, "tags", DELETE), "missing tags: consortium, member"),
    "MCS-GOV-002": (edit(KV, "tags.member", "fitchburg"), "member tag is fitchburg"),
    "MCS-GOV-003": (remove(BUDGET, report="azure-native:resources:ResourceGroup"), "member verona has no budget"),
    "MCS-GOV-004": (
        remove(RSV, report="azure-native:resources:ResourceGroup"),
        "phase 4 (backup) needs 1 Recovery Services vault; found 0",
    ),
    "MCS-GOV-005": (edit(BUDGET, "amount", 20.5), "budget 20.50 is below verona's estimated direct costs of"),
    "MCS-OPS-001": (_backup_alerts_removed, "backup: Vault rsv-verona has no enabled alert routed to the service desk"),
    "MCS-NET-018": (
        add_rule({"sourceAddressPrefix": "Internet", "destinationPortRange": "80", "name": "web"}),
        "rule web allows inbound traffic from the internet (ports 80)",
    ),
    "MCS-STO-013": (
        edit(BLOB_SERVICE, "containerDeleteRetentionPolicy.enabled", False),
        "container soft delete is off with 60 days",
    ),
    "MCS-STO-014": (edit(ACCOUNT, "isLocalUserEnabled", True), "isLocalUserEnabled is True; it must be false"),
    "MCS-STO-012": (edit(ACCOUNT, "networkRuleSet.bypass", "None"), "networkRuleSet.bypass is None"),
    "MCS-BAK-010": (edit(RSV, "identity", DELETE), "identity.type is not set; the vault needs a managed identity"),
    "MCS-IAM-010": (edit(ASSIGNMENT, "principalType", "User"), "grants a role to a single user"),
    "MCS-IAM-009": (
        edit(ROLE_DEFINITION, "permissions", [{"actions": ["*"], "notActions": []}]),
        "grants all actions ('*' in permissions.actions)",
    ),
    "MCS-NET-017": (  # Verona's hall claims Fitchburg's LAN without NAT
        edit(LNG, "localNetworkAddressSpace.addressPrefixes", ["172.20.0.0/22"]),
        "172.20.0.0/22 (no NAT) overlaps fitchburg's on-premises range on the hub gateway",
    ),
    "MCS-ISO-001": (edit(ASSIGNMENT, "scope", FITCHBURG_RG), "granted a role in fitchburg's resource group"),
    "MCS-ISO-002": (_spoke_peering, "reaches fitchburg's network vnet-fitchburg"),
    "MCS-ISO-003": (_route_to_fitchburg, "sends 10.64.16.0/20 (fitchburg's space) to VnetLocal"),
    "MCS-ISO-004": (
        add_rule({"sourceAddressPrefix": FITCHBURG, "destinationPortRange": "443"}),
        "admits 10.64.16.0/20, which covers fitchburg's address space",
    ),
    "MCS-ISO-005": (_firewall_allows_spokes, "allows other spokes into fitchburg"),
    # The hub before issue 18: a regional firewall and address, a single-instance gateway, no window.
    "MCS-REL-001": (edit(FIREWALL, "zones", ["1"], member=None), "zones are 1; centralus has zones 1, 2, 3"),
    "MCS-REL-002": (
        edit(PIP, "zones", DELETE, member=None, where=lambda r: r["name"].endswith("-firewall")),
        "zones are none; centralus has zones 1, 2, 3",
    ),
    "MCS-REL-003": (edit(GATEWAY, "sku.name", "VpnGw2", member=None), "sku is VpnGw2; use one of VpnGw1AZ"),
    "MCS-REL-004": (edit(GATEWAY, "activeActive", False, member=None), "activeActive is not true"),
    "MCS-REL-005": (
        remove(MAINTENANCE_ASSIGNMENT, member=None, report=GATEWAY),
        "no maintenance configuration is assigned",
    ),
    # A "temporary" rule letting Verona's servers SSH to their neighbours, ahead of the program's deny (150).
    "MCS-NET-019": (
        add_rule({"direction": "Outbound", "sourceAddressPrefix": "*", "destinationPortRange": "22", "priority": 120}),
        "rule bad-rule allows outbound SSH (22) to the virtual network ahead of any deny",
    ),
    "MCS-LOG-006": (
        remove(DIAG, where=lambda r: "/blobServices/" in r["inputs"]["resourceUri"], report=ACCOUNT),
        "'s blob service sends no StorageRead, StorageWrite, StorageDelete logs to the hub workspace",
    ),
}
