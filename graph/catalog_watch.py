"""The catalog version as this process last read it, polled: what per-process copies follow."""

from __future__ import annotations

import asyncio
import logging

from graph import catalog_version
from graph.driver import Graph

log = logging.getLogger("tunegraph")
POLL_SECONDS = 1.0
"""How long a catalog write may go unseen: the version is read this often."""


class CatalogWatch:
    """The catalog version last read (None before the first read and while the graph does not answer)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.version: int | None = None

    def moved(self) -> None:
        """Called when the version moves or becomes unknown: what a copy drops (nothing here)."""

    async def refresh(self) -> None:
        """Read the catalog version; call `moved` if it changed."""
        version = await catalog_version.current(self.graph)
        if version != self.version:
            self.moved()
            self.version = version

    async def watch(self, every: float = POLL_SECONDS) -> None:
        """Refresh forever (a failed read keeps polling; copies are dropped until the graph answers)."""
        while True:
            try:
                await self.refresh()
            except Exception as exc:
                self.moved()
                self.version = None
                log.warning("could not read the catalog version: %s", exc)
            await asyncio.sleep(every)
