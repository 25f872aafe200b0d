"""The MCS-OFF controls: each fires on a bad store and stays quiet on a good one; ``audit --offsite``
reports them in every format."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from consortium.cli import main
from consortium.offsite.controls import CONTROLS, offsite_controls
from consortium.offsite.readback import BUCKET, USER
from consortium.offsite.spec import MemberAccess, StoreSpec, member_policy
from policies.framework import Resource, evaluate
from policies.safeguards import IG1_IDS
from tests.offsite.conftest import Moto

SPEC = StoreSpec(
    endpoint="http://127.0.0.1:1",
    bucket="offsite",
    region="us-east-1",
    retention_days=30,
    user_path="/c/offsite/",
    members=(
        MemberAccess("verona", "verona/", "c-offsite-verona"),
        MemberAccess("oregon", "oregon/", "c-offsite-oregon"),
    ),
)
GOOD_BUCKET: dict[str, Any] = {
    "exists": True,
    "versioning": "Enabled",
    "objectLock": {"enabled": True, "mode": "COMPLIANCE", "days": 30},
    "publicAccessBlock": dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    ),
    "encryption": ["AES256"],
    "lifecycle": [{"ID": "x", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}],
}


def user(slug: str, **changes: Any) -> Resource:
    props = {
        "inlinePolicies": {"offsite-backup": member_policy("offsite", f"{slug}/")},
        "attachedPolicies": [],
        "groups": [],
        "activeKeys": 1,
        "memberTag": slug,
    } | changes
    name = f"c-offsite-{slug}"
    return Resource(f"iam://user/c/offsite/{name}", USER, name, "offsite", slug, props)


def good() -> list[Resource]:
    return [
        Resource("s3://offsite", BUCKET, "offsite", "offsite", None, copy.deepcopy(GOOD_BUCKET)),
        user("verona"),
        user("oregon"),
    ]


def findings(resources: list[Resource]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in evaluate(offsite_controls(SPEC), resources).findings:
        out.setdefault(f.control, []).append(f.message)
    return out


def with_bucket(**changes: Any) -> list[Resource]:
    rs = good()
    rs[0] = Resource("s3://offsite", BUCKET, "offsite", "offsite", None, {**GOOD_BUCKET, **changes})
    return rs


def test_a_good_store_passes_every_control() -> None:
    assert findings(good()) == {}


def test_the_controls_are_catalogued_like_the_standard() -> None:
    assert [c.id for c in CONTROLS] == [f"MCS-OFF-{i:03d}" for i in range(1, len(CONTROLS) + 1)]
    for c in CONTROLS:
        assert c.title and c.rationale and c.fix and c.cis_v8[0] in IG1_IDS
        assert {"11.3", "11.4"} & set(c.cis_v8)


BAD_BUCKETS = [
    ("MCS-OFF-001", {"versioning": "Suspended"}, "versioning is Suspended; it must be Enabled"),
    ("MCS-OFF-002", {"objectLock": {"enabled": False, "mode": None, "days": 0}}, "Object Lock is not enabled"),
    ("MCS-OFF-002", {"objectLock": {"enabled": True, "mode": "GOVERNANCE", "days": 30}}, "mode is GOVERNANCE"),
    ("MCS-OFF-002", {"objectLock": {"enabled": True, "mode": "COMPLIANCE", "days": 7}}, "minimum is 30"),
    ("MCS-OFF-003", {"publicAccessBlock": {}}, "public access block is off for BlockPublicAcls"),
    (
        "MCS-OFF-003",
        {"publicAccessBlock": GOOD_BUCKET["publicAccessBlock"] | {"RestrictPublicBuckets": False}},
        "off for RestrictPublicBuckets",
    ),
    ("MCS-OFF-004", {"encryption": []}, "no default encryption"),
    ("MCS-OFF-005", {"lifecycle": []}, "no enabled lifecycle rule"),
    (
        "MCS-OFF-005",
        {"lifecycle": [{"Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 3}}]},
        "after 3 days",
    ),
]


@pytest.mark.parametrize(("control", "changes", "message"), BAD_BUCKETS)
def test_each_bucket_control_fires_on_its_fault_alone(control: str, changes: dict[str, Any], message: str) -> None:
    found = findings(with_bucket(**changes))
    assert list(found) == [control]
    assert any(message in m for m in found[control]), found


def test_a_missing_bucket_fails_every_bucket_control() -> None:
    rs = good()
    rs[0] = Resource("s3://offsite", BUCKET, "offsite", "offsite", None, {"exists": False})
    assert sorted(findings(rs)) == [f"MCS-OFF-00{i}" for i in range(1, 6)]


def _statement(**st: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **st}]}


BAD_USERS = [
    ({"attachedPolicies": ["AmazonS3FullAccess"]}, "attached policy AmazonS3FullAccess"),
    ({"groups": ["backup-admins"]}, "is in group backup-admins"),
    ({"inlinePolicies": {"p": _statement(Action="s3:*", Resource="*")}}, "grants s3:*"),
    *[
        (
            {"inlinePolicies": {"p": _statement(Action=action, Resource="arn:aws:s3:::offsite/verona/*")}},
            f"grants {action}",
        )
        # Removing a version, touching a retention, or a wildcard that reaches them: refused even in its own prefix.
        for action in (
            "s3:DeleteObjectVersion",
            "s3:PutObjectRetention",
            "s3:BypassGovernanceRetention",
            "s3:DeleteObject*",
            "s3:Delete*",
        )
    ],
    (
        {"inlinePolicies": {"p": _statement(Action="s3:PutBucketPolicy", Resource="arn:aws:s3:::offsite")}},
        "grants s3:PutBucketPolicy",
    ),
    (
        {"inlinePolicies": {"p": _statement(Action="s3:PutLifecycleConfiguration", Resource="arn:aws:s3:::offsite")}},
        "grants s3:PutLifecycleConfiguration",
    ),
    (
        {"inlinePolicies": {"p": _statement(Action="s3:DeleteObject", Resource="arn:aws:s3:::offsite/oregon/*")}},
        "reaches arn:aws:s3:::offsite/oregon/*, outside arn:aws:s3:::offsite/verona/*",
    ),
    (
        {"inlinePolicies": {"p": _statement(Action="s3:DeleteObject", Resource="arn:aws:s3:::offsite/*")}},
        "reaches arn:aws:s3:::offsite/*",
    ),
    (
        {"inlinePolicies": {"p": _statement(Action="s3:DeleteObject", Resource="arn:aws:s3:::offsite/verona*")}},
        "reaches arn:aws:s3:::offsite/verona*",  # also verona-east/
    ),
    (
        {"inlinePolicies": {"p": _statement(Action="s3:GetObject", Resource="arn:aws:s3:::offsite/oregon/*")}},
        "outside arn:aws:s3:::offsite/verona/*",
    ),
    (
        {"inlinePolicies": {"p": _statement(Action="s3:GetObject", Resource="arn:aws:s3:::offsite/*")}},
        "reaches arn:aws:s3:::offsite/*",
    ),
    (
        {"inlinePolicies": {"p": _statement(Action="s3:ListBucket", Resource="arn:aws:s3:::offsite")}},
        "no s3:prefix condition",
    ),
    (
        {
            "inlinePolicies": {
                "p": _statement(
                    Action="s3:ListBucket",
                    Resource="arn:aws:s3:::offsite",
                    Condition={"StringLike": {"s3:prefix": ["*"]}},
                )
            }
        },
        "lists prefix '*', outside verona/",
    ),
    (
        {"inlinePolicies": {"p": {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}}},
        "by exclusion",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_USERS)
def test_a_member_policy_reaching_beyond_its_prefix_fires(changes: dict[str, Any], message: str) -> None:
    rs = good()
    rs[1] = user("verona", **changes)
    found = findings(rs)
    assert list(found) == ["MCS-OFF-006"]
    assert any(message in m for m in found["MCS-OFF-006"]), found


def test_the_member_policy_grants_plain_deletes_in_its_own_prefix_and_passes() -> None:
    """The policy restic needs (its locks, prune): s3:DeleteObject on its own prefix, never a version delete."""
    doc = member_policy("offsite", "verona/")
    [objects] = [st for st in doc["Statement"] if st["Resource"] == "arn:aws:s3:::offsite/verona/*"]
    assert sorted(objects["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    rs = good()
    split = {  # the same grants split over statements, in another case: still quiet
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "S3:DELETEOBJECT", "Resource": "arn:aws:s3:::offsite/verona/*"},
            *doc["Statement"],
        ],
    }
    rs[1] = user("verona", inlinePolicies={"offsite-backup": split})
    assert findings(rs) == {}


def test_a_deny_statement_is_no_finding() -> None:
    rs = good()
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    rs[1] = user("verona", inlinePolicies={**rs[1].props["inlinePolicies"], "deny": deny})
    assert findings(rs) == {}


def test_credentials_must_match_the_registry() -> None:
    rs = good()
    assert findings([rs[0], rs[1]]) == {"MCS-OFF-007": ["oregon has offsite backups but no user c-offsite-oregon"]}
    found = findings([*rs, user("waunakee")])["MCS-OFF-007"]
    assert found == ["belongs to no member with offsite backups (left, or backup.offsite turned off)"]
    assert findings([rs[0], rs[1], user("oregon", activeKeys=2)])["MCS-OFF-007"] == [
        "has 2 active access keys; it must have exactly one (the one in its vault)"
    ]


# --------------------------------------------------------------------------- the audit command on a real store


def audit(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["audit", "--offsite", "--registry", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_audit_offsite_is_quiet_on_an_applied_store_and_fires_on_a_broken_one(
    offsite_registry: Path, moto: Moto, vault_password: Path
) -> None:
    assert CliRunner().invoke(main, ["offsite", "apply", "--registry", str(offsite_registry)]).exit_code == 0
    code, out, err = audit(offsite_registry, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["results"] == []

    s3, iam = moto.client("s3"), moto.client("iam")
    bucket = "dane-consortium-offsite"
    s3.delete_public_access_block(Bucket=bucket)
    s3.delete_bucket_encryption(Bucket=bucket)
    s3.delete_bucket_lifecycle(Bucket=bucket)
    iam.put_user_policy(
        UserName="dane-county-offsite-verona",
        PolicyName="wide",
        PolicyDocument=json.dumps(_statement(Action="s3:*", Resource="*")),
    )
    iam.create_access_key(UserName="dane-county-offsite-mcfarland")
    iam.create_user(UserName="dane-county-offsite-gone", Path="/dane-county/offsite/")
    code, out, err = audit(offsite_registry, "--format", "json")
    assert code == 1
    results = {(r["control"], r["member"], r["status"]) for r in json.loads(out)["results"]}
    assert results == {
        ("MCS-OFF-003", "hub", "failed"),
        ("MCS-OFF-004", "hub", "failed"),
        ("MCS-OFF-005", "hub", "advisory"),
        ("MCS-OFF-006", "verona", "failed"),
        ("MCS-OFF-007", "mcfarland", "failed"),
        ("MCS-OFF-007", "dane-county-offsite-gone", "failed"),
    }
    for fmt in ("text", "junit", "sarif", "html", "markdown"):
        code, out, err = audit(offsite_registry, "--format", fmt)
        assert code == 1 and "MCS-OFF-006" in out, (fmt, err)


def test_audit_offsite_on_an_unreachable_store_is_one_line(offsite_registry: Path, moto: Moto) -> None:
    consortium = offsite_registry / "consortium.yaml"
    consortium.write_text(consortium.read_text().replace(moto.endpoint, "http://127.0.0.1:9"))
    code, out, err = audit(offsite_registry)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "cannot reach the offsite store" in err
