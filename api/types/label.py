"""The Label type."""

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


@strawberry.type(description='A record label: the rights holder that royalties are owed to. No token needed.')
class Label(Node):
    """A record label: the rights holder royalties are owed to."""

    id: strawberry.ID = strawberry.field(description="The global ID (base64 of \"Label:<key>\").")
    name: str = strawberry.field(description="The name, as displayed.")
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Label:
        """A Label from its graph row."""
        return cls(id=strawberry.ID(to_global("Label", row["key"])), name=row["name"], key=row["key"])

    @strawberry.field(description='Albums released by this label, by title.')
    async def albums(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Album, strawberry.lazy("api.types.album")]]:
        from api.types.album import album_connection

        return await album_connection(info, {"label": self.key}, None, page_args(first, after, last, before))


@resolves("Label")
async def _labels(info: Info, keys: list[str]) -> list[Any]:
    rows = await info.context.loaders.label.load_many(keys)
    return [Label.from_row(r) if r else None for r in rows]
