"""Next steps after onboarding (:mod:`consortium.registry.next_steps`) fit the member: VPN shared keys
only for sites that get site-to-site VPNs in its phase, each baseline only for its own servers, and
"no baseline" without servers; ``consortium onboard`` prints exactly these lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from consortium.paths import POLICY_PACK_DIR
from consortium.registry.load import load_registry
from consortium.registry.models import Consortium, Member, OnPremSite
from consortium.registry.next_steps import next_steps
from consortium.registry.stackconfig import vpn_sites
from tests.conftest import REPO

from .helpers import NEW_TOWN, cli

SITE = OnPremSite.model_validate({"name": "town-hall", "public_ip": "66.188.40.5", "cidrs": ["10.10.0.0/23"]})
LINUX = {"name": "ver-app01", "os": "debian-12", "role": "application", "address": "10.10.1.15"}
WINDOWS = {"name": "ver-dc01", "os": "windows-server-2019", "role": "domain-controller", "address": "10.10.0.10"}


@pytest.fixture(scope="module")
def example() -> tuple[Consortium, Member]:
    """The example consortium and Verona (phase 4: networking; one site, one Linux and one Windows server)."""
    registry = load_registry(REPO)
    return registry.consortium, registry.entry("verona").member


def _with(member: Member, *, phase: int, sites: int, servers: list[dict[str, str]]) -> Member:
    data = member.model_dump(mode="json")
    site = SITE.model_dump(mode="json")
    onprem = [site | {"name": f"site{i}", "cidrs": [f"10.10.{2 * i}.0/23"]} for i in range(sites)]
    data.update(phase=phase, servers=servers, network={**data["network"], "onprem": onprem})
    return Member.model_validate(data)


def _steps(example: tuple[Consortium, Member], **kw: object) -> list[str]:
    consortium, verona = example
    baseline_runs_next = bool(kw.pop("baseline_runs_next", False))
    member = _with(verona, **kw)  # type: ignore[arg-type]
    return next_steps(consortium, member, "members/verona.yaml", baseline_runs_next=baseline_runs_next)


def test_a_member_with_sites_in_networking_sets_one_vpn_key_per_site(example) -> None:
    steps = _steps(example, phase=4, sites=2, servers=[LINUX])
    vpn = [s for s in steps if "VPN" in s]
    assert vpn == [
        "set the VPN shared keys agreed with the town (never in a file): "
        "`pulumi config set --secret vpn-psk-site0 --stack verona` (site0); "
        "`pulumi config set --secret vpn-psk-site1 --stack verona` (site1)"
    ]
    assert steps[0] == "review members/verona.yaml and docs/members/verona.md"
    preview = next(s for s in steps if "pulumi preview" in s)
    assert steps.index(vpn[0]) < steps.index(preview)


@pytest.mark.parametrize(("phase", "sites"), [(3, 1), (1, 2), (4, 0)])
def test_no_vpn_secrets_without_sites_or_before_networking(example, phase: int, sites: int) -> None:
    steps = _steps(example, phase=phase, sites=sites, servers=[LINUX])
    assert not [s for s in steps if "VPN" in s or "vpn-psk" in s], steps
    assert vpn_sites(example[0], _with(example[1], phase=phase, sites=sites, servers=[])) == []


def test_linux_servers_only_get_the_linux_baseline(example) -> None:
    steps = _steps(example, phase=2, sites=0, servers=[LINUX, LINUX | {"name": "ver-app02", "address": "10.10.1.16"}])
    assert (
        "the Linux baseline of the 2 Linux servers: "
        "`ansible-playbook -i playbooks/inventories/verona.yml playbooks/baseline.yml`"
    ) in steps
    assert not [s for s in steps if "Windows" in s or "no baseline" in s], steps


def test_windows_servers_only_get_the_windows_baseline(example) -> None:
    steps = _steps(example, phase=2, sites=0, servers=[WINDOWS])
    windows = [s for s in steps if "windows_baseline.yml" in s]
    assert windows and windows[0].startswith("the Windows baseline of the 1 Windows server, check first")
    assert "--check --diff --ask-vault-pass" in windows[0]
    assert not [s for s in steps if "Linux" in s or "playbooks/baseline.yml" in s], steps


def test_both_kinds_of_servers_get_both_baselines(example) -> None:
    steps = _steps(example, phase=4, sites=1, servers=[LINUX, WINDOWS])
    assert [s.split(":")[0] for s in steps if "baseline of" in s] == [
        "the Linux baseline of the 1 Linux server",
        "the Windows baseline of the 1 Windows server, check first (account in the vault, see docs/members/verona.md)",
    ]


def test_no_servers_no_baseline_and_says_so(example) -> None:
    for runs_next in (False, True):
        steps = _steps(example, phase=4, sites=0, servers=[], baseline_runs_next=runs_next)
        assert steps[-1] == "no servers in members/verona.yaml: no baseline to run"
        assert not [s for s in steps if "baseline of" in s or "ansible-playbook" in s], steps


def test_in_the_playbook_the_linux_baseline_runs_next(example) -> None:
    steps = _steps(example, phase=4, sites=0, servers=[LINUX, WINDOWS], baseline_runs_next=True)
    assert "the Linux baseline of the 1 Linux server of verona runs in the next play" in steps
    assert not [s for s in steps if "playbooks/baseline.yml" in s]
    assert [s for s in steps if "windows_baseline.yml" in s]  # the Windows baseline stays a step to take


# ------------------------------------------------------------------------------------------ the CLI

SITE_YAML = "network:\n  onprem:\n    - {name: town-hall, public_ip: 66.188.40.5, cidrs: [10.20.0.0/24]}\n"
LINUX_YAML = "servers:\n  - {name: dun-app01, os: debian-12, role: application, address: 10.20.0.10}\n"


def _onboard_dunn(registry_dir: Path, text: str, *extra: str) -> list[str]:
    (registry_dir / "members/dunn.yaml").write_text(text)
    result = cli("onboard", registry_dir / "members/dunn.yaml", "--registry", registry_dir, *extra)
    assert result.code == 0, result.err
    return [line.removeprefix("next: ") for line in result.out.splitlines() if line.startswith("next: ")]


def test_cli_prints_the_next_steps_of_a_town_without_sites_or_servers(registry_dir: Path) -> None:
    # NEW_TOWN: phase 1, no on-premises sites, no servers.
    printed = _onboard_dunn(registry_dir, NEW_TOWN)
    registry = load_registry(registry_dir)
    # outside the toolkit's checkout the pack is the installed toolkit's, by its absolute path
    pack = str(POLICY_PACK_DIR)
    member = registry.entry("dunn").member
    assert printed == next_steps(registry.consortium, member, "members/dunn.yaml", policy_pack=pack)
    assert printed == [
        "review members/dunn.yaml and docs/members/dunn.md",
        "set its budget from its cost estimate (the minimum until then): run `consortium costs --update-budgets`, "
        "then `consortium render`",
        "`consortium audit --pack-config out/policy-config.json`, `pulumi preview --stack dunn --policy-pack "
        f"{pack} --policy-pack-config out/policy-config.json`, then `pulumi up --stack dunn`",
        "no servers in members/dunn.yaml: no baseline to run",
    ]


def test_cli_names_the_vpn_keys_and_the_linux_baseline_of_a_networked_town(registry_dir: Path) -> None:
    text = NEW_TOWN.replace("phase: 1", "phase: 4") + SITE_YAML + LINUX_YAML
    printed = _onboard_dunn(registry_dir, text)
    assert "`pulumi config set --secret vpn-psk-town-hall --stack dunn` (town-hall)" in printed[2]
    assert printed[-1] == (
        "the Linux baseline of the 1 Linux server: "
        "`ansible-playbook -i playbooks/inventories/dunn.yml playbooks/baseline.yml`"
    )
    again = _onboard_dunn(registry_dir, text, "--baseline-runs-next")  # as the playbook calls it
    assert again[-1] == "the Linux baseline of the 1 Linux server of dunn runs in the next play"


def test_cli_leaves_out_vpn_keys_for_sites_before_networking(registry_dir: Path) -> None:
    printed = _onboard_dunn(registry_dir, NEW_TOWN.replace("phase: 1", "phase: 3") + SITE_YAML + LINUX_YAML)
    assert not [line for line in printed if "VPN" in line or "vpn-psk" in line], printed
