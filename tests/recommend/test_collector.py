"""Interactions collected basket by basket: the same matrix as from triples, in int32 arrays that grow."""

from __future__ import annotations

import numpy as np

from recommend.collector import Collector
from recommend.matrix import from_triples


def test_baskets_give_the_matrix_triples_give_with_repeats_as_units() -> None:
    collector = Collector()
    collector.add("u1", ["a", "b", "a"])
    collector.add("u2", [])
    collector.add("u2", ["c"])
    collector.add("u1", ["c"])
    built = collector.interactions()
    expected = from_triples([("u1", "a", 2.0), ("u1", "b", 1.0), ("u2", "c", 1.0), ("u1", "c", 1.0)])
    assert built.user_ids == ["u1", "u2"]
    assert built.item_ids == ["a", "b", "c"]
    assert (built.matrix != expected.matrix).nnz == 0
    assert len(collector) == 5


def test_the_arrays_grow_past_their_first_size_and_keep_every_item() -> None:
    collector = Collector()
    rng = np.random.default_rng(1)
    baskets = {f"u{n}": [f"i{i}" for i in rng.integers(0, 5000, 300)] for n in range(500)}
    for user, items in baskets.items():
        collector.add(user, items)
    built = collector.interactions()
    assert len(collector) == 500 * 300 > 1 << 16
    assert built.matrix.sum() == 500 * 300
    for user in ("u0", "u499"):
        row = built.items_of(built.user_index[user])
        assert {built.item_ids[i] for i in row} == set(baskets[user])
