"""The IVF index: structure, and recall of approximate search against exact search."""

from __future__ import annotations

import numpy as np

from recommend import ann
from recommend.serve import recommend_for_items, search, similar_items
from recommend.synthetic import random_model


def test_index_partitions_every_item_once_with_the_longest_first() -> None:
    vectors = np.random.default_rng(1).standard_normal((500, 8)).astype(np.float32)
    index, order = ann.build(vectors, 20, seed=0, head_fraction=0.02)
    assert sorted(order.tolist()) == list(range(500))
    assert index.n_lists == 20
    assert index.offsets[0] == 10
    assert index.offsets[-1] == 500
    assert np.all(np.diff(index.offsets) >= 0)
    norms = np.linalg.norm(vectors[order], axis=1)
    assert norms[:10].min() >= norms[10:].max()
    # a cluster's stored vector is the mean of its members
    first, end = index.offsets[3], index.offsets[4]
    assert np.allclose(index.centroids[3], vectors[order][first:end].mean(axis=0), atol=1e-5)


def _recall(n_items: int, factors: int, topics: int, n_probe: int | None = None) -> float:
    model = random_model(n_items, n_users=50, factors=factors, seed=4, topics=topics)
    none = np.zeros(0, dtype=np.int64)
    found = 0
    for user in model.user_factors:
        exact = {i for i, _ in search(model, user, 10, none, exact=True)}
        approximate = {i for i, _ in search(model, user, 10, none, n_probe=n_probe)}
        found += len(exact & approximate)
    return found / (10 * len(model.user_factors))


def test_ann_recall_on_random_gaussian_vectors() -> None:
    # no structure to exploit: a quarter of the 141 clusters must be scanned
    assert _recall(20_000, 16, topics=0, n_probe=35) >= 0.9
    assert _recall(20_000, 16, topics=0, n_probe=141) == 1.0


def test_ann_recall_on_clustered_vectors() -> None:
    assert _recall(20_000, 32, topics=50) >= 0.95


def test_ann_scans_only_part_of_the_catalog() -> None:
    model = random_model(20_000, factors=16, seed=5)
    assert model.index is not None
    query = model.user_factors[0]
    lists = model.index.best_lists(query, 8)
    candidates, scores = model.index.scan(model.item_factors, query, lists)
    assert len(candidates) < model.n_items / 4
    assert np.allclose(scores, model.item_factors[candidates] @ query, atol=1e-4)


def test_indexed_model_serves_with_filters_and_all_items_reachable() -> None:
    model = random_model(60_000, factors=8, seed=6)
    # six items spread over the catalog: most lie in clusters a first probe skips
    rare = set(model.item_ids[100::10_000])
    results = recommend_for_items(model, model.item_ids[:3], 6, allowed=rare.__contains__)
    assert {r.item_id for r in results} == rare
    similar = similar_items(model, model.item_ids[10], 5)
    exact = similar_items(model, model.item_ids[10], 5, exact=True)
    assert len(similar) == 5
    assert [r.item_id for r in similar][:3] == [r.item_id for r in exact][:3]
