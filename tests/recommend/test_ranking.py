"""Top-k selection with exclusions, filters and padding."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommend.ranking import top_k, top_k_rows

IDS = [f"i{n}" for n in range(1000)]


def test_top_k_best_first_without_excluded_or_non_finite() -> None:
    scores = np.arange(1000, dtype=np.float64)
    scores[998] = -np.inf
    scores[997] = np.nan
    ranked = top_k(np.arange(1000), scores, 3, IDS, np.array([999]))
    assert ranked == [(996, 996.0), (995, 995.0), (994, 994.0)]
    everything = top_k(np.arange(5), np.array([1.0, -np.inf, 3.0, 2.0, np.nan]), 9, IDS,
                       np.zeros(0, dtype=np.int64))
    assert everything == [(2, 3.0), (3, 2.0), (0, 1.0)]


def test_allowed_is_asked_lazily_in_score_order() -> None:
    asked: list[str] = []

    def allowed(item: str) -> bool:
        asked.append(item)
        return item.endswith("0")

    scores = np.arange(1000, dtype=np.float64)
    ranked = top_k(np.arange(1000), scores, 2, IDS, np.zeros(0, dtype=np.int64), allowed)
    assert [item for item, _ in ranked] == [990, 980]
    assert asked == [f"i{n}" for n in range(999, 979, -1)]


def test_top_k_maps_candidate_positions_to_item_indices() -> None:
    candidates = np.array([40, 7, 300])
    ranked = top_k(candidates, np.array([0.5, 0.9, 0.1]), 2, IDS, np.array([7]))
    assert ranked == [(40, 0.5), (300, 0.1)]


def test_top_k_rows_leaves_out_seen_items_and_pads() -> None:
    seen = sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 1]], dtype=np.float32))
    scores = np.array([[3.0, 2.0, 1.0], [3.0, 2.0, 1.0]])
    top, values = top_k_rows(lambda rows: scores[rows], seen, np.array([0, 1]), 2)
    assert top.tolist() == [[1, 2], [0, -1]]
    assert values[0].tolist() == [2.0, 1.0]
    assert values[1][0] == 3.0
