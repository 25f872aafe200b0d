"""Members' offsite credentials in their Ansible Vault files, never anywhere else.

Each member's file is the one its rendered inventory names
(``playbooks/inventories/group_vars/member_<slug>/vault.yml``), encrypted whole as
``ansible-vault create`` makes it; the variable names are the inventory's own
(:func:`consortium.registry.render.vault_variables`). Other variables in the file (the Windows
account) and its comments are kept. A file that exists but is not vault-encrypted is refused: a
secret is never written into plain text.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from consortium.registry.errors import fail
from consortium.registry.files import check_writable, write_atomic
from consortium.registry.render import INVENTORY_DIR, ansible_group, vault_variables

# Ansible's own variable for the password file (ansible-playbook --vault-password-file reads it too).
PASSWORD_FILE_ENV = "ANSIBLE_VAULT_PASSWORD_FILE"


def vault_file(slug: str) -> str:
    """The member's vault file, relative to the registry (where its inventory looks for ``vault_*``)."""
    return f"{INVENTORY_DIR}/group_vars/{ansible_group(slug)}/vault.yml"


class Vault:
    """Ansible Vault encryption with one password (from a file, or a script printing it, as Ansible reads it)."""

    def __init__(self, password_file: Path) -> None:
        from ansible.errors import AnsibleError
        from ansible.parsing.dataloader import DataLoader
        from ansible.parsing.vault import VaultLib, get_file_vault_secret

        shown = str(password_file)
        if not password_file.is_file():
            raise fail(shown, "", "vault password file not found")
        try:
            secret = get_file_vault_secret(filename=str(password_file), loader=DataLoader())
            secret.load()
        except (AnsibleError, OSError) as exc:
            raise fail(shown, "", f"cannot read the vault password: {_first_line(exc)}") from None
        if not secret.bytes:
            raise fail(shown, "", "the vault password is empty")
        self._lib = VaultLib([("default", secret)])

    def decrypt(self, data: bytes, shown: str) -> str:
        from ansible.errors import AnsibleError
        from ansible.parsing.vault import is_encrypted

        if not is_encrypted(data):
            raise fail(
                shown,
                "",
                "not an Ansible Vault file; encrypt it (`ansible-vault encrypt`) so no secret sits in plain text",
            )
        try:
            return self._lib.decrypt(data).decode("utf-8")
        except (AnsibleError, UnicodeDecodeError) as exc:
            raise fail(shown, "", f"cannot decrypt with the given vault password: {_first_line(exc)}") from None

    def encrypt(self, text: str) -> str:
        return self._lib.encrypt(text.encode("utf-8")).decode("ascii")


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    return yaml


@dataclass
class MemberVault:
    """One member's decrypted vault variables, read once and written back encrypted (atomically)."""

    root: Path
    slug: str
    data: CommentedMap

    @property
    def shown(self) -> str:
        return vault_file(self.slug)

    @property
    def path(self) -> Path:
        return self.root / vault_file(self.slug)

    def _names(self) -> dict[str, str]:
        return vault_variables(self.slug)["backup"]

    @property
    def access_key_id(self) -> str | None:
        value = self.data.get(self._names()["s3_access_key_id"])
        return str(value) if value else None

    def has_secret(self) -> bool:
        return bool(self.data.get(self._names()["s3_secret_access_key"]))

    def set_key(self, access_key_id: str, secret_access_key: str) -> None:
        names = self._names()
        self.data[names["s3_access_key_id"]] = access_key_id
        self.data[names["s3_secret_access_key"]] = secret_access_key

    @property
    def restic_password_name(self) -> str:
        return self._names()["restic_password"]

    @property
    def restic_password(self) -> str | None:
        value = self.data.get(self.restic_password_name)
        return str(value) if value else None

    def ensure_restic_password(self) -> bool:
        """Generate the restic repository password once; never change it (the repositories need it). True if new."""
        name = self._names()["restic_password"]
        if self.data.get(name):
            return False
        self.data[name] = secrets.token_urlsafe(32)
        return True

    def save(self, vault: Vault) -> None:
        out = io.StringIO()
        _yaml().dump(self.data, out)
        write_atomic(self.path, vault.encrypt(out.getvalue()), self.shown)


def open_member_vault(root: Path, slug: str, vault: Vault) -> MemberVault:
    """The member's vault variables (none yet: an empty file to be); refuses what it cannot write later."""
    rel = vault_file(slug)
    path = root / rel
    check_writable(path, rel)
    if not path.exists():
        return MemberVault(root, slug, CommentedMap())
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(rel, "", f"cannot read: {exc.strerror or exc}") from None
    text = vault.decrypt(data, rel)
    try:
        doc: Any = _yaml().load(text)
    except YAMLError as exc:
        raise fail(rel, "", f"decrypted, but not YAML: {_first_line(exc)}") from None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise fail(rel, "", "decrypted, but not a mapping of variables")
    return MemberVault(root, slug, doc)
