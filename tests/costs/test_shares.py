"""Each member's share in `consortium costs`: it reconciles to the cent in every format, `--explain`
adds up, a town shares only the pools of its services, and "alone" stands beside every share."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import date
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from consortium.costs.alone import AlonePricer, compare
from consortium.costs.shares import OVERHEAD_POOL, shares_of
from consortium.registry.load import Registry
from consortium.registry.models import Leaving, Status
from tests.conftest import tree_digest
from tests.costs.test_costs_command import registry, run  # noqa: F401 - the registry fixture
from tests.costs.test_estimate import PRICES, book
from tests.costs.test_estimate import run as estimate_of

VPN = "hub: networking"
LANDING_ZONE = "hub: backup, identity, networking"


def _json(registry: Path) -> dict[str, Any]:  # noqa: F811
    code, out, err = run(registry, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_json_shares_reconcile_to_the_cent(registry: Path) -> None:  # noqa: F811
    doc = _json(registry)
    sh = doc["shares"]
    members = sh["members"]
    assert set(members) == {s["stack"] for s in doc["stacks"]} - {"hub"}
    total = sum(Decimal(m["total"]) for m in members.values())
    assert Decimal(sh["hub"]) + Decimal(sh["overhead"]) + Decimal(sh["direct"]) == total + Decimal(sh["unshared"])
    assert Decimal(sh["members_total"]) == total and Decimal(sh["hub"]) == Decimal(doc["stacks"][0]["monthly"])
    assert Decimal(sh["overhead"]) == Decimal(18500)
    for pool in sh["pools"]:  # each pool is shared out to the cent
        assert sum(Decimal(m["pools"][pool["name"]]) for m in members.values()) == Decimal(pool["monthly"])
    for m in members.values():
        parts = Decimal(m["direct"]) + sum(Decimal(a) for a in m["pools"].values()) + Decimal(m["minimum_adjustment"])
        assert parts == Decimal(m["total"]) and Decimal(m["shared"]) + Decimal(m["direct"]) == Decimal(m["total"])
    stacks = {s["stack"]: Decimal(s["monthly"]) for s in doc["stacks"]}
    assert all(Decimal(m["direct"]) == stacks[slug] for slug, m in members.items())
    # the shipped prices leave hub lines unpriced: counted per pool, said, never a silent zero
    assert sh["not_priced"] == sum(p["not_priced"] for p in sh["pools"]) > 0
    # the gateway and its two addresses (active-active); its maintenance window is free
    assert next(p for p in sh["pools"] if p["name"] == VPN)["not_priced"] == 3


def test_csv_share_rows_reconcile(registry: Path) -> None:  # noqa: F811
    code, out, _ = run(registry, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    lines = [r for r in rows if r["status"] in ("free", "estimated", "not priced")]
    shares = [r for r in rows if r["status"] == "share"]
    by_member: dict[str, dict[str, Decimal]] = {}
    for r in shares:
        by_member.setdefault(r["member"], {})[r["part"]] = Decimal(r["monthly"])
    estimated = sum(Decimal(r["monthly"]) for r in lines if r["monthly"])
    totals = sum(parts.pop("total") for parts in by_member.values())
    assert totals == estimated + Decimal(18500)  # every pool is shared in the example: nothing unshared
    assert all(sum(parts.values()) == _total(rows, slug) for slug, parts in by_member.items())
    assert {r["member"] for r in rows if r["status"] == "alone"} == set(by_member)


def _total(rows: list[dict[str, str]], slug: str) -> Decimal:
    return next(Decimal(r["monthly"]) for r in rows if r["member"] == slug and r["part"] == "total")


def test_table_and_html_show_the_reconciliation(registry: Path, tmp_path: Path) -> None:  # noqa: F811
    doc = _json(registry)
    sh = doc["shares"]
    code, out, _ = run(registry)
    assert code == 0
    rule = f"hub {sh['hub']} + overhead {sh['overhead']} + members' direct {sh['direct']} = {sh['total']}"
    assert f"{rule} = members' totals {sh['members_total']}" in out
    assert f"{sh['not_priced']} lines of the shared pools not priced" in out
    for slug, m in sh["members"].items():
        assert re.search(rf"{slug}\s.*\s{re.escape(m['total'])}\s", out), slug
    target = tmp_path / "costs.html"
    code, _, _ = run(registry, "--format", "html", "--output", str(target))
    html = unescape(target.read_text())
    assert code == 0 and f"Hub {sh['hub']} + overhead {sh['overhead']}" in html
    assert f"members' totals {sh['members_total']}" in html and doc["alone"]["basis"][0] in html
    for slug, m in sh["members"].items():
        assert f"<td>{slug}</td>" in html and f"<td class=m>{m['total']}</td>" in html


def test_explain_adds_up_to_the_share(registry: Path) -> None:  # noqa: F811
    member = _json(registry)["shares"]["members"]["verona"]
    code, out, err = run(registry, "--explain", "verona")
    assert code == 0, err
    amounts = [Decimal(x) for x in re.findall(r"-> (-?\d+\.\d\d)$", out, re.MULTILINE)]
    assert sum(amounts) == Decimal(member["formula"])
    assert f"total = direct {member['direct']} + shared {member['shared']} = {member['total']}" in out
    assert "3 lines not priced, left out" in out  # the VPN pool says what it lacks
    assert "population 14030" in out and "weights: equal 0.2, population 0.5, endpoints 0.3" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--explain", "veronna"], "members/veronna.yaml: no such member in the registry (did you mean verona?)"),
        (["--explain", "verona", "--format", "json"], "--explain: verona: prints text; it takes no --format"),
        (["--member", "verona", "--explain", "verona"], "--member: verona: shows one member's direct costs;"),
    ],
)
def test_bad_explain_is_one_line_exit_2(registry: Path, args: list[str], expected: str) -> None:  # noqa: F811
    before = tree_digest(registry)
    code, out, err = run(registry, *args)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and err.startswith(expected), err
    assert tree_digest(registry) == before


def test_a_plan_without_every_member_has_no_shares(registry: Path) -> None:  # noqa: F811
    plan = json.loads((registry / "plan.json").read_text())
    plan["resources"] = [r for r in plan["resources"] if r["stack"] != "oregon"]
    (registry / "plan.json").write_text(json.dumps(plan))
    code, out, err = run(registry, "--format", "json")
    assert code == 0 and "shares" not in json.loads(out) and "lacks oregon" in err
    code, out, err = run(registry, "--explain", "verona")
    assert code == 2 and err.strip().endswith(  # one line
        "stacks: lacks oregon: each member's share needs the hub and every member"
    )


# --------------------------------------------------------------------------- the library, every price known


def test_a_town_shares_only_the_pools_of_its_services(
    records: list[dict[str, Any]], example_registry: Registry
) -> None:
    shares = shares_of(estimate_of(records, example_registry, book(PRICES)), example_registry)
    pools = {p.name: p for p in shares.pools}
    # Every price known but the hub's metric alert on the firewall, which has none offline, and the hub's
    # flow log and flow-log account (per-GB meters and volumes the toolkit does not know yet).
    assert pools[VPN].monthly > 0 and shares.not_priced == 3
    phases = {e.member.slug: e.member.phase for e in example_registry.members}
    for slug, share in shares.members.items():
        part = {p.pool.name: p for p in share.pools}
        assert part[OVERHEAD_POOL].amount > 0  # everyone's
        assert (part[VPN].amount > 0) == (phases[slug] >= 4), slug  # networking is phase 4
        assert (part[LANDING_ZONE].amount > 0) == (phases[slug] >= 2), slug
        if phases[slug] == 1:  # a service-desk-only town: nothing of the VPN gateway, nor of the hub
            assert not part[VPN].shared and part[VPN].amount == 0
    assert sum(s.total for s in shares.members.values()) == shares.total


def test_a_town_that_has_left_shares_nothing(records: list[dict[str, Any]], example_registry: Registry) -> None:
    # its file stays as the record; the others share the whole of every pool
    gone = example_registry.entry("oregon")
    left = gone.member.model_copy(
        update={"status": Status.LEFT, "leaving": Leaving(unhook_on=date(2026, 1, 5), left_on=date(2026, 6, 1))}
    )
    after = dataclasses.replace(
        example_registry,
        members=tuple(dataclasses.replace(e, member=left) if e is gone else e for e in example_registry.members),
    )
    shares = shares_of(estimate_of(records, after, book(PRICES)), after)
    assert "oregon" not in shares.members
    assert sum(s.total for s in shares.members.values()) == shares.total


def test_alone_is_at_least_the_direct_costs_and_above_the_share_or_says_why(
    records: list[dict[str, Any]], example_registry: Registry
) -> None:
    prices = book(PRICES)
    est = estimate_of(records, example_registry, prices)
    shares = shares_of(est, example_registry)
    pricer = AlonePricer(records, example_registry, prices)
    for entry in example_registry.members:
        share = shares.members[entry.member.slug]
        c = compare(pricer.of(entry.member, share.direct), share, shares.overhead_part(entry.member.slug))
        assert c.alone.monthly >= share.direct == c.alone.direct
        # A town alone would watch its own firewall and log its own hub's flows too: that metric alert, the
        # flow log and its account have no price offline.
        assert c.alone.not_priced == (0 if entry.member.phase == 1 else 3), entry.member.slug
        if entry.member.phase == 1:
            assert not c.alone.lines and c.economy <= 0 and "no hub service" in c.why_not
        else:  # its own firewall alone costs more than its part of the consortium's
            assert c.economy > 0 and c.why_not == "", entry.member.slug
            kinds = {line.type.rsplit(":", 1)[1] for line in c.alone.lines}
            assert {"AzureFirewall", "Workspace", "Vault", "PrivateZone", "PublicIPAddress"} <= kinds
            assert ("VirtualNetworkGateway" in kinds) == (entry.member.phase >= 4)


def test_alone_uses_one_towns_usage(records: list[dict[str, Any]], example_registry: Registry) -> None:
    prices = book(PRICES)
    verona = example_registry.entry("verona").member
    alone = AlonePricer(records, example_registry, prices).of(verona, Decimal(0))
    data = next(ln for ln in alone.lines if ln.type.endswith("AzureFirewall") and ln.part == "data processed")
    assert data.basis.startswith("50 GB x")  # one town behind its firewall, not the consortium's seven
    ingestion = next(ln for ln in alone.lines if ln.part == "ingestion")
    assert ingestion.basis.startswith(f"{Decimal('0.1') + Decimal('0.5') * len(verona.servers)} GB/day")
