"""Azure names of every resource, in one place (the registry's, so the program and the audit agree).

Names are part of a resource's identity in Azure and in the Pulumi state, so they must be stable:
no random suffixes (we always pass the Azure name explicitly, which turns off azure-native's
auto-naming) and no dependence on anything but the consortium and member slugs. A few services
want globally unique names within tight limits (Key Vault: 24 characters, letters/digits/hyphens;
storage accounts: 24 lowercase letters and digits); those get a short hash of the consortium and
member slugs, which is deterministic yet keeps two consortia from colliding.
"""

from __future__ import annotations

import hashlib
import re
import uuid

HUB = "hub"


def _digest(*parts: str, length: int) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def resource_group(consortium: str, owner: str) -> str:
    """``rg-<consortium>-<member>`` (or ``-hub``): the consortium prefix keeps a shared tenancy readable."""
    return f"rg-{consortium}-{owner}"


def key_vault(consortium: str, owner: str) -> str:
    """A globally unique vault name of at most 24 characters, no double hyphens."""
    stem = re.sub(r"-+", "-", owner)[:14].strip("-")
    return f"kv-{stem}-{_digest(consortium, owner, length=6)}"


def storage_account(consortium: str, owner: str) -> str:
    """A globally unique storage account name: 24 lowercase letters and digits at most."""
    stem = re.sub(r"[^a-z0-9]", "", owner)[:14]
    return f"st{stem}{_digest(consortium, owner, length=8)}"


def role_assignment(consortium: str, owner: str, principal: str, role: str) -> str:
    """Role assignment names must be GUIDs; derive a stable one from what the assignment means."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"consortium:{consortium}/{owner}/{principal}/{role}"))


def group(owner: str, purpose: str) -> str:
    """Entra ID group display names: ``<slug>-admins``, ``<slug>-staff``, ``<slug>-helpdesk``."""
    return f"{owner}-{purpose}"


def hub_vnet(consortium: str) -> str:
    return f"vnet-{consortium}-hub"


def hub_workspace(consortium: str) -> str:
    """The hub's Log Analytics workspace, where every member's diagnostics go."""
    return f"log-{consortium}-hub"


def spoke_vnet(slug: str) -> str:
    return f"vnet-{slug}"


# Azure Backup's private DNS zone is per region, named by the region's geo code (Microsoft's list:
# "Private DNS zones for Azure Backup"). Only the regions this consortium uses are listed; add a
# region here, from that list, before adding it to ``azure.locations`` in consortium.yaml.
BACKUP_GEO_CODES = {
    # Azure Backup's geo codes of the US regions a municipal consortium is likely to use.
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


def backup_private_dns_zone(location: str) -> str:
    """``privatelink.<geo>.backup.windowsazure.com``: the Recovery Services vaults' zone in a region."""
    code = BACKUP_GEO_CODES.get(location)
    if code is None:
        raise ValueError(
            f"no Azure Backup geo code known for location {location!r} (known: {', '.join(sorted(BACKUP_GEO_CODES))}); "
            "add it to consortium.naming.BACKUP_GEO_CODES"
        )
    return f"privatelink.{code}.backup.windowsazure.com"


def private_endpoint(resource: str, group_id: str) -> str:
    """``pe-<resource name>-<group id>`` (at most 64 characters): one endpoint per resource and sub-resource."""
    return f"pe-{resource}-{group_id.lower()}"


def role_definition(consortium: str, purpose: str) -> str:
    """A custom role's name (its id) must be a GUID; derive a stable one from the consortium and the role's purpose."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"consortium:{consortium}/role-definition/{purpose}"))


def role_display_name(consortium: str, purpose: str) -> str:
    """Custom role display names are unique per tenant: the consortium slug keeps two consortia apart."""
    return f"{consortium} {purpose}"
