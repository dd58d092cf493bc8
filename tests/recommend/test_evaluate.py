"""Ranking metrics, the held-out split and the evaluation table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from recommend.evaluate import (
    RECOMMENDERS,
    average_precision_at_k,
    catalog_coverage,
    holdout_split,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    run_evaluate,
    score,
)
from tests.recommend.conftest import clustered, write_tsv

# hits at ranks 1 and 3 of 4; three relevant items, one never recommended
RANKED = ["x", "a", "y", "b"]
RELEVANT: set[object] = {"x", "y", "z"}


def test_precision_and_recall() -> None:
    assert precision_at_k(RANKED, RELEVANT, 4) == 2 / 4
    assert precision_at_k(RANKED, RELEVANT, 2) == 1 / 2
    assert recall_at_k(RANKED, RELEVANT, 4) == 2 / 3
    assert recall_at_k(RANKED, set(), 4) == 0.0


def test_ndcg_discounts_by_rank_and_normalises_by_the_ideal_list() -> None:
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    ideal = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RANKED, RELEVANT, 4) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(["x", "y", "z"], RELEVANT, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "b"], RELEVANT, 2) == 0.0
    # with fewer relevant items than k the ideal list is shorter
    assert ndcg_at_k(["a", "x"], {"x"}, 2) == pytest.approx(1 / math.log2(3))


def test_average_precision() -> None:
    expected = (1 / 1 + 2 / 3) / 3
    assert average_precision_at_k(RANKED, RELEVANT, 4) == pytest.approx(expected)
    assert average_precision_at_k(["a", "x"], {"x"}, 2) == pytest.approx(1 / 2)
    assert average_precision_at_k(["a"], set(), 1) == 0.0


def test_catalog_coverage_counts_distinct_items() -> None:
    assert catalog_coverage([["a", "b"], ["b", "c"]], 10) == 3 / 10
    assert catalog_coverage([], 10) == 0.0


def test_split_holds_out_a_share_of_each_eligible_user() -> None:
    data = clustered(users_per_cluster=10, items_per_cluster=20, per_user=10)
    split = holdout_split(data, holdout=0.2, min_items=5, seed=42)
    assert len(split.held_out) == data.n_users
    for user, held in split.held_out.items():
        assert len(held) == 2
        assert split.train.matrix[user, held].nnz == 0
        assert data.matrix[user, held].nnz == 2
    assert split.train.matrix.nnz == data.matrix.nnz - 2 * data.n_users
    again = holdout_split(data, holdout=0.2, min_items=5, seed=42)
    assert all(np.array_equal(again.held_out[u], h) for u, h in split.held_out.items())


def test_split_keeps_small_users_whole_and_holds_out_at_least_one() -> None:
    data = clustered(users_per_cluster=3, items_per_cluster=10, per_user=3)
    assert holdout_split(data, 0.2, min_items=4, seed=1).held_out == {}
    split = holdout_split(data, 0.2, min_items=3, seed=1)
    assert {len(h) for h in split.held_out.values()} == {1}
    with pytest.raises(ValueError, match="holdout"):
        holdout_split(data, 1.5, 3, 1)


def test_production_beats_popularity_on_planted_clusters() -> None:
    split = holdout_split(clustered(per_user=10), 0.2, 5, 42)
    production = score(split, RECOMMENDERS["production (ALS, BM25)"], k=5)
    popularity = score(split, RECOMMENDERS["popularity"], k=5)
    assert production.ndcg > popularity.ndcg + 0.1
    assert production.coverage > popularity.coverage


def test_run_evaluate_prints_a_row_per_recommender(tmp_path: Path) -> None:
    table = run_evaluate(write_tsv(clustered(per_user=10), tmp_path / "i.tsv"))
    lines = table.splitlines()
    assert lines[0].startswith("80 users with >= 5 items, 20% held out (seed 42), 40 items")
    assert lines[1].split() == ["recommender", "P@10", "R@10", "nDCG@10", "MAP@10", "coverage"]
    for name, line in zip(RECOMMENDERS, lines[3:], strict=True):
        assert line.startswith(name)
        numbers = line[len(name):].split()
        assert len(numbers) == 5
        assert all(0.0 <= float(n.rstrip("%")) <= 100.0 for n in numbers)


def test_run_evaluate_needs_eligible_users(tmp_path: Path) -> None:
    path = write_tsv(clustered(users_per_cluster=2, per_user=3), tmp_path / "few.tsv")
    with pytest.raises(ValueError, match="at least 5 items"):
        run_evaluate(path)
