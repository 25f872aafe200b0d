"""The cost-sharing formula: every pool reconciles to the cent, members pay only for what their phase
gives them, the minimum share holds whenever the total allows it, and every figure is explained."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consortium.costs.explain import explanation
from consortium.costs.formula import Basis, Formula, bases, split
from consortium.costs.pools import Pool
from consortium.money import cents
from consortium.registry.errors import InputError
from consortium.registry.load import load_registry
from consortium.registry.models import COST_DRIVERS, CostModel
from consortium.registry.validation import parse_model
from tests.conftest import REPO

SERVICES = ("service_desk", "backup", "identity", "networking")
D = Decimal

money = st.decimals(min_value=-5000, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
members_st = st.lists(
    st.builds(
        Basis,
        slug=st.just(""),
        services=st.frozensets(st.sampled_from(SERVICES), max_size=4),
        population=st.integers(0, 10**6),
        endpoints=st.integers(0, 5000),
        servers=st.integers(0, 50),
        direct=money,
    ),
    min_size=1,
    max_size=12,
)
pools_st = st.lists(
    st.builds(
        Pool, name=st.text(min_size=1, max_size=8), services=st.frozensets(st.sampled_from(SERVICES)), monthly=money
    ),
    max_size=5,
)
weights_st = st.lists(st.decimals(min_value=0, max_value=1, places=2), min_size=5, max_size=5).map(
    lambda ws: dict(zip(COST_DRIVERS, ws, strict=True))
)


def _named(members: list[Basis]) -> list[Basis]:
    return [Basis(f"m{i}", m.services, m.population, m.endpoints, m.servers, m.direct) for i, m in enumerate(members)]


@given(members_st, pools_st, weights_st, st.decimals(min_value=0, max_value=2000, places=2))
def test_shares_reconcile_and_respect_services_and_the_minimum(members, pools, weights, minimum) -> None:
    members = _named(members)
    result = split(Formula(weights, minimum), members, pools)
    shared_pools = [p for p in pools if p not in result.unshared]
    # every pool shared to the cent, and a pool nobody shares is handed back, not spread
    for i, pool in enumerate(pools):
        parts = [s.pools[i] for s in result.shares.values()]
        if pool in result.unshared:
            assert not any(p.shared for p in parts)
            continue
        assert sum(p.amount for p in parts) == cents(pool.monthly)
        for m, p in zip(members, parts, strict=True):
            if not m.shares(pool):  # outside the pool's services: pays nothing of it
                assert not p.shared and p.amount == 0
    total = sum((cents(p.monthly) for p in shared_pools), D(0))
    assert sum(s.shared for s in result.shares.values()) == total
    assert all(s.shared == cents(s.shared) for s in result.shares.values())
    if minimum > 0 and total >= minimum * len(members):
        assert all(s.shared >= minimum for s in result.shares.values())
    else:
        assert all(s.minimum.adjustment == 0 for s in result.shares.values())


@given(members_st, pools_st, weights_st, st.decimals(min_value=0, max_value=2000, places=2))
def test_the_minimum_moves_money_only_between_members(members, pools, weights, minimum) -> None:
    members = _named(members)
    result = split(Formula(weights, minimum), members, pools)
    assert sum(s.minimum.adjustment for s in result.shares.values()) == 0
    for s in result.shares.values():
        if s.minimum.adjustment > 0:  # raised exactly to the floor
            assert s.shared == minimum
    for s in result.shares.values():
        assert explanation(s)[-1].endswith(f"= {s.total:.2f}")


def _member(slug: str, services: set[str], population: int, endpoints: int = 0, servers: int = 0) -> Basis:
    return Basis(slug, frozenset(services), population, endpoints, servers, D(0))


def test_a_worked_example() -> None:
    """Two hub towns and a service-desk-only village: the village pays none of the VPN, 1/3 of the
    equal part of the overhead and its population's part."""
    hub = {"service_desk", "backup", "networking"}
    members = [_member("a", hub, 6000), _member("b", hub, 3000), _member("v", {"service_desk"}, 1000)]
    weights = {"equal": D("0.5"), "population": D("0.5"), "endpoints": D(0), "servers": D(0), "direct": D(0)}
    pools = [Pool("overhead", frozenset(), D("1000")), Pool("vpn", frozenset({"networking"}), D("90"))]
    result = split(Formula(weights), members, pools)
    # overhead: a = 0.5/3 + 0.5*0.6, b = 0.5/3 + 0.5*0.3, v = 0.5/3 + 0.5*0.1
    assert [s.pools[0].amount for s in result.shares.values()] == [D("466.67"), D("316.67"), D("216.66")]
    # vpn: a = 0.5/2 + 0.5*6000/9000, b = 0.5/2 + 0.5*3000/9000; v nothing
    assert [s.pools[1].amount for s in result.shares.values()] == [D("52.50"), D("37.50"), D(0)]
    text = "\n".join(explanation(result.shares["v"]))
    assert "vpn (90.00): not shared: its services (networking) are not in this member's phase" in text
    assert "0.5 * 1/3 + 0.5 * 1000/10000 population" in text
    assert text.endswith("total = direct 0.00 + shared 216.66 = 216.66")


def test_the_minimum_raises_the_small_and_the_rest_pay_for_it() -> None:
    members = [_member("big", set(), 9000), _member("mid", set(), 900), _member("tiny", set(), 100)]
    weights = {"equal": D(0), "population": D(1), "endpoints": D(0), "servers": D(0), "direct": D(0)}
    pools = [Pool("overhead", frozenset(), D("1000"))]
    result = split(Formula(weights, D("150")), members, pools)
    shares = {k: s.shared for k, s in result.shares.items()}
    # formula: 900 / 90 / 10; both small ones raised to 150; big pays the remaining 700
    assert shares == {"big": D("700.00"), "mid": D("150.00"), "tiny": D("150.00")}
    assert result.shares["big"].minimum.adjustment == D("-200.00")
    assert "raised by 140.00" in "\n".join(explanation(result.shares["tiny"]))
    # a total too small for everyone's minimum: the formula stands, and says so
    small = split(Formula(weights, D("400")), members, pools)
    assert {k: s.shared for k, s in small.shares.items()} == {"big": D("900.00"), "mid": D("90.00"), "tiny": D("10.00")}
    assert "not applied" in "\n".join(explanation(small.shares["tiny"]))


def test_a_driver_nobody_has_counts_as_equal_shares() -> None:
    members = [_member("a", set(), 10), _member("b", set(), 30)]
    weights = {"equal": D(0), "population": D(0), "endpoints": D(0), "servers": D(1), "direct": D(0)}
    result = split(Formula(weights), members, [Pool("p", frozenset(), D("10"))])
    assert [s.shared for s in result.shares.values()] == [D("5.00"), D("5.00")]


def test_the_example_registry_gives_every_member_a_basis() -> None:
    reg = load_registry(REPO)
    bs = bases(reg.consortium, (e.member for e in reg.members), {"verona": D("12.345")})
    assert [b.slug for b in bs] == sorted(e.member.slug for e in reg.members)
    verona = next(b for b in bs if b.slug == "verona")
    assert verona.direct == D("12.345")
    formula = Formula.of(reg.consortium.costs)
    assert formula.minimum == D("250.00") and sum(formula.weights.values()) == 1


def _costs(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "shared_monthly": 100,
        "weights": {"equal": 0.2, "population": 0.5, "endpoints": 0.3},
    }
    data.update(changes)
    return data


def test_money_is_read_as_the_decimal_the_file_writes() -> None:
    model = parse_model(CostModel, _costs(shared_monthly=0.1, minimum_share_monthly="12.30"), "consortium.yaml")
    assert model.shared_monthly == D("0.1") and model.minimum_share_monthly == D("12.30")
    weights = _costs(weights={"equal": 0.1, "population": 0.2, "endpoints": 0.3, "servers": 0.3, "direct": 0.1})
    assert sum(parse_model(CostModel, weights, "consortium.yaml").weights.as_decimals().values()) == 1


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"shared_monthly": True}, "consortium.yaml: shared_monthly: True is not an amount of money"),
        ({"shared_monthly": "ten"}, "consortium.yaml: shared_monthly: 'ten' is not an amount of money"),
        ({"shared_monthly": float("nan")}, "consortium.yaml: shared_monthly: nan is not an amount of money"),
        ({"shared_monthly": -1}, "consortium.yaml: shared_monthly: Input should be greater than or equal to 0"),
        (
            {"weights": {"equal": 0.2, "population": 0.5, "endpoints": 0.3, "servers": 0.1}},
            "consortium.yaml: weights: weights must add up to 1.0, they add up to 1.1",
        ),
    ],
)
def test_bad_costs_are_one_line_naming_file_and_field(changes: dict[str, object], line: str) -> None:
    with pytest.raises(InputError) as err:
        parse_model(CostModel, _costs(**changes), "consortium.yaml")
    assert len(err.value.problems) == 1
    assert str(err.value.problems[0]).startswith(line)
