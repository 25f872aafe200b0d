"""The offsite tests' store: the shared moto server (``tests/moto_store.py``) on loopback with IAM
enforcement on, an admin key in the standard AWS variables, and a registry pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import moto_store
from tests.conftest import copy_registry

EXAMPLE_ENDPOINT = "https://s3.dane-consortium.example"
VAULT_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Moto:
    endpoint: str
    admin: tuple[str, str]

    def client(self, service: str, key: tuple[str, str] | None = None) -> Any:
        return moto_store.client(self.endpoint, service, key or self.admin)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    with moto_store.moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def moto(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Moto:
    """An empty store with enforcement on; the admin's key is in the standard AWS variables."""
    return fresh_store(moto_server, monkeypatch, tmp_path)


def fresh_store(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Moto:
    """Empty the server, an admin user, every request checked; the environment's AWS settings cleared."""
    keys = moto_store.enforce_with_users(moto_server, {"consortium-admin": moto_store.ADMIN_POLICY})
    admin = keys["consortium-admin"]
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", admin[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", admin[1])
    return Moto(moto_server, admin)


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
