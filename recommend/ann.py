"""An inverted-file (IVF) index for approximate top-k inner-product search over item vectors.

Items are clustered by spherical k-means on their directions; the model stores its items
ordered by cluster so that each cluster is one contiguous slice of the factor matrix and a
query scans only the slices of the clusters whose centroids best match it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_KMEANS_ITERATIONS = 10
_SAMPLE_PER_LIST = 32
_ASSIGN_CHUNK = 65_536


@dataclass(frozen=True)
class IvfIndex:
    """Cluster centroids (unit rows) and the [start, end) item range of each cluster."""

    centroids: np.ndarray
    offsets: np.ndarray

    @property
    def n_lists(self) -> int:
        """Number of clusters."""
        return int(self.centroids.shape[0])

    def best_lists(self, query: np.ndarray, n_probe: int) -> np.ndarray:
        """The n_probe clusters whose centroids best match the query."""
        similarity = self.centroids @ query
        if n_probe >= len(similarity):
            return np.argsort(-similarity, kind="stable")
        return np.argpartition(-similarity, n_probe - 1)[:n_probe]

    def scan(self, vectors: np.ndarray, query: np.ndarray, lists: np.ndarray) -> tuple[
        np.ndarray, np.ndarray
    ]:
        """Item indices and inner products of every item in the given clusters."""
        starts, ends = self.offsets[lists], self.offsets[lists + 1]
        indices = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        scores = np.concatenate(
            [vectors[s:e] @ query for s, e in zip(starts, ends, strict=True)]
        ) if len(lists) else np.zeros(0, dtype=vectors.dtype)
        return indices, scores


def default_lists(n_items: int) -> int:
    """A cluster count that balances the centroid scan against cluster size (~sqrt n)."""
    return max(1, int(np.sqrt(n_items)))


def build(vectors: np.ndarray, n_lists: int, seed: int) -> tuple[IvfIndex, np.ndarray]:
    """Cluster the vectors; return the index and the item permutation that groups clusters."""
    n_lists = max(1, min(n_lists, len(vectors)))
    directions = _unit_rows(vectors)
    centroids = _spherical_kmeans(directions, n_lists, np.random.default_rng(seed))
    labels = _assign(directions, centroids)
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=n_lists)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return IvfIndex(centroids=centroids, offsets=offsets), order


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _spherical_kmeans(points: np.ndarray, n_lists: int, rng: np.random.Generator) -> np.ndarray:
    # k-means on a sample is enough to place centroids; every item is assigned afterwards
    size = min(len(points), n_lists * _SAMPLE_PER_LIST)
    sample = points[rng.choice(len(points), size=size, replace=False)]
    centroids = sample[rng.choice(size, size=n_lists, replace=False)].copy()
    for _ in range(_KMEANS_ITERATIONS):
        labels = _assign(sample, centroids)
        members = sp.csr_matrix(
            (np.ones(size, dtype=np.float32), (labels, np.arange(size))), shape=(n_lists, size)
        )
        sums = np.asarray(members @ sample, dtype=np.float32)
        empty = np.bincount(labels, minlength=n_lists) == 0
        sums[empty] = sample[rng.choice(size, size=int(empty.sum()))]
        centroids = _unit_rows(sums)
    return centroids


def _assign(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    labels = np.empty(len(points), dtype=np.int64)
    for start in range(0, len(points), _ASSIGN_CHUNK):
        chunk = points[start:start + _ASSIGN_CHUNK]
        labels[start:start + _ASSIGN_CHUNK] = np.argmax(chunk @ centroids.T, axis=1)
    return labels
