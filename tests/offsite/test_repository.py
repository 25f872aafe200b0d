"""``consortium offsite init-repo``: the admin initialises a member's servers' restic repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from consortium.cli import main
from tests.offsite.conftest import Moto, read_vault

BUCKET = "dane-consortium-offsite"
needs_restic = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed")


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["offsite", *args, "--registry", str(root)])
    return result.exit_code, result.stdout, result.stderr


def keys_under(moto: Moto, prefix: str) -> list[str]:
    listed = moto.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


@needs_restic
def test_init_repo_initialises_each_linux_server_once_and_prints_no_secret(
    offsite_registry: Path, moto: Moto, vault_password: Path
) -> None:
    assert run(offsite_registry, "apply")[0] == 0
    code, out, err = run(offsite_registry, "init-repo", "fitchburg")
    assert code == 0, err
    # fitchburg's Linux servers; its Windows servers get no repository (the agent runs on `linux`).
    assert out.splitlines() == [
        f"fitchburg: repository {BUCKET}/fitchburg/fit-app01 initialised",
        f"fitchburg: repository {BUCKET}/fitchburg/fit-web01 initialised",
    ]
    for host in ("fit-app01", "fit-web01"):
        found = keys_under(moto, f"fitchburg/{host}/")
        assert f"fitchburg/{host}/config" in found and any(k.startswith(f"fitchburg/{host}/keys/") for k in found)
    secrets = [read_vault(offsite_registry, "fitchburg")["vault_backup_restic_password"], moto.admin[1]]
    assert not any(s in out + err for s in secrets)

    code, out, err = run(offsite_registry, "init-repo", "fitchburg", "fit-web01")
    assert (code, out) == (0, f"fitchburg: repository {BUCKET}/fitchburg/fit-web01 already initialised\n"), err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verona", "ver-dc01"], "members/verona.yaml: servers: ver-dc01 is not one of verona's Linux servers"),
        (["verona", "nope"], "members/verona.yaml: servers: nope is not one of verona's Linux servers"),
        (["cottage-grove"], "members/cottage-grove.yaml: backup.offsite: cottage-grove has no offsite backups"),
        (["atlantis"], "atlantis"),
    ],
)
def test_init_repo_refuses_hosts_and_members_without_a_repository(
    offsite_registry: Path, moto: Moto, vault_password: Path, args: list[str], message: str
) -> None:
    code, out, err = run(offsite_registry, "init-repo", *args)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert message in err, err


def test_init_repo_before_apply_names_the_missing_password(
    offsite_registry: Path, moto: Moto, vault_password: Path
) -> None:
    code, out, err = run(offsite_registry, "init-repo", "verona")
    assert (
        code == 2
        and out == ""
        and err
        == (
            "playbooks/inventories/group_vars/member_verona/vault.yml: vault_backup_restic_password: "
            "empty; run `consortium offsite apply` first\n"
        )
    )
    assert moto.client("s3").list_buckets()["Buckets"] == []  # the store was not touched


def test_init_repo_without_restic_is_one_line_and_touches_nothing(
    offsite_registry: Path, moto: Moto, vault_password: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(offsite_registry, "apply")[0] == 0
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, err = run(offsite_registry, "init-repo", "verona")
    assert code == 2 and out == ""
    assert err == (
        "restic: not found on PATH; initialising a repository runs restic on the controller "
        "(Debian: apt install restic)\n"
    )
    assert keys_under(moto, "verona/") == []


@needs_restic
def test_init_repo_refuses_to_bury_a_deleted_repository(
    offsite_registry: Path, moto: Moto, vault_password: Path
) -> None:
    """After a thief's deletes the config is gone but its versions are not: a new repository on top would
    hide the old one, so init-repo stops and says how to bring it back."""
    assert run(offsite_registry, "apply")[0] == 0
    admin = moto.client("s3")
    admin.put_object(Bucket=BUCKET, Key="verona/ver-app01/config", Body=b"old repository")
    admin.delete_object(Bucket=BUCKET, Key="verona/ver-app01/config")
    code, out, err = run(offsite_registry, "init-repo", "verona")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"{BUCKET}/verona/ver-app01: config: not there, but the prefix has objects or deleted")
    versions = admin.list_object_versions(Bucket=BUCKET, Prefix="verona/ver-app01/")
    assert len(versions["Versions"]) == 1 and len(versions["DeleteMarkers"]) == 1  # nothing written
