"""Storage accounts that hold the members' server and endpoint backups."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .framework import Enforcement, Param, Resource, Severity, control, require_value

AREA = "data protection"
ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
GEO_SKUS = frozenset({"Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"})


@control(
    "MCS-STO-001",
    "Storage accounts require TLS 1.2 or newer",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.HIGH,
    cis_v8=["4.1", "3.10"],
    cis_azure="3.15",
    psrule=["Azure.Storage.MinTLS"],
    checkov=["CKV_AZURE_44"],
    mcsb=["DP-3"],
    rationale="Older TLS versions have known weaknesses; backups cross the network.",
    fix="Set minimumTlsVersion to TLS1_2.",
)
def tls_minimum(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "minimumTlsVersion",
        "TLS1_2",
        "TLS1_3",
        message="{path} is {value}; TLS1_2 or newer is required",
        unset="not set (Azure default TLS1_0)",
    )


@control(
    "MCS-STO-002",
    "Storage accounts accept HTTPS only",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.HIGH,
    cis_v8=["4.1", "3.10"],
    cis_azure="3.1",
    psrule=["Azure.Storage.SecureTransfer"],
    checkov=["CKV_AZURE_3"],
    mcsb=["DP-3"],
    rationale="Plain HTTP exposes data and shared access signatures in transit.",
    fix="Set enableHttpsTrafficOnly to true.",
)
def https_only(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(r, "enableHttpsTrafficOnly", True, message="{path} is {value!r}; it must be true")


@control(
    "MCS-STO-003",
    "Storage accounts forbid anonymous blob access",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.CRITICAL,
    cis_v8=["3.3"],
    cis_azure="3.7",
    psrule=["Azure.Storage.BlobPublicAccess"],
    checkov=["CKV_AZURE_190", "CKV2_AZURE_47"],
    rationale="A public container publishes a town's backups to the internet.",
    fix="Set allowBlobPublicAccess to false.",
)
def no_public_blob(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(r, "allowBlobPublicAccess", False, message="{path} is {value!r}; it must be false")


@control(
    "MCS-STO-004",
    "Storage accounts forbid shared-key access",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.HIGH,
    cis_v8=["3.3", "5.2"],
    checkov=["CKV2_AZURE_40"],
    mcsb=["IM-1"],
    rationale="Account keys are long-lived shared secrets; Entra ID auth is per identity and revocable.",
    fix="Set allowSharedKeyAccess to false and use Entra ID (RBAC) for data access.",
)
def no_shared_key(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(r, "allowSharedKeyAccess", False, message="{path} is {value!r}; it must be false")


@control(
    "MCS-STO-005",
    "Backup storage is geo-redundant",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.HIGH,
    cis_v8=["11.4", "11.2"],
    psrule=["Azure.Storage.UseReplication"],
    checkov=["CKV_AZURE_206"],
    rationale="A regional outage or disaster must not take a town's only backup copy with it.",
    fix="Use a GRS, RA-GRS, GZRS or RA-GZRS SKU.",
)
def geo_redundant(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "sku.name",
        *sorted(GEO_SKUS),
        message=f"sku is {{value}}; backup data needs a geo-redundant SKU ({', '.join(sorted(GEO_SKUS))})",
        unset="not set",
    )


@control(
    "MCS-STO-006",
    "Backup storage keeps blob versions",
    area=AREA,
    types=[BLOB_SERVICE],
    severity=Severity.HIGH,
    cis_v8=["11.3"],
    mcsb=["BR-2"],
    rationale="Versioning keeps earlier copies when ransomware overwrites a backup.",
    fix="Set isVersioningEnabled to true on the account's blob service.",
)
def versioning(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(r, "isVersioningEnabled", True, message="{path} is {value!r}; blob versioning must be on")


@control(
    "MCS-STO-007",
    "Backup storage is immutable (version-level WORM)",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.HIGH,
    cis_v8=["11.3", "11.4"],
    mcsb=["BR-2"],
    rationale="Immutable versions cannot be deleted or altered before their retention ends, even by an admin.",
    fix="Set immutableStorageWithVersioning.enabled to true.",
)
def immutable(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "immutableStorageWithVersioning.enabled",
        True,
        message="{path} is not true; backup storage must be immutable",
    )


@control(
    "MCS-STO-008",
    "Storage accounts are not reachable from public networks",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.HIGH,
    cis_v8=["3.3", "4.4"],
    cis_azure="3.8",
    psrule=["Azure.Storage.Firewall"],
    checkov=["CKV_AZURE_59", "CKV_AZURE_35"],
    mcsb=["NS-2"],
    rationale="Backups are written through private endpoints; a public endpoint only widens the attack surface.",
    fix="Set publicNetworkAccess to Disabled and networkRuleSet.defaultAction to Deny.",
)
def private_only(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "publicNetworkAccess",
        "Disabled",
        message="{path} is {value}; it must be Disabled",
        unset="not set (Enabled)",
    )
    yield from require_value(
        r, "networkRuleSet.defaultAction", "Deny", message="{path} is {value}; it must be Deny", unset="not set (Allow)"
    )


@control(
    "MCS-STO-009",
    "Blob containers are private",
    area=AREA,
    types=[CONTAINER],
    severity=Severity.CRITICAL,
    cis_v8=["3.3"],
    cis_azure="3.7",
    psrule=["Azure.Storage.BlobAccessType"],
    checkov=["CKV_AZURE_34"],
    rationale="A container-level public access setting exposes every blob in it.",
    fix="Set publicAccess to None.",
)
def private_container(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r, "publicAccess", "None", message="{path} is {value}; containers must be private (None)", default="None"
    )


@control(
    "MCS-STO-010",
    "Deleted blobs are recoverable for the retention period",
    area=AREA,
    types=[BLOB_SERVICE],
    severity=Severity.MEDIUM,
    cis_v8=["11.3", "3.4"],
    cis_azure="3.11",
    psrule=["Azure.Storage.SoftDelete"],
    checkov=["CKV2_AZURE_38"],
    mcsb=["BR-2"],
    rationale="Soft delete turns an accidental or malicious delete into a recoverable event.",
    fix="Enable deleteRetentionPolicy with at least the minimum number of days.",
    params={"minimum_days": Param(7, "integer", "Minimum blob soft-delete retention in days")},
)
def blob_soft_delete(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    days = r.number("deleteRetentionPolicy.days") or 0
    if r.get("deleteRetentionPolicy.enabled") is not True or days < p["minimum_days"]:
        yield (
            f"blob soft delete is {'on' if r.get('deleteRetentionPolicy.enabled') else 'off'} with {days} days; "
            f"it must be on with at least {p['minimum_days']} days"
        )


@control(
    "MCS-STO-011",
    "Storage accounts do not replicate to other tenants",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.MEDIUM,
    cis_v8=["3.3"],
    cis_azure="3.16",
    enforcement=Enforcement.ADVISORY,
    rationale="Object replication to a foreign tenant is a quiet exfiltration path.",
    fix="Set allowCrossTenantReplication to false.",
)
def no_cross_tenant(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(r, "allowCrossTenantReplication", False, message="{path} is {value!r}; it should be false")


@control(
    "MCS-STO-013",
    "Deleted containers are recoverable for the retention period",
    area=AREA,
    types=[BLOB_SERVICE],
    severity=Severity.MEDIUM,
    cis_v8=["11.3", "3.4"],
    psrule=["Azure.Storage.ContainerSoftDelete"],
    mcsb=["BR-2"],
    rationale="Blob soft delete does not bring back a deleted container: one delete of a town's backup "
    "container would take every recovery point in it at once.",
    fix="Enable containerDeleteRetentionPolicy with at least the minimum number of days.",
    params={"minimum_days": Param(7, "integer", "Minimum container soft-delete retention in days")},
)
def container_soft_delete(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    enabled = r.get("containerDeleteRetentionPolicy.enabled") is True
    days = r.number("containerDeleteRetentionPolicy.days") or 0
    if not enabled or days < p["minimum_days"]:
        yield (
            f"container soft delete is {'on' if enabled else 'off'} with {days} days; "
            f"it must be on with at least {p['minimum_days']} days"
        )


@control(
    "MCS-STO-012",
    "Storage accounts let trusted Azure services through their firewall",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.MEDIUM,
    cis_v8=["11.2", "4.4"],
    cis_azure="3.9",
    checkov=["CKV_AZURE_36"],
    rationale="The backup accounts deny every network; without the trusted-services exception Azure Backup "
    "itself cannot write a town's recovery points, and backups fail without anyone opening the account.",
    fix="Set networkRuleSet.bypass to AzureServices (with defaultAction Deny).",
)
def trusted_services(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    bypass = r.known("networkRuleSet.bypass")
    if "AzureServices" not in [b.strip() for b in str(bypass or "").split(",")]:
        yield f"networkRuleSet.bypass is {bypass or 'not set'}; it must include AzureServices"


@control(
    "MCS-STO-014",
    "Storage accounts have no local users",
    area=AREA,
    types=[ACCOUNT],
    severity=Severity.MEDIUM,
    cis_v8=["5.4", "6.2"],
    checkov=["CKV_AZURE_244"],
    rationale="Local users are accounts of the storage account itself (for SFTP), outside Entra ID: no MFA, "
    "no group, no leaver process; the backup accounts need none.",
    fix="Set isLocalUserEnabled to false.",
)
def no_local_users(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "isLocalUserEnabled",
        False,
        message="{path} is {value!r}; it must be false",
        unset="not set (Azure default true)",
    )


CONTROLS = (
    tls_minimum,
    https_only,
    no_public_blob,
    no_shared_key,
    geo_redundant,
    versioning,
    immutable,
    private_only,
    private_container,
    blob_soft_delete,
    no_cross_tenant,
    trusted_services,
    container_soft_delete,
    no_local_users,
)
