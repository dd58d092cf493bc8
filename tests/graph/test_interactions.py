"""Purchases for training, streamed customer by customer: the same units as a row per purchased track."""

from __future__ import annotations

from collections import Counter

from graph.driver import Graph
from graph.interactions import purchase_baskets, purchase_triples


async def test_baskets_hold_every_purchased_track_with_its_units(graph: Graph) -> None:
    from_baskets: Counter[tuple[str, str]] = Counter()
    customers = 0
    async for user, items in purchase_baskets(graph):
        customers += 1
        assert items
        from_baskets.update((user, item) for item in items)
    from_triples = {(user, item): units async for user, item, units in purchase_triples(graph)}
    assert customers == len({user for user, _ in from_triples})
    assert from_baskets == from_triples
    assert from_triples
