"""The media library: masters, their cached encodes and previews, and album covers, as files to send."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import Counter

from delivery import artwork
from delivery.cache import MediaCache
from delivery.encoder import encode
from delivery.files import file_stem
from delivery.formats import PREVIEW, Encoding
from delivery.masters import masters_for, version_of
from delivery.tags import TrackTags, write_tags

log = logging.getLogger("tunegraph.media")
ENCODES = Counter("tunegraph_media_encodes", "Files encoded from masters (cache misses)", ["format"])
EMBEDDED_COVER = 600
"""The cover size embedded in delivered files."""


@dataclass(frozen=True, slots=True)
class MediaConfig:
    """Where media lives and how much of it to keep."""

    media_dir: Path
    masters_dir: Path | None
    cache_bytes: int


class MediaLibrary:
    """Every file delivery sends, made on first request and kept on disk."""

    def __init__(self, config: MediaConfig) -> None:
        root = config.media_dir
        self.masters = masters_for(root, config.masters_dir)
        self.cache = MediaCache(root / "cache", config.cache_bytes)
        self.covers = root / "artwork"

    async def rendition(self, track_key: str, encoding: Encoding, tags: TrackTags) -> Path:
        """The track in `encoding`, tagged; MasterMissing / MasterUnreadable when it cannot be made."""
        master = await asyncio.to_thread(self.masters.ensure, track_key)
        digest = _digest(version_of(master), tags.fingerprint())
        name = f"{file_stem(track_key)}.{encoding.name}.{digest}.{encoding.extension}"

        def make(partial: Path) -> None:
            encode(master, encoding, partial)
            write_tags(partial, encoding.tags, tags)
            ENCODES.labels(encoding.name).inc()

        return await self.cache.get(name, make)

    async def preview(self, track_key: str) -> Path:
        """The track's 30-second preview (MP3, untagged)."""
        master = await asyncio.to_thread(self.masters.ensure, track_key)
        name = f"{file_stem(track_key)}.{PREVIEW.name}.{_digest(version_of(master))}.{PREVIEW.extension}"

        def make(partial: Path) -> None:
            encode(master, PREVIEW, partial)
            ENCODES.labels(PREVIEW.name).inc()

        return await self.cache.get(name, make)

    async def cover(self, cover: artwork.Cover, size: int) -> Path:
        """The album cover's JPEG of `size` pixels."""
        return await asyncio.to_thread(artwork.cached_jpeg, self.covers, cover, size)

    async def cover_bytes(self, cover: artwork.Cover) -> bytes:
        """The cover embedded in delivered files."""
        path = await self.cover(cover, EMBEDDED_COVER)
        return await asyncio.to_thread(path.read_bytes)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\u0000".join(parts).encode()).hexdigest()[:16]
