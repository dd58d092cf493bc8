"""Download links: the `download` and `downloadAlbum` mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.auth import require_customer
from api.context import Info
from api.errors import ApiError, Code, bad_argument
from api.ids import key_of
from api.types.offer import Format
from delivery.formats import ENCODINGS
from graph import downloads

if TYPE_CHECKING:
    from api.types.album import Album
    from api.types.track import Track

TrackId = Annotated[strawberry.ID, strawberry.argument(description="A Track ID.")]
AlbumId = Annotated[strawberry.ID, strawberry.argument(description="An Album ID.")]
DownloadFormat = Annotated[
    Format, strawberry.argument(description="The format bought; MPEG4_VIDEO is not delivered (BAD_REQUEST).")
]


@strawberry.type(description="A signed, expiring link to a track the viewer owns, in one format.")
class Download:
    url: str = strawberry.field(
        description="GET it to receive the file (Content-Disposition names it; byte ranges resume it). Only for "
        "this customer, track and format; anything altered, or fetched after `expiresAt`, is 403."
    )
    format: Format = strawberry.field(description="The format the file is in.")
    expires_at: datetime = strawberry.field(description="When the link stops working (UTC); ask again for a new one.")
    track_key: strawberry.Private[str]

    @strawberry.field(description="The track the link delivers.")
    async def track(self, info: Info) -> Annotated[Track, strawberry.lazy("api.types.track")]:
        from api.types.track import Track

        row = await info.context.loaders.track.load(self.track_key)
        assert row is not None, f"download of a missing track {self.track_key}"
        return Track.from_row(row)


@strawberry.type(description="Links to every track of an album that the viewer owns in one format.")
class AlbumDownload:
    downloads: list[Download] = strawberry.field(
        description="One link per owned track, in disc and track order (an album bought whole: all of them)."
    )
    album_key: strawberry.Private[str]

    @strawberry.field(description="The album.")
    async def album(self, info: Info) -> Annotated[Album, strawberry.lazy("api.types.album")]:
        from api.types.album import Album

        row = await info.context.loaders.album.load(self.album_key)
        assert row is not None, f"download of a missing album {self.album_key}"
        return Album.from_row(row)


def _deliverable(fmt: Format) -> str:
    if fmt.value not in ENCODINGS:
        raise bad_argument("format", f"{fmt.value} is not delivered as a download (audio formats only)")
    return fmt.value


def _link(info: Info, customer: str, track_key: str, fmt: Format) -> Download:
    media = info.context.services.media
    url, expires = media.download_link(info.context.request, customer, track_key, fmt.value)
    return Download(url=url, format=fmt, expires_at=expires, track_key=track_key)


def _not_owned(problem: str, given: str, fmt: Format) -> ApiError:
    return ApiError(Code.FORBIDDEN, f"{problem} in {fmt.value}: buy it first.", item=given, format=fmt.value)


@strawberry.type(description="Download links.")
class DownloadMutation:
    """Download links: a grant valid for minutes, so a mutation (never cached, never a GET)."""

    @strawberry.mutation(
        description="A signed link to download a track the viewer bought in `format` (alone or with its album). "
        "Needs a customer token (UNAUTHENTICATED without one); a track not owned in that format is FORBIDDEN "
        "naming it, an unknown one NOT_FOUND. Links expire after 15 minutes (TUNEGRAPH_DOWNLOAD_SECONDS); "
        "ask again as often as needed: re-downloads are allowed, and counted."
    )
    async def download(self, info: Info, track: TrackId, format: DownloadFormat) -> Download:
        customer = require_customer(info.context.viewer)
        key = key_of(track, "Track", "track")
        fmt = _deliverable(format)
        [found] = await downloads.owned_tracks(info.context.graph, customer, [key], fmt)
        if not found.found:
            raise ApiError(Code.NOT_FOUND, f"track: no track with ID {track!r}", argument="track")
        if not found.owned:
            raise _not_owned(f"You do not own track {track}", track, format)
        return _link(info, customer, key, format)

    @strawberry.mutation(
        description="Signed links, one per track, to the tracks of an album the viewer owns in `format`. One "
        "link per track rather than one archive: each is resumable, cached and fetched in parallel. Needs a "
        "customer token; an album of which the viewer owns no track in `format` is FORBIDDEN, an unknown one "
        "NOT_FOUND."
    )
    async def download_album(self, info: Info, album: AlbumId, format: DownloadFormat) -> AlbumDownload:
        customer = require_customer(info.context.viewer)
        key = key_of(album, "Album", "album")
        fmt = _deliverable(format)
        tracks = await downloads.owned_album_tracks(info.context.graph, customer, key, fmt)
        if tracks is None:
            raise ApiError(Code.NOT_FOUND, f"album: no album with ID {album!r}", argument="album")
        if not tracks:
            raise _not_owned(f"You own no track of album {album}", album, format)
        return AlbumDownload(downloads=[_link(info, customer, t, format) for t in tracks], album_key=key)
