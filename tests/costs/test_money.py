"""Splits reconcile to the cent, whatever the weights and the sign of the total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consortium.money import cents, largest_remainder, money_text, parse_decimal

amounts = st.decimals(min_value=-(10**7), max_value=10**7, places=4, allow_nan=False, allow_infinity=False)
weights = st.lists(st.decimals(min_value=0, max_value=10**6, places=3), min_size=1, max_size=60)


@given(amounts, weights)
def test_parts_add_up_to_the_total_to_the_cent(total: Decimal, ws: list[Decimal]) -> None:
    parts = largest_remainder(total, ws)
    assert sum(parts, Decimal(0)) == cents(total)
    assert all(p == cents(p) for p in parts)
    exact_sum = sum(ws) or len(ws)
    for p, w in zip(parts, ws if sum(ws) else [Decimal(1)] * len(ws), strict=True):
        # no part is more than a cent away from its exact share
        assert abs(p - cents(total) * w / exact_sum) < Decimal("0.01")


def test_the_cents_left_over_go_to_the_largest_remainders() -> None:
    assert largest_remainder(Decimal("100"), [Decimal(1)] * 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert largest_remainder(Decimal("-100"), [Decimal(1)] * 3) == [
        Decimal("-33.34"),
        Decimal("-33.33"),
        Decimal("-33.33"),
    ]
    assert largest_remainder(Decimal("10"), [Decimal(0), Decimal(0)]) == [Decimal("5.00"), Decimal("5.00")]
    assert largest_remainder(Decimal("1"), []) == []


def test_parsing_and_printing() -> None:
    assert parse_decimal(" 12.5 ") == Decimal("12.5")
    assert money_text(Decimal("1E+2")) == "100.00"
    assert money_text(Decimal("0.005")) == "0.01"
    for bad in ("", "NaN", "inf", "1,5", "abc"):
        with pytest.raises(ValueError):
            parse_decimal(bad)
    with pytest.raises(ValueError):
        largest_remainder(Decimal(1), [Decimal(-1)])
