"""The disk cache of encoded files: made once however many ask at once, kept within a size budget.

A file is made under a lock per name: within a process, concurrent requests await the one task
making it; across processes (uvicorn workers), a file lock makes the later ones find the file done.
It is written under a temporary name and renamed, so no reader sees half a file. The least
recently used files go when the cache outgrows its budget; "used" is the access time, set
explicitly on each hit (the modification time stays, so ETags and If-Range stay valid).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

from delivery.files import PARTIAL_PREFIX, file_lock, write_whole

LOCKS = ".locks"
ENCODE_SLOTS = max(1, os.cpu_count() or 1)
"""Files made at once in a process: more would only share the same cores, each finishing later."""
RECENT_SECONDS = 60.0
"""A file used this recently is never evicted: a response may be about to open it."""


class MediaCache:
    """Files under `root`, made on demand by a producer, at most `budget` bytes in all (best effort)."""

    def __init__(self, root: Path, budget: int) -> None:
        self.root = root
        self.budget = budget
        self.made = 0
        """Files this process has made (encodes), for tests and logs."""
        self._making: dict[str, asyncio.Task[Path]] = {}
        self._slots = asyncio.Semaphore(ENCODE_SLOTS)

    async def get(self, name: str, make: Callable[[Path], None]) -> Path:
        """The cached file `name`, made by `make(temporary path)` first if absent."""
        path = self.root / name
        if _touch(path):
            return path
        task = self._making.get(name)
        if task is None:
            task = asyncio.create_task(self._make_in_slot(path, make))
            self._making[name] = task
            task.add_done_callback(lambda _: self._making.pop(name, None))
        # Shielded: one client going away must not cancel the encode the others wait for.
        return await asyncio.shield(task)

    async def _make_in_slot(self, path: Path, make: Callable[[Path], None]) -> Path:
        async with self._slots:
            return await asyncio.to_thread(self._make, path, make)

    def _make(self, path: Path, make: Callable[[Path], None]) -> Path:
        with file_lock(self.root / LOCKS / f"{path.name}.lock"):
            if not path.is_file():
                write_whole(path, make)
                self.made += 1
        self.evict(keep=path)
        return path

    def files(self) -> list[tuple[Path, os.stat_result]]:
        """Every cached file with its status (locks and partial files aside)."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in os.scandir(self.root):
            if entry.is_file() and not entry.name.startswith((PARTIAL_PREFIX, ".")):
                found.append((Path(entry.path), entry.stat()))
        return found

    def evict(self, keep: Path | None = None) -> list[Path]:
        """Delete least recently used files until the cache fits its budget; the paths deleted."""
        files = self.files()
        total = sum(stat.st_size for _, stat in files)
        recent = time.time() - RECENT_SECONDS
        gone: list[Path] = []
        for path, stat in sorted(files, key=lambda f: f[1].st_atime):
            if total <= self.budget:
                break
            if path == keep or stat.st_atime > recent:
                continue
            path.unlink(missing_ok=True)
            total -= stat.st_size
            gone.append(path)
        return gone


def _touch(path: Path) -> bool:
    """Mark a file used now, keeping its modification time; False when there is no such file."""
    try:
        os.utime(path, ns=(time.time_ns(), path.stat().st_mtime_ns))
    except FileNotFoundError:
        return False
    return True
