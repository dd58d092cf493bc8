"""The Track type, its filter and order."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.ids import key_of, to_global
from api.pagination import Connection, SortDirection, list_connection
from api.types.node import Node, resolves
from api.types.offer import Offer, offers_of
from graph.rights import on_sale

if TYPE_CHECKING:
    from api.types.album import Album
    from api.types.artist import Artist
    from api.types.genre import Genre


@strawberry.enum
class TrackSortField(Enum):
    TITLE = "TITLE"
    DURATION = "DURATION"
    POPULARITY = "POPULARITY"


@strawberry.input
class TrackOrder:
    field: TrackSortField
    direction: SortDirection


@strawberry.input
class TrackFilter:
    title: str | None = None
    title_contains: str | None = None
    artist: strawberry.ID | None = None
    album: strawberry.ID | None = None
    genre: strawberry.ID | None = None
    isrc: str | None = None
    min_duration_ms: int | None = None
    max_duration_ms: int | None = None
    territory: str | None = None

    def as_params(self) -> dict[str, Any]:
        """The filter as graph parameters, IDs turned into keys."""
        return {
            "title": self.title,
            "titleContains": self.title_contains,
            "artist": key_of(self.artist, "Artist", "filter.artist") if self.artist else None,
            "album": key_of(self.album, "Album", "filter.album") if self.album else None,
            "genre": key_of(self.genre, "Genre", "filter.genre") if self.genre else None,
            "isrc": self.isrc.replace("-", "").upper() if self.isrc else None,
            "minDurationMs": self.min_duration_ms,
            "maxDurationMs": self.max_duration_ms,
            "territory": self.territory.upper() if self.territory else None,
        }


@strawberry.type
class Track(Node):
    """A recording on an album."""

    id: strawberry.ID
    title: str
    isrc: str | None
    duration_ms: int
    disc_number: int
    track_number: int
    composer: str | None
    key: strawberry.Private[str]
    row: strawberry.Private[dict[str, Any]]
    album_row: strawberry.Private[dict[str, Any] | None] = None

    @classmethod
    def from_row(cls, row: dict[str, Any], album: dict[str, Any] | None = None) -> Track:
        """A Track from its graph row (and its album's, where the caller has it at hand)."""
        return cls(
            id=strawberry.ID(to_global("Track", row["key"])),
            title=row["title"],
            isrc=row.get("isrc"),
            duration_ms=row.get("durationMs") or 0,
            disc_number=row.get("discNumber") or 1,
            track_number=row.get("trackNumber") or 1,
            composer=row.get("composer"),
            key=row["key"],
            row=row,
            album_row=album,
        )

    async def _album_row(self, info: Info) -> dict[str, Any]:
        row = await info.context.loaders.album.load(self.row["albumKey"])
        assert row is not None, f"track {self.key} has no album"
        return row

    @strawberry.field
    async def album(self, info: Info) -> Annotated[Album, strawberry.lazy("api.types.album")]:
        from api.types.album import Album

        return Album.from_row(await self._album_row(info))

    @strawberry.field(
        description="When this track was last written by a change to its release (UTC); "
        "null if stored before changes were recorded."
    )
    def updated_at(self) -> datetime | None:
        return self.row.get("updatedAt")

    @strawberry.field(description="Main artist first.")
    async def artists(self, info: Info) -> list[Annotated[Artist, strawberry.lazy("api.types.artist")]]:
        from api.types.artist import Artist

        return [Artist.from_row(r) for r in await info.context.loaders.track_artists.load(self.key)]

    @strawberry.field
    async def genre(self, info: Info) -> Annotated[Genre, strawberry.lazy("api.types.genre")] | None:
        from api.types.genre import Genre

        key = self.row.get("genreKey")
        row = await info.context.loaders.genre.load(key) if key else None
        return Genre.from_row(row) if row else None

    # Sync where the album row is at hand (an album's track list): most offers cost no coroutine then.
    @strawberry.field(description="Empty where the track is not licensed in `territory`.", graphql_type=list[Offer])
    def offers(self, info: Info, territory: str | None = None) -> list[Offer] | Awaitable[list[Offer]]:
        if self.album_row is not None:
            return _offers(self.row, self.album_row, territory, info.context.today)
        return self._offers_later(info, territory)

    async def _offers_later(self, info: Info, territory: str | None) -> list[Offer]:
        return _offers(self.row, await self._album_row(info), territory, info.context.today)

    @strawberry.field(graphql_type=bool)
    def available_in(self, info: Info, territory: str) -> bool | Awaitable[bool]:
        if self.album_row is not None:
            return on_sale(self.album_row, territory, info.context.today)
        return self._available_later(info, territory)

    async def _available_later(self, info: Info, territory: str) -> bool:
        return on_sale(await self._album_row(info), territory, info.context.today)

    @strawberry.field(description="Customers who bought this also bought.")
    async def also_bought(self, info: Info, first: int | None = None, territory: str | None = None) -> list[Track]:
        from api.recommendations import track_also_bought

        return [Track.from_row(r) for r in await track_also_bought(info, self.key, first, territory)]


def _offers(row: dict[str, Any], album: dict[str, Any], territory: str | None, today: date) -> list[Offer]:
    if not on_sale(album, territory, today):
        return []
    return offers_of(row, album.get("currency") or "USD")


async def track_connection(
    info: Info, f: dict[str, Any], order: TrackOrder | None, first: int | None, after: str | None
) -> Connection[Track]:
    """A page of tracks under a filter and an order (title by default)."""
    field = order.field.value if order else "TITLE"
    desc = bool(order and order.direction is SortDirection.DESC)
    return await list_connection(info, "tracks", f, field, desc, first, after, Track.from_row)


@resolves("Track")
async def _tracks(info: Info, keys: list[str]) -> list[Any]:
    rows = await info.context.loaders.track.load_many(keys)
    return [Track.from_row(r) if r else None for r in rows]
