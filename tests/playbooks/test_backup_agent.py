"""The backup agent on lab hosts against a local S3 server with Object Lock (moto): the role installs
restic, initialises one repository per host, proves a restore, never logs a secret, and a second
run changes nothing. The scheduled unit really backs up, and locked versions cannot be deleted."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests import moto_store

from .ansible_run import PLAYBOOKS, changed_tasks, run_playbook

pytestmark = pytest.mark.lab

BUCKET = "consortium-offsite-lab"
REGION = moto_store.REGION


@pytest.fixture(scope="module")
def s3(lab) -> Iterator[dict]:
    """A moto server on the bridge address, with an Object Lock bucket in COMPLIANCE mode."""
    with moto_store.moto_server(lab.bridge_ip) as endpoint:
        keys = moto_store.enforce_with_users(endpoint, {"lab-backup": moto_store.ADMIN_POLICY})
        key_id, secret = keys["lab-backup"]
        client = moto_store.client(endpoint, "s3", keys["lab-backup"])
        moto_store.locked_bucket(client, BUCKET)
        yield {"endpoint": endpoint, "client": client, "aws_access_key_id": key_id, "aws_secret_access_key": secret}


@pytest.fixture(scope="module")
def backup(lab, s3, tmp_path_factory):
    secret_dir = tmp_path_factory.mktemp("vault")
    password = secrets.token_hex(16)
    vars_file = secret_dir / "backup_vars.yml"
    # Plain extra vars standing in for the Vault file (0600, outside the repo).
    vars_file.write_text(
        "\n".join(
            [
                "backup_hosts: all",
                "backup_agent_retention_days: 35",
                f"backup_agent_s3_endpoint: {s3['endpoint']}",
                f"backup_agent_s3_bucket: {BUCKET}",
                f"backup_agent_s3_region: {REGION}",
                "backup_agent_repository_prefix: lab-town",
                f"backup_agent_s3_access_key_id: {s3['aws_access_key_id']}",
                f"backup_agent_s3_secret_access_key: {s3['aws_secret_access_key']}",
                f"backup_agent_restic_password: {password}",
                "backup_agent_paths: [/etc, /root]",
            ]
        )
        + "\n"
    )
    vars_file.chmod(0o600)

    def run(*args: str):
        return run_playbook(PLAYBOOKS / "backup.yml", "-e", f"@{vars_file}", *args, env=lab.ansible_env())

    run.secrets = [s3["aws_secret_access_key"], password]  # type: ignore[attr-defined]
    return run


def test_backup_agent_end_to_end(lab, s3, backup) -> None:
    hosts = [h.name for h in lab.hosts]
    first = backup("--diff", "-v")
    assert first.rc == 0, first.explain()
    for h in hosts:
        assert first.recap[h]["failed"] == 0 and first.recap[h]["changed"] > 0, first.explain()
    assert first.output.count("restore check ok: ") >= len(hosts), first.explain()
    for secret in backup.secrets:
        assert secret not in first.output, "a secret was logged"

    second = backup("--diff", "-v")
    assert second.rc == 0, second.explain()
    assert {h: second.recap[h]["changed"] for h in hosts} == dict.fromkeys(hosts, 0), changed_tasks(second.stdout)
    for secret in backup.secrets:
        assert secret not in second.output

    host = hosts[0]
    assert lab.ssh(host, "systemctl is-enabled consortium-backup.timer").stdout.strip() == "enabled"
    assert lab.ssh(host, "stat -c %a /etc/consortium-backup/restic.env").stdout.strip() == "600"
    run = lab.ssh(host, "systemctl start consortium-backup.service", timeout=300)
    assert run.returncode == 0, run.stderr + lab.ssh(host, "journalctl -u consortium-backup -n 50").stdout
    snaps = lab.ssh(host, "consortium-restic snapshots --tag scheduled --json").stdout
    assert '"/etc"' in snaps
    restored = lab.ssh(
        host,
        "d=$(mktemp -d) && consortium-restic restore latest --tag scheduled --target $d"
        " --include /etc/hostname >/dev/null && cmp /etc/hostname $d/etc/hostname && echo same",
    )
    assert restored.stdout.strip() == "same", restored.stderr

    # Object Lock: a locked version of the repository cannot be deleted, whatever the credentials.
    client = s3["client"]
    versions = client.list_object_versions(Bucket=BUCKET, Prefix=f"lab-town/{host}/")["Versions"]
    assert versions
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as err:
        client.delete_object(Bucket=BUCKET, Key=versions[0]["Key"], VersionId=versions[0]["VersionId"])
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
