"""Money as decimals: cents, strict parsing, and splits that reconcile to the cent.

Every amount the toolkit prints (costs, budgets, a leaving town's final share, what towns spend on
their applications) is a ``Decimal`` rounded half-up to the cent only when it is shown or shared
out; sums are taken before rounding so totals do not drift. At the top of ``consortium/`` because
the registry needs it as much as the costs room."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to the cent (how an invoice shows it); never "-0.00" (a credit
    of a fraction of a cent rounds to zero, not to a negative zero)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP) + 0


def money_text(amount: Decimal) -> str:
    """Two decimal places, no exponent: the form every output file uses ("1234.50")."""
    return f"{cents(amount):.2f}"


def parse_decimal(text: str) -> Decimal:
    """A decimal number written as text ("12.5", "-0.01", "1E+2", "1E-05"); ValueError for anything
    else (NaN, infinity, empty, "1,5", "1_000") and for amounts of 1E+15 or more, so a
    bad cell is reported instead of carried into a total (or overflowing it)."""
    stripped = text.strip()
    # Decimal() alone would also take "1_000" and non-ASCII digits ("\u0663"), which no file means
    if not stripped.isascii() or "_" in stripped:
        raise ValueError(f"not a number: {text!r}")
    try:
        value = Decimal(stripped)
    except ArithmeticError:  # not a number at all, or an exponent beyond what decimals hold
        raise ValueError(f"not a number: {text[:40]!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    # No single amount read (a row of a bill, a unit price) comes near a thousand trillion; below it,
    # sums of millions of rows stay inside decimal arithmetic's 28 digits, so rounding them to the
    # cent never overflows. adjusted(): the leading digit's exponent, read without arithmetic.
    if not value.is_zero() and value.adjusted() >= 15:
        raise ValueError(f"not a plausible amount (1E+15 or more): {text[:40]!r}")
    return value + 0  # "-0" is 0 (and shows as "0.00"); an exponent past the context's is clamped


def largest_remainder(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (rounded to the cent) in proportion to ``weights`` so the parts add up to it
    exactly: each part is rounded toward zero to the cent, and the cents left over go one each to
    the parts with the largest remainders (ties: the earlier part). All weights zero: equal parts.
    A negative total (a credit) is split the same way with the sign kept."""
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if not weights:
        return []
    whole = cents(total)
    sign = Decimal(-1) if whole < 0 else Decimal(1)
    weight_sum = sum(weights, Decimal(0))
    shares = list(weights) if weight_sum else [Decimal(1)] * len(weights)
    exact = [abs(whole) * w / sum(shares, Decimal(0)) for w in shares]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int((abs(whole) - sum(parts, Decimal(0))) / CENT)
    for i in sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))[:left]:
        parts[i] += CENT
    return [sign * p for p in parts]
