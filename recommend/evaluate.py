"""Held-out ranking evaluation of the production recommender against baselines."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.nearest_neighbours import CosineRecommender, ItemItemRecommender

from recommend import blas
from recommend.matrix import Interactions, read_tsv
from recommend.model import factors_for
from recommend.ranking import ScoreRows, top_k_rows
from recommend.train import train

K = 10
Fit = Callable[[Interactions, int], ScoreRows]


def precision_at_k(recommended: Sequence[Hashable], relevant: set[Hashable], k: int) -> float:
    """Share of the first k recommendations that are relevant."""
    return sum(1 for item in recommended[:k] if item in relevant) / k


def recall_at_k(recommended: Sequence[Hashable], relevant: set[Hashable], k: int) -> float:
    """Share of the relevant items found in the first k recommendations."""
    if not relevant:
        return 0.0
    return sum(1 for item in recommended[:k] if item in relevant) / len(relevant)


def ndcg_at_k(recommended: Sequence[Hashable], relevant: set[Hashable], k: int) -> float:
    """Binary-relevance nDCG: DCG of the list over DCG of a perfect list of the same length."""
    gains = [1.0 / math.log2(rank + 2) for rank in range(k)]
    dcg = sum(g for g, item in zip(gains, recommended[:k], strict=False) if item in relevant)
    ideal = sum(gains[: min(k, len(relevant))])
    return dcg / ideal if ideal else 0.0


def average_precision_at_k(
    recommended: Sequence[Hashable], relevant: set[Hashable], k: int
) -> float:
    """Mean of precision at each relevant hit's rank, over min(k, relevant) (MAP@k's term)."""
    hits, total = 0, 0.0
    for rank, item in enumerate(recommended[:k], start=1):
        if item in relevant:
            hits += 1
            total += hits / rank
    denominator = min(k, len(relevant))
    return total / denominator if denominator else 0.0


def catalog_coverage(recommendations: Iterable[Iterable[Hashable]], n_items: int) -> float:
    """Share of the catalog recommended to at least one user."""
    shown = {item for row in recommendations for item in row}
    return len(shown) / n_items if n_items else 0.0


@dataclass(frozen=True)
class Split:
    """Training interactions and each evaluated user's held-out item indices."""

    train: Interactions
    held_out: dict[int, np.ndarray]


def holdout_split(
    interactions: Interactions, holdout: float, min_items: int, seed: int
) -> Split:
    """Hold out a random share (at least one) of each user's items if they have min_items."""
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be between 0 and 1, got {holdout}")
    rng = np.random.default_rng(seed)
    matrix = interactions.matrix.tocoo()
    keep = np.ones(matrix.nnz, dtype=bool)
    held_out: dict[int, np.ndarray] = {}
    starts = interactions.matrix.indptr
    for user in range(interactions.n_users):
        count = int(starts[user + 1] - starts[user])
        if count < min_items:
            continue
        chosen = rng.permutation(count)[: max(1, round(holdout * count))] + starts[user]
        keep[chosen] = False
        held_out[user] = np.sort(matrix.col[chosen])
    train_matrix = sp.csr_matrix(
        (matrix.data[keep], (matrix.row[keep], matrix.col[keep])), shape=matrix.shape,
        dtype=np.float32,
    )
    train_set = Interactions(train_matrix, interactions.user_ids, interactions.item_ids)
    return Split(train_set, held_out)


@dataclass(frozen=True)
class Scores:
    """Mean metrics over the evaluated users."""

    precision: float
    recall: float
    ndcg: float
    map: float
    coverage: float


def score(split: Split, fit: Fit, k: int = K, seed: int = 42) -> Scores:
    """Fit on the training part, recommend top k (training items left out), measure."""
    rows = np.array(sorted(split.held_out), dtype=np.int64)
    top, _ = top_k_rows(fit(split.train, seed), split.train.matrix, rows, k)
    lists = [[int(i) for i in row if i >= 0] for row in top]
    truths = [set(split.held_out[int(r)].tolist()) for r in rows]
    pairs = list(zip(lists, truths, strict=True))
    return Scores(
        precision=_mean(precision_at_k(r, t, k) for r, t in pairs),
        recall=_mean(recall_at_k(r, t, k) for r, t in pairs),
        ndcg=_mean(ndcg_at_k(r, t, k) for r, t in pairs),
        map=_mean(average_precision_at_k(r, t, k) for r, t in pairs),
        coverage=catalog_coverage(lists, split.train.n_items),
    )


def _mean(values: Iterable[float]) -> float:
    collected = list(values)
    return float(np.mean(collected)) if collected else 0.0


def fit_production(data: Interactions, seed: int) -> ScoreRows:
    """The production recommender (`recommend.train`)."""
    model = train(data)
    items = factors_for(model, data.item_ids)
    return lambda rows: model.user_factors[rows] @ items.T


def fit_popularity(data: Interactions, seed: int) -> ScoreRows:
    """Number of users per item, the same for everyone."""
    counts = np.bincount(data.matrix.indices, minlength=data.n_items).astype(np.float32)
    return lambda rows: np.tile(counts, (len(rows), 1))


def fit_item_knn(data: Interactions, seed: int) -> ScoreRows:
    """implicit's cosine item-kNN (default K=20 neighbours) on who-has-what."""
    binary = _binary(data.matrix)
    # CosineRecommender with the columns normalised here: its own normalisation hands
    # implicit a COO matrix, which warns
    norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())
    normalised = sp.csr_matrix(binary @ sp.diags(1.0 / np.maximum(norms, 1.0)), dtype=np.float64)
    knn = ItemItemRecommender(K=CosineRecommender().K)
    knn.fit(normalised, show_progress=False)
    return lambda rows: (binary[rows] @ knn.similarity).toarray()


def fit_als_defaults(data: Interactions, seed: int) -> ScoreRows:
    """implicit's ALS with its default hyper-parameters on the raw weights."""
    with blas.one_thread():
        als = AlternatingLeastSquares(random_state=seed)
        als.fit(sp.csr_matrix(data.matrix, dtype=np.float32), show_progress=False)
    return lambda rows: als.user_factors[rows] @ als.item_factors.T


def _binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    binary = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    binary.data[:] = 1.0
    return binary


RECOMMENDERS: dict[str, Fit] = {
    "production (ALS, BM25)": fit_production,
    "popularity": fit_popularity,
    "item-kNN (cosine)": fit_item_knn,
    "ALS (implicit defaults)": fit_als_defaults,
}


def run_evaluate(
    path: Path, holdout: float = 0.2, min_items: int = 5, seed: int = 42
) -> str:
    """Evaluate every recommender on a held-out split of an interactions file; a table."""
    split = holdout_split(read_tsv(path), holdout, min_items, seed)
    if not split.held_out:
        raise ValueError(f"no user has at least {min_items} items in {path}")
    results = {name: score(split, fit, K, seed) for name, fit in RECOMMENDERS.items()}
    return _table(split, results, holdout, min_items, seed)


def _table(
    split: Split, results: dict[str, Scores], holdout: float, min_items: int, seed: int
) -> str:
    head = (
        f"{len(split.held_out)} users with >= {min_items} items, {holdout:.0%} held out "
        f"(seed {seed}), {split.train.n_items} items, top {K} without training items"
    )
    columns = f"{'recommender':<26}{'P@10':>8}{'R@10':>8}{'nDCG@10':>9}{'MAP@10':>8}{'coverage':>10}"
    lines = [head, columns, "-" * len(columns)]
    for name, s in results.items():
        lines.append(
            f"{name:<26}{s.precision:>8.4f}{s.recall:>8.4f}{s.ndcg:>9.4f}{s.map:>8.4f}"
            f"{s.coverage:>10.2%}"
        )
    return "\n".join(lines)
