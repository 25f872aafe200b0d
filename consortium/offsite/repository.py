"""The backup agent's restic repositories, initialised on the controller with the admin key.

Why the admin and not the member's key: restic 0.14 (Debian 12) checks the bucket before ``init``
(``s3.Create`` calls minio-go's ``BucketExists``, a HeadBucket) and takes only an error coded
``Access Denied`` as "the bucket is there"; minio-go codes the refusal ``AccessDenied``, so ``init``
fails (restic 0.15 fixed the comparison, restic issue 4085). S3 authorises HeadBucket as
``s3:ListBucket`` without a prefix, which a member's key must not have: it would list every town's
key names. Every other command (``backup``, ``forget --prune``, ``check``, ``restore``, ``cat config``,
the role's "is it initialised?" check) opens the repository with object requests on its own prefix
only, so the member's key serves once the repository exists.

The repository's key is made with the member's restic password from its vault file; the admin key
only carries the requests. Neither is printed: both reach restic in its environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from consortium.offsite.client import Clients
from consortium.offsite.spec import MemberAccess, StoreSpec
from consortium.offsite.store import missing
from consortium.offsite.vault import Vault, open_member_vault
from consortium.registry.errors import fail

RESTIC = "restic"
INIT_TIMEOUT_SECONDS = 300
# What restic may take from the controller's environment besides what is set for it: the way out
# (proxies, CA bundle) and a temporary directory. RESTIC_* and AWS_* of the caller are not passed,
# so a stray RESTIC_PASSWORD_FILE or profile cannot change which repository or key is used.
_PASSED_THROUGH = (
    "PATH",
    "HOME",
    "TMPDIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


@dataclass(frozen=True)
class Repository:
    """One host's repository: where it is in the bucket and the URL restic is given."""

    member: MemberAccess
    host: str
    spec: StoreSpec

    @property
    def key(self) -> str:
        return self.member.repository(self.host)

    @property
    def shown(self) -> str:
        return f"{self.spec.bucket}/{self.key}"

    @property
    def url(self) -> str:
        return f"s3:{self.spec.endpoint}/{self.spec.bucket}/{self.key}"


def restic_binary() -> str:
    """The restic on the controller's PATH; none is bad input (checked before the store is touched)."""
    found = shutil.which(RESTIC)
    if found is None:
        raise fail(
            RESTIC,
            "",
            "not found on PATH; initialising a repository runs restic on the controller (Debian: apt install restic)",
        )
    return found


def chosen_repositories(spec: StoreSpec, slug: str, hosts: tuple[str, ...]) -> list[Repository]:
    """The repositories of ``hosts`` of member ``slug`` (none given: all its backup agent's hosts)."""
    m = spec.member(slug)
    for host in hosts:
        if host not in m.hosts:
            names = ", ".join(m.hosts) or "none"
            raise fail(
                f"members/{slug}.yaml",
                "servers",
                f"{host} is not one of {slug}'s Linux servers (where the backup agent runs): {names}",
            )
    return [Repository(m, h, spec) for h in dict.fromkeys(hosts or m.hosts)]


def is_initialised(s3: Any, repo: Repository) -> bool:
    """True when the repository's config is there. A prefix with objects or deleted versions but no
    current config is refused: ``init`` over it would give the host a new repository and bury the old
    one under it (after ransomware, say); its delete markers are to be removed instead."""
    bucket = repo.spec.bucket
    try:
        s3.head_object(Bucket=bucket, Key=f"{repo.key}/config")
        return True
    except ClientError as exc:
        if not missing(exc, "NoSuchKey", "404"):
            raise
    found = s3.list_object_versions(Bucket=bucket, Prefix=f"{repo.key}/", MaxKeys=1)
    if found.get("Versions") or found.get("DeleteMarkers"):
        raise fail(
            repo.shown,
            "config",
            "not there, but the prefix has objects or deleted versions: a repository was here; not initialising "
            "over it (remove its delete markers with the admin key to bring it back, or clear the prefix)",
        )
    return False


def restic_environment(clients: Clients, spec: StoreSpec, password: str) -> dict[str, str]:
    """restic's whole environment: the pass-through variables, the admin key, the region, the member's password."""
    env = {k: v for k in _PASSED_THROUGH if (v := os.environ.get(k)) is not None}
    return env | clients.admin_environment() | {"AWS_DEFAULT_REGION": spec.region, "RESTIC_PASSWORD": password}


def restic_init(restic: str, repo: Repository, env: dict[str, str]) -> None:
    """``restic init`` of one repository; a failure is one line with restic's last word (never a secret:
    the credentials are in the environment, the URL carries none)."""
    try:
        run = subprocess.run(
            [restic, "--no-cache", "--repo", repo.url, "init"],
            env=env,
            capture_output=True,
            text=True,
            timeout=INIT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise fail(repo.shown, "restic init", f"no answer after {INIT_TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise fail(RESTIC, "", f"cannot run {restic}: {exc.strerror or exc}") from None
    if run.returncode != 0:
        lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
        raise fail(repo.shown, "restic init", lines[-1] if lines else f"exit status {run.returncode}")


def init_repositories(
    clients: Clients, spec: StoreSpec, slug: str, hosts: tuple[str, ...], root: Path, vault: Vault
) -> list[str]:
    """Initialise the repositories of member ``slug``'s ``hosts`` that are not there yet; one line each."""
    repos = chosen_repositories(spec, slug, hosts)
    mv = open_member_vault(root, slug, vault)
    password = mv.restic_password
    if not password:
        raise fail(mv.shown, mv.restic_password_name, "empty; run `consortium offsite apply` first")
    restic = restic_binary()
    if not repos:
        return [f"{slug}: no Linux servers, so no repository to initialise"]
    env = restic_environment(clients, spec, password)
    lines = []
    for repo in repos:
        if is_initialised(clients.s3, repo):
            lines.append(f"{slug}: repository {repo.shown} already initialised")
            continue
        restic_init(restic, repo, env)
        lines.append(f"{slug}: repository {repo.shown} initialised")
    return lines
