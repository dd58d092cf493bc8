"""Lossless masters: one FLAC per track, at a path derived from its key.

With a masters folder configured (TUNEGRAPH_MASTERS_DIR) the masters are real and a missing one is
an error; without one, demo masters are synthesized under the media folder the first time a track
is asked for (or ahead of time by `tunegraph media generate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from delivery.files import file_lock, file_stem, write_whole
from delivery.synth import DEMO_SECONDS, write_master


class MasterMissing(Exception):  # noqa: N818  (a state of the store, named for it)
    """No master file for a track."""


class MasterUnreadable(Exception):  # noqa: N818
    """A master file that is not decodable audio."""


@dataclass(frozen=True, slots=True)
class Masters:
    """Where masters live, and whether missing ones are synthesized (demo stores)."""

    root: Path
    demo: bool
    demo_seconds: float = DEMO_SECONDS

    def path_of(self, track_key: str) -> Path:
        """The master's path; nothing in the key can point outside `root`."""
        return self.root / f"{file_stem(track_key)}.flac"

    def ensure(self, track_key: str) -> Path:
        """The master's path, synthesizing a demo one first if needed; MasterMissing otherwise (blocking)."""
        path = self.path_of(track_key)
        if path.is_file():
            return path
        if not self.demo:
            raise MasterMissing(f"no master for track {track_key!r} (looked for {path.name})")
        with file_lock(self.root / ".locks" / f"{path.stem}.lock"):
            if not path.is_file():
                write_whole(path, lambda partial: write_master(track_key, partial, self.demo_seconds))
        return path


def masters_for(media_dir: Path, masters_dir: Path | None, demo_seconds: float = DEMO_SECONDS) -> Masters:
    """The configured masters folder (real masters), or demo ones under the media folder."""
    if masters_dir is not None:
        return Masters(masters_dir, demo=False)
    return Masters(media_dir / "masters", demo=True, demo_seconds=demo_seconds)


def version_of(path: Path) -> str:
    """A token that changes when the master file is replaced (its size and modification time)."""
    stat = path.stat()
    return f"{stat.st_size:x}-{stat.st_mtime_ns:x}"
