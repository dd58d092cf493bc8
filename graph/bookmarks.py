"""Causal consistency: the Neo4j bookmarks a unit of work (one API request) must read after.

A cluster answers reads from secondaries that may lag the primary. A request opens a `causal`
scope with the bookmarks its client sent back; every read in it waits until the server it runs
on has caught up with them, and every write adds its own, so a later read (in this request, or
in the next one that carries them, on any API process) sees the write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import neo4j

MAX_BOOKMARKS = 16
"""A scope keeps no more than this many (a single database needs only its latest)."""


class Causal:
    """The bookmarks of one unit of work: those it was given and those its writes left."""

    def __init__(self, given: Iterable[str] = ()) -> None:
        self._values: list[str] = list(dict.fromkeys(given))[-MAX_BOOKMARKS:]
        self.wrote = False

    @property
    def values(self) -> list[str]:
        """The raw bookmark strings, oldest first."""
        return list(self._values)

    def bookmarks(self) -> neo4j.Bookmarks | None:
        """What a session of this unit must start after; None when there is nothing to wait for."""
        return neo4j.Bookmarks.from_raw_values(self._values) if self._values else None

    def wrote_after(self, started_with: neo4j.Bookmarks | None, result: neo4j.Bookmarks) -> None:
        """Record a committed write: later reads must see it.

        Its bookmark supersedes those its session started with; any a concurrent write of the
        same unit added meanwhile are kept.
        """
        replaced = set(started_with.raw_values) if started_with else set()
        kept = [v for v in self._values if v not in replaced]
        self._values = list(dict.fromkeys([*kept, *sorted(result.raw_values)]))[-MAX_BOOKMARKS:]
        self.wrote = True


_CURRENT: ContextVar[Causal | None] = ContextVar("tunegraph_causal", default=None)


def current() -> Causal | None:
    """The scope of the running unit of work, if one is open."""
    return _CURRENT.get()


@contextmanager
def causal(given: Iterable[str] = ()) -> Iterator[Causal]:
    """Open a scope for the code inside (and the tasks it starts) that reads after `given`."""
    scope = Causal(given)
    token = _CURRENT.set(scope)
    try:
        yield scope
    finally:
        _CURRENT.reset(token)
