"""The Genre type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.descriptions import After, Before, First, Last
from api.ids import to_global
from api.pagination import Connection, page_args
from api.types.node import Node, resolves

if TYPE_CHECKING:
    from api.types.album import Album


@strawberry.type(
    description='A musical genre, e.g. "Rock". Its key is the slug of its name ("Alternative & Punk" is '
    '"alternative-punk"). No token needed.'
)
class Genre(Node):
    """A genre; its key is the slug of its name."""

    id: strawberry.ID = strawberry.field(description="The global ID (base64 of \"Genre:<key>\").")
    name: str = strawberry.field(description="The name, as displayed.")
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Genre:
        """A Genre from its graph row."""
        return cls(id=strawberry.ID(to_global("Genre", row["key"])), name=row["name"], key=row["key"])

    @strawberry.field(description='Albums in this genre, by title.')
    async def albums(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Album, strawberry.lazy("api.types.album")]]:
        from api.types.album import album_connection

        return await album_connection(info, {"genre": self.key}, None, page_args(first, after, last, before))


@resolves("Genre")
async def _genres(info: Info, keys: list[str]) -> list[Any]:
    rows = await info.context.loaders.genre.load_many(keys)
    return [Genre.from_row(r) if r else None for r in rows]
