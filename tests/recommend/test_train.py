"""Training the production model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from recommend.matrix import Interactions, from_triples
from recommend.model import Model, factors_for
from recommend.train import train
from tests.recommend.conftest import SMALL, clustered


def _cluster_scores(model: Model, data: Interactions, user: str) -> tuple[float, float]:
    vector = model.user_factors[data.user_index[user]]
    scores = factors_for(model, data.item_ids) @ vector
    own = [data.item_index[i] for i in data.item_ids if i[0] == user[0]]
    other = [data.item_index[i] for i in data.item_ids if i[0] != user[0]]
    return float(scores[own].mean()), float(scores[other].mean())


def test_trained_users_prefer_their_own_cluster(planted: Interactions, model: Model) -> None:
    for user in planted.user_ids:
        own, other = _cluster_scores(model, planted, user)
        assert own > other, user


def test_default_config_learns_the_clusters(planted: Interactions) -> None:
    model = train(planted)
    wins = sum(np.subtract(*_cluster_scores(model, planted, u)) > 0 for u in planted.user_ids)
    assert wins == planted.n_users


def test_model_keeps_ids_shapes_and_metadata(planted: Interactions, model: Model) -> None:
    assert model.item_factors.shape == (planted.n_items, SMALL.factors)
    assert model.user_factors.shape == (planted.n_users, SMALL.factors)
    assert model.item_factors.dtype == np.float32
    assert sorted(model.item_ids) == sorted(planted.item_ids)
    assert model.user_ids == planted.user_ids
    assert model.metadata["counts"] == {"users": 80, "items": 40, "interactions": 640}
    assert model.metadata["config"]["factors"] == SMALL.factors
    assert model.index is None


def test_large_catalog_gets_an_index_and_consistent_item_order() -> None:
    data = clustered(users_per_cluster=30, items_per_cluster=60, per_user=10)
    plain = train(data, SMALL)
    indexed = train(data, dataclasses.replace(SMALL, ann_min_items=100, ann_lists=6))
    assert indexed.index is not None
    assert indexed.index.n_lists == 6
    assert int(indexed.index.offsets[-1]) == data.n_items
    assert indexed.item_ids != data.item_ids
    for item in data.item_ids:
        mine, theirs = plain.item_index[item], indexed.item_index[item]
        assert indexed.popularity[theirs] == plain.popularity[mine]
        assert indexed.weighting.idf[theirs] == plain.weighting.idf[mine]
        assert np.allclose(indexed.item_factors[theirs], plain.item_factors[mine], atol=1e-5)


def test_empty_matrix_is_refused() -> None:
    empty = Interactions(sp.csr_matrix((1, 1), dtype=np.float32), ["u"], ["i"])
    with pytest.raises(ValueError, match="empty"):
        train(empty)


def test_training_warns_nothing_about_blas_threads() -> None:
    # pytest turns warnings into errors: this fails if implicit's BLAS warning escapes
    train(from_triples([("u", "a", 1.0), ("u", "b", 1.0), ("v", "a", 1.0)]), SMALL)
