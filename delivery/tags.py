"""Tags written into a delivered file with mutagen: title, artist, album, number, ISRC and cover."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TIT2, TPE1, TRCK, TSRC
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from delivery.formats import TagStyle

FRONT_COVER = 3
"""The picture type of a front cover (ID3v2 APIC and FLAC PICTURE share the table)."""
MP4_ISRC = "----:com.apple.iTunes:ISRC"


@dataclass(frozen=True, slots=True)
class TrackTags:
    """What a delivered file says about itself."""

    title: str
    artist: str
    album: str
    track_number: int
    isrc: str | None
    cover: bytes | None
    """A JPEG of the album cover, embedded whole."""

    def fingerprint(self) -> str:
        """Text that changes whenever any tag does (cover by its length and first bytes)."""
        cover = f"{len(self.cover)}:{self.cover[:64].hex()}" if self.cover else "-"
        return "\u0000".join((self.title, self.artist, self.album, str(self.track_number), self.isrc or "", cover))


def write_tags(path: Path, style: TagStyle, tags: TrackTags) -> None:
    """Tag the file at `path` in its container's own standard."""
    {TagStyle.ID3: _id3, TagStyle.VORBIS: _vorbis, TagStyle.MP4: _mp4}[style](path, tags)


def _id3(path: Path, tags: TrackTags) -> None:
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TRCK(encoding=3, text=str(tags.track_number)))
    if tags.isrc:
        id3.add(TSRC(encoding=3, text=tags.isrc))
    if tags.cover:
        id3.add(APIC(encoding=3, mime="image/jpeg", type=FRONT_COVER, desc="Cover", data=tags.cover))
    id3.save(path)


def _vorbis(path: Path, tags: TrackTags) -> None:
    flac = FLAC(path)
    flac.clear()
    flac["TITLE"], flac["ARTIST"], flac["ALBUM"] = tags.title, tags.artist, tags.album
    flac["TRACKNUMBER"] = str(tags.track_number)
    if tags.isrc:
        flac["ISRC"] = tags.isrc
    if tags.cover:
        picture = Picture()
        picture.type, picture.mime, picture.desc, picture.data = FRONT_COVER, "image/jpeg", "Cover", tags.cover
        flac.add_picture(picture)
    flac.save()


def _mp4(path: Path, tags: TrackTags) -> None:
    mp4 = MP4(path)
    mp4["\xa9nam"], mp4["\xa9ART"], mp4["\xa9alb"] = [tags.title], [tags.artist], [tags.album]
    mp4["trkn"] = [(tags.track_number, 0)]
    if tags.isrc:
        mp4[MP4_ISRC] = [MP4FreeForm(tags.isrc.encode())]
    if tags.cover:
        mp4["covr"] = [MP4Cover(tags.cover, imageformat=MP4Cover.FORMAT_JPEG)]
    mp4.save()
