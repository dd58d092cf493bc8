"""Token buckets of query cost on this host: in one process's memory, or in a SQLite file its workers share.

A bucket holds up to `limit` tokens and refills at `limit` per minute; a bucket idle for a whole
window is full, so forgetting it loses nothing: that is how both stores stay bounded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

WINDOW_SECONDS = 60.0
MAX_CALLERS = 100_000
"""Buckets kept at once; idle (full) ones are dropped first when there are more."""
BUSY_SECONDS = 0.25
"""How long a charge waits for another worker's write before the caller falls back to its own process."""
SWEEP_EVERY = 1024
"""Charges between two sweeps of idle buckets out of the shared file."""


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


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS bucket (key TEXT PRIMARY KEY, tokens REAL NOT NULL, stamp REAL NOT NULL,"
    " granted INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS bucket_stamp ON bucket (stamp)",
)
# One statement, so one atomic write; SET expressions all read the row as it was before it, so the
# refilled amount, min(:limit, tokens + elapsed * :limit / :window), is written out in each.
_TAKE = """
INSERT INTO bucket (key, tokens, stamp, granted) VALUES (:key, :fresh, :now, :cost <= :limit)
ON CONFLICT (key) DO UPDATE SET
  granted = min(:limit, tokens + max(0.0, :now - stamp) * :limit / :window) >= :cost,
  tokens = min(:limit, tokens + max(0.0, :now - stamp) * :limit / :window)
    - (min(:limit, tokens + max(0.0, :now - stamp) * :limit / :window) >= :cost) * :cost,
  stamp = :now
RETURNING granted, tokens
"""
_FORGET_IDLE = "DELETE FROM bucket WHERE stamp < :idle_since"
_FORGET_OLDEST = "DELETE FROM bucket WHERE stamp <= (SELECT stamp FROM bucket ORDER BY stamp DESC LIMIT 1 OFFSET :keep)"


class SqliteBuckets:
    """Buckets in a SQLite file (WAL) that every worker of the host opens: one atomic UPSERT per charge.

    The file lives as long as one `serve` (`remove` at its start), so it is never synced to disk
    (synchronous=OFF): a power cut that damaged it costs nothing, and no charge waits for an fsync.
    """

    def __init__(self, path: Path, max_callers: int = MAX_CALLERS, sweep_every: int = SWEEP_EVERY) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_callers = max_callers
        self.sweep_every = sweep_every
        self.charges = 0
        self.db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        for statement in _SCHEMA:
            self.db.execute(statement)

    def take(self, key: str, cost: int, limit: int, now: float) -> Quota:
        """Charge `cost` to `key`'s bucket if it holds that much; sqlite3.Error when the file fails."""
        self.charges += 1
        if self.charges % self.sweep_every == 0:
            self.sweep(now)
        fresh = limit - cost if cost <= limit else limit
        params = {"key": key, "cost": cost, "limit": limit, "now": now, "fresh": fresh, "window": WINDOW_SECONDS}
        granted, tokens = self.db.execute(_TAKE, params).fetchone()
        return Quota(bool(granted), cost, limit, float(tokens))

    def sweep(self, now: float) -> None:
        """Drop idle buckets, then the least recently charged past `max_callers`."""
        self.db.execute(_FORGET_IDLE, {"idle_since": now - WINDOW_SECONDS})
        self.db.execute(_FORGET_OLDEST, {"keep": self.max_callers})

    def close(self) -> None:
        """Close this process's connection."""
        self.db.close()

    @staticmethod
    def remove(path: Path) -> None:
        """Delete the file and its WAL, before the workers that will share it start."""
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            (path.parent / name).unlink(missing_ok=True)
