"""Typed root lookups: `album(id:)`, `artist(id:)` … beside `node(id:)`, through the same resolvers."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry

from api.context import Info
from api.ids import from_global
from api.types.album import Album
from api.types.album_group import Genre, Label
from api.types.artist import Artist
from api.types.nodes import NODE_TYPES
from api.types.track import Track

T = TypeVar("T")


async def lookup(info: Info, id: str, kind: type[T]) -> T | None:
    """The `kind` object a global ID names; None when absent or the ID names another type."""
    type_name, key = from_global(id, "id")
    if type_name != kind.__name__:
        return None
    found = (await NODE_TYPES[type_name](info, [key]))[0]
    return found if isinstance(found, kind) else None


_ID = (
    "The {0}'s global ID. A malformed ID is BAD_REQUEST naming `id`; the ID of anything but a {0} gives null."
)
AlbumId = Annotated[strawberry.ID, strawberry.argument(description=_ID.format("Album"))]
ArtistId = Annotated[strawberry.ID, strawberry.argument(description=_ID.format("Artist"))]
TrackId = Annotated[strawberry.ID, strawberry.argument(description=_ID.format("Track"))]
GenreId = Annotated[strawberry.ID, strawberry.argument(description=_ID.format("Genre"))]
LabelId = Annotated[strawberry.ID, strawberry.argument(description=_ID.format("Label"))]


@strawberry.type(description="Catalog objects by global ID, typed: no fragment needed. No token needed.")
class LookupQuery:
    """Typed lookups by global ID."""

    @strawberry.field(description="The album with this ID; null if there is none.")
    async def album(self, info: Info, id: AlbumId) -> Album | None:
        return await lookup(info, id, Album)

    @strawberry.field(description="The artist with this ID; null if there is none.")
    async def artist(self, info: Info, id: ArtistId) -> Artist | None:
        return await lookup(info, id, Artist)

    @strawberry.field(description="The track with this ID; null if there is none.")
    async def track(self, info: Info, id: TrackId) -> Track | None:
        return await lookup(info, id, Track)

    @strawberry.field(description="The genre with this ID; null if there is none.")
    async def genre(self, info: Info, id: GenreId) -> Genre | None:
        return await lookup(info, id, Genre)

    @strawberry.field(description="The label with this ID; null if there is none.")
    async def label(self, info: Info, id: LabelId) -> Label | None:
        return await lookup(info, id, Label)
