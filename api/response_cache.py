"""Whole responses to public catalog queries, per process: bounded in entries and bytes, dropped when the catalog moves.

An answer is kept under its query text, operation name, variables, base URL (covers and previews are
absolute URLs) and UTC day (rights and release dates are judged on the day); a territory is an argument,
so it is in the text or the variables. Which operations may be kept, and how long, is api/cache_policy.py's.
Every entry belongs to the catalog version and the model version it was read under: when the watch sees
the catalog move, or cannot read it, nothing is served or kept until it reads one again; a new model
drops every entry too.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from prometheus_client import Counter

from api.bytecache import ByteLRU
from api.cache_policy import Freshness
from graph.catalog_watch import CatalogWatch

LARGEST_SHARE = 16
"""An entry larger than this fraction of the byte budget is not kept (one page must not flush the rest)."""
ENTRY_BYTES = 400
"""What an entry costs besides its body, query text and variables: the key tuple, the Entry, the LRU's links."""
LOOKUPS = Counter(
    "tunegraph_response_cache_lookups", "Whole-response cache lookups of candidate requests", ["result"]
)

CacheKey = tuple[str, str | None, bytes, str, date]
"""(query text, operation name, variables as sorted JSON, base URL, UTC day)."""
ReadUnder = tuple[int, int | None, date]
"""(catalog version, model version or None before one is served, UTC day): what an answer was read under."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A kept answer: the body as the view encodes `{"data": ...}`, the cost its operation is charged, its expiry."""

    body: bytes
    cost: int
    expires: float
    """Monotonic seconds after which it is not served; infinity for a catalog-only answer."""


def utc_today() -> date:
    """Today in UTC: the day the API judges rights on."""
    return datetime.now(UTC).date()


class ResponseCache:
    """Kept answers of the current catalog version and day: at most `entries` of them and `max_bytes` in all."""

    def __init__(
        self, watch: CatalogWatch, entries: int, max_bytes: int, sales_seconds: float,
        clock: Callable[[], float] = time.monotonic, today: Callable[[], date] = utc_today,
        model: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.watch = watch
        self.model = model
        self.sales_seconds = sales_seconds
        self.clock = clock
        self.today = today
        self.kept: ByteLRU[CacheKey, Entry] = ByteLRU(max_bytes, max_bytes // LARGEST_SHARE, entries)
        self.version: int | None = None
        self.model_version: int | None = None
        self.day: date | None = None
        self.hits = 0
        self.misses = 0

    def current(self) -> ReadUnder | None:
        """(catalog version, model version, day) entries are kept for now, older ones dropped; None while unknown."""
        version, model, day = self.watch.version, self.model(), self.today()
        if version != self.version or model != self.model_version or day != self.day:
            self.kept.clear()
            self.version, self.model_version, self.day = version, model, day
        return None if version is None else (version, model, day)

    def get(self, key: CacheKey) -> Entry | None:
        """The answer kept under `key` for the current version, day and time; None (a miss) otherwise."""
        found = self.kept.get(key) if self.current() is not None else None
        if found is not None and found.expires <= self.clock():
            self.kept.discard(key)
            found = None
        self._count(found is not None)
        return found

    def put(self, key: CacheKey, body: bytes, cost: int, freshness: Freshness, read_under: ReadUnder) -> bool:
        """Keep an answer read under `read_under` (versions, day), if all are still current and it may be kept."""
        if not self.keeps(freshness) or self.current() != read_under or key[4] != read_under[2]:
            return False
        expires = self.clock() + self.sales_seconds if freshness is Freshness.SALES else math.inf
        size = len(body) + sys.getsizeof(key[0]) + len(key[2]) + len(key[3]) + ENTRY_BYTES
        return self.kept.put(key, Entry(body, cost, expires), size)

    def keeps(self, freshness: Freshness) -> bool:
        """Whether answers of this freshness are kept at all (sales-ranked ones only while charts are held)."""
        return freshness is Freshness.CATALOG or (freshness is Freshness.SALES and self.sales_seconds > 0)

    @property
    def held_bytes(self) -> int:
        """Bytes the entries account for."""
        return self.kept.total

    def __len__(self) -> int:
        return len(self.kept)

    def _count(self, hit: bool) -> None:
        if hit:
            self.hits += 1
        else:
            self.misses += 1
        LOOKUPS.labels("hit" if hit else "miss").inc()
