"""The store read back through boto3 as audit resources: one for the bucket, one per user under the
consortium's offsite path. Only configuration is read (no object, no secret: keys are counted)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from consortium.offsite.client import Clients
from consortium.offsite.spec import BUCKET, STACK, USER, StoreSpec
from consortium.offsite.store import (
    MEMBER_TAG,
    encryption_algorithms,
    lifecycle_rules,
    lock_retention,
    missing,
    policy_document,
    public_access_block,
)
from policies.framework import Resource


def bucket_resource(s3: Any, spec: StoreSpec) -> Resource:
    b = spec.bucket
    urn = f"s3://{b}"
    try:
        s3.head_bucket(Bucket=b)
    except ClientError as exc:
        if missing(exc, "NoSuchBucket", "404"):
            return Resource(urn, BUCKET, b, STACK, None, {"exists": False})
        raise
    lock = lock_retention(s3, b)
    props = {
        "exists": True,
        "versioning": s3.get_bucket_versioning(Bucket=b).get("Status") or "Off",
        "objectLock": {"enabled": lock is not None, "mode": lock[0] if lock else None, "days": lock[1] if lock else 0},
        "publicAccessBlock": public_access_block(s3, b),
        "encryption": encryption_algorithms(s3, b),
        "lifecycle": lifecycle_rules(s3, b),
    }
    return Resource(urn, BUCKET, b, STACK, None, props)


def user_resources(iam: Any, spec: StoreSpec) -> list[Resource]:
    by_user = {m.user: m.slug for m in spec.members}
    out = []
    for page in iam.get_paginator("list_users").paginate(PathPrefix=spec.user_path):
        for u in page["Users"]:
            name = u["UserName"]
            tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name).get("Tags", [])}
            inline = {
                p: policy_document(iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"])
                for p in iam.list_user_policies(UserName=name)["PolicyNames"]
            }
            keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
            props = {
                "inlinePolicies": inline,
                "attachedPolicies": [
                    a["PolicyName"] for a in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
                ],
                "groups": [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]],
                "activeKeys": sum(1 for k in keys if k.get("Status") == "Active"),
                "memberTag": tags.get(MEMBER_TAG),
            }
            member = by_user.get(name) or tags.get(MEMBER_TAG) or name
            out.append(Resource(f"iam://user{u.get('Path', '/')}{name}", USER, name, STACK, member, props))
    return sorted(out, key=lambda r: r.urn)


def read_store(clients: Clients, spec: StoreSpec) -> list[Resource]:
    """Every resource the offsite controls judge."""
    return [bucket_resource(clients.s3, spec), *user_resources(clients.iam, spec)]
