"""A member's backups: a Recovery Services vault and a storage account for file backups.

The vault is geo-redundant with cross-region restore, soft delete always on (it cannot be turned
off again, which is the point: ransomware with admin rights cannot remove it), immutability
enabled but not locked (locking is irreversible and blocks shortening retention; the runbook
locks it once the member's retention has settled), and reachable only through private endpoints.
Its daily VM policy and file-share policy keep ``backup_retention_days`` from the registry. The VM
policy is Enhanced (policy type V2): through azure-native's API version the Standard one cannot
protect Trusted Launch VMs (Azure's default), Premium SSD v2 or Ultra disks.

The storage account receives the file-level backups of the member's servers and endpoints:
HTTPS and TLS 1.2 only, no anonymous blob access, no shared keys (Entra ID only), no public
network access, geo-redundant, blob versioning with version-level immutability support; its blob
service logs every read, write and delete to the hub workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pulumi
from pulumi_azure_native import recoveryservices, storage

from consortium.registry import naming

from .diagnostics import send_to_workspace
from .private_endpoint import EndpointTarget, recovery_vault_target, storage_targets
from .retention import kept, kept_tags
from .storage_account import standard_account

# Azure keeps blob soft-deleted data at most this long; longer member retention is the vault's job.
MAX_BLOB_SOFT_DELETE_DAYS = 365
VAULT_SOFT_DELETE_DAYS = 14
# 01:00 UTC, after the town halls' working day; only the time of day counts.
DAILY_RUN_TIME = "2024-01-01T01:00:00Z"
# Enhanced policies keep instant-restore snapshots 1-30 days: a week restores last week's mistakes in
# minutes, from the snapshot, without a vault restore.
VM_INSTANT_RESTORE_DAYS = 7


def daily_schedule() -> dict[str, object]:
    """The Standard (V1) schedule: what Azure Files policies take."""
    return {
        "schedule_policy_type": "SimpleSchedulePolicy",
        "schedule_run_frequency": "Daily",
        "schedule_run_times": [DAILY_RUN_TIME],
    }


def enhanced_daily_schedule() -> dict[str, object]:
    """The Enhanced (V2) schedule of VM policies: the run time moves under ``daily_schedule``."""
    return {
        "schedule_policy_type": "SimpleSchedulePolicyV2",
        "schedule_run_frequency": "Daily",
        "daily_schedule": {"schedule_run_times": [DAILY_RUN_TIME]},
    }


def daily_retention(days: int) -> dict[str, object]:
    return {
        "retention_policy_type": "LongTermRetentionPolicy",
        "daily_schedule": {
            "retention_times": [DAILY_RUN_TIME],
            "retention_duration": {"count": days, "duration_type": "Days"},
        },
    }


@dataclass(frozen=True)
class MemberBackupArgs:
    consortium_slug: str
    member_slug: str
    resource_group_name: pulumi.Input[str]
    location: str
    retention_days: int  # MemberStack.backup_retention_days
    workspace_id: pulumi.Input[str]
    tags: dict[str, str]
    # A leaving town's: the day its data expires; the vault, the account and its containers are kept
    # until then (infra.retention). None: nothing is kept beyond the program's own lifecycle.
    kept_until: date | None = None


class MemberBackup(pulumi.ComponentResource):
    vault: recoveryservices.Vault
    storage_account: storage.StorageAccount

    def __init__(self, name: str, args: MemberBackupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:Backup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        data = kept(child, args.kept_until)
        self._location = args.location

        self._vault_name = vault_name = naming.recovery_vault(args.member_slug)
        self.vault = recoveryservices.Vault(
            vault_name,
            vault_name=vault_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku={"name": "RS0", "tier": "Standard"},
            identity={"type": "SystemAssigned"},
            properties={
                "public_network_access": "Disabled",
                "redundancy_settings": {
                    "standard_tier_storage_redundancy": "GeoRedundant",
                    "cross_region_restore": "Enabled",
                },
                "security_settings": {
                    "soft_delete_settings": {
                        "soft_delete_state": "AlwaysON",
                        "soft_delete_retention_period_in_days": VAULT_SOFT_DELETE_DAYS,
                        "enhanced_security_state": "Enabled",
                    },
                    "immutability_settings": {"state": "Unlocked"},
                },
                # Azure Backup's built-in Azure Monitor alerts for every failed job; the service desk gets
                # them through an alert processing rule (infra.member_alerts). Classic alerts are retired.
                "monitoring_settings": {
                    "azure_monitor_alert_settings": {"alerts_for_all_job_failures": "Enabled"},
                    "classic_alert_settings": {"alerts_for_critical_operations": "Disabled"},
                },
            },
            tags=kept_tags(args.tags, args.kept_until),
            opts=data,
        )
        # Resource-specific tables (AddonAzureBackupJobs ...): Azure Backup's events land there only,
        # and the desk's "no successful backup" alert queries them.
        send_to_workspace(vault_name, self.vault.id, args.workspace_id, metrics=True, dedicated=True, parent=self)

        policies = (
            # Enhanced, not Standard: see the module docstring.
            (
                naming.VM_BACKUP_POLICY,
                {
                    "backup_management_type": "AzureIaasVM",
                    "policy_type": "V2",
                    "schedule_policy": enhanced_daily_schedule(),
                    "retention_policy": daily_retention(args.retention_days),
                    "instant_rp_retention_range_in_days": VM_INSTANT_RESTORE_DAYS,
                    "time_zone": "UTC",
                },
            ),
            (
                naming.FILE_SHARE_BACKUP_POLICY,
                {
                    "backup_management_type": "AzureStorage",
                    "work_load_type": "AzureFileShare",
                    "schedule_policy": daily_schedule(),
                    "retention_policy": daily_retention(args.retention_days),
                    "time_zone": "UTC",
                },
            ),
        )
        for policy_name, properties in policies:
            recoveryservices.ProtectionPolicy(
                f"{vault_name}-{policy_name}",
                policy_name=policy_name,
                vault_name=self.vault.name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                properties=properties,
                tags=args.tags,
                opts=child,
            )

        self._account_name = account_name = naming.storage_account(args.consortium_slug, args.member_slug)
        self.storage_account = standard_account(
            account_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            access_tier="Cool",
            services=["blob", "file"],
            tags=kept_tags(args.tags, args.kept_until),
            opts=data,
        )
        soft_delete_days = min(args.retention_days, MAX_BLOB_SOFT_DELETE_DAYS)
        blob_service = storage.BlobServiceProperties(
            f"{account_name}-blob-service",
            blob_services_name="default",
            account_name=self.storage_account.name,
            resource_group_name=args.resource_group_name,
            is_versioning_enabled=True,
            delete_retention_policy={"enabled": True, "days": soft_delete_days},
            container_delete_retention_policy={"enabled": True, "days": soft_delete_days},
            opts=child,
        )
        # Who read, wrote or deleted which backup blob (StorageRead/Write/Delete, CKV2_AZURE_21): the
        # blob service's own setting, the account's carries none of it. Logs only: the service's metric
        # categories are Transaction and Capacity, not the AllMetrics the helper names, and Azure Monitor
        # keeps platform metrics 93 days without exporting them. No file service setting: the accounts
        # hold no file shares (only the containers below).
        send_to_workspace(
            f"{account_name}-blob-service", blob_service.id, args.workspace_id, metrics=False, parent=self
        )
        for container in naming.BACKUP_CONTAINERS:
            storage.BlobContainer(
                f"{account_name}-{container}",
                container_name=container,
                account_name=self.storage_account.name,
                resource_group_name=args.resource_group_name,
                public_access="None",
                opts=kept(pulumi.ResourceOptions(parent=self, depends_on=[blob_service]), args.kept_until),
            )
        self.register_outputs({"vault_id": self.vault.id, "storage_account_id": self.storage_account.id})

    def private_endpoint_targets(self) -> list[EndpointTarget]:
        """What the member's private endpoints must reach (see :mod:`infra.member_private_endpoints`)."""
        return [
            recovery_vault_target(self._vault_name, self.vault.id, self._location),
            *storage_targets(self._account_name, self.storage_account.id),
        ]
