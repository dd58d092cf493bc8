"""The Album type, its filter and order."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.ids import key_of, to_global
from api.lookahead import asked_fields
from api.pagination import Connection, SortDirection, list_connection
from api.types.node import Node, resolves
from api.types.offer import Offer, offers_of
from graph.rights import on_sale

if TYPE_CHECKING:
    from api.types.artist import Artist
    from api.types.genre import Genre
    from api.types.label import Label
    from api.types.track import Track


@strawberry.enum
class AlbumSortField(Enum):
    TITLE = "TITLE"
    RELEASE_DATE = "RELEASE_DATE"
    POPULARITY = "POPULARITY"


@strawberry.input
class AlbumOrder:
    field: AlbumSortField
    direction: SortDirection


@strawberry.input
class AlbumFilter:
    title: str | None = None
    title_contains: str | None = None
    artist: strawberry.ID | None = None
    genre: strawberry.ID | None = None
    label: strawberry.ID | None = None
    released_after: date | None = None
    released_before: date | None = None
    territory: str | None = None

    def as_params(self) -> dict[str, Any]:
        """The filter as graph parameters, IDs turned into keys."""
        return {
            "title": self.title,
            "titleContains": self.title_contains,
            "artist": key_of(self.artist, "Artist", "filter.artist") if self.artist else None,
            "genre": key_of(self.genre, "Genre", "filter.genre") if self.genre else None,
            "label": key_of(self.label, "Label", "filter.label") if self.label else None,
            "releasedAfter": self.released_after,
            "releasedBefore": self.released_before,
            "territory": self.territory.upper() if self.territory else None,
        }


@strawberry.type
class Album(Node):
    """A release: album, EP, single or compilation."""

    id: strawberry.ID
    title: str
    upc: str | None
    release_date: date | None
    track_count: int
    duration_ms: int
    key: strawberry.Private[str]
    row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Album:
        """An Album from its graph row."""
        return cls(
            id=strawberry.ID(to_global("Album", row["key"])),
            title=row["title"],
            upc=row.get("upc"),
            release_date=row.get("releaseDate"),
            track_count=row.get("trackCount") or 0,
            duration_ms=row.get("durationMs") or 0,
            key=row["key"],
            row=row,
        )

    @strawberry.field
    async def artist(self, info: Info) -> Annotated[Artist, strawberry.lazy("api.types.artist")]:
        from api.types.artist import Artist

        rows = await info.context.loaders.album_artists.load(self.key)
        return Artist.from_row(rows[0])

    @strawberry.field(
        description="When this release last changed (UTC), as catalogChanges records it; "
        "null if stored before changes were recorded."
    )
    def updated_at(self) -> datetime | None:
        return self.row.get("updatedAt")

    @strawberry.field(description="Every credited artist, main first.")
    async def artists(self, info: Info) -> list[Annotated[Artist, strawberry.lazy("api.types.artist")]]:
        from api.types.artist import Artist

        return [Artist.from_row(r) for r in await info.context.loaders.album_artists.load(self.key)]

    @strawberry.field
    async def label(self, info: Info) -> Annotated[Label, strawberry.lazy("api.types.label")] | None:
        from api.types.label import Label

        key = self.row.get("labelKey")
        row = await info.context.loaders.label.load(key) if key else None
        return Label.from_row(row) if row else None

    @strawberry.field
    async def genres(self, info: Info) -> list[Annotated[Genre, strawberry.lazy("api.types.genre")]]:
        from api.types.genre import Genre

        return [Genre.from_row(r) for r in await info.context.loaders.album_genres.load(self.key)]

    @strawberry.field(description="In disc, then track order.")
    async def tracks(self, info: Info) -> list[Annotated[Track, strawberry.lazy("api.types.track")]]:
        from api.types.track import Track

        rows = await info.context.loaders.album_tracks.load(self.key)
        info.context.loaders.remember("tracks", rows)
        return [Track.from_row(r, album=self.row) for r in rows]

    @strawberry.field(description="Empty where the album is not licensed in `territory`.")
    def offers(self, info: Info, territory: str | None = None) -> list[Offer]:
        if not on_sale(self.row, territory, info.context.today):
            return []
        return offers_of(self.row, self.row.get("currency") or "USD")

    @strawberry.field
    def available_in(self, info: Info, territory: str) -> bool:
        return on_sale(self.row, territory, info.context.today)

    @strawberry.field(description="Customers who bought this also bought.")
    async def also_bought(self, info: Info, first: int | None = None, territory: str | None = None) -> list[Album]:
        from api.recommendations import album_also_bought

        return [Album.from_row(r) for r in await album_also_bought(info, self.key, first, territory)]


async def album_connection(
    info: Info, f: dict[str, Any], order: AlbumOrder | None, first: int | None, after: str | None
) -> Connection[Album]:
    """A page of albums under a filter and an order (title by default)."""
    field = order.field.value if order else "TITLE"
    desc = bool(order and order.direction is SortDirection.DESC)
    return await list_connection(info, "albums", f, field, desc, first, after, Album.from_row)


PAGE_FIELDS = frozenset({"artist", "artists", "tracks"})
"""Album fields whose rows the album page query brings along with the album's own."""


@resolves("Album")
async def _albums(info: Info, keys: list[str]) -> list[Any]:
    if asked_fields(info, "Album") & PAGE_FIELDS:
        pages = await info.context.loaders.album_page.load_many(keys)
        return [Album.from_row(p.row) if p else None for p in pages]
    rows = await info.context.loaders.album.load_many(keys)
    return [Album.from_row(r) if r else None for r in rows]
