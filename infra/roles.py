"""Azure built-in role definitions the program assigns, by their fixed, documented GUIDs.

Built-in role GUIDs are the same in every tenant; naming them here keeps the role-assignment code
readable (``Role.CONTRIBUTOR``) and lets the tests and policies check for the right role.
"""

from __future__ import annotations

from enum import StrEnum

import pulumi


class Role(StrEnum):
    # Full control of the resources in the member's resource group, but no access management.
    CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
    # Read-only: the consortium's auditors.
    READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    # The service desk's narrow role: run backups and restores, never delete backup data or vaults.
    BACKUP_OPERATOR = "00c29273-979b-4161-815c-10b084fb9324"
    # Read secret values in a Key Vault with RBAC authorization (the automation identity).
    KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
    # Write blobs with an Entra ID identity: the flow logs' identity on the flow-log account (infra/flow_logs.py).
    STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def role_definition_id(subscription_id: str, role: Role | str) -> str:
    """The subscription-scoped resource id under which ARM expects a role definition (built-in or custom GUID)."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def role_definition_id_output(subscription_id: pulumi.Input[str], role: Role | str) -> pulumi.Output[str]:
    """:func:`role_definition_id` once the subscription id is known (it is an output at deployment)."""
    return pulumi.Output.from_input(subscription_id).apply(lambda sub: role_definition_id(sub, role))
