"""restic (the backup agent's tool) against the store with a member's key, as the agent runs it.

The repository is initialised once with the admin key (``consortium offsite init-repo``): restic 0.14's
``init`` asks for the bucket with a HeadBucket, which the member's prefix-only listing does not allow.
From then on the member's key does the agent's whole cycle: its plain deletes (lock files, prune) only
add delete markers on the versioned, Object-Locked bucket, so a thief holding that key who "prunes"
everything leaves every locked version behind, readable and recoverable with the admin key.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from consortium.cli import main
from tests.offsite.conftest import Moto, member_key, read_vault

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed (make test installs it)"),
]
BUCKET = "dane-consortium-offsite"
REPOSITORY = "verona/ver-app01"  # <slug>/<host>: the role's backup_agent_repository


def restic_version() -> tuple[int, int]:
    out = subprocess.run(["restic", "version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"restic (\d+)\.(\d+)", out)
    assert found, out
    return int(found[1]), int(found[2])


class Restic:
    """restic with a member's key and password, as the role's consortium-restic wrapper runs it."""

    def __init__(self, moto: Moto, key: tuple[str, str], password: str, repository: str, cache: Path) -> None:
        self.env = {
            "PATH": os.environ["PATH"],
            "AWS_ACCESS_KEY_ID": key[0],
            "AWS_SECRET_ACCESS_KEY": key[1],
            "AWS_DEFAULT_REGION": "us-east-1",
            "RESTIC_PASSWORD": password,
            "RESTIC_REPOSITORY": f"s3:{moto.endpoint}/{BUCKET}/{repository}",
            "RESTIC_CACHE_DIR": str(cache),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["restic", *args], env=self.env, capture_output=True, text=True, timeout=300)

    def ok(self, *args: str) -> str:
        run = self.run(*args)
        assert run.returncode == 0, (args, run.stderr[-800:])
        return run.stdout

    def snapshots(self) -> list[str]:
        return [s["id"] for s in json.loads(self.ok("snapshots", "--json"))]


def test_the_backup_agents_cycle_works_with_a_member_key_and_its_deletes_destroy_nothing(
    offsite_registry: Path, moto: Moto, vault_password: Path, tmp_path: Path
) -> None:
    assert CliRunner().invoke(main, ["offsite", "apply", "--registry", str(offsite_registry)]).exit_code == 0
    key = member_key(offsite_registry, "verona")
    password = read_vault(offsite_registry, "verona")["vault_backup_restic_password"]
    member = Restic(moto, key, password, REPOSITORY, tmp_path / "cache")

    # The member's key cannot create a repository with restic 0.14; restic 0.15 takes the refused
    # HeadBucket for "the bucket is there" (restic issue 4085), so there it can.
    attempt = Restic(moto, key, password, "verona/not-a-server", tmp_path / "cache").run("init")
    if restic_version() < (0, 15):
        assert attempt.returncode != 0 and "BucketExists" in attempt.stderr, attempt.stderr[-500:]
    else:
        assert attempt.returncode == 0, attempt.stderr[-500:]

    # The admin initialises it, with the member's password from its vault.
    init = CliRunner().invoke(main, ["offsite", "init-repo", "verona", "--registry", str(offsite_registry)])
    assert init.exit_code == 0, init.stderr
    assert init.stdout == f"verona: repository {BUCKET}/{REPOSITORY} initialised\n"

    # The agent's cycle with the member's key: the role's check, two backups, retention, check, restore.
    assert json.loads(member.ok("cat", "config"))["version"] >= 1
    data = tmp_path / "data"
    data.mkdir()
    (data / "minutes.txt").write_bytes(b"council minutes, first draft\n")
    member.ok("backup", str(data))
    (data / "minutes.txt").write_bytes(b"council minutes, as adopted\n" + os.urandom(4096))
    (data / "budget.csv").write_text("line,amount\nroads,120000.00\n")
    member.ok("backup", str(data))
    member.ok("forget", "--keep-within", "30d", "--prune")
    member.ok("check")
    assert member.ok("list", "locks") == ""  # every lock was removed: the next run finds it unlocked
    first, second = member.snapshots()
    restored = tmp_path / "restored"
    member.ok("restore", second, "--target", str(restored), "--include", str(data / "minutes.txt"))
    assert (restored / str(data).lstrip("/") / "minutes.txt").read_bytes() == (data / "minutes.txt").read_bytes()

    # A thief with the member's key forgets and prunes the first snapshot, then deletes every object.
    member.ok("forget", first, "--prune")
    s3, admin = moto.client("s3", key), moto.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{REPOSITORY}/")["Contents"]]
    for k in keys:
        assert s3.delete_object(Bucket=BUCKET, Key=k)["DeleteMarker"] is True
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{REPOSITORY}/")["KeyCount"] == 0
    assert member.run("snapshots").returncode != 0

    # Every version is still there, readable with the admin key, and locked against the admin too.
    history = admin.list_object_versions(Bucket=BUCKET, Prefix=f"{REPOSITORY}/")
    versions, markers = history["Versions"], history["DeleteMarkers"]
    assert not history["IsTruncated"] and not any(v["IsLatest"] for v in versions)
    assert {m["Key"] for m in markers} >= set(keys) | {f"{REPOSITORY}/snapshots/{first}"}
    for v in versions:
        assert admin.get_object(Bucket=BUCKET, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
    [config] = [v for v in versions if v["Key"] == f"{REPOSITORY}/config"]
    with pytest.raises(ClientError, match="AccessDenied"):
        admin.delete_object(Bucket=BUCKET, Key=config["Key"], VersionId=config["VersionId"])

    # Recovery: the admin removes the delete markers (not the stale locks'); the first snapshot is back.
    for m in markers:
        if not m["Key"].startswith(f"{REPOSITORY}/locks/"):
            admin.delete_object(Bucket=BUCKET, Key=m["Key"], VersionId=m["VersionId"])
    assert member.snapshots() == [first, second]
    again = tmp_path / "again"
    member.ok("restore", first, "--target", str(again), "--include", str(data / "minutes.txt"))
    assert (again / str(data).lstrip("/") / "minutes.txt").read_bytes() == b"council minutes, first draft\n"
