"""Isolation between towns, proven on a moto server with IAM enforcement on.

What moto 5.2.5 enforces (read in moto/iam/access_control.py and moto/core/authorization.py, and
pinned by the ``test_moto_*`` tests below so an upgrade that changes it is noticed):
- the signature, the access key, and each identity policy's Action and Resource (with wildcards);
  S3 requests are checked against ``arn:aws:s3:::<bucket>`` or ``arn:aws:s3:::<bucket>/<key>``;
  as on S3, a request naming a ``versionId`` needs the version action (``s3:GetObjectVersion``,
  ``s3:DeleteObjectVersion``), which no member is granted;
- versioning: a plain delete adds a delete marker and keeps the version;
- Object Lock on deletion: a locked version cannot be deleted, not even by the admin.
What it does NOT enforce, so the tests check the policy document for it instead:
- Condition keys: ``s3:prefix`` (StringLike is not evaluated at all), so in moto a member key can
  list the whole bucket; the policy's ListBucket statement is checked to carry an ``s3:prefix``
  condition that matches its own prefix and no other member's;
- ``s3:PutObjectRetention`` is not authorised and COMPLIANCE retention can be shortened in moto; the
  policy is checked to grant no retention action, and the bucket's mode to be COMPLIANCE (in which
  S3 lets nobody shorten a retention);
- ``DeleteObjects`` (the multi-object POST) answers 200 and reports each refused key in ``Errors``:
  the tests check the object survives. moto first checks ``s3:DeleteObject`` on the bucket itself, so
  it refuses a member's multi-object delete even in its own prefix (S3 judges each key like a single
  delete); restic 0.14 deletes one object at a time, so the agent never needs it.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from consortium.cli import main
from consortium.offsite.controls import as_list, statement_problems
from consortium.offsite.spec import MEMBER_LIST_ACTION, MEMBER_OBJECT_ACTIONS, POLICY_NAME
from tests.conftest import copy_registry
from tests.offsite.conftest import EXAMPLE_ENDPOINT, VAULT_PASSWORD, Moto, fresh_store, member_key

BUCKET = "dane-consortium-offsite"


@dataclass(frozen=True)
class Store:
    moto: Moto
    root: Path
    keys: dict[str, tuple[str, str]]  # member slug -> its key, from its vault


@pytest.fixture(scope="module")
def store(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The example consortium's store, applied once for the module; one object in each member's prefix."""
    tmp = tmp_path_factory.mktemp("isolation")
    with pytest.MonkeyPatch.context() as mp:
        moto = fresh_store(moto_server, mp, tmp)
        root = copy_registry(tmp / "registry")
        consortium = root / "consortium.yaml"
        consortium.write_text(consortium.read_text().replace(EXAMPLE_ENDPOINT, moto.endpoint))
        password = tmp / "vault-password"
        password.write_text(VAULT_PASSWORD)
        result = CliRunner().invoke(
            main, ["offsite", "apply", "--registry", str(root), "--vault-password-file", str(password)]
        )
        assert result.exit_code == 0, result.stderr
        slugs = sorted(
            p.parent.name.removeprefix("member_").replace("_", "-")
            for p in root.glob("playbooks/inventories/group_vars/*/vault.yml")
        )
        keys = {slug: member_key(root, slug) for slug in slugs}
        for slug, key in keys.items():
            moto.client("s3", key).put_object(Bucket=BUCKET, Key=f"{slug}/host/config", Body=slug.encode())
        yield Store(moto, root, keys)


def refused(call: Any, **kwargs: Any) -> str:
    """The store's error code for ``call(**kwargs)``, which must fail."""
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return str(exc.value.response["Error"]["Code"])


def test_each_member_writes_and_reads_its_own_prefix(store: Store) -> None:
    assert len(store.keys) == 7
    for slug, key in store.keys.items():
        s3 = store.moto.client("s3", key)
        s3.put_object(Bucket=BUCKET, Key=f"{slug}/host/data/1", Body=b"backup")
        assert s3.get_object(Bucket=BUCKET, Key=f"{slug}/host/data/1")["Body"].read() == b"backup"
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{slug}/")["Contents"]
        assert {o["Key"] for o in listed} >= {f"{slug}/host/config", f"{slug}/host/data/1"}


def test_no_member_key_gets_puts_or_deletes_in_another_members_prefix(store: Store) -> None:
    admin = store.moto.client("s3")
    versions = {
        other: admin.list_object_versions(Bucket=BUCKET, Prefix=f"{other}/host/config")["Versions"][0]["VersionId"]
        for other in store.keys
    }
    for slug, key in store.keys.items():
        s3 = store.moto.client("s3", key)
        for other in store.keys:
            if other == slug:
                continue
            target = f"{other}/host/config"
            assert refused(s3.get_object, Bucket=BUCKET, Key=target) == "AccessDenied"
            assert refused(s3.head_object, Bucket=BUCKET, Key=target) == "403"
            assert refused(s3.put_object, Bucket=BUCKET, Key=target, Body=b"ransom") == "AccessDenied"
            assert refused(s3.delete_object, Bucket=BUCKET, Key=target) == "AccessDenied"
            version = {"Bucket": BUCKET, "Key": target, "VersionId": versions[other]}
            assert refused(s3.get_object, **version) == "AccessDenied"
            assert refused(s3.delete_object, **version) == "AccessDenied"
            answer = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": target}]})
            assert answer.get("Deleted", []) == [] and [e["Code"] for e in answer["Errors"]] == ["AccessDenied"]
    for other in store.keys:  # every object is still there, unchanged, with no delete marker
        assert admin.get_object(Bucket=BUCKET, Key=f"{other}/host/config")["Body"].read() == other.encode()
        assert admin.list_object_versions(Bucket=BUCKET, Prefix=f"{other}/host/config").get("DeleteMarkers", []) == []


def _list_prefixes(doc: dict[str, Any]) -> list[str]:
    return [
        p
        for st in doc["Statement"]
        if st["Effect"] == "Allow" and "s3:ListBucket" in json.dumps(st.get("Action"))
        for p in st["Condition"]["StringLike"]["s3:prefix"]
    ]


def test_no_member_key_lists_another_members_prefix(store: Store) -> None:
    """moto ignores the s3:prefix condition (see the module's docstring): the listing is refused by the
    policy document, checked here for every member against every other member's prefix."""
    iam = store.moto.client("iam")
    for slug in store.keys:
        doc = iam.get_user_policy(UserName=f"dane-county-offsite-{slug}", PolicyName=POLICY_NAME)["PolicyDocument"]
        assert [problem for st in doc["Statement"] for problem in statement_problems(st, BUCKET, f"{slug}/")] == []
        patterns = _list_prefixes(doc)
        assert patterns, "the ListBucket grant must carry an s3:prefix condition"
        for other in store.keys:
            matches = any(fnmatch.fnmatchcase(f"{other}/host/", p) for p in patterns)
            assert matches == (other == slug), (slug, other, patterns)
        assert not any(fnmatch.fnmatchcase("", p) for p in patterns)  # not the whole bucket either


def test_moto_ignores_the_s3_prefix_condition(store: Store) -> None:
    """Pins the gap the previous test covers: if moto starts enforcing s3:prefix this fails, and the
    listing can join the live matrix."""
    slug, other = sorted(store.keys)[:2]
    s3 = store.moto.client("s3", store.keys[slug])
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{other}/")["KeyCount"] >= 1


def test_a_members_delete_in_its_own_prefix_only_adds_a_delete_marker(store: Store) -> None:
    """What restic's lock removal and prune do with the member's key, and what ransomware holding that key
    could do: the object disappears from listings, but its locked version stays, readable by the admin."""
    slug, key = next(iter(store.keys.items()))
    s3, admin = store.moto.client("s3", key), store.moto.client("s3")
    target = f"{slug}/host/deleted-by-member"
    put = s3.put_object(Bucket=BUCKET, Key=target, Body=b"snapshot")

    deleted = s3.delete_object(Bucket=BUCKET, Key=target)
    assert deleted["DeleteMarker"] is True
    assert refused(s3.get_object, Bucket=BUCKET, Key=target) == "NoSuchKey"

    history = admin.list_object_versions(Bucket=BUCKET, Prefix=target)
    assert [(v["VersionId"], v["IsLatest"]) for v in history["Versions"]] == [(put["VersionId"], False)]
    assert [(m["VersionId"], m["IsLatest"]) for m in history["DeleteMarkers"]] == [(deleted["VersionId"], True)]
    locked = {"Bucket": BUCKET, "Key": target, "VersionId": put["VersionId"]}
    assert admin.get_object(**locked)["Body"].read() == b"snapshot"

    # The member removes no version (neither the data nor its own marker), reads none, lists none.
    assert refused(s3.delete_object, **locked) == "AccessDenied"
    assert refused(s3.delete_object, Bucket=BUCKET, Key=target, VersionId=deleted["VersionId"]) == "AccessDenied"
    assert refused(s3.get_object, **locked) == "AccessDenied"
    assert refused(s3.list_object_versions, Bucket=BUCKET, Prefix=f"{slug}/") == "AccessDenied"
    # Nor can the admin remove the locked version; it can undo the delete by removing the marker.
    assert refused(admin.delete_object, **locked) == "AccessDenied"
    admin.delete_object(Bucket=BUCKET, Key=target, VersionId=deleted["VersionId"])
    assert s3.get_object(Bucket=BUCKET, Key=target)["Body"].read() == b"snapshot"


def test_moto_refuses_a_members_multi_object_delete_even_in_its_own_prefix(store: Store) -> None:
    """Pins the gap named in the module's docstring: if moto starts judging each key, this fails and the
    multi-object delete can join the delete-marker test above."""
    slug, key = next(iter(store.keys.items()))
    s3 = store.moto.client("s3", key)
    s3.put_object(Bucket=BUCKET, Key=f"{slug}/host/multi", Body=b"x")
    answer = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": f"{slug}/host/multi"}]})
    assert [e["Code"] for e in answer["Errors"]] == ["AccessDenied"]
    assert s3.get_object(Bucket=BUCKET, Key=f"{slug}/host/multi")["Body"].read() == b"x"


def test_the_lock_holds_even_against_the_admin(store: Store) -> None:
    admin = store.moto.client("s3")
    slug = next(iter(store.keys))
    version = admin.list_object_versions(Bucket=BUCKET, Prefix=f"{slug}/host/config")["Versions"][0]["VersionId"]
    locked = {"Bucket": BUCKET, "Key": f"{slug}/host/config", "VersionId": version}
    assert refused(admin.delete_object, **locked) == "AccessDenied"
    assert refused(admin.delete_object, **locked, BypassGovernanceRetention=True) == "AccessDenied"  # COMPLIANCE


def test_no_member_key_changes_the_bucket(store: Store) -> None:
    for key in store.keys.values():
        s3 = store.moto.client("s3", key)
        lifecycle = [{"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]
        weaker_lock = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
        changes = [
            (s3.put_bucket_policy, {"Policy": json.dumps({"Version": "2012-10-17", "Statement": []})}),
            (s3.delete_bucket_policy, {}),
            (s3.put_bucket_lifecycle_configuration, {"LifecycleConfiguration": {"Rules": lifecycle}}),
            (s3.delete_bucket_lifecycle, {}),
            (s3.put_bucket_versioning, {"VersioningConfiguration": {"Status": "Suspended"}}),
            (s3.put_object_lock_configuration, {"ObjectLockConfiguration": weaker_lock}),
            (s3.delete_public_access_block, {}),
            (s3.delete_bucket_encryption, {}),
            (s3.delete_bucket, {}),
        ]
        for call, kwargs in changes:
            assert refused(call, Bucket=BUCKET, **kwargs) in ("AccessDenied", "403"), call.__name__
        iam = store.moto.client("iam", key)
        user = "dane-county-offsite-verona"
        assert refused(iam.create_access_key, UserName=user) == "AccessDenied"
        assert refused(iam.put_user_policy, UserName=user, PolicyName="x", PolicyDocument="{}") == "AccessDenied"


def test_moto_does_not_guard_object_retention(store: Store) -> None:
    """Pins a gap: moto lets a member key call PutObjectRetention (not authorised, COMPLIANCE not kept).
    On S3 the member's policy grants no s3:PutObjectRetention and COMPLIANCE retention cannot be shortened
    by anyone; both are checked on the policy and the bucket (MCS-OFF-002, MCS-OFF-006)."""
    iam = store.moto.client("iam")
    for slug in store.keys:
        doc = iam.get_user_policy(UserName=f"dane-county-offsite-{slug}", PolicyName=POLICY_NAME)["PolicyDocument"]
        granted = [a for st in doc["Statement"] for a in as_list(st["Action"])]
        assert sorted(granted) == sorted([*MEMBER_OBJECT_ACTIONS, MEMBER_LIST_ACTION])
        text = json.dumps(granted).lower()
        assert "retention" not in text and "version" not in text and "*" not in text
    lock = store.moto.client("s3").get_object_lock_configuration(Bucket=BUCKET)["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    # The gap itself, on a scratch object of the member's own, so the other tests' objects keep their lock.
    slug, key = next(iter(store.keys.items()))
    s3 = store.moto.client("s3", key)
    put = s3.put_object(Bucket=BUCKET, Key=f"{slug}/scratch", Body=b"x")
    s3.put_object_retention(
        Bucket=BUCKET,
        Key=f"{slug}/scratch",
        VersionId=put["VersionId"],
        Retention={"Mode": "GOVERNANCE", "RetainUntilDate": "2020-01-01T00:00:00Z"},
    )


def test_the_admin_key_does_what_admins_need(store: Store) -> None:
    s3, iam = store.moto.client("s3"), store.moto.client("iam")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]} >= {f"{s}/host/config" for s in store.keys}
    assert s3.get_object(Bucket=BUCKET, Key="verona/host/config")["Body"].read() == b"verona"  # restore for a town
    s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET, LifecycleConfiguration={"Rules": s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]}
    )
    user = "dane-county-offsite-verona"
    assert len(iam.list_access_keys(UserName=user)["AccessKeyMetadata"]) == 1
    spare = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    iam.delete_access_key(UserName=user, AccessKeyId=spare)
