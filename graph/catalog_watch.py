"""The catalog version as this process last read it, polled: what per-process copies follow."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from graph import catalog_version
from graph.driver import Graph

log = logging.getLogger("tunegraph")
POLL_SECONDS = 1.0
"""How long a catalog write may go unseen: the version is read this often."""


class CatalogWatch:
    """The catalog version last read (None before the first read and while the graph does not answer),
    telling its subscribers when it moves."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.version: int | None = None
        self.subscribers: list[Callable[[], None]] = []

    def subscribe(self, moved: Callable[[], None]) -> None:
        """Call `moved` whenever the version moves or becomes unknown (a copy drops what it holds)."""
        self.subscribers.append(moved)

    async def refresh(self) -> None:
        """Read the catalog version; tell the subscribers if it changed."""
        version = await catalog_version.current(self.graph)
        if version != self.version:
            self._moved()
            self.version = version

    async def watch(self, every: float = POLL_SECONDS) -> None:
        """Refresh forever (a failed read keeps polling; copies are dropped until the graph answers)."""
        while True:
            try:
                await self.refresh()
            except Exception as exc:
                self._moved()
                self.version = None
                log.warning("could not read the catalog version: %s", exc)
            await asyncio.sleep(every)

    def _moved(self) -> None:
        for moved in self.subscribers:
            moved()
