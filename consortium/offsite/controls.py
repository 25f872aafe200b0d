"""The ``MCS-OFF`` controls: the offsite store judged as read back (:mod:`readback`), with the finding
type of the rest of the standard, so every report format of ``consortium audit`` shows them.

The controls' parameters (minimum retention, bucket, members' users and prefixes) come from the
registry through :func:`offsite_controls`, as the other controls' come from ``audit.params``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from consortium.offsite.spec import (
    BUCKET,
    LIFECYCLE_RULE_ID,
    MEMBER_LIST_ACTION,
    MEMBER_OBJECT_ACTIONS,
    READ_ONLY_ACTIONS,
    USER,
    StoreSpec,
)
from policies.framework import Control, Enforcement, Message, Param, Resource, Severity, control

AREA = "offsite"
_NO_BUCKET = "the bucket does not exist (run `consortium offsite apply`)"
# Exactly the actions the spec grants (compared case-insensitively, as IAM does); anything else, a
# wildcard such as s3:DeleteObject* included, is a finding.
_ALLOWED_ACTIONS = frozenset(a.lower() for a in (*MEMBER_OBJECT_ACTIONS, MEMBER_LIST_ACTION))
_READ_ONLY_ALLOWED = frozenset(a.lower() for a in (*READ_ONLY_ACTIONS, MEMBER_LIST_ACTION))
_OBJECT_ACTIONS_TEXT = "/".join(MEMBER_OBJECT_ACTIONS)
_RETENTION = {
    "minimum_retention_days": Param(30, "integer", "Consortium minimum retention (backup.minimum_retention_days)")
}


@control(
    "MCS-OFF-001",
    "The offsite bucket keeps every version (versioning on)",
    area=AREA,
    types=[BUCKET],
    severity=Severity.HIGH,
    cis_v8=["11.3"],
    rationale="Without versions an overwritten or deleted backup is gone; Object Lock protects versions only.",
    fix="Enable versioning on the bucket (`consortium offsite apply`).",
)
def versioning_on(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if not r.get("exists"):
        yield _NO_BUCKET
    elif r.get("versioning") != "Enabled":
        yield f"versioning is {r.get('versioning')}; it must be Enabled"


@control(
    "MCS-OFF-002",
    "Offsite backups are locked in COMPLIANCE mode for at least the consortium minimum",
    area=AREA,
    types=[BUCKET],
    severity=Severity.CRITICAL,
    cis_v8=["11.3", "11.4"],
    rationale="Ransomware holding any key, an admin's included, must not delete or shorten a locked backup; "
    "only COMPLIANCE mode stops everyone, GOVERNANCE can be bypassed.",
    fix="Enable Object Lock with default retention COMPLIANCE for backup.minimum_retention_days "
    "(`consortium offsite apply`).",
    params=_RETENTION,
)
def object_lock_compliance(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if not r.get("exists"):
        yield _NO_BUCKET
        return
    lock = r.get("objectLock") or {}
    minimum = int(p["minimum_retention_days"])
    if not lock.get("enabled"):
        yield "Object Lock is not enabled"
        return
    if lock.get("mode") != "COMPLIANCE":
        yield f"default retention mode is {lock.get('mode') or 'not set'}; it must be COMPLIANCE"
    if int(lock.get("days") or 0) < minimum:
        yield f"default retention is {lock.get('days') or 0} days; the consortium minimum is {minimum}"


@control(
    "MCS-OFF-003",
    "The offsite bucket blocks public access",
    area=AREA,
    types=[BUCKET],
    severity=Severity.HIGH,
    cis_v8=["3.3", "11.3"],
    rationale="Backups hold every town's data; no ACL or bucket policy may ever make them public.",
    fix="Set all four public access block settings to true (`consortium offsite apply`).",
)
def public_access_blocked(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if not r.get("exists"):
        yield _NO_BUCKET
        return
    pab = r.get("publicAccessBlock") or {}
    off = [
        k
        for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        if pab.get(k) is not True
    ]
    if off:
        yield f"public access block is off for {', '.join(off)}"


@control(
    "MCS-OFF-004",
    "The offsite bucket encrypts objects by default",
    area=AREA,
    types=[BUCKET],
    severity=Severity.MEDIUM,
    cis_v8=["11.3", "3.11"],
    rationale="Backups at rest are encrypted by the store as well as by restic, so a copied disk leaks nothing.",
    fix="Set default encryption (SSE-S3 AES256 or SSE-KMS) on the bucket (`consortium offsite apply`).",
)
def encryption_on(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if not r.get("exists"):
        yield _NO_BUCKET
    elif not r.get("encryption"):
        yield "no default encryption"


@control(
    "MCS-OFF-005",
    "Old backup versions expire only after the retention",
    area=AREA,
    types=[BUCKET],
    severity=Severity.LOW,
    cis_v8=["3.4", "11.3"],
    rationale="Noncurrent versions are what a prune leaves; they must outlive the lock, and then go "
    "(cost, data minimisation).",
    fix=f"Add lifecycle rule {LIFECYCLE_RULE_ID}: NoncurrentVersionExpiration after the minimum retention "
    "(`consortium offsite apply`).",
    enforcement=Enforcement.ADVISORY,
    params=_RETENTION,
)
def noncurrent_lifecycle(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if not r.get("exists"):
        yield _NO_BUCKET
        return
    minimum = int(p["minimum_retention_days"])
    days = [
        int(rule["NoncurrentVersionExpiration"].get("NoncurrentDays") or 0)
        for rule in r.get("lifecycle") or []
        if rule.get("Status") == "Enabled" and rule.get("NoncurrentVersionExpiration")
    ]
    if not days:
        yield "no enabled lifecycle rule expires noncurrent versions"
    elif min(days) < minimum:
        yield f"noncurrent versions expire after {min(days)} days, before the {minimum}-day retention"


def as_list(value: Any) -> list[Any]:
    """An IAM policy field as a list: Action, Resource and Statement may each be one value or a list."""
    return list(value) if isinstance(value, list | tuple) else [value]


def statement_problems(
    st: Mapping[str, Any], bucket: str, prefix: str, allowed: frozenset[str] = _ALLOWED_ACTIONS
) -> list[str]:
    """Why one policy statement reaches beyond ``prefix`` of ``bucket`` or grants an action not in
    ``allowed`` (lower case; an unhooked town's key reads only); empty when it does neither."""
    if st.get("Effect") != "Allow":
        return []  # a Deny only takes away
    if any(k in st for k in ("NotAction", "NotResource", "NotPrincipal")):
        return ["grants by exclusion (NotAction/NotResource)"]
    sid = f"statement {st.get('Sid')}" if st.get("Sid") else "a statement"
    actions = [str(a) for a in as_list(st.get("Action", []))]
    resources = [str(x) for x in as_list(st.get("Resource", []))]
    problems = [f"{sid} grants {a}" for a in actions if a.lower() not in allowed]
    objects = f"arn:aws:s3:::{bucket}/{prefix}"
    if any(a.lower() != MEMBER_LIST_ACTION.lower() and a.lower() in allowed for a in actions):
        problems += [f"{sid} reaches {x}, outside {objects}*" for x in resources if not x.startswith(objects)]
    if any(a.lower() == MEMBER_LIST_ACTION.lower() for a in actions):
        problems += [
            f"{sid} lists {x}, not the bucket arn:aws:s3:::{bucket}" for x in resources if x != f"arn:aws:s3:::{bucket}"
        ]
        condition = st.get("Condition") or {}
        prefixes = [
            str(v)
            for op in ("StringLike", "StringEquals")
            for v in as_list((condition.get(op) or {}).get("s3:prefix", []))
        ]
        if not prefixes:
            problems.append(f"{sid} lists the whole bucket (no s3:prefix condition)")
        problems += [f"{sid} lists prefix {v!r}, outside {prefix}" for v in prefixes if not v.startswith(prefix)]
    return problems


@control(
    "MCS-OFF-006",
    "Each town's backup key reaches its own prefix only",
    area=AREA,
    types=[USER],
    severity=Severity.CRITICAL,
    cis_v8=["3.3", "11.4", "6.8"],
    rationale="An attacker holding one town's key must not read, overwrite or delete another town's backups, "
    "nor change the bucket; in its own prefix a plain delete only adds a delete marker (versioning, Object Lock), "
    "so the key must never remove a version (s3:DeleteObjectVersion) or touch a retention. Once the town is "
    "unhooked its servers are no longer the consortium's: its key may only read, to restore elsewhere.",
    fix=f"Give the user only its offsite-backup policy ({_OBJECT_ACTIONS_TEXT} on <bucket>/<slug>/*, "
    f"{'/'.join(READ_ONLY_ACTIONS)} alone once the town is unhooked; {MEMBER_LIST_ACTION} with an s3:prefix "
    "condition), no attached policy and no group (`consortium offsite apply`).",
    params={
        "bucket": Param("", "string", "The offsite bucket (operations.offsite_store.bucket)"),
        "prefixes": Param({}, "object", "Each member user's prefix, by user name"),
        "read_only": Param([], "array", "The users of unhooked towns, whose keys may only read"),
    },
)
def member_scoped(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    prefix = p["prefixes"].get(r.name) or f"{r.member}/"
    read_only = r.name in p["read_only"]
    allowed = _READ_ONLY_ALLOWED if read_only else _ALLOWED_ACTIONS
    note = " (the town is unhooked: its key reads only)" if read_only else ""
    for name in r.get("attachedPolicies") or []:
        yield f"has attached policy {name}, beyond its prefix policy"
    for group in r.get("groups") or []:
        yield f"is in group {group}, whose policies reach beyond its prefix"
    for name, doc in sorted((r.get("inlinePolicies") or {}).items()):
        for st in as_list(doc.get("Statement", [])):
            for problem in statement_problems(st, p["bucket"], prefix, allowed):
                yield f"policy {name}: {problem}{note}"


@control(
    "MCS-OFF-007",
    "Backup keys exist exactly for the towns with offsite backups, one each",
    area=AREA,
    types=[USER],
    severity=Severity.HIGH,
    cis_v8=["6.2", "5.3", "11.4"],
    rationale="A key left behind by a town that left, or a second key, is a way in nobody watches; "
    "a town without its key has no offsite backup.",
    fix="Run `consortium offsite apply` (creates missing users and keys, deletes keys not in the vault); delete a "
    "departed town's user once its backups have served their retention.",
    scope="stack",
    params={"members": Param({}, "object", "The user of each member with offsite backups, by member slug")},
)
def credentials_match_registry(
    rs: Sequence[Resource], p: Mapping[str, Any]
) -> Iterator[tuple[Resource | None, Message]]:
    users = {r.name: r for r in rs if r.type == USER}
    expected = dict(p["members"])
    for slug, user in sorted(expected.items()):
        if user not in users:
            yield None, f"{slug} has offsite backups but no user {user}"
    for name, r in sorted(users.items()):
        if name not in expected.values():
            yield r, "belongs to no member with offsite backups (left, or backup.offsite turned off)"
        elif (keys := int(r.get("activeKeys") or 0)) != 1:
            yield r, f"has {keys} active access keys; it must have exactly one (the one in its vault)"


CONTROLS: tuple[Control, ...] = (
    versioning_on,
    object_lock_compliance,
    public_access_blocked,
    encryption_on,
    noncurrent_lifecycle,
    member_scoped,
    credentials_match_registry,
)


def offsite_controls(spec: StoreSpec) -> tuple[Control, ...]:
    """The controls with the registry's values as their parameters' defaults."""
    values: dict[str, Any] = {
        "minimum_retention_days": spec.retention_days,
        "bucket": spec.bucket,
        "prefixes": {m.user: m.prefix for m in spec.members},
        "read_only": [m.user for m in spec.members if not m.writable],
        "members": {m.slug: m.user for m in spec.members},
    }
    return tuple(
        dataclasses.replace(
            c, params={k: dataclasses.replace(prm, default=values.get(k, prm.default)) for k, prm in c.params.items()}
        )
        for c in CONTROLS
    )
