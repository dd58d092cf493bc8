"""How each sold format is encoded from a lossless master: codec, container, rate and tags."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TagStyle(StrEnum):
    """Which tag standard a container carries (mutagen writes each differently)."""

    ID3 = "id3"
    VORBIS = "vorbis"
    MP4 = "mp4"


@dataclass(frozen=True, slots=True)
class Encoding:
    """One deliverable rendition of a master."""

    name: str
    codec: str
    container: str
    extension: str
    media_type: str
    sample_rate: int
    sample_format: str
    bit_rate: int | None
    tags: TagStyle
    seconds: float | None = None
    """Cut to this many seconds (a preview); None: the whole master."""
    container_options: tuple[tuple[str, str], ...] = ()


ENCODINGS: dict[str, Encoding] = {
    e.name: e
    for e in (
        Encoding("MP3_320", "libmp3lame", "mp3", "mp3", "audio/mpeg", 44_100, "s16p", 320_000, TagStyle.ID3),
        Encoding("AAC_256", "aac", "ipod", "m4a", "audio/mp4", 44_100, "fltp", 256_000, TagStyle.MP4,
                 container_options=(("movflags", "faststart"),)),
        Encoding("FLAC_16_44", "flac", "flac", "flac", "audio/flac", 44_100, "s16", None, TagStyle.VORBIS),
        # FLAC keeps 24 of the 32 bits of s32 samples: a 24-bit stream.
        Encoding("FLAC_24_96", "flac", "flac", "flac", "audio/flac", 96_000, "s32", None, TagStyle.VORBIS),
    )
}
"""Every format a download can be made in (the Format enum's audio values)."""

PREVIEW = Encoding("PREVIEW", "libmp3lame", "mp3", "mp3", "audio/mpeg", 44_100, "s16p", 128_000, TagStyle.ID3,
                   seconds=30.0)
"""The 30-second MP3 a storefront plays before buying."""

PREVIEW_START = 0.3
"""Where a preview starts, as a fraction of the master's length (past the intro, before the end)."""


class NotDeliverable(Exception):  # noqa: N818  (a refusal, named for what it says)
    """The format is sold but has no audio rendition here (video)."""


def encoding_of(format_name: str) -> Encoding:
    """The encoding of a sold format; NotDeliverable for one with no audio rendition."""
    found = ENCODINGS.get(format_name)
    if found is None:
        raise NotDeliverable(f"{format_name} downloads are not delivered (audio formats only: "
                             f"{', '.join(ENCODINGS)})")
    return found
