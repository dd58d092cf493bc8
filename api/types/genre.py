"""The Genre type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.ids import to_global
from api.pagination import BeforeArgument, Connection, LastArgument, page_args
from api.types.node import Node, resolves

if TYPE_CHECKING:
    from api.types.album import Album


@strawberry.type
class Genre(Node):
    """A genre; its key is the slug of its name."""

    id: strawberry.ID
    name: str
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Genre:
        """A Genre from its graph row."""
        return cls(id=strawberry.ID(to_global("Genre", row["key"])), name=row["name"], key=row["key"])

    @strawberry.field
    async def albums(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Connection[Annotated[Album, strawberry.lazy("api.types.album")]]:
        from api.types.album import album_connection

        return await album_connection(info, {"genre": self.key}, None, page_args(first, after, last, before))


@resolves("Genre")
async def _genres(info: Info, keys: list[str]) -> list[Any]:
    rows = await info.context.loaders.genre.load_many(keys)
    return [Genre.from_row(r) if r else None for r in rows]
