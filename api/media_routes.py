"""The media HTTP routes: signed downloads, previews and album covers.

Every refusal is a JSON body `{"error": {"code", "message"}}`; no path on disk is ever taken from
the request, only from keys that a verified link or the graph vouches for.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.errors import RETRY_AFTER_SECONDS
from api.loaders import Loaders
from api.media import ARTWORK_ROUTE, DOWNLOAD_ROUTE, PREVIEW_ROUTE, Media, artwork_url, key_of_url_id
from api.services import services_of
from delivery import artwork
from delivery.formats import ENCODINGS, PREVIEW
from delivery.masters import MasterMissing, MasterUnreadable
from delivery.signing import BadLink, verify
from delivery.tags import TrackTags
from graph import downloads
from graph.driver import UNAVAILABLE_ERRORS

log = logging.getLogger("tunegraph.media")
DOWNLOADS = Counter("tunegraph_downloads", "Downloads started (resumed transfers not counted)", ["format"])
IMMUTABLE = "public, max-age=31536000, immutable"
PREVIEW_CACHE = "public, max-age=86400"
UNSAFE_IN_QUOTES = re.compile(r'[\x00-\x1f\x7f"\\/]')


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` for old clients and the exact UTF-8 `filename*` (RFC 6266)."""
    safe = UNSAFE_IN_QUOTES.sub("_", filename)
    ascii_name = unicodedata.normalize("NFKD", safe).encode("ascii", "ignore").decode() or "download"
    if ascii_name == safe:
        return f'attachment; filename="{safe}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


def _counts(range_header: str | None) -> bool:
    """Whether a request starts a download (no Range, or one from byte 0) rather than resuming one."""
    return range_header is None or range_header.replace(" ", "").startswith("bytes=0-")


def _media(request: Request) -> Media:
    return services_of(request).media


def _loaders(request: Request) -> Loaders:
    services = services_of(request)
    return Loaders(services.graph, services.album_cache)


async def _cover(request: Request, album_key: str) -> artwork.Cover | None:
    loaders = _loaders(request)
    row = await loaders.album.load(album_key)
    if row is None:
        return None
    artists = await loaders.album_artists.load(album_key)
    return artwork.Cover(album_key, row.get("title") or "", (artists[0].get("name") or "") if artists else "")


async def download(request: Request) -> Response:
    """GET a signed download link: the owned file, whole or a single byte range."""
    media = _media(request)
    try:
        grant = verify(media.link_key, request.path_params["token"], time.time())
    except BadLink as bad:
        return _refuse(403, "FORBIDDEN", str(bad))
    encoding = ENCODINGS.get(grant.format)
    graph = services_of(request).graph
    owned = await downloads.granted_file(graph, grant.customer, grant.track, grant.format)
    if encoding is None or owned is None:
        return _refuse(403, "FORBIDDEN", f"this link's customer does not own the track in {grant.format}")
    cover = artwork.Cover(owned.album["key"], owned.album.get("title") or "", owned.album_artist)
    tags = TrackTags(owned.track.get("title") or "", owned.artist, cover.title, owned.track.get("trackNumber") or 1,
                     owned.track.get("isrc"), await media.library.cover_bytes(cover))
    try:
        path = await media.library.rendition(grant.track, encoding, tags)
    except (MasterMissing, MasterUnreadable) as failed:
        return _failed(grant.track, failed)
    if request.method == "GET" and _counts(request.headers.get("range")):
        await downloads.record_download(graph, grant.customer, grant.track, grant.format)
        DOWNLOADS.labels(grant.format).inc()
    name = " - ".join(part for part in (owned.artist, tags.title) if part) + f".{encoding.extension}"
    return FileResponse(path, media_type=encoding.media_type, headers={
        "Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"})


def _failed(track_key: str, failed: MasterMissing | MasterUnreadable) -> JSONResponse:
    if isinstance(failed, MasterMissing):
        log.warning("track %s: %s", track_key, failed)
        return _refuse(404, "NOT_FOUND", "this track has no audio on file")
    log.error("track %s: %s", track_key, failed)
    return _refuse(503, "UNAVAILABLE", "this track's audio cannot be read at the moment; retry later")


async def preview(request: Request) -> Response:
    """GET a track's 30-second MP3 preview (no token needed)."""
    key = key_of_url_id(request.path_params["track"], "Track")
    loaders = _loaders(request)
    if key is None or await loaders.track.load(key) is None:
        return _refuse(404, "NOT_FOUND", "no track with this ID")
    try:
        path = await _media(request).library.preview(key)
    except (MasterMissing, MasterUnreadable) as failed:
        return _failed(key, failed)
    return FileResponse(path, media_type=PREVIEW.media_type, headers={"Cache-Control": PREVIEW_CACHE},
                        content_disposition_type="inline")


async def cover(request: Request) -> Response:
    """GET an album cover; `?v=` must be its current content version (else a redirect to it)."""
    key = key_of_url_id(request.path_params["album"], "Album")
    size: int = request.path_params["size"]
    if size not in artwork.SIZES:
        return _refuse(404, "NOT_FOUND", f"covers come in {', '.join(map(str, artwork.SIZES))} pixels")
    found = await _cover(request, key) if key is not None else None
    if found is None:
        return _refuse(404, "NOT_FOUND", "no album with this ID")
    if request.query_params.get("v") != found.version:
        current = artwork_url(request, found, size)
        return RedirectResponse(current, status_code=302, headers={"Cache-Control": "no-cache"})
    path: Path = await _media(request).library.cover(found, size)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": IMMUTABLE})


async def nothing(request: Request) -> Response:
    """Any other path under /media: a JSON 404 (no file is looked up from a path)."""
    return _refuse(404, "NOT_FOUND", "no such media path")


def _guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """The handler, answering 503 JSON while Neo4j is unreachable (never a 500)."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except UNAVAILABLE_ERRORS as exc:
            log.warning("media request: database or storage unavailable: %s", exc)
            return _refuse(503, "UNAVAILABLE", "media is unavailable at the moment; retry shortly")

    return guarded


def media_routes() -> list[Route]:
    """The routes under /media."""
    return [
        Route("/media/download/{token}", _guarded(download), methods=["GET", "HEAD"], name=DOWNLOAD_ROUTE),
        Route("/media/preview/{track}.mp3", _guarded(preview), methods=["GET", "HEAD"], name=PREVIEW_ROUTE),
        Route("/media/artwork/{album}/{size:int}.jpg", _guarded(cover), methods=["GET", "HEAD"], name=ARTWORK_ROUTE),
        Route("/media/{rest:path}", nothing),
    ]
