"""NAT for town halls whose LANs overlap: nat_cidrs / nat_pool rules, the overlap rule, onboarding, rendering.

The bundled example translates Monona's 192.168.1.0/24 (McFarland uses it too) to 100.64.0.0/24
from the pool 100.64.0.0/16. Every rule has a case that fails with its one clear line and a near
miss that passes.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import pytest

from consortium.registry.models import OnPremSite
from tests.conftest import tree_digest

from .helpers import DELETE, NEW_TOWN, Data, cli, edits, read, write

MONONA = "members/monona.yaml"
MCFARLAND = "members/mcfarland.yaml"
WAUNAKEE = "members/waunakee.yaml"
CONSORTIUM = "consortium.yaml"
NAT = "network.onprem[0].nat_cidrs"

Edits = dict[str, Callable[[Data], None]]


def apply(registry_dir: Path, changes: Edits) -> None:
    for rel, edit in changes.items():
        data = read(registry_dir / rel)
        edit(data)
        write(registry_dir / rel, data)


# (case, edits per file, file of the expected line, field, fragment)
FAILING: list[tuple[str, Edits, str, str, str]] = [
    (
        "nat-count",
        {MONONA: edits((NAT, ["100.64.0.0/24", "100.64.1.0/24"]))},
        MONONA,
        NAT,
        "has 2 range(s) for 1 in cidrs",
    ),
    ("nat-size", {MONONA: edits((NAT, ["100.64.0.0/23"]))}, MONONA, NAT, "100.64.0.0/23 is a /23 but cidrs[0]"),
    ("nat-host-bits", {MONONA: edits((NAT, ["100.64.0.1/24"]))}, MONONA, f"{NAT}[0]", "host bits set"),
    (
        "nat-outside-pool",
        {MONONA: edits((NAT, ["100.65.0.0/24"]))},
        MONONA,
        f"{NAT}[0]",
        "outside the NAT pool 100.64.0.0/16 (consortium.yaml network.nat_pool)",
    ),
    (
        "nat-without-pool",
        {CONSORTIUM: edits(("network.nat_pool", DELETE))},
        MONONA,
        f"{NAT}[0]",
        "consortium.yaml has no network.nat_pool",
    ),
    (
        "pool-overlaps-supernet",
        {CONSORTIUM: edits(("network.nat_pool", "10.64.0.0/16"))},
        CONSORTIUM,
        "network.nat_pool",
        "overlaps the supernet 10.64.0.0/12",
    ),
    (
        "pool-overlaps-hub",
        {CONSORTIUM: edits(("network.hub", "100.64.0.0/22"))},
        CONSORTIUM,
        "network.nat_pool",
        "overlaps the hub 100.64.0.0/22",
    ),
    (
        "nat-overlaps-other-nat",
        {MCFARLAND: edits((NAT, ["100.64.0.0/24"]))},
        MCFARLAND,
        f"{NAT}[0]",
        "overlaps the translated range 100.64.0.0/24 of City of Monona (members/monona.yaml network.onprem[0]",
    ),
    (
        "nat-overlaps-a-lan",
        {WAUNAKEE: edits(("network.onprem[0].cidrs", ["100.64.0.0/25"]), ("servers", []))},
        MONONA,
        f"{NAT}[0]",
        "overlaps the on-premises range 100.64.0.0/25 of Village of Waunakee",
    ),
    (
        "lan-clash-with-vpns",
        {MONONA: edits(("phase", 4), (NAT, DELETE)), MCFARLAND: edits(("phase", 4))},
        MONONA,
        "network.onprem[0].cidrs[0]",
        "192.168.1.0/24 of City of Monona overlaps 192.168.1.0/24 of Village of McFarland (members/mcfarland.yaml) "
        "and both have site-to-site VPNs on the hub gateway",
    ),
]


@pytest.mark.parametrize(("case", "changes", "rel", "field", "fragment"), FAILING, ids=[c[0] for c in FAILING])
def test_nat_rule_fails_with_one_clear_line(
    registry_dir: Path, case: str, changes: Edits, rel: str, field: str, fragment: str
) -> None:
    apply(registry_dir, changes)
    before = tree_digest(registry_dir)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2, result
    mine = [line for line in result.err_lines if line.startswith(f"{rel}: {field}: ")]
    assert len(mine) == 1, result.err
    assert fragment in mine[0], mine[0]
    assert "Traceback" not in result.err and result.out == ""
    assert cli("render", "--registry", registry_dir).code == 2
    assert tree_digest(registry_dir) == before


def test_the_lan_clash_names_both_towns_in_both_files_and_how_to_fix_it(registry_dir: Path) -> None:
    apply(registry_dir, {MONONA: edits(("phase", 4), (NAT, DELETE)), MCFARLAND: edits(("phase", 4))})
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2
    assert [line.split(":")[0] for line in result.err_lines] == [MCFARLAND, MONONA]
    for line in result.err_lines:
        assert "City of Monona" in line and "Village of McFarland" in line
        assert (
            "give one of the two sites nat_cidrs (ranges of the same sizes from network.nat_pool 100.64.0.0/16)" in line
        )


def test_the_lan_clash_without_a_pool_says_to_add_one(registry_dir: Path) -> None:
    apply(
        registry_dir,
        {
            MONONA: edits(("phase", 4), (NAT, DELETE)),
            MCFARLAND: edits(("phase", 4)),
            CONSORTIUM: edits(("network.nat_pool", DELETE)),
        },
    )
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2
    assert all("from a network.nat_pool (e.g. 100.64.0.0/16) added to consortium.yaml" in x for x in result.err_lines)


def _many_nat_ranges(registry_dir: Path, count: int) -> None:
    """A new phase-1 town whose one site has ``count`` translated /28s (Monona already has one)."""
    lans = ", ".join(f"172.31.{i // 16}.{(i % 16) * 16}/28" for i in range(count))
    nats = ", ".join(f"100.64.{1 + i // 16}.{(i % 16) * 16}/28" for i in range(count))
    site = f"{{name: town-hall, public_ip: 24.177.50.9, cidrs: [{lans}], nat_cidrs: [{nats}]}}"
    network = f"network:\n  cidr: 10.64.160.0/20\n  onprem:\n    - {site}\n"
    (registry_dir / "members/dunn.yaml").write_text(NEW_TOWN + network)


def test_the_hub_gateway_holds_at_most_100_nat_rules(registry_dir: Path) -> None:
    _many_nat_ranges(registry_dir, 100)  # 101 with Monona's
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2
    assert result.err_lines == [
        "consortium.yaml: network.nat_pool: members have 101 translated ranges (nat_cidrs) but the hub VPN gateway "
        "holds at most 100 NAT rules, one per range"
    ]


def test_100_nat_rules_pass(registry_dir: Path) -> None:
    _many_nat_ranges(registry_dir, 99)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0, result.err


# Near misses: each passes validation (exit 0); some keep a warning.
PASSING: list[tuple[str, Edits, list[str]]] = [
    ("the-example", {}, []),
    ("both-vpns-one-translated", {MONONA: edits(("phase", 4)), MCFARLAND: edits(("phase", 4))}, []),
    (
        "clash-before-both-have-vpns",
        {MONONA: edits(("phase", 4), (NAT, DELETE))},
        [f"warning: {MCFARLAND}: network.onprem[0].cidrs[0]: 192.168.1.0/24 of Village of McFarland overlaps"],
    ),
    ("nat-at-the-pool-edge", {MONONA: edits((NAT, ["100.64.255.0/24"]))}, []),
    ("nat-next-to-another", {MCFARLAND: edits((NAT, ["100.64.1.0/24"]))}, []),
    ("nat-next-to-a-lan", {WAUNAKEE: edits(("network.onprem[0].cidrs", ["100.64.1.0/24"]), ("servers", []))}, []),
    (
        "nat-of-two-ranges",
        {"members/middleton.yaml": edits((NAT, ["100.64.10.0/24", "100.64.11.0/24"]))},
        [],
    ),
    (
        "no-pool-no-nat",
        {CONSORTIUM: edits(("network.nat_pool", DELETE)), MONONA: edits((NAT, DELETE))},
        [f"warning: {MCFARLAND}: network.onprem[0].cidrs[0]"],
    ),
    ("pool-outside-supernet-next-to-it", {CONSORTIUM: edits(("network.nat_pool", "10.80.0.0/16"))}, []),
]


@pytest.mark.parametrize(("case", "changes", "warnings"), PASSING, ids=[c[0] for c in PASSING])
def test_nat_near_miss_passes(registry_dir: Path, case: str, changes: Edits, warnings: list[str]) -> None:
    if case == "pool-outside-supernet-next-to-it":
        changes = {**changes, MONONA: edits((NAT, ["10.80.0.0/24"]))}
    apply(registry_dir, changes)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 0, result.err
    assert len(result.err_lines) == len(warnings), result.err
    for line, prefix in zip(result.err_lines, warnings, strict=True):
        assert line.startswith(prefix), line


def test_azure_address_keeps_the_host_part() -> None:
    site = OnPremSite.model_validate(
        {"name": "hall", "public_ip": "24.177.30.81", "cidrs": ["192.168.1.0/24", "10.9.0.0/23"]}
        | {"nat_cidrs": ["100.64.0.0/24", "100.64.2.0/23"]}
    )
    assert site.azure_cidrs == [IPv4Network("100.64.0.0/24"), IPv4Network("100.64.2.0/23")]
    assert site.azure_address(IPv4Address("192.168.1.12")) == IPv4Address("100.64.0.12")
    assert site.azure_address(IPv4Address("10.9.1.200")) == IPv4Address("100.64.3.200")
    assert site.azure_address(IPv4Address("192.168.2.1")) is None
    plain = OnPremSite.model_validate({"name": "hall", "public_ip": "24.177.30.81", "cidrs": ["192.168.1.0/24"]})
    assert plain.azure_cidrs == [IPv4Network("192.168.1.0/24")]
    assert plain.azure_address(IPv4Address("192.168.1.12")) == IPv4Address("192.168.1.12")


# --------------------------------------------------------------------------- rendering


def test_inventory_reaches_a_translated_server_at_its_translated_address(registry_dir: Path) -> None:
    inventory = read(registry_dir / "playbooks/inventories/monona.yml")
    host = inventory["all"]["children"]["member_monona"]["children"]["member_monona_windows"]["hosts"]["mon-fs01"]
    assert host["ansible_host"] == "100.64.0.12"
    text = (registry_dir / "playbooks/inventories/monona.yml").read_text()
    assert "ansible_host: 100.64.0.12   # 192.168.1.12 on the town's LAN, translated by the hub VPN's NAT" in text
    mcfarland = (registry_dir / "playbooks/inventories/mcfarland.yml").read_text()
    assert "ansible_host: 192.168.1.20\n" in mcfarland  # untranslated: its own address


def test_stack_configs_carry_the_translation_once(registry_dir: Path) -> None:
    stack = read(registry_dir / "stacks/Pulumi.monona.yaml")["config"]["consortium:stack"]
    assert stack["member"]["network"]["onprem"][0]["nat_cidrs"] == ["100.64.0.0/24"]
    hub = read(registry_dir / "stacks/Pulumi.hub.yaml")["config"]["consortium:stack"]
    assert hub["nat_pool"] == "100.64.0.0/16"
    runbook = (registry_dir / "docs/members/monona.md").read_text()
    assert "| city-hall | 24.177.30.81 | 192.168.1.0/24 | 100.64.0.0/24 (NAT on the hub VPN gateway) |" in runbook


# --------------------------------------------------------------------------- onboarding


def _new_town(registry_dir: Path, slug: str, *, lan: str = "192.168.1.0/24", phase: int = 1) -> Path:
    text = NEW_TOWN.replace("slug: dunn", f"slug: {slug}").replace("phase: 1", f"phase: {phase}")
    text += f"network:\n  onprem:\n    - {{name: town-hall, public_ip: 24.177.50.9, cidrs: [{lan}]}}  # the hall\n"
    path = registry_dir / f"members/{slug}.yaml"
    path.write_text(text)
    return path


def test_onboard_translates_a_new_town_whose_lan_overlaps(registry_dir: Path) -> None:
    path = _new_town(registry_dir, "dunn", phase=4)  # McFarland's 192.168.1.0/24 is untranslated
    result = cli("onboard", path, "--registry", registry_dir)
    assert result.code == 0, result.err
    assert "members/dunn.yaml: network.onprem[0].nat_cidrs: allocated 100.64.1.0/24" in result.out
    text = path.read_text()
    assert "cidrs: [192.168.1.0/24], nat_cidrs: [100.64.1.0/24]}" in text and "# the hall\n" in text
    assert read(path)["network"]["cidr"] == "10.64.160.0/20"
    assert read(registry_dir / MCFARLAND)["network"]["onprem"][0].get("nat_cidrs") is None  # the town already there
    assert cli("validate", "--registry", registry_dir).err == ""
    before = tree_digest(registry_dir)
    again = cli("onboard", path, "--registry", registry_dir)
    assert again.code == 0 and "nat_cidrs" not in again.out and "0 written" in again.out
    assert tree_digest(registry_dir) == before


def test_onboard_translates_the_first_of_two_new_towns_only(registry_dir: Path) -> None:
    a = _new_town(registry_dir, "dunn", lan="172.31.0.0/24")
    b = _new_town(registry_dir, "berry", lan="172.31.0.0/24")
    result = cli("onboard", a, b, "--registry", registry_dir)
    assert result.code == 0, result.err
    assert read(a)["network"]["onprem"][0]["nat_cidrs"] == ["100.64.1.0/24"]
    assert "nat_cidrs" not in read(b)["network"]["onprem"][0]


def test_onboard_leaves_a_town_without_overlap_untranslated(registry_dir: Path) -> None:
    path = _new_town(registry_dir, "dunn", lan="172.31.0.0/24")
    assert cli("onboard", path, "--registry", registry_dir).code == 0
    assert "nat_cidrs" not in read(path)["network"]["onprem"][0]


def test_onboard_without_a_pool_allocates_no_nat_and_validation_judges(registry_dir: Path) -> None:
    apply(registry_dir, {CONSORTIUM: edits(("network.nat_pool", DELETE)), MONONA: edits((NAT, DELETE))})
    path = _new_town(registry_dir, "dunn", phase=4)
    result = cli("onboard", path, "--registry", registry_dir)
    assert result.code == 0, result.err  # McFarland and Monona are phase 3: warnings only
    assert "nat_cidrs" not in read(path)["network"]["onprem"][0]
    assert any("Town of Dunn" in line for line in result.err_lines)


def test_onboard_with_a_full_nat_pool_writes_nothing(registry_dir: Path) -> None:
    apply(registry_dir, {CONSORTIUM: edits(("network.nat_pool", "100.64.0.0/24"))})
    path = _new_town(registry_dir, "dunn", phase=4)
    before = tree_digest(registry_dir)
    result = cli("onboard", path, "--registry", registry_dir)
    assert result.code == 2
    assert result.err_lines == [
        "members/dunn.yaml: network.onprem[0].nat_cidrs[0]: no free /24 left in the NAT pool 100.64.0.0/24"
    ]
    assert tree_digest(registry_dir) == before


def test_onboard_keeps_block_style_sites(registry_dir: Path) -> None:
    data: dict[str, Any] = read(registry_dir / MONONA)
    del data["network"]["onprem"][0]["nat_cidrs"]
    write(registry_dir / MONONA, data)
    result = cli("onboard", registry_dir / MONONA, "--registry", registry_dir)
    assert result.code == 0, result.err
    site = read(registry_dir / MONONA)["network"]["onprem"][0]
    assert list(site) == ["name", "public_ip", "cidrs", "nat_cidrs"] and site["nat_cidrs"] == ["100.64.0.0/24"]
    assert "nat_cidrs: [100.64.0.0/24]\n" in (registry_dir / MONONA).read_text()
