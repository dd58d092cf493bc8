"""Root fields of the catalog: nodes by ID, the three lists, genres."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry

from api.context import Info
from api.ids import from_global
from api.pagination import BeforeArgument, Connection, LastArgument, page_args
from api.types import album as album_types
from api.types import artist as artist_types
from api.types import genre as genre_types
from api.types import label as label_types  # noqa: F401  (registers Label with node())
from api.types import track as track_types
from api.types.album import Album, AlbumFilter, AlbumOrder
from api.types.artist import Artist, ArtistFilter, ArtistOrder
from api.types.genre import Genre
from api.types.node import RESOLVERS, Node
from api.types.track import Track, TrackFilter, TrackOrder
from graph.catalog import all_genres


async def resolve_nodes(info: Info, ids: list[str]) -> list[Any]:
    """Objects for global IDs in one batch per type; None where absent, hidden or unknown type."""
    parsed = [from_global(value, f"ids[{i}]") for i, value in enumerate(ids)]
    by_type: dict[str, list[int]] = {}
    for i, (type_name, _) in enumerate(parsed):
        by_type.setdefault(type_name, []).append(i)
    out: list[Any] = [None] * len(ids)

    async def fill(type_name: str, indexes: list[int]) -> None:
        resolver = RESOLVERS.get(type_name)
        if resolver is None:
            return
        found = await resolver(info, [parsed[i][1] for i in indexes])
        for i, obj in zip(indexes, found, strict=True):
            out[i] = obj

    await asyncio.gather(*(fill(t, idx) for t, idx in by_type.items()))
    return out


@strawberry.type
class CatalogQuery:
    """Catalog reads: no token needed."""

    @strawberry.field(description="Any object by its global ID; null if there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        from_global(id, "id")
        return (await resolve_nodes(info, [id]))[0]  # type: ignore[no-any-return]

    @strawberry.field(description="Objects by global ID, in order; null where there is none.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > 100:
            from api.errors import bad_argument

            raise bad_argument("ids", f"at most 100 IDs at once, got {len(ids)}")
        return await resolve_nodes(info, list(ids))

    @strawberry.field
    async def artists(
        self,
        info: Info,
        filter: ArtistFilter | None = None,
        order_by: ArtistOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Connection[Artist]:
        f = {"name": filter.name, "nameContains": filter.name_contains} if filter else {}
        return await artist_types.artist_connection(info, f, order_by, page_args(first, after, last, before))

    @strawberry.field
    async def albums(
        self,
        info: Info,
        filter: AlbumFilter | None = None,
        order_by: AlbumOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Connection[Album]:
        f = filter.as_params() if filter else {}
        return await album_types.album_connection(info, f, order_by, page_args(first, after, last, before))

    @strawberry.field
    async def tracks(
        self,
        info: Info,
        filter: TrackFilter | None = None,
        order_by: TrackOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Connection[Track]:
        f = filter.as_params() if filter else {}
        return await track_types.track_connection(info, f, order_by, page_args(first, after, last, before))

    @strawberry.field
    async def genres(self, info: Info) -> list[Genre]:
        return [genre_types.Genre.from_row(r) for r in await all_genres(info.context.graph)]
