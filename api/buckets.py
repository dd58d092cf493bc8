"""Token buckets of query cost on this host: in one process's memory, or in a file its workers share.

A bucket holds up to `limit` tokens and refills at `limit` per minute; a bucket idle for a whole
window is full, so forgetting it loses nothing: that is how both stores stay bounded.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import mmap
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

WINDOW_SECONDS = 60.0
MAX_CALLERS = 100_000
"""Buckets kept at once; idle (full) ones are dropped first when there are more."""


@dataclass(frozen=True, slots=True)
class Quota:
    """One charge: whether it was granted, and what the caller's bucket holds after it."""

    granted: bool
    cost: int
    limit: int
    tokens: float

    @property
    def retry_after(self) -> float:
        """Seconds until the charge would be granted; 0.0 when it was."""
        if self.granted:
            return 0.0
        if self.cost > self.limit:  # never affordable: wait for a full window
            return WINDOW_SECONDS
        return (self.cost - self.tokens) * WINDOW_SECONDS / self.limit

    @property
    def reset_seconds(self) -> float:
        """Seconds until the bucket is full again."""
        return max(0.0, self.limit - self.tokens) * WINDOW_SECONDS / self.limit


def refill(tokens: float, stamp: float, now: float, limit: int) -> float:
    """What a bucket last left at `tokens` at `stamp` holds at `now` (a clock that went back refills nothing)."""
    return min(float(limit), tokens + max(0.0, now - stamp) * limit / WINDOW_SECONDS)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class MemoryBuckets:
    """Buckets in this process's memory: the store of a lone worker, and every worker's last resort."""

    def __init__(self, max_callers: int = MAX_CALLERS) -> None:
        self.max_callers = max_callers
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str, cost: int, limit: int, now: float) -> Quota:
        """Charge `cost` to `key`'s bucket if it holds that much."""
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_callers:
                self._forget_idle(now)
            bucket = self.buckets[key] = _Bucket(float(limit), now)
        else:
            bucket.tokens, bucket.stamp = refill(bucket.tokens, bucket.stamp, now, limit), now
        granted = cost <= bucket.tokens
        if granted:
            bucket.tokens -= cost
        return Quota(granted, cost, limit, bucket.tokens)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, b in self.buckets.items() if now - b.stamp >= WINDOW_SECONDS]
        for key in idle or list(self.buckets)[: len(self.buckets) // 2]:
            del self.buckets[key]


_HEADER = struct.Struct("<8sQ")  # magic, slot count
_SLOT = struct.Struct("<16sdd")  # caller digest (zeros: empty), tokens, stamp
_MAGIC = b"TGBUCKT1"
SLOTS = 1 << 17
"""Buckets the shared file holds (4 MiB): comfortably more than MAX_CALLERS in use at once."""
PROBE = 8
"""Slots a caller's bucket may sit in: its own and the next ones; the least recently charged of them gives way."""


class SharedBuckets:
    """Buckets in a fixed-size file every worker of the host maps into memory; flock makes each charge atomic.

    Why not SQLite (tried): its busy handler sleeps a millisecond or more whenever two workers write at
    once, and gives up ("database is locked") while a preempted worker holds the lock; flock wakes a
    waiter the moment the lock is let go, a charge is a few microseconds of work under it, and a killed
    worker's lock goes with it. Each process opens the file itself (a flock belongs to the open file,
    which a fork would share). The file lives for one `serve` (`remove` at its start) and is never
    synced. Its size is fixed: a caller new to a full neighbourhood of PROBE slots takes over the least
    recently charged one (idle, hence full, unless more than MAX_CALLERS are active at once).
    """

    def __init__(self, path: Path, slots: int = SLOTS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.slots = slots
        size = _HEADER.size + slots * _SLOT.size
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            with self._locked():
                header = _HEADER.pack(_MAGIC, slots)
                if os.fstat(self.fd).st_size == 0:  # the first worker to open it lays it out
                    os.ftruncate(self.fd, size)
                    os.pwrite(self.fd, header, 0)
                if os.fstat(self.fd).st_size != size or os.pread(self.fd, _HEADER.size, 0) != header:
                    raise ValueError(f"{path} is not a buckets file of {slots} slots")
            self.map = mmap.mmap(self.fd, size)
        except BaseException:
            os.close(self.fd)
            raise

    def take(self, key: str, cost: int, limit: int, now: float) -> Quota:
        """Charge `cost` to `key`'s bucket if it holds that much; OSError or ValueError when the file fails."""
        digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
        first = int.from_bytes(digest[:8], "little") % self.slots
        with self._locked():
            offset, tokens = self._find(digest, first, limit, now)
            granted = cost <= tokens
            if granted:
                tokens -= cost
            _SLOT.pack_into(self.map, offset, digest, tokens, now)
        return Quota(granted, cost, limit, tokens)

    def _find(self, digest: bytes, first: int, limit: int, now: float) -> tuple[int, float]:
        """(offset, tokens now) of the caller's bucket, or of the slot it takes over, full."""
        oldest = _HEADER.size + first * _SLOT.size
        oldest_stamp = math.inf
        for i in range(PROBE):
            offset = _HEADER.size + ((first + i) % self.slots) * _SLOT.size
            found, tokens, stamp = _SLOT.unpack_from(self.map, offset)
            if found == digest:
                # a worker killed mid-write could leave nonsense: a full bucket then
                return offset, refill(tokens, stamp, now, limit) if 0.0 <= tokens <= limit else float(limit)
            if stamp < oldest_stamp:
                oldest, oldest_stamp = offset, stamp
        return oldest, float(limit)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Unmap the file and close it."""
        self.map.close()
        os.close(self.fd)

    @staticmethod
    def remove(path: Path) -> None:
        """Delete the file, before the workers that will share it start."""
        path.unlink(missing_ok=True)
