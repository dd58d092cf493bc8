"""A process-wide copy of album pages, dropped whole when the catalog version moves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from graph import catalog_version
from graph.album_page import AlbumPage, album_pages
from graph.driver import Graph

log = logging.getLogger("tunegraph")
POLL_SECONDS = 1.0
"""How long a catalog write may go unseen: the version is read this often."""


class AlbumCache:
    """Album pages by key, at most `capacity`, valid for one catalog version."""

    def __init__(self, graph: Graph, capacity: int) -> None:
        self.graph = graph
        self.capacity = capacity
        self.version: int | None = None
        self.pages: dict[str, AlbumPage] = {}

    async def album_pages(self, keys: Sequence[str]) -> list[AlbumPage | None]:
        """One AlbumPage per key (None where there is no such album), read from the graph only where not held."""
        missing = [k for k in dict.fromkeys(keys) if k not in self.pages]
        fetched: dict[str, AlbumPage | None] = {}
        if missing:
            version = self.version
            fetched = dict(zip(missing, await album_pages(self.graph, missing), strict=True))
            # A version that moved during the read may mean rows older than the version now current.
            if version is not None and version == self.version:
                self._keep(fetched)
        return [fetched[k] if k in fetched else self.pages.get(k) for k in keys]

    def _keep(self, fetched: dict[str, AlbumPage | None]) -> None:
        for key, page in fetched.items():
            if page is None:
                continue
            if len(self.pages) >= self.capacity:
                del self.pages[next(iter(self.pages))]
            self.pages[key] = page

    async def refresh(self) -> None:
        """Read the catalog version; drop every page if it moved."""
        version = await catalog_version.current(self.graph)
        if version != self.version:
            self.pages.clear()
            self.version = version

    async def watch(self, every: float = POLL_SECONDS) -> None:
        """Refresh forever (a failed read keeps polling; the copy is dropped until the graph answers)."""
        while True:
            try:
                await self.refresh()
            except Exception as exc:
                self.pages.clear()
                self.version = None
                log.warning("could not read the catalog version: %s", exc)
            await asyncio.sleep(every)
