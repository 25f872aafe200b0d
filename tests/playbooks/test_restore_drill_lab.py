"""Restore drills and backup status on a lab host, and a ransomware simulation (marker ``lab``).

The host backs up to a moto S3 server with Object Lock (COMPLIANCE) and IAM enforced, using a member
key confined to its prefix as `consortium offsite apply` makes it; the repository is initialised with
the admin key as `consortium offsite init-repo` does. Then: drill and status (each run twice), the
host's data encrypted in place, the nightly backup run again, the last clean snapshot restored
byte-identical, and the attacker's delete of the locked object versions with the member's key refused.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from consortium.backups.drills import load_drills
from consortium.backups.status import load_statuses
from consortium.offsite.spec import member_policy
from tests import moto_store

from .ansible_run import PLAYBOOKS, changed_tasks, extra_vars_file, run_playbook

pytestmark = pytest.mark.lab

BUCKET = "consortium-offsite-drill"
PREFIX = "lab-town"
DATA = "/srv/data"


@pytest.fixture(scope="module")
def store(lab) -> Iterator[dict]:
    """A moto server on the bridge, IAM enforced: an admin key, a member key (its prefix only), a locked bucket."""
    with moto_store.moto_server(lab.bridge_ip) as endpoint:
        keys = moto_store.enforce_with_users(
            endpoint, {"admin": moto_store.ADMIN_POLICY, "member": member_policy(BUCKET, f"{PREFIX}/")}
        )
        admin = moto_store.client(endpoint, "s3", keys["admin"])
        moto_store.locked_bucket(admin, BUCKET)
        yield {"endpoint": endpoint, "keys": keys, "admin": admin,
               "member": moto_store.client(endpoint, "s3", keys["member"])}  # fmt: skip


def _restic_init(endpoint: str, key: tuple[str, str], password: str, host: str, cache: Path) -> None:
    """The repository made with the admin key, as `consortium offsite init-repo` does (restic 0.14)."""
    env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": key[0], "AWS_SECRET_ACCESS_KEY": key[1],
           "AWS_DEFAULT_REGION": "us-east-1", "RESTIC_PASSWORD": password, "RESTIC_CACHE_DIR": str(cache),
           "RESTIC_REPOSITORY": f"s3:{endpoint}/{BUCKET}/{PREFIX}/{host}"}  # fmt: skip
    run = subprocess.run(["restic", "init"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-800:]


def _sums(lab, host: str, root: str = "") -> dict[str, str]:
    out = lab.ssh(host, f"cd {root}{DATA} && find . -type f -print0 | sort -z | xargs -0 sha256sum", check=True).stdout
    return {line.split(None, 1)[1]: line.split(None, 1)[0] for line in out.splitlines()}


def _nightly(lab, host: str) -> str:
    """Run the scheduled unit as the timer would; the id of the snapshot it made."""
    run = lab.ssh(host, "systemctl start consortium-backup.service", timeout=600)
    assert run.returncode == 0, run.stderr + lab.ssh(host, "journalctl -u consortium-backup -n 40").stdout
    snaps = json.loads(lab.ssh(host, "consortium-restic snapshots --json --tag scheduled", check=True).stdout)
    return max(snaps, key=lambda s: s["time"])["id"]


def test_drills_status_and_a_ransomware_recovery(lab, store, tmp_path: Path) -> None:
    if shutil.which("restic") is None:
        pytest.skip("restic is not installed on this machine (make test installs it)")
    host = lab.hosts[0].name
    password = secrets.token_hex(16)
    _restic_init(store["endpoint"], store["keys"]["admin"], password, host, tmp_path / "cache")
    member_id, member_secret = store["keys"]["member"]
    common = {
        "backup_agent_retention_days": 35, "backup_agent_s3_endpoint": store["endpoint"],
        "backup_agent_s3_bucket": BUCKET, "backup_agent_repository_prefix": PREFIX,
        "backup_agent_s3_access_key_id": member_id, "backup_agent_s3_secret_access_key": member_secret,
        "backup_agent_restic_password": password, "backup_agent_paths": [DATA],
        "backup_agent_drill_paths": [DATA], "consortium_member_slug": PREFIX,
        "consortium_drill_dir": str(tmp_path / "drills"), "consortium_backup_status_dir": str(tmp_path / "status"),
    }  # fmt: skip
    # The lab inventory has no `linux` group: each playbook's host pattern is given.
    hosts = {"backup_hosts": host, "drill_hosts": host, "status_hosts": host}
    args = ("-e", extra_vars_file(tmp_path / "vars.json", common | hosts), "--limit", host)
    (tmp_path / "vars.json").chmod(0o600)  # it stands in for the member's vault file
    env = lab.ansible_env()

    # Data, the agent (with the member key), and a first nightly backup: the clean snapshot.
    make = f"mkdir -p {DATA}/d && for i in $(seq 1 40); do head -c $((i * 997)) /dev/urandom > {DATA}/d/m$i; done"
    lab.ssh(host, f"{make} && head -c 300000 /dev/urandom > {DATA}/ledger.db", check=True)
    originals = _sums(lab, host)
    setup = run_playbook(PLAYBOOKS / "backup.yml", *args, env=env)
    assert setup.rc == 0, setup.explain()
    time.sleep(1.1)  # the files' mtimes fall before the snapshot's time, to the second
    clean = _nightly(lab, host)

    # The drill, twice: evidence passed; the second run changes nothing on the host (the one change is
    # the evidence file on the controller, rewritten with the new time).
    for attempt in (1, 2):
        drill = run_playbook(PLAYBOOKS / "restore_drill.yml", *args, env=env)
        assert drill.rc == 0, drill.explain()
        if attempt == 2:
            changed = [task for task, _ in changed_tasks(drill.stdout)]
            assert drill.recap[host]["changed"] == 1 and changed == [
                "backup_agent : Backup | Drill evidence on the controller"
            ], changed
    evidence = load_drills(tmp_path / "drills")[host]
    assert evidence.passed and evidence.snapshot_id == clean and evidence.files_restored == 41
    assert evidence.files_compared == 41 and evidence.repository.endswith(f"/{BUCKET}/{PREFIX}/{host}")
    assert password not in (tmp_path / "drills" / f"{host}.json").read_text()
    assert member_secret not in (tmp_path / "drills" / f"{host}.json").read_text()
    assert lab.ssh(host, "ls /var/tmp | grep -c consortium-drill || true").stdout.strip() == "0"  # scratch removed

    # Ransomware: every file encrypted in place (a keystream from a key the town never sees), then the
    # nightly backup runs as usual and backs up the encrypted files.
    encrypt = (
        "import os,pathlib,hashlib\nkey=os.urandom(32)\n"
        f"for p in pathlib.Path('{DATA}').rglob('*'):\n"
        "    if p.is_file():\n"
        "        d=p.read_bytes()\n"
        "        s=b''.join(hashlib.sha256(key+i.to_bytes(8,'big')).digest() for i in range(len(d)//32+1))\n"
        "        p.write_bytes(bytes(a^b for a,b in zip(d,s)))\n"
    )  # fmt: skip
    lab.ssh(host, "python3 -", input=encrypt, check=True)
    encrypted = _sums(lab, host)
    assert set(encrypted) == set(originals) and not set(encrypted.values()) & set(originals.values())
    infected = _nightly(lab, host)
    assert infected != clean

    # Backup status, twice: both nightly snapshots, the unit's last run a success.
    for _ in (1, 2):
        status = run_playbook(PLAYBOOKS / "backup_status.yml", *args, env=env)
        assert status.rc == 0, status.explain()
    assert status.recap[host]["changed"] == 1, changed_tasks(status.stdout)  # the status file only
    st = load_statuses(tmp_path / "status")[host]
    assert [s.id for s in st.snapshots] == [clean, infected] and st.unit_result == "success" and not st.unit_failed
    assert st.latest_bytes == sum(i * 997 for i in range(1, 41)) + 300000

    # The drill of the last clean snapshot: every sampled file restored, none compared (all changed since).
    drill = run_playbook(PLAYBOOKS / "restore_drill.yml", "-e", f"backup_agent_drill_snapshot={clean}", *args, env=env)
    assert drill.rc == 0, drill.explain()
    evidence = load_drills(tmp_path / "drills")[host]
    assert evidence.snapshot_id == clean and evidence.files_restored == 41 and evidence.files_changed == 41

    # Recovery: the last clean snapshot restored, byte-identical to the originals.
    lab.ssh(host, f"consortium-restic restore {clean} --target /root/recovered --include {DATA}", check=True)
    assert _sums(lab, host, "/root/recovered") == originals

    # The attacker holds the member's key (it is on the host): deleting locked versions is refused.
    versions = store["admin"].list_object_versions(Bucket=BUCKET, Prefix=f"{PREFIX}/{host}/")["Versions"]
    data_objects = [v for v in versions if "/data/" in v["Key"]]
    assert data_objects
    from botocore.exceptions import ClientError

    for v in data_objects[:5]:
        with pytest.raises(ClientError) as err:
            store["member"].delete_object(Bucket=BUCKET, Key=v["Key"], VersionId=v["VersionId"])
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    after = store["admin"].list_object_versions(Bucket=BUCKET, Prefix=f"{PREFIX}/{host}/")["Versions"]
    assert {v["VersionId"] for v in data_objects} <= {v["VersionId"] for v in after}
