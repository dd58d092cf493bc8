"""Seeded sampling: the random streams and weighted draws the generated store is made with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.floating[Any]]
BoolArray = npt.NDArray[np.bool_]
U64Array = npt.NDArray[np.uint64]
BytesArray = npt.NDArray[np.bytes_]


def rng_for(seed: int, stream: int) -> np.random.Generator:
    """The random stream number `stream` of a seed (each part of the store draws from its own)."""
    return np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, stream])


def weighted(rng: np.random.Generator, weights: FloatArray, size: int) -> IntArray:
    """`size` indexes drawn with probability proportional to `weights`."""
    cum = np.cumsum(weights)
    picks = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    result: IntArray = np.minimum(picks, len(weights) - 1).astype(np.int64)
    return result


@dataclass(frozen=True, slots=True)
class Segments:
    """Items grouped by a key, each group sampled in proportion to the items' weights."""

    order: IntArray  # item indexes sorted by group
    cum: FloatArray  # cumulative weights in that order, with a leading 0
    start: IntArray  # group g is order[start[g]:start[g + 1]]

    @classmethod
    def build(cls, groups: IntArray, weights: FloatArray, n_groups: int) -> Segments:
        """`groups[i]` is item i's group (0 <= group < n_groups), `weights[i]` its weight."""
        order = np.argsort(groups, kind="stable").astype(np.int64)
        cum = np.concatenate(([0.0], np.cumsum(weights[order])))
        start = np.searchsorted(groups[order], np.arange(n_groups + 1)).astype(np.int64)
        return cls(order, cum, start)

    def sizes(self, group: IntArray) -> IntArray:
        """The number of items in each group of `group`."""
        return self.start[group + 1] - self.start[group]

    def sample(self, group: IntArray, rng: np.random.Generator) -> IntArray:
        """One item per entry of `group` (groups must not be empty)."""
        lo, hi = self.start[group], self.start[group + 1]
        u = self.cum[lo] + rng.random(len(group)) * (self.cum[hi] - self.cum[lo])
        pos = np.searchsorted(self.cum, u, side="right") - 1
        picked: IntArray = self.order[np.clip(pos, lo, hi - 1)]
        return picked
