"""A hardened Key Vault, the same for the hub and for every member.

RBAC authorization (no access policies to drift), purge protection and 90 days of soft delete (a
deleted vault or secret can always be recovered, and never purged early), no public network
access (reached through private endpoints only), and all logs to the hub workspace.
"""

from __future__ import annotations

from datetime import date

import pulumi
from pulumi_azure_native import keyvault

from .diagnostics import send_to_workspace
from .retention import kept, kept_tags

SOFT_DELETE_DAYS = 90


def hardened_key_vault(
    vault_name: str,
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    tenant_id: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
    kept_until: date | None = None,
) -> keyvault.Vault:
    """The vault; ``kept_until`` (a leaving town's, see :mod:`infra.retention`) protects it from deletion."""
    vault = keyvault.Vault(
        vault_name,
        vault_name=vault_name,
        resource_group_name=resource_group_name,
        location=location,
        properties={
            "tenant_id": tenant_id,
            "sku": {"family": "A", "name": "standard"},
            "enable_rbac_authorization": True,
            "enable_soft_delete": True,
            "soft_delete_retention_in_days": SOFT_DELETE_DAYS,
            "enable_purge_protection": True,
            "public_network_access": "Disabled",
            "network_acls": {"default_action": "Deny", "bypass": "AzureServices"},
        },
        tags=kept_tags(tags, kept_until),
        opts=kept(pulumi.ResourceOptions(parent=parent), kept_until),
    )
    send_to_workspace(vault_name, vault.id, workspace_id, metrics=True, parent=parent)
    return vault
