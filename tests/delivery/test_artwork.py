"""Demo covers: deterministic JPEGs of every size, a version that follows what is drawn."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from delivery.artwork import SIZES, Cover, cached_jpeg, jpeg

COVER = Cover("album/../1", "Ünïcode Title That Runs On Rather Longer Than Any Cover Could Show", "AC/DC")


@pytest.mark.parametrize("size", SIZES)
def test_each_size_is_a_square_jpeg_of_that_size(size: int) -> None:
    with Image.open(io.BytesIO(jpeg(COVER, size))) as image:
        assert (image.format, image.size) == ("JPEG", (size, size))


def test_the_same_album_draws_the_same_bytes_and_others_differ() -> None:
    assert jpeg(COVER, 100) == jpeg(Cover(COVER.album_key, COVER.title, COVER.artist), 100)
    assert jpeg(COVER, 100) != jpeg(Cover("2", COVER.title, COVER.artist), 100)


def test_the_version_changes_with_title_or_artist() -> None:
    versions = {COVER.version, Cover(COVER.album_key, "Other", COVER.artist).version,
                Cover(COVER.album_key, COVER.title, "Other").version}
    assert len(versions) == 3


def test_cached_covers_stay_inside_the_folder(tmp_path: Path) -> None:
    path = cached_jpeg(tmp_path, COVER, 300)
    assert path.is_relative_to(tmp_path)
    assert path.read_bytes() == jpeg(COVER, 300)
    assert cached_jpeg(tmp_path, COVER, 300) == path
