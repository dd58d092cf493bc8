"""Sharing a rounded royalty among sales: parts add up exactly, never negative, within a cent of their share."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from graph.royalties import CENT, apportion

AMOUNTS = st.lists(st.decimals(min_value=0, max_value=10_000, places=6), min_size=1, max_size=40)


@given(AMOUNTS)
def test_parts_add_up_to_the_rounded_total_and_stay_near_their_share(exact: list[Decimal]) -> None:
    whole = sum(exact, Decimal(0))
    total = whole.quantize(CENT, rounding=ROUND_HALF_UP)
    parts = apportion(exact, total)
    assert sum(parts, Decimal(0)) == total
    assert all(p >= 0 for p in parts)
    assert all(p == p.quantize(CENT) for p in parts)
    if whole:
        assert all(abs(p - a * total / whole) <= CENT for p, a in zip(parts, exact, strict=True))


def test_nothing_sold_shares_nothing() -> None:
    assert apportion([Decimal(0), Decimal(0)], Decimal("0.00")) == [Decimal("0.00"), Decimal("0.00")]


def test_three_equal_thirds_of_a_cent_amount() -> None:
    parts = apportion([Decimal(1)] * 3, Decimal("1.00"))
    assert sorted(parts) == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]
