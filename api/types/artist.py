"""The Artist type, its filter and order."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.descriptions import After, Before, First, Last, ListFirst, SaleTerritory, enum_value
from api.ids import to_global
from api.pagination import CatalogList, Connection, SortDirection, page_args, page_size
from api.territory import optional_territory
from api.types.node import Node
from graph.pages import PageRequest

if TYPE_CHECKING:
    from api.types.album import Album, AlbumOrder
    from api.types.track import Track


@strawberry.enum(description="What artists can be sorted by.")
class ArtistSortField(Enum):
    NAME = enum_value("NAME", description="By name, as written (case-sensitive).")
    POPULARITY = enum_value(
        "POPULARITY", description="By units sold of the albums credited to them, all time and everywhere."
    )


@strawberry.input(description="How to sort a list of artists (name, ascending, when omitted).")
class ArtistOrder:
    field: ArtistSortField = strawberry.field(description="What to sort by.")
    direction: SortDirection = strawberry.field(description="Which way; ties are broken by id, ascending.")


@strawberry.input(description="Conditions an artist must meet, all of them (AND); omitted ones are ignored.")
class ArtistFilter:
    name: str | None = strawberry.field(default=None, description="Exactly this name (case-sensitive).")
    name_contains: str | None = strawberry.field(
        default=None, description="The name contains this text, case-insensitively."
    )

    def as_params(self) -> dict[str, Any]:
        """The filter as graph parameters."""
        return {"name": self.name, "nameContains": self.name_contains}


@strawberry.type(description="A performer credited on albums and tracks. No token needed.")
class Artist(Node):
    """A performer credited on albums and tracks."""

    id: strawberry.ID = strawberry.field(description="The global ID (base64 of \"Artist:<key>\").")
    name: str = strawberry.field(description="The name as credited.")
    key: strawberry.Private[str]
    row: strawberry.Private[Mapping[str, Any]]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Artist:
        """An Artist from its graph row."""
        return cls(id=strawberry.ID(to_global("Artist", row["key"])), name=row["name"],
                   key=row["key"], row=row)

    @strawberry.field(description="Albums credited to this artist, title order by default.")
    async def albums(
        self,
        info: Info,
        order_by: Annotated[
            Annotated[AlbumOrder, strawberry.lazy("api.types.album")] | None,
            strawberry.argument(description="The order; title, ascending, when omitted."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Album, strawberry.lazy("api.types.album")]]:
        from api.types.album import ALBUMS

        return await ALBUMS.connection(info, {"artist": self.key}, order_by, page_args(first, after, last, before))

    @strawberry.field(
        description="Best-selling tracks of this artist: units sold, all time and everywhere, best first; "
        "with `territory`, only those on sale there today."
    )
    async def top_tracks(
        self, info: Info, territory: SaleTerritory = None, first: ListFirst = None
    ) -> list[Annotated[Track, strawberry.lazy("api.types.track")]]:
        from api.types.track import Track

        size = page_size(first)
        f = {"artist": self.key, "territory": optional_territory(territory)}
        page = await info.context.loaders.page.load(
            PageRequest("tracks", f, "POPULARITY", True, None, size)
        )
        info.context.loaders.remember("tracks", page.rows)
        return [Track.from_row(r) for r in page.rows]

    @strawberry.field(
        description="Artists whose buyers also bought this artist, most related first; never itself."
    )
    async def related(self, info: Info, first: ListFirst = None) -> list[Artist]:
        from api.recommendations import related_artists

        return [Artist.from_row(r) for r in await related_artists(info, self.key, first)]


ARTISTS = CatalogList("artists", "NAME", Artist.from_row)
"""Artists under a filter and an order (name by default)."""


async def artist_nodes(info: Info, keys: list[str]) -> list[Artist | None]:
    """Artists by key (None where absent)."""
    rows = await info.context.loaders.artist.load_many(keys)
    return [Artist.from_row(r) if r else None for r in rows]
