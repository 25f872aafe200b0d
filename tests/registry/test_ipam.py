"""IPAM: lowest free block, stable, no renumbering, clear exhaustion; onboard keeps the operator's file."""

from __future__ import annotations

from ipaddress import IPv4Network as Net
from pathlib import Path

import pytest

from consortium.registry.ipam import SupernetExhausted, allocate, hub_subnets, spoke_subnets
from tests.conftest import tree_digest

from .helpers import cli, read

SUPER = Net("10.64.0.0/12")
HUB = Net("10.64.0.0/20")


def test_lowest_free_block_skips_the_hub() -> None:
    assert allocate(SUPER, 20, [HUB]) == Net("10.64.16.0/20")


def test_fills_the_lowest_gap_first() -> None:
    taken = [HUB, Net("10.64.16.0/20"), Net("10.64.48.0/20")]
    assert allocate(SUPER, 20, taken) == Net("10.64.32.0/20")


def test_reserved_ranges_of_other_sizes_are_respected() -> None:
    # a /22 hub in the middle of the first /20 still blocks that whole /20
    assert allocate(SUPER, 20, [Net("10.64.4.0/22")]) == Net("10.64.16.0/20")
    # a reserved /16 blocks sixteen /20s
    assert allocate(SUPER, 20, [Net("10.64.0.0/16")]) == Net("10.65.0.0/20")


def test_order_of_reserved_does_not_matter() -> None:
    taken = [Net("10.64.48.0/20"), HUB, Net("10.64.16.0/20")]
    assert allocate(SUPER, 20, taken) == allocate(SUPER, 20, sorted(taken))


def test_exhaustion_is_a_clear_error() -> None:
    every = list(SUPER.subnets(new_prefix=20))
    with pytest.raises(SupernetExhausted) as exc:
        allocate(SUPER, 20, every, who="members/new.yaml")
    assert str(exc.value) == "members/new.yaml: network.cidr: no free /20 left in the supernet 10.64.0.0/12"


def test_last_block_is_still_allocatable() -> None:
    every = list(SUPER.subnets(new_prefix=20))
    assert allocate(SUPER, 20, every[:-1]) == every[-1]


def test_subnet_layouts_are_fixed_and_inside_their_block() -> None:
    spoke = spoke_subnets(Net("10.64.32.0/20"))
    assert {k: str(v) for k, v in spoke.items()} == {
        "servers": "10.64.32.0/22",
        "management": "10.64.36.0/24",
        "private-endpoints": "10.64.37.0/24",
        "endpoints": "10.64.40.0/21",
    }
    nets = list(spoke.values())
    assert all(n.subnet_of(Net("10.64.32.0/20")) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
    hub = hub_subnets(HUB)
    assert str(hub["AzureFirewallSubnet"]) == "10.64.0.0/26" and str(hub["management"]) == "10.64.0.128/25"
    hubs = list(hub.values())
    assert not any(a.overlaps(b) for i, a in enumerate(hubs) for b in hubs[i + 1 :])


# --------------------------------------------------------------------------- onboard


NEW_TOWN = """\
# Town of Dunn: joining in 2027 (illustrative data).
slug: dunn
name: Town of Dunn   # the town's legal name
kind: town
population: 4931
joined: 2027-01-01
status: onboarding
phase: 1
contacts:
  it_lead: clerk@dunn.example
  billing: treasurer@dunn.example
admins: [c.meyer@dane-consortium.example]
endpoints: {windows: 12}
"""


def test_onboard_allocates_lowest_free_and_keeps_comments(registry: Path) -> None:
    (registry / "members/dunn.yaml").write_text(NEW_TOWN)
    result = cli("onboard", registry / "members/dunn.yaml", "--registry", registry)
    assert result.code == 0, result.err
    assert "members/dunn.yaml: network.cidr: allocated 10.64.160.0/20" in result.out
    text = (registry / "members/dunn.yaml").read_text()
    assert text.startswith("# Town of Dunn: joining in 2027 (illustrative data).\n")
    assert "name: Town of Dunn   # the town's legal name\n" in text
    assert "admins: [c.meyer@dane-consortium.example]\nnetwork:\n  cidr: 10.64.160.0/20\n" in text
    keys = list(read(registry / "members/dunn.yaml"))
    assert keys.index("network") == keys.index("admins") + 1
    for rendered in ("stacks/Pulumi.dunn.yaml", "playbooks/inventories/dunn.yml", "docs/members/dunn.md"):
        assert (registry / rendered).is_file()
    assert cli("render", "--check", "--registry", registry).code == 0


def test_onboard_twice_changes_nothing(registry: Path) -> None:
    (registry / "members/dunn.yaml").write_text(NEW_TOWN)
    assert cli("onboard", registry / "members/dunn.yaml", "--registry", registry).code == 0
    before = tree_digest(registry)
    again = cli("onboard", registry / "members/dunn.yaml", "--registry", registry)
    assert again.code == 0
    assert "already has 10.64.160.0/20" in again.out and "0 written" in again.out
    assert tree_digest(registry) == before


def test_removing_a_member_frees_its_block_without_renumbering_anyone(registry: Path) -> None:
    before = {
        slug: read(registry / f"members/{slug}.yaml")["network"]["cidr"]
        for slug in ("fitchburg", "middleton", "monona")
    }
    (registry / "members/verona.yaml").unlink()  # Verona held 10.64.32.0/20
    (registry / "members/dunn.yaml").write_text(NEW_TOWN)
    result = cli("onboard", registry / "members/dunn.yaml", "--registry", registry)
    assert result.code == 0, result.err
    assert read(registry / "members/dunn.yaml")["network"]["cidr"] == "10.64.32.0/20"
    after = {slug: read(registry / f"members/{slug}.yaml")["network"]["cidr"] for slug in before}
    assert after == before
    assert "removed stacks/Pulumi.verona.yaml" in result.out  # its generated files go with it
    assert not (registry / "stacks/Pulumi.verona.yaml").exists()


def test_onboard_several_in_the_given_order(registry: Path) -> None:
    (registry / "members/dunn.yaml").write_text(NEW_TOWN)
    (registry / "members/berry.yaml").write_text(NEW_TOWN.replace("dunn", "berry").replace("Dunn", "Berry"))
    result = cli("onboard", registry / "members/dunn.yaml", registry / "members/berry.yaml", "--registry", registry)
    assert result.code == 0, result.err
    assert read(registry / "members/dunn.yaml")["network"]["cidr"] == "10.64.160.0/20"
    assert read(registry / "members/berry.yaml")["network"]["cidr"] == "10.64.176.0/20"


def test_onboard_on_a_full_supernet_writes_nothing(registry: Path) -> None:
    consortium = (registry / "consortium.yaml").read_text()
    # a /16 supernet holds exactly the hub and fifteen /20s: nine members leave six free
    (registry / "consortium.yaml").write_text(consortium.replace("supernet: 10.64.0.0/12", "supernet: 10.64.0.0/16"))
    for i in range(7):
        (registry / f"members/town{i}.yaml").write_text(
            NEW_TOWN.replace("slug: dunn", f"slug: town{i}").replace("Dunn", f"Town {i}")
        )
    before = tree_digest(registry)
    files = [registry / f"members/town{i}.yaml" for i in range(7)]
    result = cli("onboard", *files, "--registry", registry)
    assert result.code == 2
    assert result.err_lines[-1] == "members/town6.yaml: network.cidr: no free /20 left in the supernet 10.64.0.0/16"
    assert tree_digest(registry) == before


@pytest.mark.parametrize("where", ["../x.yaml", "consortium.yaml", "members/../consortium.yaml", "members/sub/x.yaml"])
def test_onboard_refuses_files_outside_members(registry: Path, where: str) -> None:
    target = registry / where
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(NEW_TOWN)
    before = tree_digest(registry.parent)
    result = cli("onboard", target, "--registry", registry)
    assert result.code == 2
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert "not a member file of this registry" in line or "member files are members/<slug>.yaml" in line
    assert tree_digest(registry.parent) == before


def test_overlapping_pairs_matches_the_pairwise_definition() -> None:
    import random

    from consortium.registry.ipam import overlapping_pairs

    rng = random.Random(7)
    nets = [
        Net((rng.randrange(0, 1 << 12) << 20 >> rng.randrange(0, 4) & 0xFFFFFF00, p))
        for p in (rng.choice([16, 20, 22, 24]) for _ in range(300))
    ]
    nets = [Net((int(n.network_address) & (0xFFFFFFFF << (32 - n.prefixlen)) & 0xFFFFFFFF, n.prefixlen)) for n in nets]
    expected = [(i, j) for i in range(len(nets)) for j in range(i + 1, len(nets)) if nets[i].overlaps(nets[j])]
    assert expected, "the sample should contain overlaps"
    assert overlapping_pairs(nets) == expected
