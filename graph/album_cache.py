"""A process-wide copy of album pages, dropped whole when the catalog version moves."""

from __future__ import annotations

from collections.abc import Sequence

from graph.album_page import AlbumPage, album_pages
from graph.catalog_watch import CatalogWatch
from graph.driver import Graph


class AlbumCache:
    """Album pages by key, at most `capacity`, valid for one catalog version (followed through `watch`)."""

    def __init__(self, graph: Graph, watch: CatalogWatch, capacity: int) -> None:
        self.graph = graph
        self.watch = watch
        self.capacity = capacity
        self.pages: dict[str, AlbumPage] = {}
        watch.subscribe(self.pages.clear)

    async def album_pages(self, keys: Sequence[str]) -> list[AlbumPage | None]:
        """One AlbumPage per key (None where there is no such album), read from the graph only where not held."""
        missing = [k for k in dict.fromkeys(keys) if k not in self.pages]
        fetched: dict[str, AlbumPage | None] = {}
        if missing:
            version = self.watch.version
            fetched = dict(zip(missing, await album_pages(self.graph, missing), strict=True))
            # A version that moved during the read may mean rows older than the version now current.
            if version is not None and version == self.watch.version:
                self._keep(fetched)
        return [fetched[k] if k in fetched else self.pages.get(k) for k in keys]

    def _keep(self, fetched: dict[str, AlbumPage | None]) -> None:
        for key, page in fetched.items():
            if page is None:
                continue
            if len(self.pages) >= self.capacity:
                del self.pages[next(iter(self.pages))]
            self.pages[key] = page
