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
_ASSIGN_CHUNK = 16_384
"""Rows scored against every centroid at once: 16k x 3,000 lists is 200 MB of scores."""


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
    """Index the vectors; return the index and the item order it expects (head first).

    Works a chunk of rows at a time, so it needs little memory beyond the vectors themselves (at
    ten million items a whole copy of them is gigabytes).
    """
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))  # no squared copy of the vectors
    by_length = np.argsort(-norms, kind="stable")
    head_size = min(int(head_fraction * len(vectors)), len(vectors) - 1)
    head, rest = by_length[:head_size], by_length[head_size:]
    n_lists = max(1, min(n_lists, len(rest)))
    rng = np.random.default_rng(seed)
    centroids = _spherical_kmeans(vectors, rest, n_lists, rng)
    labels = _assign(vectors, rest, centroids)
    grouped = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=n_lists)
    offsets = head_size + np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    means = _cluster_means(vectors, rest, labels, n_lists)
    return IvfIndex(centroids=means, offsets=offsets), np.concatenate([head, rest[grouped]])


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _chunks(rows: np.ndarray) -> list[slice]:
    return [slice(start, start + _ASSIGN_CHUNK) for start in range(0, len(rows), _ASSIGN_CHUNK)]


def _cluster_means(vectors: np.ndarray, rows: np.ndarray, labels: np.ndarray, n_lists: int) -> np.ndarray:
    """The mean of the vectors `rows` names, by label."""
    sums = np.zeros((n_lists, vectors.shape[1]), dtype=np.float64)
    for part in _chunks(rows):
        sums += _members(labels[part], n_lists) @ vectors[rows[part]]
    counts = np.maximum(np.bincount(labels, minlength=n_lists), 1)
    return np.asarray(sums / counts[:, None], dtype=np.float32)


def _members(labels: np.ndarray, n_lists: int) -> sp.csr_matrix:
    ones = np.ones(len(labels), dtype=np.float32)
    return sp.csr_matrix((ones, (labels, np.arange(len(labels)))), shape=(n_lists, len(labels)))


def _spherical_kmeans(vectors: np.ndarray, rows: np.ndarray, n_lists: int, rng: np.random.Generator) -> np.ndarray:
    # k-means on a sample of the rows' directions is enough to place centroids; every item is assigned afterwards
    size = min(len(rows), n_lists * _SAMPLE_PER_LIST)
    sample = _unit_rows(vectors[rows[rng.choice(len(rows), size=size, replace=False)]])
    everything = np.arange(size)
    centroids = sample[rng.choice(size, size=n_lists, replace=False)].copy()
    for _ in range(_KMEANS_ITERATIONS):
        labels = _assign(sample, everything, centroids, unit=True)
        sums = np.asarray(_members(labels, n_lists) @ sample, dtype=np.float32)
        empty = np.bincount(labels, minlength=n_lists) == 0
        sums[empty] = sample[rng.choice(size, size=int(empty.sum()))]
        centroids = _unit_rows(sums)
    return centroids


def _assign(vectors: np.ndarray, rows: np.ndarray, centroids: np.ndarray, unit: bool = False) -> np.ndarray:
    """The nearest centroid (by direction) of each vector `rows` names, a chunk of rows at a time."""
    labels = np.empty(len(rows), dtype=np.int64)
    for part in _chunks(rows):
        chunk = vectors[rows[part]]
        labels[part] = np.argmax((chunk if unit else _unit_rows(chunk)) @ centroids.T, axis=1)
    return labels
