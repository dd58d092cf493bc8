"""The download formats: the one list every importer, price and API enum draws on."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """A download format: lossy or lossless audio, or video."""

    MP3_320 = "MP3_320"
    AAC_256 = "AAC_256"
    FLAC_16_44 = "FLAC_16_44"
    FLAC_24_96 = "FLAC_24_96"
    MPEG4_VIDEO = "MPEG4_VIDEO"


AUDIO_FORMATS: tuple[str, ...] = tuple(f.value for f in Format if f is not Format.MPEG4_VIDEO)
"""The audio formats, in the order offers are listed (feeds and generated stores sell these)."""
