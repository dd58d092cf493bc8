"""The trained factor model and its fold-in: a user's vector computed from a list of items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg

from recommend.ann import IvfIndex
from recommend.weighting import Bm25


@dataclass(frozen=True)
class Model:
    """Implicit-feedback ALS factors, the id maps and what serving needs to fold in new users.

    When `index` is set the items are stored grouped by ANN cluster (see `recommend.ann`).
    """

    item_ids: list[str]
    user_ids: list[str]
    item_factors: np.ndarray
    user_factors: np.ndarray
    popularity: np.ndarray
    weighting: Bm25
    regularization: float
    alpha: float
    index: IvfIndex | None
    metadata: dict[str, Any]
    item_index: dict[str, int] = field(init=False, repr=False, compare=False)
    user_index: dict[str, int] = field(init=False, repr=False, compare=False)
    gram: np.ndarray = field(init=False, repr=False, compare=False)
    item_norms: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.item_factors.shape[0] != len(self.item_ids):
            raise ValueError("item_factors and item_ids differ in length")
        if self.user_factors.shape[0] != len(self.user_ids):
            raise ValueError("user_factors and user_ids differ in length")
        gram = _gram(self.item_factors) + self.regularization * np.eye(self.factors)
        object.__setattr__(self, "item_index", {i: n for n, i in enumerate(self.item_ids)})
        object.__setattr__(self, "user_index", {u: n for n, u in enumerate(self.user_ids)})
        object.__setattr__(self, "gram", gram)
        # einsum reads each row once: norm(axis=1) squares a whole copy of the vectors first
        object.__setattr__(self, "item_norms", np.sqrt(np.einsum("ij,ij->i", self.item_factors, self.item_factors)))

    @property
    def factors(self) -> int:
        """Length of the latent vectors."""
        return int(self.item_factors.shape[1])

    @property
    def n_items(self) -> int:
        """Number of items the model knows."""
        return len(self.item_ids)

    @property
    def version(self) -> int | None:
        """The stored version number, once saved or loaded."""
        value = self.metadata.get("version")
        return int(value) if value is not None else None


@dataclass(frozen=True)
class FoldIn:
    """A user's vector solved from their items, with what is needed to explain its scores."""

    items: np.ndarray
    confidence: np.ndarray
    vector: np.ndarray
    cholesky: tuple[np.ndarray, bool]


def fold_in(model: Model, items: np.ndarray, values: np.ndarray | None = None) -> FoldIn:
    """Solve the ALS least-squares step for a user who has these items (column indices).

    Same equations as implicit's `recalculate_user`: with confidence c = alpha * bm25 weight,
    x = (YtY + reg I + sum (c - 1) y yT)^-1 sum c y.
    """
    items = np.asarray(items, dtype=np.int64)
    confidence = model.alpha * model.weighting.weigh_row(items, values).astype(np.float64)
    chosen = model.item_factors[items].astype(np.float64)
    system = model.gram + (chosen.T * (confidence - 1.0)) @ chosen
    cholesky = scipy.linalg.cho_factor(system)
    vector = scipy.linalg.cho_solve(cholesky, chosen.T @ confidence)
    return FoldIn(items, confidence, vector.astype(np.float32), cholesky)


def contributions(model: Model, user: FoldIn, targets: np.ndarray) -> np.ndarray:
    """targets x inputs: how much each of the user's items adds to each target's score.

    A target's score y_t . x splits exactly into sum_j c_j (A^-1 y_t) . y_j over input items j.
    """
    target_factors = model.item_factors[np.asarray(targets, dtype=np.int64)].astype(np.float64)
    weighted = scipy.linalg.cho_solve(user.cholesky, target_factors.T)
    inputs = model.item_factors[user.items].astype(np.float64)
    return np.asarray((inputs @ weighted).T * user.confidence)


def factors_for(model: Model, item_ids: Sequence[str]) -> np.ndarray:
    """Item vectors in the given id order (zeros for ids the model does not know)."""
    rows = np.zeros((len(item_ids), model.factors), dtype=np.float32)
    positions = [(n, model.item_index.get(i)) for n, i in enumerate(item_ids)]
    known = np.array([(n, p) for n, p in positions if p is not None], dtype=np.int64)
    if len(known):
        rows[known[:, 0]] = model.item_factors[known[:, 1]]
    return rows


GRAM_ROWS = 65_536
"""Item rows cast to float64 at a time for the Gram matrix (5.5M x 128 at once was a 5.6 GB copy)."""


def _gram(factors: np.ndarray) -> np.ndarray:
    """factors.T @ factors in float64, a block of rows at a time."""
    gram = np.zeros((factors.shape[1], factors.shape[1]), dtype=np.float64)
    for start in range(0, factors.shape[0], GRAM_ROWS):
        block = factors[start : start + GRAM_ROWS].astype(np.float64)
        gram += block.T @ block
    return gram
