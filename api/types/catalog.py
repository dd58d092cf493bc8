"""Root fields of the catalog: nodes by ID, the three lists, genres."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.descriptions import After, Before, First, Last
from api.ids import from_global
from api.pagination import Connection, page_args
from api.types.album import ALBUMS, Album, AlbumFilter, AlbumOrder
from api.types.album_group import Genre
from api.types.artist import ARTISTS, Artist, ArtistFilter, ArtistOrder
from api.types.node import Node
from api.types.nodes import resolve_nodes
from api.types.track import TRACKS, Track, TrackFilter, TrackOrder
from graph.catalog import all_genres


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
        return await ARTISTS.filtered(info, filter, order_by, page_args(first, after, last, before))

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
        return await ALBUMS.filtered(info, filter, order_by, page_args(first, after, last, before))

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
        return await TRACKS.filtered(info, filter, order_by, page_args(first, after, last, before))

    @strawberry.field(description="Every genre, by name (a short list: not paged).")
    async def genres(self, info: Info) -> list[Genre]:
        return [Genre.from_row(r) for r in await all_genres(info.context.graph)]
