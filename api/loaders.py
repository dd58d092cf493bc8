"""Per-request DataLoaders: every field of a level of a query is one Cypher query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property, partial
from typing import Any, cast

from strawberry.dataloader import DataLoader

from api.panel_cache import PanelCache
from api.response_cache import utc_today
from api.taste_reads import TasteReads
from graph import album_page, catalog, library, pages, panels, purchase_history
from graph.album_cache import AlbumCache
from graph.album_page import AlbumPage
from graph.catalog import AlbumRow, ArtistRow, NamedRow, R, TrackRow
from graph.driver import Cypher, Graph
from graph.pages import Page, PageRequest
from graph.purchase_history import CustomerRow, PurchaseLineRow, PurchaseRow


def _rows(graph: Graph, query: Cypher, shape: type[R]) -> DataLoader[str, R | None]:
    return DataLoader(partial(catalog.rows_by_key, graph, query, shape=shape))


def _children(graph: Graph, query: Cypher, shape: type[R]) -> DataLoader[str, list[R]]:
    return DataLoader(partial(catalog.children_by_key, graph, query, shape=shape))


class Loaders:
    """The loaders of one request, each made on first use; only the caches passed in outlive it."""

    def __init__(
        self, graph: Graph, album_cache: AlbumCache | None = None, panel_cache: PanelCache | None = None,
        taste_reads: TasteReads | None = None,
    ) -> None:
        self.graph = graph
        self.album_cache = album_cache
        self.panel_cache = panel_cache
        self.taste_reads = taste_reads
        self.shown_rows: dict[str, panels.Shown] = {}
        """Every panel row this request read, by track key (a panel keeps those it showed)."""

    @cached_property
    def artist(self) -> DataLoader[str, ArtistRow | None]:
        return _rows(self.graph, catalog.ARTISTS_BY_KEYS, ArtistRow)

    @cached_property
    def album(self) -> DataLoader[str, AlbumRow | None]:
        return _rows(self.graph, catalog.ALBUMS_BY_KEYS, AlbumRow)

    @cached_property
    def track(self) -> DataLoader[str, TrackRow | None]:
        return _rows(self.graph, catalog.TRACKS_BY_KEYS, TrackRow)

    @cached_property
    def genre(self) -> DataLoader[str, NamedRow | None]:
        return _rows(self.graph, catalog.GENRES_BY_KEYS, NamedRow)

    @cached_property
    def label(self) -> DataLoader[str, NamedRow | None]:
        return _rows(self.graph, catalog.LABELS_BY_KEYS, NamedRow)

    @cached_property
    def album_tracks(self) -> DataLoader[str, list[TrackRow]]:
        return _children(self.graph, catalog.ALBUM_TRACKS, TrackRow)

    @cached_property
    def album_artists(self) -> DataLoader[str, list[ArtistRow]]:
        return _children(self.graph, catalog.ALBUM_ARTISTS, ArtistRow)

    @cached_property
    def track_artists(self) -> DataLoader[str, list[ArtistRow]]:
        return _children(self.graph, catalog.TRACK_ARTISTS, ArtistRow)

    @cached_property
    def album_genres(self) -> DataLoader[str, list[NamedRow]]:
        return _children(self.graph, catalog.ALBUM_GENRES, NamedRow)

    @cached_property
    def album_page(self) -> DataLoader[str, AlbumPage | None]:
        return DataLoader(self._album_pages)

    @cached_property
    def page(self) -> DataLoader[PageRequest, Page]:
        return DataLoader(partial(pages.pages, self.graph), cache=False)

    @cached_property
    def count(self) -> DataLoader[tuple[str, Any], int]:
        return DataLoader(self._counts, cache=False)

    @cached_property
    def customer(self) -> DataLoader[str, CustomerRow | None]:
        return _rows(self.graph, purchase_history.CUSTOMERS_BY_KEYS, CustomerRow)

    @cached_property
    def purchase(self) -> DataLoader[str, PurchaseRow | None]:
        return _rows(self.graph, purchase_history.PURCHASES_BY_KEYS, PurchaseRow)

    @cached_property
    def purchase_lines(self) -> DataLoader[str, list[PurchaseLineRow]]:
        return _children(self.graph, purchase_history.PURCHASE_LINES, PurchaseLineRow)

    @cached_property
    def purchase_page(self) -> DataLoader[purchase_history.PurchasePageRequest, Page]:
        return DataLoader(partial(purchase_history.purchase_pages, self.graph), cache=False)

    @cached_property
    def purchase_count(self) -> DataLoader[str, int]:
        return DataLoader(partial(purchase_history.purchase_counts, self.graph))

    @cached_property
    def library_page(self) -> DataLoader[library.LibraryPageRequest, Page]:
        return DataLoader(partial(library.library_pages, self.graph), cache=False)

    @cached_property
    def library_count(self) -> DataLoader[tuple[str, library.LibraryFilter], int]:
        return DataLoader(partial(library.library_counts, self.graph))

    @cached_property
    def ownership(self) -> DataLoader[tuple[str, str], library.Ownership]:
        return DataLoader(partial(library.ownerships, self.graph))

    @cached_property
    def customer_taste(self) -> DataLoader[str, panels.Taste | None]:
        return DataLoader(self._customer_tastes)

    @cached_property
    def seed_taste(self) -> DataLoader[panels.Basket, panels.Taste]:
        return DataLoader(partial(panels.seed_tastes, self.graph))

    @cached_property
    def shown(self) -> DataLoader[str, panels.Shown | None]:
        return DataLoader(self._shown)
    def remember(self, entity: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Prime the per-key loader of `entity` with rows another query already read (same shape)."""
        loader = {"artists": self.artist, "albums": self.album, "tracks": self.track}[entity]
        cast(DataLoader[str, Mapping[str, Any]], loader).prime_many({row["key"]: row for row in rows})

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
        tastes = await self._tastes(keys)
        self.customer.prime_many({t.customer["key"]: t.customer for t in tastes if t is not None and t.customer})
        return tastes

    async def _tastes(self, keys: Sequence[str]) -> list[panels.Taste | None]:
        """Tastes, their neighbours taken from the panel cache where it holds them for the same inputs."""
        cache, day = self.panel_cache, utc_today()
        if cache is None:
            return await panels.customer_tastes(self.graph, keys)
        known = cache.known(keys, day)
        if self.taste_reads is not None:
            tastes = await self.taste_reads.read(keys, known)
        else:
            tastes = await panels.customer_tastes(self.graph, keys, known)
        pairs = zip(keys, tastes, strict=True)
        completed = [t if t is None or not t.known else cache.complete(k, t, day) for k, t in pairs]
        missing = [k for k, t, c in zip(keys, tastes, completed, strict=True) if t is not None and c is None]
        if missing:  # the catalog moved (or the entry went) between the look and the read: read them whole
            again = dict(zip(missing, await panels.customer_tastes(self.graph, missing), strict=True))
            completed = [again.get(k, c) for k, c in zip(keys, completed, strict=True)]
        for key, taste in zip(keys, completed, strict=True):
            if taste is not None:
                cache.keep(key, taste, day)
        return completed

    def remember_shown(self, shown: Sequence[panels.Shown]) -> None:
        """Prime the track and album loaders with a panel's rows (read by an earlier request)."""
        self.remember("tracks", [s.row for s in shown])
        self.remember("albums", [s.album for s in shown])

    async def _shown(self, keys: Sequence[str]) -> list[panels.Shown | None]:
        found = await panels.shown(self.graph, keys)
        read = {key: s for key, s in zip(keys, found, strict=True) if s is not None}
        self.shown_rows.update(read)
        self.remember_shown(list(read.values()))
        return found

    async def _counts(self, requests: Sequence[tuple[str, Any]]) -> list[int]:
        return await pages.counts(self.graph, requests)
