"""What the offsite store must be, from the registry alone: the bucket, its retention, and per member
one prefix, one IAM user and the policy that confines that user to its prefix.

Pure data (no network): apply provisions it, the controls judge the store against it, and the tests
read the same policy document the store is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from consortium.registry.errors import fail
from consortium.registry.load import Registry
from consortium.registry.models import CONSORTIUM_FILE, Member, Service

# The store read back as resources (consortium.offsite.readback), judged by the MCS-OFF controls.
BUCKET = "offsite:s3:Bucket"
USER = "offsite:iam:User"
STACK = "offsite"

# The only S3 actions a member's credential is given, all on its own prefix: write and read backups,
# list them, and delete them the plain way restic needs (its lock files, prune). On the versioned,
# Object-Locked bucket a plain delete only adds a delete marker: the locked version stays, readable by
# the admin, until its retention ends and the lifecycle rule expires it. Never s3:DeleteObjectVersion
# (that removes a version), s3:PutObjectRetention / s3:BypassGovernanceRetention, nor anything on the bucket.
MEMBER_OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
# A town unhooked on its way out keeps reading its backups (to restore them elsewhere, with restic's
# --no-lock) until its data expires, and writes nothing more: its servers are no longer the consortium's.
READ_ONLY_ACTIONS = ("s3:GetObject",)
MEMBER_LIST_ACTION = "s3:ListBucket"
POLICY_NAME = "offsite-backup"
LIFECYCLE_RULE_ID = "expire-noncurrent-after-retention"
# Parts of a multipart upload abandoned this long ago are dropped (restic uploads large packs that way).
ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True)
class MemberAccess:
    """One member's place in the store: its prefix, its IAM user and the user's only policy."""

    slug: str
    prefix: str  # "<slug>/": the backup agent's repositories live at <bucket>/<slug>/<host>
    user: str
    # The backup agent's hosts: the member's Linux servers (playbooks/backup.yml runs on `linux`),
    # by the name that is their inventory_hostname, so the role's repository path.
    hosts: tuple[str, ...] = ()
    writable: bool = True  # False once the town is unhooked (see READ_ONLY_ACTIONS)

    def policy(self, bucket: str) -> dict[str, Any]:
        return member_policy(bucket, self.prefix, writable=self.writable)

    def repository(self, host: str) -> str:
        """The key prefix of ``host``'s restic repository (the role's ``backup_agent_repository``), no slash."""
        return f"{self.prefix}{host}"


@dataclass(frozen=True)
class StoreSpec:
    """The offsite store of a consortium: where it is, how long versions are locked, who may write where."""

    endpoint: str
    bucket: str
    region: str
    retention_days: int  # consortium.yaml backup.minimum_retention_days
    user_path: str  # IAM path grouping the members' users, so stale ones are found by listing it
    members: tuple[MemberAccess, ...]

    def member(self, slug: str) -> MemberAccess:
        for m in self.members:
            if m.slug == slug:
                return m
        names = ", ".join(m.slug for m in self.members) or "none"
        raise fail(
            f"members/{slug}.yaml",
            "backup.offsite",
            f"{slug} has no offsite backups (its phase lacks the backup service, or backup.offsite is false); "
            f"members with offsite backups: {names}",
        )


def member_policy(bucket: str, prefix: str, *, writable: bool = True) -> dict[str, Any]:
    """The IAM policy of a member's user: objects under its prefix (read only when not ``writable``),
    and listing that prefix only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BackupObjectsInOwnPrefix" if writable else "ReadOwnBackups",
                "Effect": "Allow",
                "Action": list(MEMBER_OBJECT_ACTIONS if writable else READ_ONLY_ACTIONS),
                "Resource": f"arn:aws:s3:::{bucket}/{prefix}*",
            },
            {
                "Sid": "ListOwnPrefix",
                "Effect": "Allow",
                "Action": MEMBER_LIST_ACTION,
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
        ],
    }


def policy_text(document: dict[str, Any]) -> str:
    """The policy as sent to IAM (sorted keys: the same document always reads the same)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def offsite_members(registry: Registry) -> list[str]:
    """Members whose backups go offsite: served (a town that has left has no data left, so no key), their
    phase brings the backup service and ``backup.offsite`` is on (the same test the rendered inventory
    uses to turn the backup agent on)."""
    c = registry.consortium
    return [
        e.member.slug
        for e in registry.served
        if e.member.backup.offsite and Service.BACKUP in c.services_for(e.member.phase)
    ]


def store_spec(registry: Registry, as_of: date | None = None) -> StoreSpec:
    """The store the registry asks for on ``as_of`` (default today, UTC: whether a leaving town is
    unhooked yet); no ``operations.offsite_store`` is bad input."""
    day = as_of or datetime.now(UTC).date()
    c = registry.consortium
    store = c.operations.offsite_store
    if store is None:
        raise fail(
            CONSORTIUM_FILE, "operations.offsite_store", "not set; give endpoint and bucket of the offsite store"
        )
    by_slug = {e.member.slug: e.member for e in registry.members}
    members = tuple(
        MemberAccess(
            slug=slug,
            prefix=f"{slug}/",
            user=user_name(c.slug, slug),
            hosts=backup_hosts(by_slug[slug]),
            writable=not by_slug[slug].unhooked(day),
        )
        for slug in offsite_members(registry)
    )
    return StoreSpec(
        endpoint=store.endpoint.rstrip("/"),
        bucket=store.bucket,
        region=store.region,
        retention_days=c.backup.minimum_retention_days,
        user_path=f"/{c.slug}/offsite/",
        members=members,
    )


def backup_hosts(member: Member) -> tuple[str, ...]:
    """The servers the backup agent runs on: the Linux ones, as the inventory's ``linux`` group has them."""
    return tuple(s.name for s in member.servers if s.os.family == "linux")


def user_name(consortium: str, member: str) -> str:
    """The IAM user of a member's backups; two slugs of at most 24 characters keep it within IAM's 64."""
    return f"{consortium}-offsite-{member}"
