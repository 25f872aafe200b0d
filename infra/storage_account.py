"""The standard's storage account: one builder, so every account the program makes (a town's backup
account, the hub's flow-log account) is secured alike and the storage controls' settings live once.

HTTPS and TLS 1.2 only; no anonymous blob access, no shared key (Entra ID only), no cross-tenant
replication, no local users (they serve SFTP, which no account offers); no public network access,
Azure's trusted services excepted (Azure Backup, Network Watcher); geo-redundant; version-level
immutability support (a default retention policy can then lock blobs without recreating the
account, MCS-STO-007); infrastructure double encryption of the services the account holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import storage


def standard_account(
    account_name: str,
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    access_tier: str,
    services: Sequence[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> storage.StorageAccount:
    """``services``: the storage services the account holds (``blob``, ``file``), each encrypted twice."""
    return storage.StorageAccount(
        account_name,
        account_name=account_name,
        resource_group_name=resource_group_name,
        location=location,
        kind="StorageV2",
        sku={"name": "Standard_GRS"},
        access_tier=access_tier,
        minimum_tls_version="TLS1_2",
        enable_https_traffic_only=True,
        allow_blob_public_access=False,
        allow_shared_key_access=False,
        default_to_o_auth_authentication=True,
        allow_cross_tenant_replication=False,
        is_local_user_enabled=False,
        public_network_access="Disabled",
        network_rule_set={"default_action": "Deny", "bypass": "AzureServices"},
        immutable_storage_with_versioning={"enabled": True},
        encryption={
            "key_source": "Microsoft.Storage",
            "require_infrastructure_encryption": True,
            "services": {service: {"enabled": True, "key_type": "Account"} for service in services},
        },
        tags=tags,
        opts=opts,
    )
