"""Provisioning the offsite store: the bucket's protections and each member's confined credential.

Every step reads what is there first and changes only what differs, so a second ``apply`` changes
nothing. What each step changed comes back as one line (never a secret); keys go to the members'
vault files only (:mod:`consortium.offsite.vault`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from consortium.offsite.client import Clients, error_code
from consortium.offsite.spec import (
    ABORT_MULTIPART_DAYS,
    LIFECYCLE_RULE_ID,
    POLICY_NAME,
    MemberAccess,
    StoreSpec,
    policy_text,
)
from consortium.offsite.vault import MemberVault, Vault, open_member_vault
from consortium.registry.errors import fail

MEMBER_TAG = "consortium-member"
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def missing(exc: ClientError, *codes: str) -> bool:
    """True when the store says the thing asked for is not there (S3 and IAM name it differently)."""
    return error_code(exc) in codes or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


def lifecycle_rule(spec: StoreSpec) -> dict[str, Any]:
    """Versions that are no longer current are removed once their lock has run out; abandoned uploads after a week."""
    return {
        "ID": LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": spec.retention_days},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
    }


def policy_document(raw: Any) -> dict[str, Any]:
    """An IAM policy as boto3 hands it back: a dict, or (some servers) URL-encoded JSON text."""
    if isinstance(raw, dict):
        return raw
    return json.loads(unquote(str(raw)))


# --------------------------------------------------------------------------- the bucket


def ensure_bucket(s3: Any, spec: StoreSpec) -> list[str]:
    """The bucket with Object Lock, versioning, COMPLIANCE default retention, no public access,
    default encryption and the noncurrent-version lifecycle; the lines say what changed."""
    b = spec.bucket
    changes: list[str] = []
    try:
        s3.head_bucket(Bucket=b)
    except ClientError as exc:
        if not missing(exc, "NoSuchBucket", "404"):
            raise
        args: dict[str, Any] = {"Bucket": b, "ObjectLockEnabledForBucket": True}
        if spec.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
        s3.create_bucket(**args)
        changes.append(f"bucket {b}: created with Object Lock")

    if s3.get_bucket_versioning(Bucket=b).get("Status") != "Enabled":
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        changes.append(f"bucket {b}: versioning enabled")

    wanted_lock = {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": spec.retention_days}},
    }
    if lock_retention(s3, b) != ("COMPLIANCE", spec.retention_days):
        s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration=wanted_lock)
        changes.append(f"bucket {b}: Object Lock default retention COMPLIANCE {spec.retention_days} days")

    if public_access_block(s3, b) != PUBLIC_ACCESS_BLOCK:
        s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
        changes.append(f"bucket {b}: public access blocked")

    if not encryption_algorithms(s3, b):
        s3.put_bucket_encryption(
            Bucket=b,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        changes.append(f"bucket {b}: default encryption AES256")

    rules = lifecycle_rules(s3, b)
    ours = lifecycle_rule(spec)
    if not any(_same_rule(r, ours) for r in rules):
        kept = [r for r in rules if r.get("ID") != LIFECYCLE_RULE_ID]
        s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [*kept, ours]})
        changes.append(f"bucket {b}: noncurrent versions expire after {spec.retention_days} days")
    return changes


def lock_retention(s3: Any, bucket: str) -> tuple[str, int] | None:
    """(mode, days) of the bucket's default retention (years counted as 365 days); None without Object Lock."""
    try:
        conf = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except ClientError as exc:
        if missing(exc, "ObjectLockConfigurationNotFoundError"):
            return None
        raise
    if conf.get("ObjectLockEnabled") != "Enabled":
        return None
    default = conf.get("Rule", {}).get("DefaultRetention", {})
    days = int(default.get("Days") or 0) + 365 * int(default.get("Years") or 0)
    return (str(default.get("Mode", "")), days)


def public_access_block(s3: Any, bucket: str) -> dict[str, bool]:
    try:
        return dict(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"])
    except ClientError as exc:
        if missing(exc, "NoSuchPublicAccessBlockConfiguration"):
            return {}
        raise


def encryption_algorithms(s3: Any, bucket: str) -> list[str]:
    """The default encryption algorithms of the bucket's rules (AES256, aws:kms ...); empty when none."""
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as exc:
        if missing(exc, "ServerSideEncryptionConfigurationNotFoundError"):
            return []
        raise
    return [a for r in rules if (a := r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm"))]


def lifecycle_rules(s3: Any, bucket: str) -> list[dict[str, Any]]:
    try:
        return list(s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", []))
    except ClientError as exc:
        if missing(exc, "NoSuchLifecycleConfiguration"):
            return []
        raise


def _same_rule(have: dict[str, Any], want: dict[str, Any]) -> bool:
    """Our lifecycle rule, compared on what it says (servers add empty fields of their own)."""
    keys = ("ID", "Status", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload")
    return all(have.get(k) == want[k] for k in keys) and (have.get("Filter") or {}).get("Prefix", "") == ""


# --------------------------------------------------------------------------- members' users


def ensure_user(iam: Any, spec: StoreSpec, m: MemberAccess) -> list[str]:
    """The member's user, with its one inline policy and nothing else (no other policy, no group)."""
    changes: list[str] = []
    try:
        iam.get_user(UserName=m.user)
    except ClientError as exc:
        if not missing(exc, "NoSuchEntity"):
            raise
        iam.create_user(UserName=m.user, Path=spec.user_path, Tags=[{"Key": MEMBER_TAG, "Value": m.slug}])
        changes.append(f"{m.slug}: user {m.user} created")
    wanted = m.policy(spec.bucket)
    try:
        have = policy_document(iam.get_user_policy(UserName=m.user, PolicyName=POLICY_NAME)["PolicyDocument"])
    except ClientError as exc:
        if not missing(exc, "NoSuchEntity"):
            raise
        have = None
    if have != wanted:
        iam.put_user_policy(UserName=m.user, PolicyName=POLICY_NAME, PolicyDocument=policy_text(wanted))
        changes.append(f"{m.slug}: policy {POLICY_NAME} set (its own prefix {m.prefix} only)")
    for name in iam.list_user_policies(UserName=m.user)["PolicyNames"]:
        if name != POLICY_NAME:
            iam.delete_user_policy(UserName=m.user, PolicyName=name)
            changes.append(f"{m.slug}: extra inline policy {name} deleted")
    for attached in iam.list_attached_user_policies(UserName=m.user)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=m.user, PolicyArn=attached["PolicyArn"])
        changes.append(f"{m.slug}: attached policy {attached['PolicyName']} detached")
    for group in iam.list_groups_for_user(UserName=m.user)["Groups"]:
        iam.remove_user_from_group(UserName=m.user, GroupName=group["GroupName"])
        changes.append(f"{m.slug}: removed from group {group['GroupName']}")
    return changes


def key_ids(iam: Any, user: str) -> list[str]:
    return [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]


def new_key(iam: Any, m: MemberAccess, mv: MemberVault, vault: Vault) -> list[str]:
    """A fresh key for the member, written to its vault, then every other key of the user deleted.

    The vault is written before the old keys go: if writing fails, the servers' key still works and
    the next run retires the new one. IAM allows two keys a user, so a second stray key goes first.
    """
    changes: list[str] = []
    existing = key_ids(iam, m.user)
    if len(existing) >= 2:
        for stray in [k for k in existing if k != mv.access_key_id]:
            iam.delete_access_key(UserName=m.user, AccessKeyId=stray)
        existing = [k for k in existing if k == mv.access_key_id]
    created = iam.create_access_key(UserName=m.user)["AccessKey"]
    mv.set_key(created["AccessKeyId"], created["SecretAccessKey"])
    mv.ensure_restic_password()
    mv.save(vault)
    changes.append(f"{m.slug}: new access key written to {mv.shown}")
    for old in existing:
        iam.delete_access_key(UserName=m.user, AccessKeyId=old)
    if existing:
        changes.append(f"{m.slug}: {len(existing)} old access key(s) deleted")
    return changes


def ensure_key(iam: Any, m: MemberAccess, mv: MemberVault, vault: Vault) -> list[str]:
    """The member's vault holds the user's one key (and a restic password); keys the vault does not hold are deleted."""
    ids = key_ids(iam, m.user)
    if mv.access_key_id in ids and mv.has_secret():
        changes = []
        for stray in [k for k in ids if k != mv.access_key_id]:
            iam.delete_access_key(UserName=m.user, AccessKeyId=stray)
            changes.append(f"{m.slug}: access key not in its vault deleted")
        if mv.ensure_restic_password():
            mv.save(vault)
            changes.append(f"{m.slug}: restic password written to {mv.shown}")
        return changes
    return new_key(iam, m, mv, vault)


def stale_users(iam: Any, spec: StoreSpec) -> list[str]:
    """Users under the consortium's offsite path that no member with offsite backups owns."""
    ours = {m.user for m in spec.members}
    found: list[str] = []
    for page in iam.get_paginator("list_users").paginate(PathPrefix=spec.user_path):
        found += [u["UserName"] for u in page["Users"] if u["UserName"] not in ours]
    return sorted(found)


# --------------------------------------------------------------------------- the commands


def apply_store(clients: Clients, spec: StoreSpec, root: Path, vault: Vault) -> tuple[list[str], list[str]]:
    """Provision the store as ``spec`` says; (changes, warnings). Every vault file is opened (and so
    checked: decryptable, writable) before the store is touched."""
    vaults = {m.slug: open_member_vault(root, m.slug, vault) for m in spec.members}
    changes = ensure_bucket(clients.s3, spec)
    for m in spec.members:
        changes += ensure_user(clients.iam, spec, m)
        changes += ensure_key(clients.iam, m, vaults[m.slug], vault)
    warnings = [
        f"user {u} is under {spec.user_path} but no member with offsite backups owns it; delete it once "
        "that member's backups have served their retention"
        for u in stale_users(clients.iam, spec)
    ]
    return changes, warnings


def rotate_key(clients: Clients, spec: StoreSpec, slug: str, root: Path, vault: Vault) -> list[str]:
    """A new key for member ``slug`` in its vault; its old keys deleted."""
    m = spec.member(slug)
    mv = open_member_vault(root, slug, vault)
    try:
        clients.iam.get_user(UserName=m.user)
    except ClientError as exc:
        if missing(exc, "NoSuchEntity"):
            raise fail(spec.endpoint, m.user, "no such user yet; run `consortium offsite apply` first") from None
        raise
    return new_key(clients.iam, m, mv, vault)
