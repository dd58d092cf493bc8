"""The local server's data folder: where its files are, its lock, and its log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.localdb.atomic_files import flock
from graph.localdb.error import LOG_TAIL_LINES
from settings import Settings


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the local server of one data folder keeps its files."""

    data_dir: Path
    home: Path
    log_file: Path
    pid_file: Path
    lock_file: Path
    bolt: tuple[str, int]

    @classmethod
    def of(cls, settings: Settings) -> Layout:
        """The files of ``settings.data_dir`` (made absolute) and the Bolt address of NEO4J_URI."""
        data = Path(settings.data_dir).expanduser().resolve()
        return cls(data, data / "neo4j", data / "neo4j.log", data / "neo4j.pid",
                   data / "neo4j.lock", settings.local_bolt or ("127.0.0.1", 7687))


@contextlib.contextmanager
def locked(layout: Layout) -> Iterator[None]:
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    with flock(layout.lock_file):
        yield


def log_size(layout: Layout) -> int:
    try:
        return layout.log_file.stat().st_size
    except OSError:
        return 0


def read_log(layout: Layout, offset: int) -> str:
    try:
        with layout.log_file.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def tail(layout: Layout, offset: int) -> str:
    lines = read_log(layout, offset).rstrip().splitlines()[-LOG_TAIL_LINES:]
    if not lines:
        return f" ({layout.log_file} has nothing new)"
    return f"; last lines of {layout.log_file}:" + "".join(f"\n  {line}" for line in lines)
