"""Top-k selection from score vectors, honouring exclusions and an `allowed` predicate."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

Allowed = Callable[[str], bool]
ScoreRows = Callable[[np.ndarray], np.ndarray]

_FIRST_FETCH_FACTOR = 4
_FIRST_FETCH_EXTRA = 16
_BATCH_CELLS = 1 << 25  # users x items scores held at once: 128 MB of float32


def top_k(
    candidates: np.ndarray, scores: np.ndarray, k: int, item_ids: Sequence[str],
    excluded: np.ndarray, allowed: Allowed | None = None,
) -> list[tuple[int, float]]:
    """The k best (item index, score) among candidates, best first.

    Candidates in `excluded` (item indices) or rejected by `allowed` are skipped; the
    predicate is called lazily in score order, fetching more candidates until k pass.
    """
    if k <= 0 or len(candidates) == 0:
        return []
    # at most len(excluded) of the best candidates are excluded, so skipping them while
    # walking down the ranking is cheaper than masking every candidate
    skip = set(excluded.tolist())
    chosen: list[tuple[int, float]] = []
    for position in _descending(scores, k + len(skip)):
        item, value = int(candidates[position]), float(scores[position])
        if not value > -np.inf:
            break
        if item in skip or (allowed is not None and not allowed(item_ids[item])):
            continue
        chosen.append((item, value))
        if len(chosen) == k:
            break
    return chosen


def _descending(scores: np.ndarray, k: int) -> Iterator[int]:
    # sorting only a growing prefix keeps the common case (few rejections) at O(n)
    done = 0
    fetch = k * _FIRST_FETCH_FACTOR + _FIRST_FETCH_EXTRA
    while done < len(scores):
        fetch = min(fetch, len(scores))
        top = np.argpartition(-scores, fetch - 1)[:fetch]
        ordered = top[np.argsort(-scores[top], kind="stable")]
        yield from (int(p) for p in ordered[done:])
        done = fetch
        fetch *= _FIRST_FETCH_FACTOR


def top_k_rows(
    score_rows: ScoreRows, seen: sp.csr_matrix, rows: np.ndarray, k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Batch top-k for many users: (rows x k item indices, scores); -1 pads missing places.

    `score_rows(row_indices)` returns dense rows x items scores; items in `seen` are left out.
    """
    indices = np.full((len(rows), k), -1, dtype=np.int64)
    values = np.full((len(rows), k), -np.inf, dtype=np.float32)
    step = max(1, _BATCH_CELLS // max(seen.shape[1], 1))
    for start in range(0, len(rows), step):
        batch = rows[start:start + step]
        scores = np.array(score_rows(batch), dtype=np.float32)
        owned = seen[batch].tocoo()
        scores[owned.row, owned.col] = -np.inf
        top, best = _top_k_dense(scores, k)
        indices[start:start + len(batch), :top.shape[1]] = top
        values[start:start + len(batch), :top.shape[1]] = best
    indices[~np.isfinite(values)] = -1
    return indices, values


def _top_k_dense(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    k = min(k, scores.shape[1])
    if k == 0:
        return np.zeros((scores.shape[0], 0), dtype=np.int64), scores[:, :0]
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    best = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-best, axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1), np.take_along_axis(best, order, axis=1)
