"""``consortium offsite apply`` / ``rotate`` against a moto server with IAM enforcement on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from consortium.cli import main
from consortium.offsite.spec import POLICY_NAME, member_policy, store_spec
from consortium.registry.load import load_registry
from tests.conftest import tree_digest
from tests.offsite.conftest import Moto, member_key, read_vault

BUCKET = "dane-consortium-offsite"
VAULT_VARS = {"vault_backup_s3_access_key_id", "vault_backup_s3_secret_access_key", "vault_backup_restic_password"}


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["offsite", *args, "--registry", str(root)])
    return result.exit_code, result.stdout, result.stderr


def members(root: Path) -> list[str]:
    return [m.slug for m in store_spec(load_registry(root)).members]


def test_apply_provisions_the_store_and_writes_keys_only_to_the_vaults(
    offsite_registry: Path, moto: Moto, vault_password: Path
) -> None:
    code, out, err = run(offsite_registry, "apply")
    assert code == 0, err
    s3, iam = moto.client("s3"), moto.client("iam")
    lock = s3.get_object_lock_configuration(Bucket=BUCKET)["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert lock["Rule"]["DefaultRetention"]["Days"] == 30  # consortium.yaml backup.minimum_retention_days
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert [r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in rules] == [30]

    slugs = members(offsite_registry)
    # Members whose phase lacks the backup service (phase 1) get nothing.
    assert "cottage-grove" not in slugs and "verona" in slugs
    users = {u["UserName"] for u in iam.list_users(PathPrefix="/dane-county/offsite/")["Users"]}
    assert users == {f"dane-county-offsite-{s}" for s in slugs}
    for slug in slugs:
        user = f"dane-county-offsite-{slug}"
        assert iam.list_user_policies(UserName=user)["PolicyNames"] == [POLICY_NAME]
        doc = iam.get_user_policy(UserName=user, PolicyName=POLICY_NAME)["PolicyDocument"]
        assert doc == member_policy(BUCKET, f"{slug}/")
        vault = read_vault(offsite_registry, slug)
        assert set(vault) == VAULT_VARS
        [key] = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        assert key["AccessKeyId"] == vault["vault_backup_s3_access_key_id"]
        assert vault["vault_backup_s3_secret_access_key"] not in out + err
        assert vault["vault_backup_restic_password"] not in out + err
    # The names written are the ones the rendered inventory references.
    inventory = (offsite_registry / "playbooks/inventories/verona.yml").read_text()
    assert all("{{ " + name + " }}" in inventory for name in VAULT_VARS)
    assert "user dane-county-offsite-verona created" in out


def test_second_apply_changes_nothing_and_says_so(offsite_registry: Path, moto: Moto, vault_password: Path) -> None:
    assert run(offsite_registry, "apply")[0] == 0
    before = tree_digest(offsite_registry)
    code, out, err = run(offsite_registry, "apply")
    assert code == 0, err
    assert out == f"offsite store {BUCKET}: no change (7 members with offsite backups)\n"
    assert tree_digest(offsite_registry) == before


def test_apply_repairs_drift(offsite_registry: Path, moto: Moto, vault_password: Path) -> None:
    assert run(offsite_registry, "apply")[0] == 0
    iam, s3 = moto.client("iam"), moto.client("s3")
    user = "dane-county-offsite-verona"
    iam.put_user_policy(
        UserName=user,
        PolicyName="extra",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    stray = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    s3.delete_public_access_block(Bucket=BUCKET)
    code, out, _ = run(offsite_registry, "apply")
    assert code == 0
    assert "verona: extra inline policy extra deleted" in out
    assert "verona: access key not in its vault deleted" in out
    assert f"bucket {BUCKET}: public access blocked" in out
    assert stray not in {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}


def test_rotate_writes_a_new_key_and_deletes_the_old(offsite_registry: Path, moto: Moto, vault_password: Path) -> None:
    assert run(offsite_registry, "apply")[0] == 0
    vault = offsite_registry / "playbooks/inventories/group_vars/member_verona/vault.yml"
    old = read_vault(offsite_registry, "verona")
    old_key = member_key(offsite_registry, "verona")
    other = tree_digest(offsite_registry)
    code, out, err = run(offsite_registry, "rotate", "verona")
    assert code == 0, err
    new = read_vault(offsite_registry, "verona")
    assert new["vault_backup_s3_access_key_id"] != old["vault_backup_s3_access_key_id"]
    assert new["vault_backup_restic_password"] == old["vault_backup_restic_password"]  # the repositories need it
    assert new["vault_backup_s3_secret_access_key"] not in out + err
    changed = {p for p, h in tree_digest(offsite_registry).items() if other.get(p) != h}
    assert changed == {vault.relative_to(offsite_registry).as_posix()}
    with pytest.raises(ClientError) as refused:
        moto.client("s3", old_key).put_object(Bucket=BUCKET, Key="verona/host/x", Body=b"x")
    assert refused.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    moto.client("s3", member_key(offsite_registry, "verona")).put_object(Bucket=BUCKET, Key="verona/host/x", Body=b"x")


def test_apply_keeps_the_other_variables_of_a_vault(offsite_registry: Path, moto: Moto, vault_password: Path) -> None:
    from ansible.parsing.vault import VaultLib, VaultSecret

    from tests.offsite.conftest import VAULT_PASSWORD

    path = offsite_registry / "playbooks/inventories/group_vars/member_verona/vault.yml"
    path.parent.mkdir(parents=True)
    lib = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))])
    path.write_bytes(lib.encrypt(b"# Windows account\nvault_verona_windows_user: svc-ansible\n"))
    assert run(offsite_registry, "apply")[0] == 0
    text = lib.decrypt(path.read_bytes()).decode()
    assert text.startswith("# Windows account\nvault_verona_windows_user: svc-ansible\n")
    assert set(read_vault(offsite_registry, "verona")) == VAULT_VARS | {"vault_verona_windows_user"}


def _one_line(code: int, out: str, err: str) -> str:
    assert code == 2
    assert out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_a_plain_text_vault_file_is_refused_and_nothing_changes(
    offsite_registry: Path, moto: Moto, vault_password: Path
) -> None:
    path = offsite_registry / "playbooks/inventories/group_vars/member_verona/vault.yml"
    path.parent.mkdir(parents=True)
    path.write_text("vault_verona_windows_user: svc\n")
    before = tree_digest(offsite_registry)
    err = _one_line(*run(offsite_registry, "apply"))
    assert "member_verona/vault.yml: not an Ansible Vault file" in err
    assert tree_digest(offsite_registry) == before
    assert moto.client("s3").list_buckets()["Buckets"] == []  # the store was not touched either


def test_no_offsite_store_is_one_line(offsite_registry: Path, moto: Moto, vault_password: Path) -> None:
    consortium = offsite_registry / "consortium.yaml"
    text = consortium.read_text()
    start = text.index("  offsite_store:")
    end = text.index("  windows:")
    consortium.write_text(text[:start] + text[end:])
    # The registry itself already refuses the missing store (members with Linux servers back up offsite).
    err = _one_line(*run(offsite_registry, "apply"))
    assert "operations.offsite_store" in err


def test_unreachable_endpoint_is_one_line(offsite_registry: Path, moto: Moto, vault_password: Path) -> None:
    consortium = offsite_registry / "consortium.yaml"
    consortium.write_text(consortium.read_text().replace(moto.endpoint, "http://127.0.0.1:9"))
    err = _one_line(*run(offsite_registry, "apply"))
    assert "http://127.0.0.1:9: cannot reach the offsite store" in err


def test_bad_credentials_are_one_line_without_the_secret(
    offsite_registry: Path, moto: Moto, vault_password: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY0000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-never-printed")
    err = _one_line(*run(offsite_registry, "apply"))
    assert err.startswith("admin credentials (AWS environment variables or profile): ")
    assert "wrong-secret-never-printed" not in err


def test_no_credentials_is_one_line(
    offsite_registry: Path, moto: Moto, vault_password: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    err = _one_line(*run(offsite_registry, "apply"))
    assert "none found" in err


def test_wrong_vault_password_is_one_line(offsite_registry: Path, moto: Moto, vault_password: Path) -> None:
    assert run(offsite_registry, "apply")[0] == 0
    vault_password.write_text("not the password\n")
    err = _one_line(*run(offsite_registry, "rotate", "verona"))
    assert "cannot decrypt with the given vault password" in err


def test_rotate_of_a_member_without_offsite_backups_is_one_line(
    offsite_registry: Path, moto: Moto, vault_password: Path
) -> None:
    err = _one_line(*run(offsite_registry, "rotate", "cottage-grove"))
    assert err.startswith("members/cottage-grove.yaml: backup.offsite: cottage-grove has no offsite backups")
    err = _one_line(*run(offsite_registry, "rotate", "atlantis"))
    assert "atlantis" in err
