"""Azure names of every resource, in one place (the registry's, so the program and the audit agree).

Names are part of a resource's identity in Azure and in the Pulumi state, so they must be stable:
no random suffixes (we always pass the Azure name explicitly, which turns off azure-native's
auto-naming) and no dependence on anything but the consortium and member slugs. Where the program's
Pulumi logical name is the Azure name, it uses the same function. A few services want globally
unique names within tight limits (Key Vault: 24 characters, letters/digits/hyphens; storage
accounts: 24 lowercase letters and digits); those get a short hash of the consortium and member
slugs, which is deterministic yet keeps two consortia from colliding.

``owner`` is a member's slug, or :data:`HUB` for the consortium's shared hub.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from types import MappingProxyType

HUB = "hub"

# The one diagnostic setting every resource sends to the hub workspace (a policy recognises it by name).
DIAGNOSTIC_SETTING = "to-hub-workspace"
# A spoke's side of its peering; the hub's side is :func:`hub_peering_to_spoke`.
SPOKE_PEERING_TO_HUB = "to-hub"
# The hub firewall policy's one rule collection group: what spokes may reach.
FIREWALL_RULE_COLLECTION_GROUP = "spoke-traffic"
# A member's two backup policies in its Recovery Services vault.
VM_BACKUP_POLICY = "vm-daily"
FILE_SHARE_BACKUP_POLICY = "files-daily"
# The backup storage account's containers: file-level backups of servers and of endpoints.
BACKUP_CONTAINERS = ("servers", "endpoints")
# The owner of the hub's flow-log storage account (``storage_account(consortium, FLOW_LOGS)``): the "/"
# no member slug can hold keeps its name (hashed from the owner as written) apart from every town's.
FLOW_LOGS = "hub/flowlogs"
# Azure's conventional name for a private endpoint's (only) DNS zone group.
PRIVATE_DNS_ZONE_GROUP = "default"


def _digest(*parts: str, length: int) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


# --------------------------------------------------------------------------- both hub and members


def resource_group(consortium_slug: str, owner: str) -> str:
    """``rg-<consortium>-<member>`` (or ``-hub``): the consortium prefix keeps a shared tenancy readable."""
    return f"rg-{consortium_slug}-{owner}"


def key_vault(consortium_slug: str, owner: str) -> str:
    """A globally unique vault name of at most 24 characters, no double hyphens."""
    stem = re.sub(r"-+", "-", owner)[:14].strip("-")
    return f"kv-{stem}-{_digest(consortium_slug, owner, length=6)}"


def action_group(owner: str) -> str:
    """The service desk's action group of a member (or the hub): ``ag-<owner>-desk``."""
    return f"ag-{owner}-desk"


def action_group_short_name(owner: str) -> str:
    """Azure caps an action group's short name (shown in its SMS and e-mails) at 12 characters."""
    return re.sub(r"-+", "-", owner)[:12].strip("-")


def alert_rule(owner: str, key: str) -> str:
    """An alert rule (metric, log, activity log or alert processing rule): ``alert-<owner>-<key>``."""
    return f"alert-{owner}-{key}"


def role_assignment(consortium_slug: str, owner: str, principal: str, role: str) -> str:
    """Role assignment names must be GUIDs; derive a stable one from what the assignment means."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"consortium:{consortium_slug}/{owner}/{principal}/{role}"))


def group(owner: str, purpose: str) -> str:
    """Entra ID group display names: ``<slug>-admins``, ``<slug>-staff``, ``<slug>-helpdesk``.

    The hub's consortium-wide groups take the consortium slug as owner (``<consortium>-auditors``).
    """
    return f"{owner}-{purpose}"


def private_endpoint(resource: str, group_id: str) -> str:
    """``pe-<resource name>-<group id>`` (at most 64 characters): one endpoint per resource and sub-resource."""
    return f"pe-{resource}-{group_id.lower()}"


def private_endpoint_nic(endpoint: str) -> str:
    """The endpoint's network interface, named after it rather than Azure's random suffix."""
    return f"{endpoint}-nic"


# --------------------------------------------------------------------------- the hub


def hub_vnet(consortium_slug: str) -> str:
    return f"vnet-{consortium_slug}-hub"


def network_watcher(consortium_slug: str, location: str) -> str:
    """The consortium's own Network Watcher of a region (Azure allows one per subscription and region)."""
    return f"nw-{consortium_slug}-{location}"


def flow_log(vnet_name: str) -> str:
    """A virtual network's flow log, a child of the Network Watcher: ``fl-<vnet>``."""
    return f"fl-{vnet_name}"


def flow_log_identity(consortium_slug: str) -> str:
    """The user-assigned identity the flow logs write to their storage account with (no shared key)."""
    return f"id-{consortium_slug}-flowlogs"


def hub_workspace(consortium_slug: str) -> str:
    """The hub's Log Analytics workspace, where every member's diagnostics go."""
    return f"log-{consortium_slug}-hub"


def hub_subnet_nsg(consortium_slug: str, subnet: str) -> str:
    return f"nsg-{consortium_slug}-hub-{subnet}"


def hub_route_table(consortium_slug: str, subnet: str) -> str:
    return f"rt-{consortium_slug}-hub-{subnet}"


def hub_public_ip(consortium_slug: str, appliance: str) -> str:
    """``pip-<consortium>-hub-firewall`` / ``-vpn``: one public address per hub appliance."""
    return f"pip-{consortium_slug}-hub-{appliance}"


def hub_vpn_public_ips(consortium_slug: str) -> tuple[str, str]:
    """The active-active VPN gateway's two addresses, instance 1 then 2 (the towns' tunnels 1 and 2); the
    first is the single-instance gateway's old address, so a town's first tunnel keeps its peer."""
    return hub_public_ip(consortium_slug, "vpn"), hub_public_ip(consortium_slug, "vpn-2")


def hub_firewall(consortium_slug: str) -> str:
    return f"afw-{consortium_slug}-hub"


def hub_firewall_policy(consortium_slug: str) -> str:
    return f"afwp-{consortium_slug}-hub"


def hub_vpn_gateway(consortium_slug: str) -> str:
    return f"vgw-{consortium_slug}-hub"


def hub_gateway_maintenance(consortium_slug: str) -> str:
    """The VPN gateway's maintenance configuration and its assignment (``mc-<consortium>-hub-vpn``)."""
    return f"mc-{consortium_slug}-hub-vpn"


def role_definition(consortium_slug: str, purpose: str) -> str:
    """A custom role's name (its id) must be a GUID; derive a stable one from the consortium and the role's purpose."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"consortium:{consortium_slug}/role-definition/{purpose}"))


def role_display_name(consortium_slug: str, purpose: str) -> str:
    """Custom role display names are unique per tenant: the consortium slug keeps two consortia apart."""
    return f"{consortium_slug} {purpose}"


# --------------------------------------------------------------------------- a member


def spoke_vnet(member_slug: str) -> str:
    return f"vnet-{member_slug}"


def spoke_subnet_nsg(member_slug: str, subnet: str) -> str:
    return f"nsg-{member_slug}-{subnet}"


def spoke_route_table(member_slug: str) -> str:
    return f"rt-{member_slug}"


def onprem_route(site: str, index: int) -> str:
    """A spoke route to one of a site's on-premises ranges (as Azure sees them), through the VPN gateway."""
    return f"onprem-{site}-{index}"


def hub_peering_to_spoke(member_slug: str) -> str:
    """The hub VNet's peering to a member's spoke (created by the member stack, in the hub)."""
    return f"to-{member_slug}"


def hub_route_to_spoke(member_slug: str) -> str:
    """The member's route in the hub's shared-services route table: its block through the firewall."""
    return f"spoke-{member_slug}"


def local_network_gateway(member_slug: str, site: str) -> str:
    """A town hall site's local network gateway, in the hub (one per member and site)."""
    return f"lng-{member_slug}-{site}"


def vpn_connection(member_slug: str, site: str) -> str:
    """A site's IPsec connection on the hub gateway."""
    return f"cn-{member_slug}-{site}"


def nat_rule(member_slug: str, site: str, index: int) -> str:
    """A static NAT rule on the shared hub gateway: unique there because it carries the member and site."""
    return f"nat-{member_slug}-{site}-{index}"


def recovery_vault(member_slug: str) -> str:
    return f"rsv-{member_slug}"


def storage_account(consortium_slug: str, owner: str) -> str:
    """A globally unique storage account name: 24 lowercase letters and digits at most."""
    stem = re.sub(r"[^a-z0-9]", "", owner)[:14]
    return f"st{stem}{_digest(consortium_slug, owner, length=8)}"


def budget(member_slug: str) -> str:
    return f"budget-{member_slug}"


def automation_identity(member_slug: str) -> str:
    """The user-assigned managed identity that runs a member's automation."""
    return f"id-{member_slug}-automation"


def mfa_policy(member_slug: str) -> str:
    """The display name of a member's Conditional Access policy requiring MFA."""
    return f"{member_slug}: require MFA"


# --------------------------------------------------------------------------- private DNS

# Azure Backup's private DNS zone is per region, named by the region's geo code (Microsoft's list:
# "Private DNS zones for Azure Backup"). Only the US regions a municipal consortium is likely to use
# are listed; add a region here, from that list, before adding it to ``azure.locations``.
BACKUP_GEO_CODES = MappingProxyType(
    {
        "centralus": "cus",
        "eastus": "eus",
        "eastus2": "eus2",
        "northcentralus": "ncus",
        "southcentralus": "scus",
        "westcentralus": "wcus",
        "westus": "wus",
        "westus2": "wus2",
        "westus3": "wus3",
    }
)


def backup_private_dns_zone(location: str) -> str:
    """``privatelink.<geo>.backup.windowsazure.com``: the Recovery Services vaults' zone in a region."""
    code = BACKUP_GEO_CODES.get(location)
    if code is None:
        raise ValueError(
            f"no Azure Backup geo code known for location {location!r} (known: {', '.join(sorted(BACKUP_GEO_CODES))})"
        )
    return f"privatelink.{code}.backup.windowsazure.com"
