"""Key Vaults: the consortium's and each member's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .framework import Param, Resource, Severity, control, require_value

AREA = "data protection"
VAULT = "azure-native:keyvault:Vault"


@control(
    "MCS-KV-001",
    "Key Vaults have purge protection",
    area=AREA,
    types=[VAULT],
    severity=Severity.HIGH,
    cis_v8=["11.3", "3.4"],
    cis_azure="8.5",
    psrule=["Azure.KeyVault.PurgeProtect"],
    checkov=["CKV_AZURE_110", "CKV_AZURE_42"],
    mcsb=["DP-8"],
    rationale="Without purge protection a deleted vault and its keys can be destroyed for good at once.",
    fix="Set properties.enablePurgeProtection to true.",
)
def purge_protection(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(r, "properties.enablePurgeProtection", True, message="{path} is not true")


@control(
    "MCS-KV-002",
    "Key Vaults keep deleted objects for at least 90 days",
    area=AREA,
    types=[VAULT],
    severity=Severity.MEDIUM,
    cis_v8=["11.3"],
    cis_azure="8.5",
    psrule=["Azure.KeyVault.SoftDelete"],
    checkov=["CKV_AZURE_111", "CKV_AZURE_42"],
    mcsb=["DP-8"],
    rationale="Soft delete is the undo button for a deleted key; 90 days covers a slow discovery.",
    fix="Keep soft delete on and set properties.softDeleteRetentionInDays to 90.",
    params={"minimum_days": Param(90, "integer", "Minimum soft-delete retention in days")},
)
def soft_delete(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    days = r.number("properties.softDeleteRetentionInDays", 90)  # Azure's default when unset is 90
    if r.get("properties.enableSoftDelete") is False:
        yield "properties.enableSoftDelete is false"
    elif days < p["minimum_days"]:
        yield f"properties.softDeleteRetentionInDays is {days}; at least {p['minimum_days']} is required"


@control(
    "MCS-KV-003",
    "Key Vaults use Azure RBAC, not access policies",
    area=AREA,
    types=[VAULT],
    severity=Severity.MEDIUM,
    cis_v8=["3.3", "6.1"],
    cis_azure="8.6",
    psrule=["Azure.KeyVault.RBAC"],
    mcsb=["DP-8"],
    rationale="RBAC grants are scoped, audited and reviewed with every other role assignment.",
    fix="Set properties.enableRbacAuthorization to true.",
)
def rbac(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(r, "properties.enableRbacAuthorization", True, message="{path} is not true")


@control(
    "MCS-KV-004",
    "Key Vaults are not reachable from public networks",
    area=AREA,
    types=[VAULT],
    severity=Severity.HIGH,
    cis_v8=["3.3", "4.4"],
    cis_azure="8.7",
    psrule=["Azure.KeyVault.Firewall"],
    checkov=["CKV_AZURE_109", "CKV_AZURE_189"],
    mcsb=["NS-2", "DP-8"],
    rationale="Secrets are read over private endpoints; a public endpoint invites credential stuffing.",
    fix="Set properties.publicNetworkAccess to Disabled (and networkAcls.defaultAction to Deny).",
)
def private_vault(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r, "properties.publicNetworkAccess", "Disabled", message="{path} is {value}", unset="not set (Enabled)"
    )
    yield from require_value(r, "properties.networkAcls.defaultAction", "Deny", message="{path} is not Deny")


CONTROLS = (purge_protection, soft_delete, rbac, private_vault)
