"""Media for the API: the library and link key of the app, and the URLs of downloads, previews and covers."""

from __future__ import annotations

import binascii
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import HTTPConnection

from api.errors import ApiError
from api.ids import from_global, to_global
from delivery import artwork
from delivery.library import MediaConfig, MediaLibrary
from delivery.signing import Grant, sign, signing_key
from settings import Settings

DOWNLOAD_ROUTE = "media-download"
PREVIEW_ROUTE = "media-preview"
ARTWORK_ROUTE = "media-artwork"
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Media:
    """What the media routes and resolvers share: the library, the link key and link lifetime."""

    library: MediaLibrary
    link_key: bytes
    link_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Media:
        """The app's media, configured by TUNEGRAPH_MEDIA_* settings."""
        if settings.download_seconds <= 0:
            raise ValueError(f"TUNEGRAPH_DOWNLOAD_SECONDS must be positive, got {settings.download_seconds}")
        if settings.media_cache_mb < 0:
            raise ValueError(f"TUNEGRAPH_MEDIA_CACHE_MB must not be negative, got {settings.media_cache_mb}")
        config = MediaConfig(settings.media_dir, settings.masters_dir, settings.media_cache_mb * MB)
        secret = settings.media_secret or settings.jwt_secret
        return cls(MediaLibrary(config), signing_key(secret), settings.download_seconds)

    def download_link(self, conn: HTTPConnection, customer: str, track: str, fmt: str) -> tuple[str, datetime]:
        """A signed URL fetching `track` in `fmt` for `customer`, and when it expires."""
        expires = int(time.time()) + self.link_seconds
        token = sign(self.link_key, Grant(customer, track, fmt, expires))
        return str(conn.url_for(DOWNLOAD_ROUTE, token=token)), datetime.fromtimestamp(expires, UTC)


def url_id(type_name: str, key: str) -> str:
    """A global ID in the URL-safe base64 alphabet ("-" and "_" for "+" and "/"): a path segment."""
    return to_global(type_name, key).replace("+", "-").replace("/", "_")


def key_of_url_id(value: str, type_name: str) -> str | None:
    """The key of a URL-safe global ID of a `type_name`; None when it is anything else."""
    try:
        found, key = from_global(value.replace("-", "+").replace("_", "/"))
    except (ApiError, binascii.Error):
        return None
    return key if found == type_name else None


def preview_url(conn: HTTPConnection, track_key: str) -> str:
    """The URL of a track's 30-second preview."""
    return str(conn.url_for(PREVIEW_ROUTE, track=url_id("Track", track_key)))


def artwork_url(conn: HTTPConnection, cover: artwork.Cover, size: int) -> str:
    """The URL of an album cover of `size` pixels, carrying its content version."""
    return f"{conn.url_for(ARTWORK_ROUTE, album=url_id('Album', cover.album_key), size=size)}?v={cover.version}"
