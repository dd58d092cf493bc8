"""Root fields of the catalog: nodes by ID, the three lists, genres."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry

from api.context import Info
from api.descriptions import After, Before, First, Last
from api.ids import from_global
from api.pagination import Connection, page_args
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

    @strawberry.field(
        description="Any object by its global ID; null if there is none. A malformed ID is BAD_REQUEST naming "
        "`id`. Customers and purchases need a token: UNAUTHENTICATED without one, FORBIDDEN unless the "
        "token's own (or `admin` scope)."
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")]
    ) -> Node | None:
        from_global(id, "id")
        return (await resolve_nodes(info, [id]))[0]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Objects by global ID, in the order asked; null where there is none. At most 100 IDs "
        "(more is BAD_REQUEST naming `ids`); a malformed one is BAD_REQUEST naming `ids[i]`."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Up to 100 global IDs.")],
    ) -> list[Node | None]:
        if len(ids) > 100:
            from api.errors import bad_argument

            raise bad_argument("ids", f"at most 100 IDs at once, got {len(ids)}")
        return await resolve_nodes(info, list(ids))

    @strawberry.field(description="Every artist, a page at a time; name order by default.")
    async def artists(
        self,
        info: Info,
        filter: Annotated[ArtistFilter | None, strawberry.argument(description="Only artists matching this.")] = None,
        order_by: Annotated[
            ArtistOrder | None, strawberry.argument(description="The order; name, ascending, when omitted.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Artist]:
        f = {"name": filter.name, "nameContains": filter.name_contains} if filter else {}
        return await artist_types.artist_connection(info, f, order_by, page_args(first, after, last, before))

    @strawberry.field(description="Every album, a page at a time; title order by default.")
    async def albums(
        self,
        info: Info,
        filter: Annotated[AlbumFilter | None, strawberry.argument(description="Only albums matching this.")] = None,
        order_by: Annotated[
            AlbumOrder | None, strawberry.argument(description="The order; title, ascending, when omitted.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Album]:
        f = filter.as_params() if filter else {}
        return await album_types.album_connection(info, f, order_by, page_args(first, after, last, before))

    @strawberry.field(description="Every track, a page at a time; title order by default.")
    async def tracks(
        self,
        info: Info,
        filter: Annotated[TrackFilter | None, strawberry.argument(description="Only tracks matching this.")] = None,
        order_by: Annotated[
            TrackOrder | None, strawberry.argument(description="The order; title, ascending, when omitted.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Track]:
        f = filter.as_params() if filter else {}
        return await track_types.track_connection(info, f, order_by, page_args(first, after, last, before))

    @strawberry.field(description="Every genre, by name (a short list: not paged).")
    async def genres(self, info: Info) -> list[Genre]:
        return [genre_types.Genre.from_row(r) for r in await all_genres(info.context.graph)]
