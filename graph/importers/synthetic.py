"""`tunegraph import synthetic --tracks N --seed S`: a generated store through the one write path, resumable.

The store is written in four phases (releases, customers, purchase history, popularity), each in
segments of `every` records; a checkpoint in Neo4j (`synthetic_checkpoint`) records each segment
once all its batches have committed. The generator is deterministic (seed and the day recorded
in the checkpoint), so a run started again regenerates the same records and writes from the
first segment not recorded: a killed load continues where it stopped and doubles nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from tqdm import tqdm

from graph import territory_sales
from graph.driver import Graph
from graph.importers.pipeline import CUSTOMER_BATCH, PURCHASE_BATCH, RELEASE_BATCH, write_batches
from graph.importers.synthetic_checkpoint import Checkpoint, import_key
from graph.importers.synthetic_data import SyntheticStore, generate
from graph.popularity import recount_popularity
from graph.purchase_writes import PreparedPurchases, insert_prepared_purchases, upsert_customers
from graph.release import CustomerRecord, PurchaseRecord, Release
from graph.release_rows import PreparedRelease, prepare_release
from graph.schema import await_search_refresh, ensure_schema
from graph.upsert import UpsertSummary, upsert_prepared
from settings import Settings

T = TypeVar("T")
R = TypeVar("R")

CHECKPOINT_EVERY = 20_000
"""Records per segment (and checkpoint) in each phase: about 25 s of releases, 3 s of purchases here."""


@dataclass(slots=True)
class SyntheticReport:
    """What a synthetic import wrote and how long each phase took (phases done before: 0 s)."""

    releases: UpsertSummary = field(default_factory=UpsertSummary)
    tracks: int = 0
    customers: int = 0
    purchases: int = 0
    lines: int = 0
    catalog_seconds: float = 0.0
    customer_seconds: float = 0.0
    purchase_seconds: float = 0.0
    popularity_seconds: float = 0.0
    resumed_from: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        catalog = self.tracks / max(self.catalog_seconds, 1e-9)
        sales = self.lines / max(self.purchase_seconds, 1e-9)
        resumed = [f"{n} {phase}" for phase, n in self.resumed_from.items() if n]
        return (
            (f"resumed after {', '.join(resumed)}; " if resumed else "")
            + f"releases: {self.releases} ({self.tracks} tracks, {self.catalog_seconds:.1f} s, "
            f"{catalog:.0f} tracks/s); {self.customers} customers ({self.customer_seconds:.1f} s); "
            f"{self.purchases} new purchases of {self.lines} tracks ({self.purchase_seconds:.1f} s, "
            f"{sales:.0f} purchased tracks/s); popularity recounted ({self.popularity_seconds:.1f} s)"
        )


@dataclass
class _Load:
    """One load: the store, the checkpoint to start from and move (None: none kept), and what it wrote."""

    graph: Graph
    store: SyntheticStore
    checkpoint: Checkpoint | None
    every: int
    quiet: bool
    report: SyntheticReport

    async def phase(
        self,
        phase: str,
        unit: str,
        total: int,
        records: Callable[[int, int], Iterable[T]],
        write_segment: Callable[[Iterable[T], Callable[[int], None]], Awaitable[None]],
    ) -> float:
        """Write records of a phase a segment at a time from where it stopped, moving the checkpoint after each."""
        started = time.perf_counter()
        first = self.checkpoint.done[phase] if self.checkpoint else 0
        with tqdm(total=total, initial=first, desc=phase, unit=unit, disable=self.quiet, dynamic_ncols=True) as bar:
            for lo in range(first, total, self.every):
                hi = min(lo + self.every, total)
                await write_segment(records(lo, hi), bar.update)
                if self.checkpoint:
                    await self.checkpoint.advance(self.graph, phase, hi)
        return time.perf_counter() - started

    async def releases(self, items: Iterable[Release], count: Callable[[int], None]) -> None:
        """Upsert releases, WRITERS batches at a time."""

        async def write(batch: list[PreparedRelease]) -> UpsertSummary:
            return await upsert_prepared(self.graph, batch)

        await write_batches(items, _prepare_releases, write, _counted(count, self.report.releases.add), RELEASE_BATCH)

    async def customers(self, items: Iterable[CustomerRecord], count: Callable[[int], None]) -> None:
        """Upsert customers, WRITERS batches at a time."""

        def add(written: int) -> None:
            self.report.customers += written

        async def write(batch: list[CustomerRecord]) -> int:
            return await upsert_customers(self.graph, batch)

        await write_batches(items, _identity, write, _counted(count, add), CUSTOMER_BATCH)

    async def purchases(self, items: Iterable[PurchaseRecord], count: Callable[[int], None]) -> None:
        """Store purchases not stored yet (popularity is recounted after), WRITERS batches at a time."""

        def add(stored: int) -> None:
            self.report.purchases += stored

        async def write(batch: PreparedPurchases) -> int:
            return await insert_prepared_purchases(self.graph, batch, count_units=False)

        await write_batches(items, PreparedPurchases.of, write, _counted(count, add), PURCHASE_BATCH)

    async def popularity(self, keys: Iterable[str], count: Callable[[int], None]) -> None:
        """Recount the popularity of these tracks, their albums and artists, and their territory tallies, from the
        purchase lines."""
        listed = list(keys)
        await recount_popularity(self.graph, listed)
        await territory_sales.recount(self.graph, listed)
        count(len(listed))


def _counted(count: Callable[[int], None], add: Callable[[R], None]) -> Callable[[int, R], None]:
    def done(size: int, result: R) -> None:
        add(result)
        count(size)

    return done


def _prepare_releases(chunk: list[Release]) -> list[PreparedRelease]:
    return [prepare_release(r) for r in chunk]


def _identity(chunk: list[T]) -> list[T]:
    return chunk


async def load(
    graph: Graph,
    store: SyntheticStore,
    quiet: bool = False,
    checkpoint: Checkpoint | None = None,
    every: int = CHECKPOINT_EVERY,
) -> SyntheticReport:
    """Write a generated store: catalog, customers, purchase history, popularity; from `checkpoint` on if given."""
    await ensure_schema(graph)
    report = SyntheticReport(tracks=store.track_count, resumed_from=dict(checkpoint.done) if checkpoint else {})
    run = _Load(graph, store, checkpoint, every, quiet, report)
    report.catalog_seconds = await run.phase("releases", "release", store.release_count, store.iter_releases,
                                             run.releases)
    await await_search_refresh(graph)
    report.customer_seconds = await run.phase("customers", "customer", store.customer_count, store.iter_customers,
                                              run.customers)
    report.purchase_seconds = await run.phase("purchases", "purchase", store.purchase_count, store.iter_purchases,
                                              run.purchases)
    report.lines = store.line_count
    report.popularity_seconds = await run.phase("popularity", "track", store.track_count, store.track_keys,
                                                run.popularity)
    if checkpoint:
        await checkpoint.finish(graph)
    return report


async def run(
    settings: Settings,
    tracks: int,
    seed: int,
    quiet: bool = False,
    customers: int | None = None,
    lines: int | None = None,
    every: int = CHECKPOINT_EVERY,
) -> str:
    """Generate a store of `tracks` tracks from `seed` and import it, or continue its killed import."""
    started = time.perf_counter()
    n_customers = max(1, tracks // 10) if customers is None else customers
    n_lines = tracks * 5 if lines is None else lines
    graph = Graph.connect(settings)
    try:
        key = import_key(tracks, seed, n_customers, n_lines)
        checkpoint = await Checkpoint.open(graph, key, datetime.now(UTC).date())
        if checkpoint.finished:
            return f"synthetic store (seed {seed}, {tracks} tracks) already imported ({key}); nothing to do"
        store = generate(tracks, seed, customers=n_customers, lines=n_lines, today=checkpoint.today)
        report = await load(graph, store, quiet=quiet, checkpoint=checkpoint, every=every)
    finally:
        await graph.close()
    return f"synthetic store (seed {seed}) imported in {time.perf_counter() - started:.1f} s: {report}"
