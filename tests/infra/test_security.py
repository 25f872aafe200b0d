"""Security-relevant inputs of every component, as the engine (and the policies) would see them."""

from __future__ import annotations

import ipaddress

import pytest

from consortium.wire import SECRET
from infra.roles import Role
from tests.infra.helpers import inputs, of_type, one

VAULT = "azure-native:recoveryservices:Vault"
STORAGE = "azure-native:storage:StorageAccount"
KEY_VAULT = "azure-native:keyvault:Vault"
NSG = "azure-native:network:NetworkSecurityGroup"
ROLE = "azure-native:authorization:RoleAssignment"
PEERING = "azure-native:network:VirtualNetworkPeering"
ROUTE_TABLE = "azure-native:network:RouteTable"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
RG = "azure-native:resources:ResourceGroup"

FULL = ["verona", "fitchburg", "middleton"]  # phase 4: every service


# --------------------------------------------------------------------------- backup


@pytest.mark.parametrize("slug", ["verona", "sun-prairie", "monona"])
def test_recovery_vault_is_geo_redundant_soft_deleting_immutable_and_private(stack_plan, slug):
    props = inputs(stack_plan(slug), VAULT)["properties"]
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["redundancySettings"]["standardTierStorageRedundancy"] == "GeoRedundant"
    assert props["redundancySettings"]["crossRegionRestore"] == "Enabled"
    soft_delete = props["securitySettings"]["softDeleteSettings"]
    assert soft_delete["softDeleteState"] in ("Enabled", "AlwaysON")
    assert soft_delete["softDeleteRetentionPeriodInDays"] >= 14
    assert props["securitySettings"]["immutabilitySettings"]["state"] in ("Unlocked", "Locked")


@pytest.mark.parametrize("slug", ["verona", "sun-prairie"])
def test_backup_policies_keep_the_members_retention(example_registry, stack_plan, slug):
    plan = stack_plan(slug)
    expected = example_registry.retention_days(example_registry.entry(slug).member)
    policies = {r.name: r.inputs["properties"] for r in of_type(plan, "azure-native:recoveryservices:ProtectionPolicy")}
    assert set(policies) == {f"rsv-{slug}-vm-daily", f"rsv-{slug}-files-daily"}
    for props in policies.values():
        assert props["schedulePolicy"]["scheduleRunFrequency"] == "Daily"
        duration = props["retentionPolicy"]["dailySchedule"]["retentionDuration"]
        assert duration == {"count": expected, "durationType": "Days"}
    assert policies[f"rsv-{slug}-vm-daily"]["backupManagementType"] == "AzureIaasVM"
    assert policies[f"rsv-{slug}-files-daily"]["workLoadType"] == "AzureFileShare"


@pytest.mark.parametrize("slug", ["verona", "sun-prairie"])
def test_the_vm_policy_is_enhanced_for_trusted_launch_vms(stack_plan, slug):
    """Policy type V2 with the V2 schedule (run time under dailySchedule); Azure Files keeps the V1 form."""
    vm = inputs(stack_plan(slug), "azure-native:recoveryservices:ProtectionPolicy", f"rsv-{slug}-vm-daily")
    props = vm["properties"]
    assert props["policyType"] == "V2"
    assert props["schedulePolicy"] == {
        "schedulePolicyType": "SimpleSchedulePolicyV2",
        "scheduleRunFrequency": "Daily",
        "dailySchedule": {"scheduleRunTimes": props["retentionPolicy"]["dailySchedule"]["retentionTimes"]},
    }
    assert 1 <= props["instantRpRetentionRangeInDays"] <= 30  # the Enhanced policy's range
    files = inputs(stack_plan(slug), "azure-native:recoveryservices:ProtectionPolicy", f"rsv-{slug}-files-daily")
    assert files["properties"]["schedulePolicy"]["schedulePolicyType"] == "SimpleSchedulePolicy"
    assert "policyType" not in files["properties"]


def test_retention_differs_per_member_as_in_the_registry(stack_plan):
    def days(slug):
        props = inputs(stack_plan(slug), "azure-native:recoveryservices:ProtectionPolicy", f"rsv-{slug}-vm-daily")
        return props["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"]

    assert days("verona") == 60  # its own setting
    assert days("sun-prairie") == 35  # the consortium default


@pytest.mark.parametrize("slug", ["verona", "sun-prairie"])
def test_backup_storage_account_is_locked_down(stack_plan, slug):
    account = inputs(stack_plan(slug), STORAGE)
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["enableHttpsTrafficOnly"] is True
    assert account["allowBlobPublicAccess"] is False
    assert account["allowSharedKeyAccess"] is False
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"]["defaultAction"] == "Deny"
    assert account["sku"]["name"] == "Standard_GRS"
    assert account["immutableStorageWithVersioning"]["enabled"] is True
    blob = inputs(stack_plan(slug), "azure-native:storage:BlobServiceProperties")
    assert blob["isVersioningEnabled"] is True
    assert blob["deleteRetentionPolicy"]["enabled"] is True
    for container in of_type(stack_plan(slug), "azure-native:storage:BlobContainer"):
        assert container.inputs["publicAccess"] == "None"


# --------------------------------------------------------------------------- identity


@pytest.mark.parametrize("name", ["hub", *FULL, "monona"])
def test_key_vaults_use_rbac_purge_protection_and_no_public_access(stack_plan, name):
    props = inputs(stack_plan(name), KEY_VAULT)["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enablePurgeProtection"] is True
    assert props["enableSoftDelete"] is True
    assert props["softDeleteRetentionInDays"] >= 90
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"]["defaultAction"] == "Deny"


@pytest.mark.parametrize("slug", [*FULL, "monona", "mcfarland"])
def test_role_assignments_stay_inside_the_members_resource_group(stack_plan, slug):
    plan = stack_plan(slug)
    rg_id = "/subscriptions/" + inputs(plan, "azure-native:consumption:Budget")["scope"].split("/subscriptions/", 1)[1]
    assert rg_id.endswith(f"/resourceGroups/rg-dane-county-{slug}")
    assignments = of_type(plan, ROLE)
    assert len(assignments) == 5
    for a in assignments:
        scope = a.inputs["scope"]
        assert scope == rg_id or scope.startswith(rg_id + "/providers/"), f"{a.name} is scoped to {scope}"
    roles = {a.name: a.inputs["roleDefinitionId"].rsplit("/", 1)[1] for a in assignments}
    (desk_role,) = of_type(plan, "azure-native:authorization:RoleDefinition")
    assert roles == {
        f"{slug}-service-desk-desk-role": desk_role.inputs["roleDefinitionId"],
        f"{slug}-admins-contributor": Role.CONTRIBUTOR.value,
        f"{slug}-helpdesk-backup-operator": Role.BACKUP_OPERATOR.value,
        f"{slug}-auditors-reader": Role.READER.value,
        f"{slug}-automation-key-vault-secrets-user": Role.KEY_VAULT_SECRETS_USER.value,
    }
    by_name = {a.name: a.inputs for a in assignments}
    assert by_name[f"{slug}-admins-contributor"]["scope"] == rg_id
    assert by_name[f"{slug}-automation-key-vault-secrets-user"]["scope"].startswith(
        rg_id + "/providers/Microsoft.KeyVault/vaults/"
    )


def test_groups_admins_and_helpdesk(example_registry, stack_plan, hub_plan):
    plan = stack_plan("fitchburg")
    groups = {r.name: r.inputs for r in of_type(plan, "azuread:index/group:Group")}
    assert set(groups) == {"fitchburg-admins", "fitchburg-staff", "fitchburg-helpdesk"}
    admins = example_registry.entry("fitchburg").member.admins
    assert len(groups["fitchburg-admins"]["members"]) == len(admins) >= 2
    for g in groups.values():
        assert g["securityEnabled"] is True and g["mailEnabled"] is False
        assert g["owners"] == groups["fitchburg-admins"]["members"]
    assert groups["fitchburg-helpdesk"]["members"] == [hub_plan.outputs["service_desk_group_id"]]
    auditors = one(plan, ROLE, "fitchburg-auditors-reader").inputs
    assert auditors["principalId"] == hub_plan.outputs["auditors_group_id"]


def test_conditional_access_requires_mfa_of_all_three_groups(stack_plan):
    plan = stack_plan("verona")
    policy = inputs(plan, "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy")
    assert policy["state"] == "enabled"
    assert policy["grantControls"]["builtInControls"] == ["mfa"]
    group_ids = sorted(r.inputs.get("objectId", "") or r.urn for r in of_type(plan, "azuread:index/group:Group"))
    assert len(policy["conditions"]["users"]["includedGroups"]) == len(group_ids) == 3
    assert policy["conditions"]["applications"]["includedApplications"] == ["All"]


# --------------------------------------------------------------------------- network


@pytest.mark.parametrize("name", ["hub", *FULL])
def test_every_nsg_denies_the_internet_and_allows_management_only_from_the_hub(example_registry, stack_plan, name):
    plan = stack_plan(name)
    nsgs = of_type(plan, NSG)
    assert nsgs
    management = "10.64.0.128/25"
    for nsg in nsgs:
        rules = nsg.inputs["securityRules"]
        deny = [r for r in rules if r["name"] == "deny-internet-inbound"]
        assert deny == [
            {
                "name": "deny-internet-inbound",
                "description": deny[0]["description"],
                "priority": 4096,
                "direction": "Inbound",
                "access": "Deny",
                "protocol": "*",
                "sourceAddressPrefix": "Internet",
                "sourcePortRange": "*",
                "destinationAddressPrefix": "*",
                "destinationPortRange": "*",
            }
        ]
        for rule in rules:
            if rule["access"] == "Allow" and rule["direction"] == "Inbound":
                sources = rule.get("sourceAddressPrefixes") or [rule["sourceAddressPrefix"]]
                assert "Internet" not in sources and "*" not in sources, f"{nsg.name}: {rule['name']}"
                assert rule["priority"] < 4096
            if rule["name"] == "allow-management-inbound":
                assert rule["sourceAddressPrefix"] == management
                assert rule["destinationPortRanges"] == ["22", "3389", "5985", "5986"]


@pytest.mark.parametrize("name", ["hub", *FULL, "sun-prairie"])
def test_every_nsg_but_the_hubs_management_denies_remote_management_outbound(stack_plan, name):
    """PSRule's Azure.NSG.LateralTraversal: no server opens SSH/RDP/WinRM to the virtual network;
    the jump hosts and the Ansible controller in the hub's management subnet do."""
    nsgs = of_type(stack_plan(name), NSG)
    assert nsgs
    for nsg in nsgs:
        lateral = [r for r in nsg.inputs["securityRules"] if r["name"] == "deny-lateral-management-outbound"]
        if nsg.inputs["networkSecurityGroupName"] == "nsg-dane-county-hub-management":
            assert lateral == [] and all(r["direction"] == "Inbound" for r in nsg.inputs["securityRules"])
            continue
        assert lateral == [
            {
                "name": "deny-lateral-management-outbound",
                "description": lateral[0]["description"],
                "priority": 150,
                "direction": "Outbound",
                "access": "Deny",
                "protocol": "Tcp",
                "sourceAddressPrefix": "*",
                "sourcePortRange": "*",
                "destinationAddressPrefix": "VirtualNetwork",
                "destinationPortRanges": ["22", "3389", "5985", "5986"],
            }
        ], nsg.name


def test_spoke_subnets_are_the_registrys_and_each_has_its_nsg_and_route_table(example_registry, stack_plan):
    from consortium.registry.stackconfig import member_stack

    plan = stack_plan("verona")
    expected = {
        k: str(v) for k, v in member_stack(example_registry, example_registry.entry("verona").member).subnets.items()
    }
    vnet = inputs(plan, "azure-native:network:VirtualNetwork")
    assert vnet["addressSpace"]["addressPrefixes"] == ["10.64.32.0/20"]
    subnets = {s["name"]: s for s in vnet["subnets"]}
    assert {k: s["addressPrefix"] for k, s in subnets.items()} == expected
    nsg_ids = {r.name: f"{r.name}" for r in of_type(plan, NSG)}
    for name, subnet in subnets.items():
        assert subnet["networkSecurityGroup"]["id"].endswith(f"/networkSecurityGroups/nsg-verona-{name}")
        assert subnet["routeTable"]["id"].endswith("/routeTables/rt-verona")
    assert len(nsg_ids) == 4


def test_peering_flags_both_directions(stack_plan, hub_plan):
    plan = stack_plan("verona")
    spoke = inputs(plan, PEERING, "peer-verona-to-hub")
    hub_side = one(plan, PEERING, "peer-hub-to-verona")
    assert spoke["remoteVirtualNetwork"]["id"] == hub_plan.outputs["vnet_id"]
    assert spoke["allowVirtualNetworkAccess"] is True
    assert spoke["allowForwardedTraffic"] is True
    assert spoke["useRemoteGateways"] is True
    assert spoke["allowGatewayTransit"] is False
    assert hub_side.inputs["remoteVirtualNetwork"]["id"].endswith("/virtualNetworks/vnet-verona")
    assert hub_side.inputs["allowGatewayTransit"] is True
    assert hub_side.inputs["useRemoteGateways"] is False
    assert hub_side.inputs["allowForwardedTraffic"] is True
    assert hub_side.inputs["resourceGroupName"] == hub_plan.outputs["resource_group_name"]
    assert hub_side.inputs["virtualNetworkName"] == hub_plan.outputs["vnet_name"]
    # The spoke side waits for the hub side (gateway transit must exist first).
    assert hub_side.urn in one(plan, PEERING, "peer-verona-to-hub").dependencies


def test_resources_in_the_hub_use_the_hub_provider(stack_plan, hub_plan):
    plan = stack_plan("fitchburg")
    provider = one(plan, "pulumi:providers:azure-native")
    assert provider.inputs["subscriptionId"] == hub_plan.outputs["subscription_id"]
    in_hub = [r for r in plan.records if r.inputs.get("resourceGroupName") == "rg-dane-county-hub"]
    assert {r.type for r in in_hub} == {
        PEERING,
        "azure-native:network:Route",
        "azure-native:network:LocalNetworkGateway",
        "azure-native:network:VirtualNetworkGatewayConnection",
        "azure-native:network:FlowLog",  # under the hub's Network Watcher
    }
    for r in in_hub:
        assert r.provider == provider.urn, r.name
    for r in plan.records:
        if r.custom and r not in in_hub and r.type.startswith("azure-native:"):
            assert r.provider is None, f"{r.name} should use the default provider"


def test_route_table_sends_everything_but_the_own_sites_to_the_hub_firewall(stack_plan, hub_plan):
    plan = stack_plan("fitchburg")
    firewall_ip = hub_plan.outputs["firewall_private_ip"]
    assert firewall_ip == "10.64.0.4"  # Azure's first usable address of AzureFirewallSubnet
    table = inputs(plan, ROUTE_TABLE)
    assert table["disableBgpRoutePropagation"] is True
    routes = {r["addressPrefix"]: r for r in table["routes"]}
    for prefix in ("0.0.0.0/0", "10.64.0.0/12", hub_plan.outputs["shared_services_prefix"]):
        assert routes[prefix]["nextHopType"] == "VirtualAppliance"
        assert routes[prefix]["nextHopIpAddress"] == firewall_ip
    onprem = {p: r for p, r in routes.items() if r["name"].startswith("onprem-")}
    assert set(onprem) == {"172.20.0.0/22", "172.21.0.0/24"} or len(onprem) >= 2
    for route in onprem.values():
        assert route["nextHopType"] == "VirtualNetworkGateway"
        assert "nextHopIpAddress" not in route
    back = inputs(plan, "azure-native:network:Route")
    assert back["routeTableName"] == hub_plan.outputs["shared_services_route_table_name"]
    assert back["addressPrefix"] == "10.64.16.0/20"
    assert back["nextHopIpAddress"] == firewall_ip


def test_spoke_uses_the_firewall_as_dns(stack_plan, hub_plan):
    vnet = inputs(stack_plan("verona"), "azure-native:network:VirtualNetwork")
    assert vnet["dhcpOptions"]["dnsServers"] == [hub_plan.outputs["firewall_private_ip"]]


def test_one_vpn_connection_per_site_with_a_secret_key(example_registry, stack_plan, hub_plan):
    for slug in FULL:
        plan = stack_plan(slug)
        sites = example_registry.entry(slug).member.network.onprem
        connections = {r.name: r.inputs for r in of_type(plan, "azure-native:network:VirtualNetworkGatewayConnection")}
        gateways = {r.name: r.inputs for r in of_type(plan, "azure-native:network:LocalNetworkGateway")}
        assert set(connections) == {f"cn-{slug}-{s.name}" for s in sites}
        for site in sites:
            local = gateways[f"lng-{slug}-{site.name}"]
            assert local["gatewayIpAddress"] == str(site.public_ip)
            assert local["localNetworkAddressSpace"]["addressPrefixes"] == [str(c) for c in site.cidrs]
            c = connections[f"cn-{slug}-{site.name}"]
            assert c["sharedKey"] == SECRET
            assert c["connectionType"] == "IPsec" and c["connectionProtocol"] == "IKEv2"
            assert c["virtualNetworkGateway1"]["id"] == hub_plan.outputs["vpn_gateway_id"]
            assert c["localNetworkGateway2"]["id"].endswith(f"/localNetworkGateways/lng-{slug}-{site.name}")
            policy = c["ipsecPolicies"][0]
            assert policy["ikeEncryption"] == "AES256" and policy["ipsecEncryption"] == "GCMAES256"


def test_diagnostics_of_vault_key_vault_and_nsgs_go_to_the_hub_workspace(stack_plan, hub_plan):
    plan = stack_plan("middleton")
    workspace = hub_plan.outputs["log_analytics_workspace_id"]
    settings = {r.inputs["resourceUri"]: r.inputs for r in of_type(plan, DIAGNOSTICS)}
    watched = [r for r in plan.records if r.type in (VAULT, KEY_VAULT, NSG)]
    assert len(watched) == 6
    for r in watched:
        rid = next(
            iter(
                u
                for u in settings
                if u.endswith(f"/{r.inputs.get('vaultName') or r.inputs.get('networkSecurityGroupName')}")
            )
        )
        setting = settings[rid]
        assert setting["workspaceId"] == workspace
        assert setting["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]


@pytest.mark.parametrize("slug", ["verona", "sun-prairie", "monona"])
def test_the_backup_accounts_blob_service_logs_to_the_hub_workspace(stack_plan, hub_plan, slug):
    """CKV2_AZURE_21: reads, writes and deletes of backup blobs, from the blob service's own setting."""
    plan = stack_plan(slug)
    account = inputs(plan, STORAGE)["accountName"]
    settings = [r.inputs for r in of_type(plan, DIAGNOSTICS) if "/storageAccounts/" in r.inputs["resourceUri"]]
    assert [s["resourceUri"].split("/storageAccounts/")[1] for s in settings] == [f"{account}/blobServices/default"]
    assert settings[0]["workspaceId"] == hub_plan.outputs["log_analytics_workspace_id"]
    assert settings[0]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert "metrics" not in settings[0]  # the blob service has no AllMetrics category


# --------------------------------------------------------------------------- hub


def test_hub_firewall_policy_denies_spoke_to_spoke_before_allowing_the_internet(hub_plan):
    rcg = inputs(hub_plan, "azure-native:network:FirewallPolicyRuleCollectionGroup")
    collections = sorted(rcg["ruleCollections"], key=lambda c: c["priority"])
    assert [(c["name"], c["action"]["type"]) for c in collections] == [
        ("allow-spokes-to-shared-services", "Allow"),
        ("deny-between-spokes", "Deny"),
        ("allow-spokes-to-internet", "Allow"),
    ]
    deny = collections[1]["rules"]
    assert deny[0]["sourceAddresses"] == ["10.64.0.0/12"] and deny[0]["destinationAddresses"] == ["10.64.0.0/12"]
    assert collections[0]["rules"][0]["destinationAddresses"] == ["10.64.1.0/24"]
    internet = {p for r in collections[2]["rules"] for p in r["destinationPorts"]}
    assert internet == {"80", "443", "123"}
    policy = inputs(hub_plan, "azure-native:network:FirewallPolicy")
    assert policy["threatIntelMode"] == "Deny"
    firewall = inputs(hub_plan, "azure-native:network:AzureFirewall")
    assert firewall["firewallPolicy"]["id"].endswith("/firewallPolicies/afwp-dane-county-hub")


def test_hub_network_gateway_and_workspace(example_registry, hub_plan):
    vnet = inputs(hub_plan, "azure-native:network:VirtualNetwork")
    subnets = {s["name"]: s for s in vnet["subnets"]}
    assert {"GatewaySubnet", "AzureFirewallSubnet", "shared-services"} <= set(subnets)
    assert "networkSecurityGroup" not in subnets["AzureFirewallSubnet"]
    assert "networkSecurityGroup" not in subnets["GatewaySubnet"]
    assert subnets["shared-services"]["routeTable"]["id"].endswith("/rt-dane-county-hub-shared-services")
    for prefix in (s["addressPrefix"] for s in subnets.values()):
        assert ipaddress.ip_network(prefix).subnet_of(ipaddress.ip_network("10.64.0.0/20"))
    gateway = inputs(hub_plan, "azure-native:network:VirtualNetworkGateway")
    assert gateway["vpnType"] == "RouteBased" and gateway["gatewayType"] == "Vpn"
    workspace = inputs(hub_plan, "azure-native:operationalinsights:Workspace")
    assert workspace["retentionInDays"] == example_registry.consortium.log_retention_days >= 90
    zones = {r.inputs["privateZoneName"] for r in of_type(hub_plan, "azure-native:privatedns:PrivateZone")}
    assert "privatelink.vaultcore.azure.net" in zones and "privatelink.blob.core.windows.net" in zones
    links = of_type(hub_plan, "azure-native:privatedns:VirtualNetworkLink")
    assert len(links) == len(zones) and all(link.inputs["registrationEnabled"] is False for link in links)


def test_resource_groups_are_per_member(example_plan):
    groups = sorted(r.inputs["resourceGroupName"] for r in example_plan.records if r.type == RG)
    assert groups == sorted(f"rg-dane-county-{s.stack}" for s in example_plan.stacks)


def test_every_input_uses_wire_names(example_plan):
    """A snake_case key means the SDK could not translate a dict (e.g. inside a union type): Azure
    would ignore it. Tags are user data and may use any key."""
    found = []

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                if "_" in key:
                    found.append(f"{path}.{key}")
                if key != "tags":
                    walk(inner, f"{path}.{key}")
        elif isinstance(value, list):
            for inner in value:
                walk(inner, f"{path}[]")

    for record in example_plan.records:
        walk(record.inputs, record.type)
    assert not found, sorted(set(found))
