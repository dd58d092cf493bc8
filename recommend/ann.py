"""An inverted-file (IVF) index for approximate top-k inner-product search over item vectors.

The longest item vectors (the "head", popular items that top many users' lists) are always
scanned. The other items are clustered by spherical k-means on their directions, and a query
scans the head plus the clusters whose mean vector scores highest against it. The model stores
its items in index order (head first, then cluster by cluster), so every scan is a contiguous
slice of the factor matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

HEAD_FRACTION = 0.003
_KMEANS_ITERATIONS = 10
_SAMPLE_PER_LIST = 32
_ASSIGN_CHUNK = 65_536


@dataclass(frozen=True)
class IvfIndex:
    """Mean vector of each cluster and item ranges: head [0, offsets[0]), cluster c [c, c+1)."""

    centroids: np.ndarray
    offsets: np.ndarray

    @property
    def n_lists(self) -> int:
        """Number of clusters."""
        return int(self.centroids.shape[0])

    def best_lists(self, query: np.ndarray, n_probe: int) -> np.ndarray:
        """The n_probe clusters whose members score highest against the query on average."""
        expected = self.centroids @ query
        if n_probe >= len(expected):
            return np.arange(len(expected))
        return np.argpartition(-expected, n_probe - 1)[:n_probe]

    def scan(self, vectors: np.ndarray, query: np.ndarray, lists: np.ndarray) -> tuple[
        np.ndarray, np.ndarray
    ]:
        """Item indices and inner products of the head and every item in the given clusters."""
        starts = np.concatenate([[0], self.offsets[lists]])
        ends = np.concatenate([[self.offsets[0]], self.offsets[lists + 1]])
        lengths = ends - starts
        # item numbers of all ranges at once: position in the output, shifted per range
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        indices = np.arange(int(lengths.sum())) + shift
        scores = np.concatenate(
            [vectors[s:e] @ query for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        )
        return indices, scores


def default_lists(n_items: int) -> int:
    """A cluster count that balances the centroid scan against cluster size (~sqrt n)."""
    return max(1, int(np.sqrt(n_items)))


def build(
    vectors: np.ndarray, n_lists: int, seed: int, head_fraction: float = HEAD_FRACTION
) -> tuple[IvfIndex, np.ndarray]:
    """Index the vectors; return the index and the item order it expects (head first)."""
    norms = np.linalg.norm(vectors, axis=1)
    by_length = np.argsort(-norms, kind="stable")
    head_size = min(int(head_fraction * len(vectors)), len(vectors) - 1)
    head, rest = by_length[:head_size], by_length[head_size:]
    n_lists = max(1, min(n_lists, len(rest)))
    directions = _unit_rows(vectors[rest])
    centroids = _spherical_kmeans(directions, n_lists, np.random.default_rng(seed))
    labels = _assign(directions, centroids)
    grouped = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=n_lists)
    offsets = head_size + np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    means = _cluster_means(vectors[rest[grouped]], labels[grouped], n_lists)
    return IvfIndex(centroids=means, offsets=offsets), np.concatenate([head, rest[grouped]])


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _cluster_means(vectors: np.ndarray, labels: np.ndarray, n_lists: int) -> np.ndarray:
    sums = _members(labels, n_lists) @ vectors
    counts = np.maximum(np.bincount(labels, minlength=n_lists), 1)
    return np.asarray(sums / counts[:, None], dtype=np.float32)


def _members(labels: np.ndarray, n_lists: int) -> sp.csr_matrix:
    ones = np.ones(len(labels), dtype=np.float32)
    return sp.csr_matrix((ones, (labels, np.arange(len(labels)))), shape=(n_lists, len(labels)))


def _spherical_kmeans(points: np.ndarray, n_lists: int, rng: np.random.Generator) -> np.ndarray:
    # k-means on a sample is enough to place centroids; every item is assigned afterwards
    size = min(len(points), n_lists * _SAMPLE_PER_LIST)
    sample = points[rng.choice(len(points), size=size, replace=False)]
    centroids = sample[rng.choice(size, size=n_lists, replace=False)].copy()
    for _ in range(_KMEANS_ITERATIONS):
        labels = _assign(sample, centroids)
        sums = np.asarray(_members(labels, n_lists) @ sample, dtype=np.float32)
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
