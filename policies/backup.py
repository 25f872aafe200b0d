"""Backup: each member's Recovery Services vault and its protection policies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from consortium.registry.models import DATA_KEPT_UNTIL_TAG

from .framework import Param, Resource, Severity, control, require_value

AREA = "backup"
VAULT = "azure-native:recoveryservices:Vault"
POLICY = "azure-native:recoveryservices:ProtectionPolicy"


@control(
    "MCS-BAK-001",
    "Backup vaults keep deleted backups (soft delete on)",
    area=AREA,
    types=[VAULT],
    severity=Severity.HIGH,
    cis_v8=["11.3"],
    mcsb=["BR-2"],
    rationale="An attacker with admin rights deletes backups first; soft delete keeps them recoverable.",
    fix="Set properties.securitySettings.softDeleteSettings.softDeleteState to AlwaysON (or Enabled).",
)
def vault_soft_delete(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "properties.securitySettings.softDeleteSettings.softDeleteState",
        "Enabled",
        "AlwaysON",
        message="soft delete state is {value}; it must be AlwaysON or Enabled",
        unset="not set",
    )


@control(
    "MCS-BAK-002",
    "Backup vaults are immutable",
    area=AREA,
    types=[VAULT],
    severity=Severity.HIGH,
    cis_v8=["11.3", "11.4"],
    psrule=["Azure.RSV.Immutable"],
    mcsb=["BR-2"],
    rationale="Immutability stops anyone shortening retention or deleting recovery points early.",
    fix="Set properties.securitySettings.immutabilitySettings.state to Unlocked, then Locked once proven.",
)
def vault_immutable(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "properties.securitySettings.immutabilitySettings.state",
        "Unlocked",
        "Locked",
        message="immutability state is {value}; it must be Unlocked or Locked",
        unset="not set (Disabled)",
    )


@control(
    "MCS-BAK-003",
    "Backup vaults are not reachable from public networks",
    area=AREA,
    types=[VAULT],
    severity=Severity.HIGH,
    cis_v8=["11.3", "4.4"],
    mcsb=["NS-2", "BR-2"],
    rationale="Backups are taken and restored over private endpoints.",
    fix="Set properties.publicNetworkAccess to Disabled.",
)
def vault_private(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "properties.publicNetworkAccess",
        "Disabled",
        message="{path} is {value}; it must be Disabled",
        unset="not set (Enabled)",
    )


@control(
    "MCS-BAK-004",
    "Backup vaults are geo-redundant",
    area=AREA,
    types=[VAULT],
    severity=Severity.HIGH,
    cis_v8=["11.4", "11.2"],
    psrule=["Azure.RSV.StorageType"],
    rationale="A copy in the paired region survives the loss of the primary one.",
    fix="Set properties.redundancySettings.standardTierStorageRedundancy to GeoRedundant.",
)
def vault_geo(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "properties.redundancySettings.standardTierStorageRedundancy",
        "GeoRedundant",
        message="storage redundancy is {value}; it must be GeoRedundant",
        unset="not set",
    )


RETENTION = "properties.retentionPolicy"


def _retention_days(r: Resource) -> float | None:
    for path in (f"{RETENTION}.dailySchedule.retentionDuration", f"{RETENTION}.retentionDuration"):
        duration = r.get(path)
        if isinstance(duration, Mapping) and duration.get("durationType") == "Days":
            return r.number(f"{path}.count") or 0
    return None


@control(
    "MCS-BAK-005",
    "Backup retention meets the consortium minimum",
    area=AREA,
    types=[POLICY],
    severity=Severity.HIGH,
    cis_v8=["11.2", "3.4"],
    mcsb=["BR-1"],
    rationale="Ransomware often sits for weeks before it strikes; short retention loses every clean copy.",
    fix="Raise the member's backup.retention_days (members/<slug>.yaml) to at least the minimum.",
    params={"minimum_retention_days": Param(30, "integer", "consortium.yaml backup.minimum_retention_days")},
)
def retention(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    days = _retention_days(r)
    if days is None:
        yield "no daily retention in days is set"
    elif days < p["minimum_retention_days"]:
        yield f"daily retention is {days} days; the consortium minimum is {p['minimum_retention_days']}"


@control(
    "MCS-BAK-006",
    "Backups run at least daily",
    area=AREA,
    types=[POLICY],
    severity=Severity.MEDIUM,
    cis_v8=["11.2"],
    mcsb=["BR-1"],
    rationale="The standard promises at most one day of lost work.",
    fix="Set properties.schedulePolicy.scheduleRunFrequency to Daily (or Hourly).",
)
def daily(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "properties.schedulePolicy.scheduleRunFrequency",
        "Daily",
        "Hourly",
        message="schedule frequency is {value}; backups must run at least daily",
        unset="not set",
    )


@control(
    "MCS-BAK-007",
    "VM backup policies are Enhanced (policy type V2)",
    area=AREA,
    types=[POLICY],
    severity=Severity.HIGH,
    cis_v8=["11.2"],
    mcsb=["BR-1"],
    rationale="A Standard (V1) policy cannot protect Premium SSD v2 or Ultra disks, and Trusted Launch VMs (Azure's "
    "default for new generation-2 VMs) only through the newest API versions and tools: a new server's backup may "
    "fail to configure, and the server goes unprotected. The Enhanced policy protects them all.",
    fix="Set properties.policyType to V2 with a SimpleSchedulePolicyV2 schedule (the run time under "
    "schedulePolicy.dailySchedule.scheduleRunTimes); Azure Files policies are not affected.",
)
def enhanced_vm_policy(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if r.get("properties.backupManagementType") != "AzureIaasVM":
        return
    not_enhanced = list(
        require_value(
            r,
            "properties.policyType",
            "V2",
            message="policyType is {value}; VM policies must be Enhanced (V2)",
            unset="not set (V1, Standard)",
        )
    )
    # A V1 policy has a V1 schedule by necessity: judge the schedule once the type is right.
    yield from not_enhanced or require_value(
        r,
        "properties.schedulePolicy.schedulePolicyType",
        "SimpleSchedulePolicyV2",
        message="schedulePolicyType is {value}; an Enhanced policy takes SimpleSchedulePolicyV2",
        unset="not set",
    )


# The resources holding a town's data: deleting one deletes the data (the Key Vault: secrets and keys).
DATA_BEARING = (VAULT, "azure-native:storage:StorageAccount", "azure-native:keyvault:Vault")


@control(
    "MCS-BAK-008",
    "A leaving town's data cannot be deleted before its retention ends",
    area=AREA,
    types=DATA_BEARING,
    severity=Severity.HIGH,
    cis_v8=["11.1", "3.1"],
    mcsb=["BR-2"],
    rationale="A town that leaves still owns its backups and keys until the last backup's retention ends; an "
    "unprotected vault or account would go with the next `pulumi up` that stops declaring it, data included.",
    fix="Offboard the town with `consortium offboard SLUG` and re-render: the program then sets protect and "
    "retain_on_delete on its vaults and storage account (infra/retention.py) until data-kept-until.",
    params={
        "leaving_members": Param(
            {}, "object", "members with status leaving: slug -> the day their data expires (data_kept_until)"
        )
    },
)
def leaving_data_kept(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    # Known as leaving from the registry (params) or from the resource itself (its tag), so the
    # control also works on a single stack's preview without the registry's parameters.
    until = (p.get("leaving_members") or {}).get(r.member or "") or r.get(f"tags.{DATA_KEPT_UNTIL_TAG}")
    if until and not r.protect:
        yield f"holds a leaving town's data, kept until {until}, but is not protected: a `pulumi up` could delete it"


@control(
    "MCS-BAK-010",
    "Recovery Services vaults have a managed identity",
    area=AREA,
    types=[VAULT],
    severity=Severity.MEDIUM,
    cis_v8=["11.3", "3.3"],
    checkov=["CKV2_AZURE_35"],
    rationale="The vault reaches its private endpoints and the town's storage as itself; without an identity it "
    "needs keys or public access to do so, and a town's backups would depend on a secret someone must guard.",
    fix="Give the vault a system-assigned identity (identity.type SystemAssigned).",
)
def vault_identity(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    kind = str(r.known("identity.type") or "")
    if "SystemAssigned" not in kind and "UserAssigned" not in kind:
        yield f"identity.type is {kind or 'not set'}; the vault needs a managed identity"


CONTROLS = (
    vault_soft_delete,
    vault_immutable,
    vault_private,
    vault_geo,
    retention,
    daily,
    enhanced_vm_policy,
    leaving_data_kept,
    vault_identity,
)
