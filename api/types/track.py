"""The Track type, its filter and order."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.descriptions import ListFirst, OfferTerritory, RequiredTerritory, SaleTerritory, enum_value
from api.ids import key_of, to_global
from api.pagination import CatalogList, SortDirection
from api.territory import optional_territory, territory_argument
from api.types.library import viewer_ownership
from api.types.node import Node
from api.types.offer import Format, Offer, offers_of
from graph.catalog import row_instant
from graph.prices import prices_in
from graph.rights import on_sale

if TYPE_CHECKING:
    from api.types.album import Album
    from api.types.album_group import Genre
    from api.types.artist import Artist


@strawberry.enum(description="What tracks can be sorted by.")
class TrackSortField(Enum):
    TITLE = enum_value("TITLE", description="By title, as written (case-sensitive).")
    DURATION = enum_value("DURATION", description="By running time.")
    POPULARITY = enum_value("POPULARITY", description="By units sold, all time and everywhere.")


@strawberry.input(description="How to sort a list of tracks (title, ascending, when omitted).")
class TrackOrder:
    field: TrackSortField = strawberry.field(description="What to sort by.")
    direction: SortDirection = strawberry.field(description="Which way; ties are broken by id, ascending.")


@strawberry.input(description="Conditions a track must meet, all of them (AND); omitted ones are ignored.")
class TrackFilter:
    title: str | None = strawberry.field(default=None, description="Exactly this title (case-sensitive).")
    title_contains: str | None = strawberry.field(
        default=None, description="The title contains this text, case-insensitively."
    )
    artist: strawberry.ID | None = strawberry.field(
        default=None,
        description="Credited to this artist (an Artist ID; otherwise BAD_REQUEST naming `filter.artist`).",
    )
    album: strawberry.ID | None = strawberry.field(
        default=None, description="On this album (an Album ID; otherwise BAD_REQUEST naming `filter.album`)."
    )
    genre: strawberry.ID | None = strawberry.field(
        default=None, description="In this genre (a Genre ID; otherwise BAD_REQUEST naming `filter.genre`)."
    )
    isrc: str | None = strawberry.field(
        default=None, description='This ISRC, with or without hyphens, any case ("GB-AYE-69-00531").'
    )
    min_duration_ms: int | None = strawberry.field(
        default=None, description="At least this long, in milliseconds (inclusive)."
    )
    max_duration_ms: int | None = strawberry.field(
        default=None, description="At most this long, in milliseconds (inclusive)."
    )
    territory: str | None = strawberry.field(
        default=None,
        description='On an album licensed today in this country (ISO 3166-1 alpha-2, any case, e.g. "GB"). '
        'A malformed or unassigned code is BAD_REQUEST naming filter.territory.',
    )

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
            "territory": optional_territory(self.territory, "filter.territory"),
        }


@strawberry.type(description="A recording on an album. No token needed.")
class Track(Node):
    """A recording on an album."""

    id: strawberry.ID = strawberry.field(description="The global ID (base64 of \"Track:<key>\").")
    title: str = strawberry.field(description="The title as released.")
    isrc: str | None = strawberry.field(
        description='International Standard Recording Code, 12 characters without hyphens ("GBAYE6900531"); '
        "null where unknown."
    )
    duration_ms: int = strawberry.field(description="Running time in milliseconds.")
    disc_number: int = strawberry.field(description="Which disc of its album, from 1.")
    track_number: int = strawberry.field(description="Position on its disc, from 1.")
    composer: str | None = strawberry.field(description="Who wrote it, as credited; null where unknown.")
    explicit: bool = strawberry.field(description="Whether it carries a parental advisory (explicit content).")
    popularity: int = strawberry.field(description="Units sold, all time and everywhere.")
    key: strawberry.Private[str]
    row: strawberry.Private[Mapping[str, Any]]
    album_row: strawberry.Private[Mapping[str, Any] | None] = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], album: Mapping[str, Any] | None = None) -> Track:
        """A Track from its graph row (and its album's, where the caller has it at hand)."""
        return cls(
            id=strawberry.ID(to_global("Track", row["key"])),
            title=row["title"],
            isrc=row.get("isrc"),
            duration_ms=row.get("durationMs") or 0,
            disc_number=row.get("discNumber") or 1,
            track_number=row.get("trackNumber") or 1,
            composer=row.get("composer"),
            explicit=bool(row.get("explicit")),
            popularity=row.get("popularity") or 0,
            key=row["key"],
            row=row,
            album_row=album,
        )

    async def _album_row(self, info: Info) -> Mapping[str, Any]:
        row = await info.context.loaders.album.load(self.row["albumKey"])
        assert row is not None, f"track {self.key} has no album"
        return row

    @strawberry.field(description="The album it is on.")
    async def album(self, info: Info) -> Annotated[Album, strawberry.lazy("api.types.album")]:
        from api.types.album import Album

        return Album.from_row(await self._album_row(info))

    @strawberry.field(
        description="When this track was last written by a change to its release (UTC); "
        "null if stored before changes were recorded."
    )
    def updated_at(self) -> datetime | None:
        return row_instant(self.row.get("updatedAt"))

    @strawberry.field(description="Every credited artist, main artist first.")
    async def artists(self, info: Info) -> list[Annotated[Artist, strawberry.lazy("api.types.artist")]]:
        from api.types.artist import Artist

        return [Artist.from_row(r) for r in await info.context.loaders.track_artists.load(self.key)]

    @strawberry.field(description="Its genre; null where unknown.")
    async def genre(self, info: Info) -> Annotated[Genre, strawberry.lazy("api.types.album_group")] | None:
        from api.types.album_group import Genre

        key = self.row.get("genreKey")
        row = await info.context.loaders.genre.load(key) if key else None
        return Genre.from_row(row) if row else None

    # Sync where the album row is at hand (an album's track list): most offers cost no coroutine then.
    @strawberry.field(
        description="This track's formats and prices when bought alone. Empty where its album is not "
        "licensed in `territory` today (or, without `territory`, not on sale today anywhere).",
        graphql_type=list[Offer],
    )
    def offers(self, info: Info, territory: OfferTerritory = None) -> list[Offer] | Awaitable[list[Offer]]:
        code = optional_territory(territory)
        if self.album_row is not None:
            return _offers(self.row, self.album_row, code, info.context.today)
        return self._offers_later(info, code)

    async def _offers_later(self, info: Info, territory: str | None) -> list[Offer]:
        return _offers(self.row, await self._album_row(info), territory, info.context.today)

    @strawberry.field(
        description="Whether the viewer owns this track in any format (bought alone, with its album, or as an "
        "upgrade); null without a customer token."
    )
    async def viewer_owns(self, info: Info) -> bool | None:
        found = await viewer_ownership(info, self.row["albumKey"])
        return bool(found.formats(self.key)) if found is not None else None

    @strawberry.field(
        description="The formats the viewer owns this track in, by name (empty: none); null without a customer "
        "token. Buying another of its `offers` is an upgrade that costs the difference."
    )
    async def viewer_formats(self, info: Info) -> list[Format] | None:
        found = await viewer_ownership(info, self.row["albumKey"])
        return [Format(f) for f in found.formats(self.key)] if found is not None else None

    @strawberry.field(description="Whether its album is licensed in `territory` today.", graphql_type=bool)
    def available_in(self, info: Info, territory: RequiredTerritory) -> bool | Awaitable[bool]:
        code = territory_argument(territory)
        if self.album_row is not None:
            return on_sale(self.album_row, code, info.context.today)
        return self._available_later(info, code)

    async def _available_later(self, info: Info, territory: str) -> bool:
        return on_sale(await self._album_row(info), territory, info.context.today)

    @strawberry.field(
        description="A 30-second MP3 preview, cut from the master (no token needed); a GET answers 404 where the "
        "track has no audio on file."
    )
    def preview_url(self, info: Info) -> str:
        from api.media import preview_url

        return preview_url(info.context.request, self.key)

    @strawberry.field(
        description="Customers who bought this also bought: tracks most like this one in what their buyers "
        "bought, best first."
    )
    async def also_bought(self, info: Info, first: ListFirst = None, territory: SaleTerritory = None) -> list[Track]:
        from api.recommendations import track_also_bought

        return [Track.from_row(r) for r in await track_also_bought(info, self.key, first, territory)]


def _offers(row: Mapping[str, Any], album: Mapping[str, Any], territory: str | None, today: date) -> list[Offer]:
    chosen = prices_in(album, territory)
    if chosen is None or not on_sale(album, territory, today):
        return []
    return offers_of(row, chosen, "track")


TRACKS = CatalogList("tracks", "TITLE", Track.from_row)
"""Tracks under a filter and an order (title by default)."""


async def track_nodes(info: Info, keys: list[str]) -> list[Track | None]:
    """Tracks by key (None where absent)."""
    rows = await info.context.loaders.track.load_many(keys)
    return [Track.from_row(r) if r else None for r in rows]
