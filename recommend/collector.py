"""Interactions gathered from a stream of (user, items) baskets in bounded memory."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recommend.matrix import Interactions, from_arrays

_FIRST_CAPACITY = 1 << 16


class Collector:
    """Maps ids to ints as baskets arrive and keeps int32 rows and columns in growing arrays.

    A stream of millions of purchases costs 8 bytes per purchased item and one entry per
    distinct id, never a Python object per purchase. An item repeated for a user (bought twice)
    counts as its units.
    """

    def __init__(self) -> None:
        self._users: dict[str, int] = {}
        self._items: dict[str, int] = {}
        self._rows = np.empty(_FIRST_CAPACITY, dtype=np.int32)
        self._cols = np.empty(_FIRST_CAPACITY, dtype=np.int32)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, user: str, items: Sequence[str]) -> None:
        """Record that `user` has each of `items` (once per occurrence)."""
        if not items:
            return
        end = self._size + len(items)
        if end > len(self._rows):
            self._grow(end)
        index = self._items
        self._cols[self._size:end] = [index.setdefault(i, len(index)) for i in items]
        self._rows[self._size:end] = self._users.setdefault(user, len(self._users))
        self._size = end

    def interactions(self) -> Interactions:
        """The users x items matrix of everything added, units summed."""
        size = self._size
        return from_arrays(
            self._rows[:size], self._cols[:size], np.ones(size, dtype=np.float32),
            list(self._users), list(self._items),
        )

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * len(self._rows))
        self._rows = np.resize(self._rows, capacity)
        self._cols = np.resize(self._cols, capacity)
