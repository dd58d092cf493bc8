"""A customer's library (LibraryItem, OwnedFormat, LibraryFilter) and the viewer's ownership of tracks and albums."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.descriptions import After, Before, First, Last, enum_value
from api.ids import key_of
from api.pagination import Connection, connection, decode_cursors, page_args
from api.types.offer import Format
from graph.library import LibraryFilter, LibraryPageRequest, Ownership

if TYPE_CHECKING:
    from api.types.track import Track


@strawberry.enum(description="How much of an album the viewer owns, counting the tracks it sells, in any format.")
class AlbumOwnership(Enum):
    NONE = enum_value("NONE", description="None of its tracks (or the album sells no tracks).")
    PARTIAL = enum_value("PARTIAL", description="Some of its tracks: buying the album now completes it.")
    FULL = enum_value("FULL", description="Every track it sells, bought whole or one by one.")


@strawberry.type(description="A format of a track the customer owns, and when they first bought it in it.")
class OwnedFormat:
    format: Format = strawberry.field(description="The format owned.")
    purchased_at: datetime = strawberry.field(description="When it was first bought in this format (UTC).")


@strawberry.type(
    description="A track the customer owns, in one or more formats. Tracks owned through an album bought "
    "whole are listed one by one too; group them by `track.album` (and see `Album.viewerOwnership`)."
)
class LibraryItem:
    formats: list[OwnedFormat] = strawberry.field(
        description="Every format owned, by format name; a format owned counts from its first purchase."
    )
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LibraryItem:
        """An item from a library page row."""
        formats = [OwnedFormat(format=Format(f["format"]), purchased_at=f["purchasedAt"]) for f in row["formats"]]
        return cls(formats=formats, key=row["key"])

    @strawberry.field(description="When the track was first bought, in any format (UTC): the library's order.")
    def first_purchased_at(self) -> datetime:
        return min(f.purchased_at for f in self.formats)

    @strawberry.field(description="The track owned.")
    async def track(self, info: Info) -> Annotated[Track, strawberry.lazy("api.types.track")]:
        from api.types.track import Track

        row = await info.context.loaders.track.load(self.key)
        assert row is not None, f"library item of a missing track {self.key}"
        return Track.from_row(row)


@strawberry.input(description="Narrows a library to one format or one album (both: tracks matching both).")
class LibraryFilterInput:
    format: Format | None = strawberry.field(
        default=None, description="Only tracks owned in this format (their other formats are left out too)."
    )
    album: strawberry.ID | None = strawberry.field(
        default=None, description="Only tracks of this Album ID (the ID of anything else is BAD_REQUEST)."
    )

    def as_filter(self) -> LibraryFilter:
        """The graph-side filter; BAD_REQUEST naming `filter.album` for an ID not of an album."""
        album = key_of(self.album, "Album", "filter.album") if self.album is not None else None
        return LibraryFilter(self.format.value if self.format else None, album)


async def library_of(
    info: Info, customer: str, first: First, after: After, last: Last, before: Before,
    given: LibraryFilterInput | None,
) -> Connection[LibraryItem]:
    """A page of a customer's library, newest first; the caller has checked who may read it."""
    f = given.as_filter() if given is not None else LibraryFilter()
    # The customer and the filter are part of the order label: a cursor works only in its own list.
    order = f"library:{customer}:{f.format}:{f.album}"
    args = page_args(first, after, last, before)
    after_key, before_key = decode_cursors(args, order)
    request = LibraryPageRequest(customer, f, after_key, args.size + 1, before_key, args.backward)
    page = await info.context.loaders.library_page.load(request)
    return connection(page, args, order, LibraryItem.from_row,
                      lambda: info.context.loaders.library_count.load((customer, f)))


async def viewer_ownership(info: Info, album: str) -> Ownership | None:
    """What the viewer owns of an album's tracks; None without a customer token."""
    viewer = info.context.viewer
    if viewer is None or viewer.customer_key is None:
        return None
    return await info.context.loaders.ownership.load((viewer.customer_key, album))


def album_ownership(found: Ownership) -> AlbumOwnership:
    """NONE, PARTIAL or FULL from the counts of the tracks it sells."""
    owned, total = found.counts()
    if owned == 0:
        return AlbumOwnership.NONE
    return AlbumOwnership.FULL if owned == total else AlbumOwnership.PARTIAL
