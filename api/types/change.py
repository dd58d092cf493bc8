"""The change feed: `catalogChanges`, what a partner mirroring the catalog pages through."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.auth import Viewer, require_scope
from api.context import Info
from api.errors import ApiError, Code, bad_argument
from api.ids import to_global
from api.pagination import PageInfo, page_size
from graph import changes
from graph.changes import ChangesPruned, Scope, UnknownPosition
from graph.release_fields import RELEASE_KINDS

if TYPE_CHECKING:
    from api.types.album import Album

CATALOG_READ = "catalog:read"


@strawberry.enum(description="What happened to a release.")
class CatalogChangeKind(Enum):
    CREATED = strawberry.enum_value("CREATED", description="First delivered.")
    UPDATED = strawberry.enum_value("UPDATED", description="Its metadata or tracks changed (see `fields`).")
    RIGHTS_CHANGED = strawberry.enum_value(
        "RIGHTS_CHANGED", description="Only its territories, deal window, royalty rate or offers changed."
    )
    TAKEN_DOWN = strawberry.enum_value("TAKEN_DOWN", description="Its rights now end (a takedown).")


@strawberry.type(description="One change to a release, in commit order.")
class CatalogChange:
    kind: CatalogChangeKind = strawberry.field(description="What happened.")
    album_id: strawberry.ID = strawberry.field(description="The global ID of the release's Album.")
    upc: str | None = strawberry.field(description="The release's UPC (EAN-13), where it has one.")
    fields: list[str] = strawberry.field(
        description="Names of the fields that changed (UPDATED, RIGHTS_CHANGED, TAKEN_DOWN): title, upc, type, "
        "releaseDate, currency, label, artists, genres, territories, rightsStart, rightsEnd, royaltyRate, "
        "offers (whole-album), tracks, trackOffers; empty for CREATED."
    )
    at: datetime = strawberry.field(description="When the change was committed (UTC).")
    album_key: strawberry.Private[str]

    @classmethod
    def of(cls, row: dict[str, Any]) -> CatalogChange:
        """The change of an outbox row."""
        return cls(
            kind=CatalogChangeKind[row["kind"]], album_id=strawberry.ID(to_global("Album", row["releaseKey"])),
            upc=row.get("upc"), fields=list(row.get("fields") or []), at=row["at"], album_key=row["releaseKey"],
        )

    @strawberry.field(description="The release as it is now; null if it has since been deleted.")
    async def album(self, info: Info) -> Annotated[Album, strawberry.lazy("api.types.album")] | None:
        from api.types.album import Album

        row = await info.context.loaders.album.load(self.album_key)
        return Album.from_row(row) if row else None


@strawberry.type(description="A change and the cursor to resume after it.")
class CatalogChangeEdge:
    cursor: str = strawberry.field(description="Opaque; pass as `after` to continue after this change.")
    node: CatalogChange = strawberry.field(description="The change.")


@strawberry.type(description="A page of the change feed.")
class CatalogChangeConnection:
    edges: list[CatalogChangeEdge] = strawberry.field(description="The changes, oldest first.")
    page_info: PageInfo = strawberry.field(
        description="endCursor is where to resume, even when the page has no edges (changes outside the "
        "token's labels were stepped over); hasNextPage says more changes are already committed."
    )
    retention_days: int = strawberry.field(
        description="How long changes are kept; a cursor older than that must resync from a full read."
    )


def scope_of(viewer: Viewer | None) -> Scope:
    """The changes a token may read: `catalog:read` (or admin); a `labels` claim narrows them."""
    found = viewer if viewer is not None and viewer.is_admin else require_scope(viewer, CATALOG_READ)
    return Scope(frozenset(RELEASE_KINDS), None if found.is_admin else found.labels or None)


def _position(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        return changes.position_of(after)
    except ValueError:
        raise bad_argument("after", f"{after!r} is not a cursor of catalogChanges") from None


def _expired(days: int) -> ApiError:
    return ApiError(
        Code.BAD_REQUEST,
        f"after: changes after this cursor are older than the {days}-day retention and were pruned; "
        "resync from a full read of the catalog, then follow catalogChanges from its first page.",
        argument="after",
    )


async def change_page(info: Info, after: str | None, first: int | None) -> CatalogChangeConnection:
    """A page of the changes the viewer may see, after a cursor."""
    scope = scope_of(info.context.viewer)
    size, position = page_size(first), _position(after)
    days = info.context.services.settings.changes_days
    try:
        page = await changes.read_changes(info.context.graph, position, size, scope)
    except ChangesPruned:
        raise _expired(days) from None
    except UnknownPosition:
        raise bad_argument("after", "this cursor is past the newest change: it was not issued here") from None
    edges = [CatalogChangeEdge(cursor=changes.cursor_of(int(r["seq"])), node=CatalogChange.of(r)) for r in page.rows]
    end = changes.cursor_of(page.through)
    info_ = PageInfo(has_next_page=page.more, has_previous_page=after is not None,
                     start_cursor=edges[0].cursor if edges else None, end_cursor=end)
    return CatalogChangeConnection(edges=edges, page_info=info_, retention_days=days)


@strawberry.type
class ChangeQuery:
    """The change feed."""

    @strawberry.field(
        description="Every change to a release in commit order, resumable from a stored cursor; never skips a "
        "change. Needs a token with the `catalog:read` scope (or `admin`); a token with a `labels` claim sees "
        "only its labels' releases. Changes are kept for `retentionDays` (TUNEGRAPH_CHANGES_DAYS)."
    )
    async def catalog_changes(
        self,
        info: Info,
        after: Annotated[str | None, strawberry.argument(description="A cursor from an earlier page; "
                                                          "null starts at the oldest change kept.")] = None,
        first: Annotated[int | None, strawberry.argument(description="Changes per page, 0..100 "
                                                          "(default 20).")] = None,
    ) -> CatalogChangeConnection:
        return await change_page(info, after, first)
