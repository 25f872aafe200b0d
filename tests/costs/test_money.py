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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e400", "not a plausible amount"),  # overflowed the bill's sum (decimal.InvalidOperation)
        ("9" * 30, "not a plausible amount"),
        ("1e999999999", "not a plausible amount"),  # decimal.Overflow in the sum
        ("1e99999999999999999999", "not a number"),  # beyond what Decimal() holds
        ("1_000", "not a number"),  # Decimal() reads underscores as digit groups
        ("\u0663", "not a number"),  # ARABIC-INDIC DIGIT THREE: Decimal() reads it as 3
        ("1,234.56", "not a number"),
        ("sNaN", "not a finite number"),
        ("-Infinity", "not a finite number"),
    ],
)
def test_numbers_no_file_means_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_decimal(text)


def test_signed_zeros_and_tiny_amounts_are_plain_zero() -> None:
    for text in ("-0", "-0.000", "1E-05", "-1e-400", "0e999999999"):
        assert money_text(parse_decimal(text)) == "0.00", text
    assert str(parse_decimal("-0")) == "0"
    # a credit of a fraction of a cent shows as 0.00, never "-0.00"
    assert money_text(Decimal("-0.004")) == "0.00"
    assert str(cents(Decimal("-0.004"))) == "0.00"


@given(st.text(alphabet=st.sampled_from("0123456789+-.eE_ ,\u0663xNaIfinty"), max_size=30))
def test_any_text_parses_to_an_amount_that_sums_and_rounds_or_is_refused(text: str) -> None:
    try:
        value = parse_decimal(text)
    except ValueError:
        return
    assert value.is_finite() and abs(value) < Decimal(10) ** 15
    # a month of a million such rows still rounds to the cent
    assert cents(value * 1_000_000).as_tuple().exponent == -2
    assert money_text(value) != "-0.00"
