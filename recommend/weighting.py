"""BM25 confidence weighting of interactions, shared by training and fold-in at serving time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Bm25:
    """Per-item idf and length normalisation learnt from a training matrix."""

    idf: np.ndarray
    average_length: float
    k1: float
    b: float
    binarize: bool

    def weigh(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        """The BM25-weighted copy of a users x items matrix (same shape and pattern)."""
        weighted = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
        if self.binarize:
            weighted.data[:] = 1.0
        lengths = np.diff(weighted.indptr)
        row_sums = np.asarray(weighted.sum(axis=1), dtype=np.float64).ravel()
        rows = np.repeat(np.arange(weighted.shape[0]), lengths)
        weighted.data = self._formula(weighted.data, row_sums[rows], weighted.indices)
        return weighted

    def weigh_row(self, items: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """BM25 weights of one (possibly new) user's items, given as column indices."""
        data = np.ones(len(items), dtype=np.float64)
        if values is not None and not self.binarize:
            data = np.asarray(values, dtype=np.float64)
        row_sum = np.full(len(items), data.sum())
        return self._formula(data, row_sum, items)

    def _formula(self, data: np.ndarray, row_sums: np.ndarray, items: np.ndarray) -> np.ndarray:
        length_norm = (1.0 - self.b) + self.b * row_sums / self.average_length
        saturated = data * (self.k1 + 1.0) / (self.k1 * length_norm + data)
        return np.asarray(saturated * self.idf[items], dtype=np.float32)


def fit_bm25(matrix: sp.csr_matrix, k1: float, b: float, binarize: bool) -> Bm25:
    """Learn idf and the average row length from a users x items matrix."""
    n_users = max(matrix.shape[0], 1)
    counts = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float64)
    # log1p keeps idf positive even for items most users have, unlike log(N) - log1p(df)
    idf = np.log1p(n_users / (1.0 + counts)).astype(np.float32)
    if binarize:
        row_sums = np.diff(matrix.indptr).astype(np.float64)
    else:
        row_sums = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
    average = float(row_sums.mean()) if row_sums.size and row_sums.mean() > 0 else 1.0
    return Bm25(idf=idf, average_length=average, k1=k1, b=b, binarize=binarize)
