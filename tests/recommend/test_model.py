"""Folding a user in from their items, and explaining the scores."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from recommend import model as model_module
from recommend.matrix import Interactions
from recommend.model import Model, contributions, fold_in


def _implicit_recalculate(model: Model, data: Interactions, user: int) -> np.ndarray:
    with threadpool_limits(1, "blas"):
        als = AlternatingLeastSquares(
            factors=model.factors, regularization=model.regularization, alpha=model.alpha
        )
    als.item_factors = model.item_factors
    als.user_factors = model.user_factors
    weighted = model.weighting.weigh(data.matrix[[user]])
    return np.asarray(als.recalculate_user(0, weighted))


def test_fold_in_matches_implicit_recalculate_user(planted: Interactions, model: Model) -> None:
    for user in (0, 45):
        items = planted.items_of(user)
        mine = fold_in(model, items).vector
        theirs = _implicit_recalculate(model, planted, user)
        assert np.allclose(mine, theirs, atol=1e-4), (mine, theirs)


def test_fold_in_of_a_training_user_is_close_to_the_trained_vector(
    planted: Interactions, model: Model
) -> None:
    user = 3
    folded = fold_in(model, planted.items_of(user)).vector
    trained = model.user_factors[user]
    cosine = folded @ trained / (np.linalg.norm(folded) * np.linalg.norm(trained))
    assert cosine > 0.99


def test_contributions_add_up_to_the_score(planted: Interactions, model: Model) -> None:
    user = fold_in(model, planted.items_of(7))
    targets = np.arange(model.n_items)
    shares = contributions(model, user, targets)
    assert shares.shape == (model.n_items, len(user.items))
    assert np.allclose(shares.sum(axis=1), model.item_factors @ user.vector, atol=1e-4)


def test_gram_and_norms_read_the_vectors_a_block_at_a_time(model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "GRAM_ROWS", 7)  # many blocks, the last one short
    rebuilt = replace(model)
    factors = model.item_factors.astype(np.float64)
    expected = factors.T @ factors + model.regularization * np.eye(model.factors)
    np.testing.assert_allclose(rebuilt.gram, expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(rebuilt.item_norms, np.linalg.norm(model.item_factors, axis=1), rtol=1e-6)
