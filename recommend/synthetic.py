"""Random models of any size, for benchmarks and tests of serving and the ANN index."""

from __future__ import annotations

import numpy as np

from recommend.model import Model
from recommend.train import with_index
from recommend.weighting import Bm25


def random_factors(
    n: int, factors: int, rng: np.random.Generator, topics: np.ndarray | None
) -> np.ndarray:
    """Gaussian vectors, or (with topic centres) topic plus noise with log-normal lengths.

    The topic form mimics trained ALS factors: tastes cluster and popular items are longer.
    """
    noise = rng.standard_normal((n, factors), dtype=np.float32)
    if topics is None:
        return noise
    vectors = topics[rng.integers(0, len(topics), n)] + 0.7 * noise
    lengths = rng.lognormal(0.0, 0.5, (n, 1)).astype(np.float32)
    return np.asarray(vectors * lengths, dtype=np.float32)


def random_model(
    n_items: int, n_users: int = 100, factors: int = 64, seed: int = 0, topics: int = 0,
    n_lists: int | None = None, indexed: bool = True,
) -> Model:
    """A model with random factors; topics=0 gives unstructured Gaussian vectors."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, factors)).astype(np.float32) if topics else None
    model = Model(
        item_ids=[f"i{n}" for n in range(n_items)],
        user_ids=[f"u{n}" for n in range(n_users)],
        item_factors=random_factors(n_items, factors, rng, centres),
        user_factors=random_factors(n_users, factors, rng, centres),
        popularity=rng.integers(1, 1000, n_items).astype(np.float32),
        weighting=Bm25(idf=np.ones(n_items, dtype=np.float32), average_length=10.0,
                       k1=1.2, b=0.75, binarize=True),
        regularization=1.0,
        alpha=1.0,
        index=None,
        metadata={"algorithm": "random", "seed": seed},
    )
    return with_index(model, n_lists, seed) if indexed else model
