"""Folding a user in from their items, and explaining the scores."""

from __future__ import annotations

import numpy as np
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

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
