"""Per-request DataLoaders: every field of a level of a query is one Cypher query."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from graph import album_page, catalog, library, pages, panels, purchase_history
from graph.album_cache import AlbumCache
from graph.album_page import AlbumPage
from graph.catalog import Row
from graph.driver import Cypher, Graph
from graph.pages import Page, PageRequest


def _rows(graph: Graph, query: Cypher) -> DataLoader[str, Row | None]:
    return DataLoader(partial(catalog.rows_by_key, graph, query))


def _children(graph: Graph, query: Cypher) -> DataLoader[str, list[Row]]:
    return DataLoader(partial(catalog.children_by_key, graph, query))


class Loaders:
    """The loaders of one request, so nothing is cached across requests or viewers."""

    def __init__(self, graph: Graph, album_cache: AlbumCache | None = None) -> None:
        self.graph = graph
        self.album_cache = album_cache
        self.artist = _rows(graph, catalog.ARTISTS_BY_KEYS)
        self.album = _rows(graph, catalog.ALBUMS_BY_KEYS)
        self.track = _rows(graph, catalog.TRACKS_BY_KEYS)
        self.genre = _rows(graph, catalog.GENRES_BY_KEYS)
        self.label = _rows(graph, catalog.LABELS_BY_KEYS)
        self.album_tracks = _children(graph, catalog.ALBUM_TRACKS)
        self.album_artists = _children(graph, catalog.ALBUM_ARTISTS)
        self.track_artists = _children(graph, catalog.TRACK_ARTISTS)
        self.album_genres = _children(graph, catalog.ALBUM_GENRES)
        self.album_page: DataLoader[str, AlbumPage | None] = DataLoader(self._album_pages)
        self.page: DataLoader[PageRequest, Page] = DataLoader(
            partial(pages.pages, graph), cache=False
        )
        self.count: DataLoader[tuple[str, Any], int] = DataLoader(self._counts, cache=False)
        self.customer = _rows(graph, purchase_history.CUSTOMERS_BY_KEYS)
        self.purchase = _rows(graph, purchase_history.PURCHASES_BY_KEYS)
        self.purchase_lines = _children(graph, purchase_history.PURCHASE_LINES)
        self.purchase_page: DataLoader[purchase_history.PurchasePageRequest, Page] = DataLoader(
            partial(purchase_history.purchase_pages, graph), cache=False
        )
        self.purchase_count: DataLoader[str, int] = DataLoader(partial(purchase_history.purchase_counts, graph))
        self.library_page: DataLoader[library.LibraryPageRequest, Page] = DataLoader(
            partial(library.library_pages, graph), cache=False)
        self.library_count: DataLoader[tuple[str, library.LibraryFilter], int] = DataLoader(
            partial(library.library_counts, graph))
        self.ownership: DataLoader[tuple[str, str], library.Ownership] = DataLoader(
            partial(library.ownerships, graph))
        self.customer_taste: DataLoader[str, panels.Taste | None] = DataLoader(self._customer_tastes)
        self.seed_taste: DataLoader[panels.Basket, panels.Taste] = DataLoader(
            partial(panels.seed_tastes, graph))
        self.shown: DataLoader[str, panels.Shown | None] = DataLoader(self._shown)

    def remember(self, entity: str, rows: Sequence[Row]) -> None:
        """Prime the per-key loader of `entity` with rows another query already read (same shape)."""
        loader = {"artists": self.artist, "albums": self.album, "tracks": self.track}[entity]
        loader.prime_many({row["key"]: row for row in rows})

    async def _album_pages(self, keys: Sequence[str]) -> list[AlbumPage | None]:
        if self.album_cache is not None:
            pages = await self.album_cache.album_pages(keys)
        else:
            pages = await album_page.album_pages(self.graph, keys)
        for key, page in zip(keys, pages, strict=True):
            if page is not None:
                self.album.prime(key, page.row)
                self.album_artists.prime(key, page.artists)
                self.album_tracks.prime(key, page.tracks)
                self.remember("tracks", page.tracks)
        return pages

    async def _customer_tastes(self, keys: Sequence[str]) -> list[panels.Taste | None]:
        tastes = await panels.customer_tastes(self.graph, keys)
        self.customer.prime_many({t.customer["key"]: t.customer for t in tastes if t is not None and t.customer})
        return tastes

    async def _shown(self, keys: Sequence[str]) -> list[panels.Shown | None]:
        found = await panels.shown(self.graph, keys)
        self.remember("tracks", [s.row for s in found if s is not None])
        self.remember("albums", [s.album for s in found if s is not None])
        return found

    async def _counts(self, requests: Sequence[tuple[str, Any]]) -> list[int]:
        return await pages.counts(self.graph, requests)
