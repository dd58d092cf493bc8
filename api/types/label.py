"""The Label type."""

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
class Label(Node):
    """A record label: the rights holder royalties are owed to."""

    id: strawberry.ID
    name: str
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Label:
        """A Label from its graph row."""
        return cls(id=strawberry.ID(to_global("Label", row["key"])), name=row["name"], key=row["key"])

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

        return await album_connection(info, {"label": self.key}, None, page_args(first, after, last, before))


@resolves("Label")
async def _labels(info: Info, keys: list[str]) -> list[Any]:
    rows = await info.context.loaders.label.load_many(keys)
    return [Label.from_row(r) if r else None for r in rows]
