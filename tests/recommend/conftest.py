"""Shared fixtures: small interaction matrices with planted taste clusters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommend.matrix import Interactions, from_triples
from recommend.model import Model
from recommend.train import TrainConfig, train

SMALL = TrainConfig(factors=8, regularization=0.5, iterations=20, seed=3)


def clustered(
    users_per_cluster: int = 40, items_per_cluster: int = 20, per_user: int = 8, seed: int = 0
) -> Interactions:
    """Two clusters: "a" users have only "a" items, "b" users only "b" items."""
    rng = np.random.default_rng(seed)
    triples: list[tuple[str, str, float]] = []
    for cluster in ("a", "b"):
        for user in range(users_per_cluster):
            chosen = rng.choice(items_per_cluster, size=per_user, replace=False)
            triples += [(f"{cluster}-user{user}", f"{cluster}{item}", 1.0) for item in chosen]
    return from_triples(triples)


def write_tsv(data: Interactions, path: Path) -> Path:
    """Write interactions as a `user, item, weight` TSV file."""
    rows = data.matrix.tocoo()
    lines = [f"{data.user_ids[u]}\t{data.item_ids[i]}\t{w:g}"
             for u, i, w in zip(rows.row, rows.col, rows.data, strict=True)]
    path.write_text("user\titem\tweight\n" + "\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def planted() -> Interactions:
    """The two-cluster interactions."""
    return clustered()


@pytest.fixture(scope="session")
def model(planted: Interactions) -> Model:
    """A small model trained on the two clusters."""
    return train(planted, SMALL)
