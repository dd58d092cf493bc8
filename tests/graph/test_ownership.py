"""graph.ownership.settle: completions and upgrades never cost below zero nor above buying afresh."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.ownership import COMPLETION, NOTHING, AlreadyOwned, Holding, settle
from graph.purchases import split_price
from graph.release import PurchaseLineRecord

cents = st.integers(min_value=0, max_value=100_000).map(lambda c: Decimal(c).scaleb(-2))


def album_lines(album_price: Decimal, tracks: int) -> list[PurchaseLineRecord]:
    return [
        PurchaseLineRecord(f"t{i}", "MP3_320", p, Decimal("0.5"), album_key="a")
        for i, p in enumerate(split_price(album_price, tracks))
    ]


@given(album=cents, prices=st.lists(cents, min_size=2, max_size=12), data=st.data())
def test_a_completion_costs_between_zero_and_the_rest_bought_alone(
    album: Decimal, prices: list[Decimal], data: st.DataObject
) -> None:
    owned_count = data.draw(st.integers(min_value=1, max_value=len(prices) - 1))
    lines = album_lines(album, len(prices))
    owned = {f"t{i}": Holding(frozenset({"MP3_320"}), prices[i], {"MP3_320": prices[i]}) for i in range(owned_count)}
    owned.update({f"t{i}": Holding(frozenset(), Decimal(0), {"MP3_320": prices[i]})
                  for i in range(owned_count, len(prices))})
    settled = settle(lines, owned, split_price)
    assert [line.track_key for line in settled] == [f"t{i}" for i in range(owned_count, len(prices))]
    assert {line.kind for line in settled} == {COMPLETION}
    total = sum((line.price for line in settled), Decimal(0))
    assert Decimal(0) <= total <= sum(prices[owned_count:], Decimal(0))
    assert total <= max(Decimal(0), album - sum(prices[:owned_count], Decimal(0)))
    assert all(line.price >= 0 for line in settled)


def test_an_album_wholly_owned_is_refused_naming_the_album() -> None:
    lines = album_lines(Decimal("2.99"), 2)
    owned = {line.track_key: Holding(frozenset({"MP3_320"}), Decimal("1"), {}) for line in lines}
    with pytest.raises(AlreadyOwned) as refused:
        settle(lines, owned, split_price)
    assert (refused.value.key, refused.value.album) == ("a", True)


def test_nothing_owned_changes_nothing() -> None:
    lines = [*album_lines(Decimal("2.99"), 3), PurchaseLineRecord("x", "FLAC_16_44", Decimal("1.99"), Decimal("0.5"))]
    assert settle(lines, {"x": NOTHING}, split_price) == lines
