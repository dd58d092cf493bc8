"""Masters: a path per key that never leaves the folder, deterministic demo audio, real ones never invented."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import pytest

from delivery.masters import MasterMissing, masters_for


@pytest.mark.parametrize("key", ["1", "../../etc/passwd", "a/b", "\u0000", "..", "Ünï"])
def test_every_key_maps_inside_the_masters_folder(tmp_path: Path, key: str) -> None:
    path = masters_for(tmp_path, None).path_of(key)
    assert path.parent == tmp_path / "masters"
    assert path.name.endswith(".flac")
    assert not path.name.startswith(".")


def test_demo_masters_are_the_same_bytes_for_the_same_key(tmp_path: Path) -> None:
    one, two = masters_for(tmp_path / "one", None, 2), masters_for(tmp_path / "two", None, 2)
    digests = {hashlib.sha256(m.ensure(k).read_bytes()).hexdigest() for m in (one, two) for k in ("7",)}
    assert len(digests) == 1
    assert one.ensure("8").read_bytes() != one.ensure("7").read_bytes()


def test_a_demo_master_is_16_bit_44_1_khz_stereo_flac(tmp_path: Path) -> None:
    path = masters_for(tmp_path, None, 2).ensure("7")
    with av.open(str(path)) as master:
        stream = master.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels, stream.format.name) == ("flac", 44_100, 2, "s16")
        assert master.duration is not None
        assert abs(master.duration / av.time_base - 2) < 0.05


def test_a_configured_masters_folder_is_never_filled_with_demo_audio(tmp_path: Path) -> None:
    masters = masters_for(tmp_path / "media", tmp_path / "real")
    with pytest.raises(MasterMissing, match="no master"):
        masters.ensure("7")
    assert not masters.path_of("7").exists()
