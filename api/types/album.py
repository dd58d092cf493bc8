"""The Album type, its filter and order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.descriptions import ListFirst, OfferTerritory, RequiredTerritory, SaleTerritory, enum_value
from api.ids import key_of, to_global
from api.industry_codes import code_argument, stored_upc
from api.lookahead import asked_fields
from api.media import artwork_url
from api.pagination import CatalogList, SortDirection
from api.territory import optional_territory, territory_argument
from api.types.image import Image
from api.types.library import AlbumOwnership, album_ownership, viewer_ownership
from api.types.node import Node
from api.types.offer import Offer, offers_of
from delivery.artwork import SIZES, Cover
from graph.catalog import row_instant
from graph.prices import prices_in
from graph.release import WORLDWIDE
from graph.rights import on_sale
from graph.territories import ISO_3166_ALPHA2

if TYPE_CHECKING:
    from api.types.album_group import Genre, Label
    from api.types.artist import Artist
    from api.types.track import Track


@strawberry.enum(description="What albums can be sorted by.")
class AlbumSortField(Enum):
    TITLE = enum_value("TITLE", description="By title, as written (case-sensitive, Unicode code point order).")
    RELEASE_DATE = enum_value(
        "RELEASE_DATE", description="By release date; albums without one sort as the earliest."
    )
    POPULARITY = enum_value("POPULARITY", description="By units of its tracks sold, all time and everywhere.")


@strawberry.enum(description="What kind of release an album is, as its label delivered it.")
class ReleaseType(Enum):
    ALBUM = enum_value("ALBUM", description="A full-length album.")
    EP = enum_value("EP", description="An extended play: a few tracks, shorter than an album.")
    SINGLE = enum_value("SINGLE", description="A single: one song, perhaps with versions or a B-side.")
    COMPILATION = enum_value("COMPILATION", description="Tracks gathered from other releases, often by many artists.")


@strawberry.input(description="How to sort a list of albums (title, ascending, when omitted).")
class AlbumOrder:
    field: AlbumSortField = strawberry.field(description="What to sort by.")
    direction: SortDirection = strawberry.field(description="Which way; ties are broken by id, ascending.")


@strawberry.input(description="Conditions an album must meet, all of them (AND); omitted ones are ignored.")
class AlbumFilter:
    title: str | None = strawberry.field(default=None, description="Exactly this title (case-sensitive).")
    title_contains: str | None = strawberry.field(
        default=None, description="The title contains this text, case-insensitively."
    )
    artist: strawberry.ID | None = strawberry.field(
        default=None,
        description="Credited to this artist (an Artist ID; another type's ID is BAD_REQUEST naming "
        "`filter.artist`).",
    )
    genre: strawberry.ID | None = strawberry.field(
        default=None, description="In this genre (a Genre ID; otherwise BAD_REQUEST naming `filter.genre`)."
    )
    label: strawberry.ID | None = strawberry.field(
        default=None, description="Released by this label (a Label ID; otherwise BAD_REQUEST naming `filter.label`)."
    )
    released_after: date | None = strawberry.field(
        default=None, description="Released strictly after this day (albums without a release date are left out)."
    )
    released_before: date | None = strawberry.field(
        default=None, description="Released strictly before this day (albums without a release date are left out)."
    )
    territory: str | None = strawberry.field(
        default=None,
        description='Licensed today in this country (ISO 3166-1 alpha-2, any case, e.g. "GB"). '
        'A malformed or unassigned code is BAD_REQUEST naming filter.territory.',
    )
    upc: str | None = strawberry.field(
        default=None,
        description="The album with this UPC: UPC-A (12 digits) or EAN-13 (13 digits), GS1 check digit "
        "verified (a malformed one is BAD_REQUEST naming filter.upc).",
    )

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
            "territory": optional_territory(self.territory, "filter.territory"),
            "upc": code_argument(self.upc, "filter.upc", stored_upc) if self.upc is not None else None,
        }


@strawberry.type(description="A release: album, EP, single or compilation. No token needed.")
class Album(Node):
    """A release: album, EP, single or compilation."""

    id: strawberry.ID = strawberry.field(description="The global ID (base64 of \"Album:<key>\").")
    title: str = strawberry.field(description="The title as released.")
    upc: str | None = strawberry.field(description="Universal Product Code (barcode); null where unknown.")
    release_date: date | None = strawberry.field(description="The day of release; null where unknown.")
    track_count: int = strawberry.field(description="How many tracks it has, on all discs.")
    duration_ms: int = strawberry.field(description="Total running time of its tracks, in milliseconds.")
    release_type: ReleaseType = strawberry.field(description="Album, EP, single or compilation.")
    explicit: bool = strawberry.field(
        description="Whether it carries a parental advisory (true when any of its tracks does)."
    )
    copyright: str | None = strawberry.field(
        description='The copyright (C) line as printed ("© 2026 Counter Records"); null where not delivered.'
    )
    phonographic_copyright: str | None = strawberry.field(
        description='The phonographic copyright (P) line, the owner of the recordings ("℗ 2026 Counter '
        'Records"); null where not delivered.'
    )
    popularity: int = strawberry.field(description="Units of its tracks sold, all time and everywhere.")
    key: strawberry.Private[str]
    row: strawberry.Private[Mapping[str, Any]]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Album:
        """An Album from its graph row."""
        return cls(
            id=strawberry.ID(to_global("Album", row["key"])),
            title=row["title"],
            upc=row.get("upc"),
            release_date=row.get("releaseDate"),
            track_count=row.get("trackCount") or 0,
            duration_ms=row.get("durationMs") or 0,
            release_type=ReleaseType(row.get("type") or "ALBUM"),
            explicit=bool(row.get("explicit")),
            copyright=row.get("copyright"),
            phonographic_copyright=row.get("phonographicCopyright"),
            popularity=row.get("popularity") or 0,
            key=row["key"],
            row=row,
        )

    @strawberry.field(description="The main artist.")
    async def artist(self, info: Info) -> Annotated[Artist, strawberry.lazy("api.types.artist")]:
        from api.types.artist import Artist

        rows = await info.context.loaders.album_artists.load(self.key)
        return Artist.from_row(rows[0])

    @strawberry.field(
        description="The cover, at 100, 300, 600 and 1200 pixels square (JPEG), smallest first. Each URL "
        "carries the cover's content version, so it may be cached forever."
    )
    async def artwork(self, info: Info) -> list[Image]:
        artists = await info.context.loaders.album_artists.load(self.key)
        cover = Cover(self.key, self.title, (artists[0].get("name") or "") if artists else "")
        request = info.context.request
        return [Image(url=artwork_url(request, cover, s), width=s, height=s) for s in SIZES]

    @strawberry.field(
        description="When this release last changed (UTC), as catalogChanges records it; "
        "null if stored before changes were recorded."
    )
    def updated_at(self) -> datetime | None:
        return row_instant(self.row.get("updatedAt"))

    @strawberry.field(description="Every credited artist, main first.")
    async def artists(self, info: Info) -> list[Annotated[Artist, strawberry.lazy("api.types.artist")]]:
        from api.types.artist import Artist

        return [Artist.from_row(r) for r in await info.context.loaders.album_artists.load(self.key)]

    @strawberry.field(description="The record label that released it; null where unknown.")
    async def label(self, info: Info) -> Annotated[Label, strawberry.lazy("api.types.album_group")] | None:
        from api.types.album_group import Label

        key = self.row.get("labelKey")
        row = await info.context.loaders.label.load(key) if key else None
        return Label.from_row(row) if row else None

    @strawberry.field(description="Its genres (the genres of its tracks), by name.")
    async def genres(self, info: Info) -> list[Annotated[Genre, strawberry.lazy("api.types.album_group")]]:
        from api.types.album_group import Genre

        return [Genre.from_row(r) for r in await info.context.loaders.album_genres.load(self.key)]

    @strawberry.field(description="Every track, in disc, then track order.")
    async def tracks(self, info: Info) -> list[Annotated[Track, strawberry.lazy("api.types.track")]]:
        from api.types.track import Track

        rows = await info.context.loaders.album_tracks.load(self.key)
        info.context.loaders.remember("tracks", rows)
        return [Track.from_row(r, album=self.row) for r in rows]

    @strawberry.field(
        description="The whole album's formats and prices. Empty where the album is not licensed in "
        "`territory` today (or, without `territory`, not on sale today anywhere)."
    )
    def offers(self, info: Info, territory: OfferTerritory = None) -> list[Offer]:
        code = optional_territory(territory)
        chosen = prices_in(self.row, code)
        if chosen is None or not on_sale(self.row, code, info.context.today):
            return []
        return offers_of(self.row, chosen, "album")

    @strawberry.field(
        description="The countries it is licensed in today (ISO 3166-1 alpha-2, sorted): every code when "
        "licensed worldwide (see `worldwide`), empty when on sale nowhere today."
    )
    def territories(self, info: Info) -> list[str]:
        if not on_sale(self.row, None, info.context.today):
            return []
        stored: list[str] = self.row.get("territories") or []
        return sorted(ISO_3166_ALPHA2 if WORLDWIDE in stored else stored)

    @strawberry.field(
        description="Whether it is licensed today in every country, present and future (its licence names "
        "no list of territories)."
    )
    def worldwide(self, info: Info) -> bool:
        stored = self.row.get("territories") or []
        return WORLDWIDE in stored and on_sale(self.row, None, info.context.today)

    @strawberry.field(
        description="How much of this album the viewer owns (its tracks with offers, in any format); null without "
        "a customer token."
    )
    async def viewer_ownership(self, info: Info) -> AlbumOwnership | None:
        found = await viewer_ownership(info, self.key)
        return album_ownership(found) if found is not None else None

    @strawberry.field(
        description="Whether the viewer owns every track this album sells (`viewerOwnership` FULL), bought "
        "whole or one by one; null without a customer token."
    )
    async def viewer_owns(self, info: Info) -> bool | None:
        found = await viewer_ownership(info, self.key)
        return album_ownership(found) is AlbumOwnership.FULL if found is not None else None

    @strawberry.field(description="Whether the album is licensed in `territory` today.")
    def available_in(self, info: Info, territory: RequiredTerritory) -> bool:
        return on_sale(self.row, territory_argument(territory), info.context.today)

    @strawberry.field(
        description="Customers who bought this also bought: albums whose tracks this album's buyers bought, "
        "best first, never itself."
    )
    async def also_bought(self, info: Info, first: ListFirst = None, territory: SaleTerritory = None) -> list[Album]:
        from api.recommendations import album_also_bought

        return [Album.from_row(r) for r in await album_also_bought(info, self.key, first, territory)]


ALBUMS = CatalogList("albums", "TITLE", Album.from_row)
"""Albums under a filter and an order (title by default)."""


PAGE_FIELDS = frozenset({"artist", "artists", "tracks"})
"""Album fields whose rows the album page query brings along with the album's own."""


async def album_nodes(info: Info, keys: list[str]) -> list[Album | None]:
    """Albums by key (None where absent), with their page rows when the query asks for them."""
    if asked_fields(info, "Album") & PAGE_FIELDS:
        pages = await info.context.loaders.album_page.load_many(keys)
        return [Album.from_row(p.row) if p else None for p in pages]
    rows = await info.context.loaders.album.load_many(keys)
    return [Album.from_row(r) if r else None for r in rows]
