"""A least-recently-used cache bounded by the bytes its entries account for (and, if asked, by their number)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ByteLRU(Generic[K, V]):
    """Entries with a size each; the least recently used go first once their sizes pass `capacity`."""

    def __init__(self, capacity: int, largest: int, entries: int | None = None) -> None:
        self.capacity = capacity
        self.largest = largest
        """An entry over this many bytes is not kept at all."""
        self.entries = entries
        """At most this many entries, whatever their sizes (None: no count limit)."""
        self.total = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._entries))

    def get(self, key: K) -> V | None:
        """The value kept under `key`, now the most recently used; None when there is none."""
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, size: int) -> bool:
        """Keep `value` under `key` as `size` bytes, dropping the least recently used to make room."""
        self.discard(key)
        if size > self.largest or size > self.capacity or self.entries == 0:
            return False
        while self._entries and (self.total + size > self.capacity or self._full()):
            _, (_, dropped) = self._entries.popitem(last=False)
            self.total -= dropped
        self._entries[key] = (value, size)
        self.total += size
        return True

    def _full(self) -> bool:
        return self.entries is not None and len(self._entries) >= self.entries

    def discard(self, key: K) -> None:
        """Forget `key`, if kept."""
        found = self._entries.pop(key, None)
        if found is not None:
            self.total -= found[1]

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
        self.total = 0
