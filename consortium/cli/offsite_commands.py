"""``consortium offsite``: the offsite backup store as code (attached in :mod:`consortium.cli`).

``apply`` provisions the store and each member's credential, ``rotate`` replaces one member's key,
``init-repo`` initialises a member's servers' restic repositories with the admin key;
``consortium audit --offsite`` judges the store. Exit codes: 0 done, 2 bad input (one line).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from consortium.cli.common import bad_input, complete_member, print_warnings, registry_dir, registry_option

_CREDENTIALS_HELP = (
    "The store's admin credentials come from the standard AWS chain: AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE / ~/.aws. The endpoint, bucket and "
    "region come from consortium.yaml operations.offsite_store. Member keys are written only to "
    "playbooks/inventories/group_vars/member_<slug>/vault.yml (Ansible Vault), never printed."
)


def _vault_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--vault-password-file",
        "password_file",
        envvar="ANSIBLE_VAULT_PASSWORD_FILE",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Ansible Vault password file (or a script printing it) for the members' vault files "
        "(default: $ANSIBLE_VAULT_PASSWORD_FILE).",
    )(func)


@click.group(epilog=_CREDENTIALS_HELP)
def offsite() -> None:
    """The offsite backup store: provision it, rotate a member's key, initialise its servers' restic
    repositories (audit: `consortium audit --offsite`)."""


@offsite.command(epilog=_CREDENTIALS_HELP)
@registry_option
@_vault_option
@bad_input
def apply(registry: str | None, password_file: Path) -> None:
    """Provision the bucket (versioning, Object Lock COMPLIANCE, no public access, encryption,
    lifecycle) and, per member with offsite backups, its prefix, user, policy and key.

    The servers' restic repositories are made by `consortium offsite init-repo SLUG` (needs restic
    on this controller), once per new server, before the backup playbook."""
    from consortium.offsite.client import connect, store_errors
    from consortium.offsite.spec import store_spec
    from consortium.offsite.store import apply_store
    from consortium.offsite.vault import Vault
    from consortium.registry.load import load_registry

    root = registry_dir(registry)
    reg = load_registry(root)
    print_warnings(reg.warnings)
    spec = store_spec(reg)
    vault = Vault(password_file)
    clients = connect(spec)
    with store_errors(spec):
        changes, warnings = apply_store(clients, spec, root, vault)
    for line in changes:
        click.echo(line)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    if not changes:
        click.echo(f"offsite store {spec.bucket}: no change ({len(spec.members)} members with offsite backups)")


@offsite.command(epilog=_CREDENTIALS_HELP)
@registry_option
@_vault_option
@click.argument("slug", shell_complete=complete_member)
@bad_input
def rotate(registry: str | None, password_file: Path, slug: str) -> None:
    """Give member SLUG a new access key (written to its vault file) and delete its old one.

    Re-run the backup playbook for the member afterwards: its servers use the old key until then."""
    from consortium.offsite.client import connect, store_errors
    from consortium.offsite.spec import store_spec
    from consortium.offsite.store import rotate_key
    from consortium.offsite.vault import Vault
    from consortium.registry.load import load_registry

    root = registry_dir(registry)
    reg = load_registry(root)
    reg.entry(slug)  # an unknown slug is bad input, named like everywhere else
    spec = store_spec(reg)
    spec.member(slug)
    vault = Vault(password_file)
    clients = connect(spec)
    with store_errors(spec):
        changes = rotate_key(clients, spec, slug, root, vault)
    for line in changes:
        click.echo(line)


@offsite.command("init-repo", epilog=_CREDENTIALS_HELP)
@registry_option
@_vault_option
@click.argument("slug", shell_complete=complete_member)
@click.argument("hosts", nargs=-1, metavar="[HOST]...")
@bad_input
def init_repo(registry: str | None, password_file: Path, slug: str, hosts: tuple[str, ...]) -> None:
    """Initialise the restic repository of member SLUG's HOSTs (none given: all its Linux servers) at
    <bucket>/SLUG/HOST, with the admin credentials and the member's restic password from its vault.

    Needs restic on this controller. A member's key cannot create a repository with restic 0.14 (its
    init asks for the bucket with HeadBucket, which the key's prefix-only listing does not allow); every
    later command works with it, so run this once per new server, before the backup playbook. A
    repository already there is left as it is."""
    from consortium.offsite.client import connect, store_errors
    from consortium.offsite.repository import init_repositories
    from consortium.offsite.spec import store_spec
    from consortium.offsite.vault import Vault
    from consortium.registry.load import load_registry

    root = registry_dir(registry)
    reg = load_registry(root)
    reg.entry(slug)  # an unknown slug is bad input, named like everywhere else
    spec = store_spec(reg)
    vault = Vault(password_file)
    clients = connect(spec)
    with store_errors(spec):
        lines = init_repositories(clients, spec, slug, hosts, root, vault)
    for line in lines:
        click.echo(line)
