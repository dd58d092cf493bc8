"""Encodes from a master: each format's codec, rate and length, its tags, previews, and unreadable masters."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from mutagen import File as MutagenFile
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from delivery.artwork import Cover, jpeg
from delivery.formats import ENCODINGS
from delivery.library import MediaConfig, MediaLibrary
from delivery.masters import MasterMissing, MasterUnreadable
from delivery.synth import write_master
from delivery.tags import TrackTags

TAGS_COVER = jpeg(Cover("a", "Album", "Artist"), 100)
EXPECTED = {  # codec as decoded, sample rate, and what mutagen reads of the stream
    "MP3_320": ("mp3float", 44_100, ("bitrate", 320_000)),
    "AAC_256": ("aac", 44_100, ("codec", "mp4a.40.2")),
    "FLAC_16_44": ("flac", 44_100, ("bits_per_sample", 16)),
    "FLAC_24_96": ("flac", 96_000, ("bits_per_sample", 24)),
}


def _library(root: Path, masters: Path | None = None) -> MediaLibrary:
    return MediaLibrary(MediaConfig(root, masters, 10**9))


def _tags() -> TrackTags:
    return TrackTags("Tïtle", "Ärtist", "Album", 4, "GBAYE6900531", TAGS_COVER)


def _read_tags(path: Path, fmt: str) -> tuple[str, str, str, str, str, bytes]:
    if fmt == "MP3_320":
        id3 = ID3(path)
        return (str(id3["TIT2"]), str(id3["TPE1"]), str(id3["TALB"]), str(id3["TRCK"]), str(id3["TSRC"]),
                id3.getall("APIC")[0].data)
    if fmt == "AAC_256":
        mp4 = MP4(path)
        return (mp4["\xa9nam"][0], mp4["\xa9ART"][0], mp4["\xa9alb"][0], str(mp4["trkn"][0][0]),
                bytes(mp4["----:com.apple.iTunes:ISRC"][0]).decode(), bytes(mp4["covr"][0]))
    flac = FLAC(path)
    return (flac["TITLE"][0], flac["ARTIST"][0], flac["ALBUM"][0], flac["TRACKNUMBER"][0], flac["ISRC"][0],
            flac.pictures[0].data)


@pytest.mark.parametrize("fmt", list(ENCODINGS))
async def test_each_format_decodes_as_its_codec_rate_and_length_with_its_tags(tmp_path: Path, fmt: str) -> None:
    library = _library(tmp_path)
    library.masters.root.mkdir(parents=True)
    write_master("7", library.masters.path_of("7"), seconds=3)
    path = await library.rendition("7", ENCODINGS[fmt], _tags())
    codec, rate, (attribute, value) = EXPECTED[fmt]
    with av.open(str(path)) as media:
        stream = media.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == (codec, rate, 2)
        assert media.duration is not None
        assert abs(media.duration / av.time_base - 3) < 0.1
    assert getattr(MutagenFile(path).info, attribute) == value
    assert _read_tags(path, fmt) == ("Tïtle", "Ärtist", "Album", "4", "GBAYE6900531", TAGS_COVER)


async def test_a_preview_is_thirty_seconds_cut_from_inside_the_master(tmp_path: Path) -> None:
    library = _library(tmp_path)
    library.masters.root.mkdir(parents=True)
    write_master("7", library.masters.path_of("7"), seconds=40)
    path = await library.preview("7")
    with av.open(str(path)) as media:
        assert media.streams.audio[0].codec_context.name == "mp3float"
        assert media.duration is not None
        assert abs(media.duration / av.time_base - 30) < 0.2


async def test_a_corrupt_master_is_unreadable_and_leaves_no_cache_file(tmp_path: Path) -> None:
    library = _library(tmp_path)
    library.masters.root.mkdir(parents=True)
    library.masters.path_of("7").write_bytes(b"fLaC" + b"\x00garbage" * 100)
    for encoding in ENCODINGS.values():
        with pytest.raises(MasterUnreadable):
            await library.rendition("7", encoding, _tags())
    assert library.cache.files() == []
    assert library.cache.made == 0
    assert [p.name for p in library.cache.root.iterdir() if p.is_file()] == []


async def test_a_missing_real_master_is_missing_and_leaves_no_cache_file(tmp_path: Path) -> None:
    library = _library(tmp_path / "media", tmp_path / "masters")
    with pytest.raises(MasterMissing):
        await library.preview("7")
    assert library.cache.files() == []
