"""Genre and Label: one shape with two names, a name that albums are listed under."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

import strawberry

from api.context import Info
from api.descriptions import After, Before, First, Last
from api.ids import to_global
from api.pagination import Connection, page_args
from api.types.node import Node

if TYPE_CHECKING:
    from api.types.album import Album


@strawberry.type(description="A name albums are listed under (not in the schema itself: Genre and Label are).")
class AlbumGroup(Node):
    """A genre or a label: its global ID names the subclass, its key filters the album list."""

    name: str = strawberry.field(description="The name, as displayed.")
    key: strawberry.Private[str]
    album_filter: ClassVar[str]
    """The album list's filter parameter this group's key goes in."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """A group from its graph row."""
        return cls(id=strawberry.ID(to_global(cls.__name__, row["key"])), name=row["name"], key=row["key"])

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any] | None]) -> list[Self | None]:
        """Groups from graph rows, None where a row is absent."""
        return [cls.from_row(r) if r else None for r in rows]


async def group_albums(
    root: AlbumGroup,
    info: Info,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Annotated[Album, strawberry.lazy("api.types.album")]]:
    """The group's albums, by title: the `albums` field of Genre and Label."""
    from api.types.album import ALBUMS

    return await ALBUMS.connection(info, {root.album_filter: root.key}, None, page_args(first, after, last, before))


@strawberry.type(
    description='A musical genre, e.g. "Rock". Its key is the slug of its name ("Alternative & Punk" is '
    '"alternative-punk"). No token needed.'
)
class Genre(AlbumGroup):
    """A genre; its key is the slug of its name."""

    id: strawberry.ID = strawberry.field(description="The global ID (base64 of \"Genre:<key>\").")
    albums: Connection[Annotated[Album, strawberry.lazy("api.types.album")]] = strawberry.field(
        resolver=group_albums, description="Albums in this genre, by title."
    )
    album_filter: ClassVar[str] = "genre"


async def genre_nodes(info: Info, keys: list[str]) -> list[Genre | None]:
    """Genres by key (None where absent)."""
    return Genre.from_rows(await info.context.loaders.genre.load_many(keys))


@strawberry.type(description='A record label: the rights holder that royalties are owed to. No token needed.')
class Label(AlbumGroup):
    """A record label: the rights holder royalties are owed to."""

    id: strawberry.ID = strawberry.field(description="The global ID (base64 of \"Label:<key>\").")
    albums: Connection[Annotated[Album, strawberry.lazy("api.types.album")]] = strawberry.field(
        resolver=group_albums, description="Albums released by this label, by title."
    )
    album_filter: ClassVar[str] = "label"


async def label_nodes(info: Info, keys: list[str]) -> list[Label | None]:
    """Labels by key (None where absent)."""
    return Label.from_rows(await info.context.loaders.label.load_many(keys))
