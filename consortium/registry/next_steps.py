"""What an operator does after onboarding a member: the lines ``consortium onboard`` prints.

One source of truth for the CLI and the onboarding playbook (which prints the toolkit's lines
instead of repeating the logic in Jinja): VPN secrets only for a member whose on-premises sites
get site-to-site VPNs in its phase, each baseline only for the servers that need it, and a member
without servers is told there is nothing to baseline.
"""

from __future__ import annotations

from consortium.registry.estimates import UPDATE_HINT
from consortium.registry.models import Consortium, Member
from consortium.registry.render import inventory_path, runbook_path
from consortium.registry.stackconfig import vpn_secret_key, vpn_sites
from consortium.words import count


def _servers(n: int, family: str) -> str:
    return count(n, f"{family} server")


def next_steps(
    consortium: Consortium,
    member: Member,
    member_file: str,
    *,
    policy_pack: str = "policies",
    baseline_runs_next: bool = False,
) -> list[str]:
    """The operator's next steps after onboarding ``member`` (its file is ``member_file``), in order.
    ``policy_pack``: the pack's path as typed from the registry (:func:`consortium.paths.policy_pack_argument`).

    ``baseline_runs_next``: the onboarding playbook applies the Linux baseline in its next play, so
    that line says so instead of giving the command.
    """
    slug = member.slug
    inventory = inventory_path(slug)
    steps = [
        f"review {member_file} and {runbook_path(slug)}",
        f"set its budget from its cost estimate (the minimum until then): {UPDATE_HINT}, then `consortium render`",
    ]
    sites = vpn_sites(consortium, member)
    if sites:
        keys = "; ".join(f"`pulumi config set --secret {vpn_secret_key(s)} --stack {slug}` ({s})" for s in sites)
        steps.append(f"set the VPN shared keys agreed with the town (never in a file): {keys}")
    steps.append(
        "`consortium audit --pack-config out/policy-config.json`, "
        f"`pulumi preview --stack {slug} --policy-pack {policy_pack} --policy-pack-config out/policy-config.json`, "
        f"then `pulumi up --stack {slug}`"
    )
    linux = sum(1 for s in member.servers if s.os.family == "linux")
    windows = sum(1 for s in member.servers if s.os.family == "windows")
    if linux and baseline_runs_next:
        steps.append(f"the Linux baseline of the {_servers(linux, 'Linux')} of {slug} runs in the next play")
    elif linux:
        steps.append(
            f"the Linux baseline of the {_servers(linux, 'Linux')}: "
            f"`ansible-playbook -i {inventory} playbooks/baseline.yml`"
        )
    if windows:
        steps.append(
            f"the Windows baseline of the {_servers(windows, 'Windows')}, check first (account in the vault, "
            f"see {runbook_path(slug)}): "
            f"`ansible-playbook -i {inventory} playbooks/windows_baseline.yml --check --diff --ask-vault-pass`"
        )
    if not member.servers:
        steps.append(f"no servers in {member_file}: no baseline to run")
    return steps
