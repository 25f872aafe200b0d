"""A leaving town's offsite key reads only from its unhook date: its servers are no longer the
consortium's, so it may restore its backups elsewhere but never write into the store again. A town
that has left has no key at all (its data has expired)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from consortium.cli import main
from consortium.offsite.controls import offsite_controls
from consortium.offsite.spec import MemberAccess, StoreSpec, member_policy, store_spec
from consortium.registry.load import load_registry
from policies.framework import evaluate
from tests.conftest import copy_registry
from tests.offsite.conftest import Moto, member_key
from tests.offsite.test_controls import SPEC, good, user

BUCKET = "dane-consortium-offsite"


def unhooked_spec() -> StoreSpec:
    verona, oregon = SPEC.members
    return StoreSpec(**{**SPEC.__dict__, "members": (MemberAccess(**{**verona.__dict__, "writable": False}), oregon)})


def test_the_spec_makes_a_leaving_towns_key_read_only_from_its_unhook_date(tmp_path: Path) -> None:
    root = copy_registry(tmp_path / "registry")
    unhook = date.today() + timedelta(days=3)
    _offboard_verona(root, unhook)
    registry = load_registry(root)
    before = store_spec(registry, unhook - timedelta(days=1)).member("verona")
    after = store_spec(registry, unhook).member("verona")
    assert before.writable and not after.writable
    objects = after.policy("b")["Statement"][0]
    assert objects["Action"] == ["s3:GetObject"] and objects["Resource"] == "arn:aws:s3:::b/verona/*"
    assert all(m.writable for m in store_spec(registry, unhook).members if m.slug != "verona")


def test_a_town_that_has_left_has_no_offsite_key(tmp_path: Path) -> None:
    root = copy_registry(tmp_path / "registry")
    assert "verona" in {m.slug for m in store_spec(load_registry(root)).members}
    member = root / "members/verona.yaml"
    text = member.read_text().replace("status: active", "status: left", 1)
    member.write_text(text + "leaving:\n  unhook_on: 2020-01-01\n  left_on: 2020-12-31\n")
    registry = load_registry(root)
    assert registry.entry("verona").member.status.value == "left"
    assert "verona" not in {m.slug for m in store_spec(registry).members}


def test_an_unhooked_towns_key_that_still_writes_fires_and_a_read_only_one_is_quiet() -> None:
    controls = offsite_controls(unhooked_spec())
    found = [f.message for f in evaluate(controls, good()).findings]
    assert found and all("(the town is unhooked: its key reads only)" in m for m in found), found
    assert any("grants s3:PutObject" in m for m in found) and any("grants s3:DeleteObject" in m for m in found)

    resources = good()
    read_only = member_policy("offsite", "verona/", writable=False)
    resources[1] = user("verona", inlinePolicies={"offsite-backup": read_only})
    assert evaluate(controls, resources).findings == []


def _offboard_verona(root: Path, unhook_on: date) -> None:
    result = CliRunner().invoke(
        main, ["offboard", "verona", "--registry", str(root), "--unhook-on", unhook_on.isoformat()]
    )
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("unhook_in_days", [0, 3])
def test_apply_after_the_unhook_leaves_the_town_a_read_only_key(
    offsite_registry: Path, moto: Moto, vault_password: Path, unhook_in_days: int
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["offsite", "apply", "--registry", str(offsite_registry)]).exit_code == 0
    key = member_key(offsite_registry, "verona")
    s3 = moto.client("s3", key)
    s3.put_object(Bucket=BUCKET, Key="verona/app01/before", Body=b"backup")

    _offboard_verona(offsite_registry, date.today() + timedelta(days=unhook_in_days))
    applied = runner.invoke(main, ["offsite", "apply", "--registry", str(offsite_registry)])
    assert applied.exit_code == 0, applied.stderr
    if unhook_in_days:  # not unhooked yet: the servers still back up
        s3.put_object(Bucket=BUCKET, Key="verona/app01/still", Body=b"backup")
        return
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=BUCKET, Key="verona/app01/after", Body=b"ransom")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=BUCKET, Key="verona/app01/before")
    assert s3.get_object(Bucket=BUCKET, Key="verona/app01/before")["Body"].read() == b"backup"
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="verona/")
    assert [o["Key"] for o in listed["Contents"]] == ["verona/app01/before"]

    audit = runner.invoke(main, ["audit", "--offsite", "--registry", str(offsite_registry), "--format", "json"])
    assert audit.exit_code == 0, audit.stdout + audit.stderr
    assert json.loads(audit.stdout)["results"] == []
