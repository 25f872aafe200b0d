"""A moto server on 127.0.0.1 with IAM enforcement on, an admin key, and a registry pointing at it.

moto authenticates and authorises every request once its "no auth" allowance is used up
(``INITIAL_NO_AUTH_ACTION_COUNT``; the server's ``/moto-api/reset-auth`` sets it): the admin user is
created while the allowance is unlimited, then it is set to 0, so from then on every request
(the admin's included) is signed, checked against its user's policies, or refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from moto.server import ThreadedMotoServer

from tests.conftest import copy_registry

EXAMPLE_ENDPOINT = "https://s3.dane-consortium.example"
VAULT_PASSWORD = "correct horse battery staple"
_CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})


@dataclass(frozen=True)
class Moto:
    endpoint: str
    admin: tuple[str, str]

    def client(self, service: str, key: tuple[str, str] | None = None) -> Any:
        key_id, secret = key or self.admin
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=_CONFIG,
        )


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    yield endpoint
    requests.post(f"{endpoint}/moto-api/reset-auth", data=b"inf", timeout=5)
    server.stop()


@pytest.fixture
def moto(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Moto:
    """An empty store with enforcement on; the admin's key is in the standard AWS variables."""
    return fresh_store(moto_server, monkeypatch, tmp_path)


def fresh_store(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Moto:
    """Empty the server, make the admin user while no request is checked, then check every request."""
    requests.post(f"{moto_server}/moto-api/reset-auth", data=b"inf", timeout=5)
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    iam = boto3.client(
        "iam",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="AKIASETUP",
        aws_secret_access_key="setup",
        config=_CONFIG,
    )
    iam.create_user(UserName="consortium-admin")
    admin_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="consortium-admin", PolicyName="admin", PolicyDocument=json.dumps(admin_policy))
    key = iam.create_access_key(UserName="consortium-admin")["AccessKey"]
    requests.post(f"{moto_server}/moto-api/reset-auth", data=b"0", timeout=5)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    return Moto(moto_server, (key["AccessKeyId"], key["SecretAccessKey"]))


@pytest.fixture
def offsite_registry(tmp_path: Path, moto: Moto) -> Path:
    """The example registry with its offsite store on the moto server."""
    root = copy_registry(tmp_path / "registry")
    consortium = root / "consortium.yaml"
    consortium.write_text(consortium.read_text().replace(EXAMPLE_ENDPOINT, moto.endpoint))
    return root


@pytest.fixture
def vault_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "vault-password"
    path.write_text(VAULT_PASSWORD + "\n")
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(path))
    return path


def read_vault(root: Path, slug: str) -> dict[str, Any]:
    """A member's vault file decrypted with Ansible's own library (as ansible-playbook reads it)."""
    import yaml
    from ansible.parsing.vault import VaultLib, VaultSecret

    group = "member_" + slug.replace("-", "_")
    data = (root / f"playbooks/inventories/group_vars/{group}/vault.yml").read_bytes()
    lib = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))])
    return yaml.safe_load(lib.decrypt(data))


def member_key(root: Path, slug: str) -> tuple[str, str]:
    v = read_vault(root, slug)
    return v["vault_backup_s3_access_key_id"], v["vault_backup_s3_secret_access_key"]
