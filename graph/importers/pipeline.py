"""Batched loading of any source's records through the one write path, with progress bars.

Records are turned into statement rows (hashing, flattening) in a worker thread one batch ahead,
so that Python's share of an import overlaps with Neo4j's instead of adding to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from tqdm import tqdm

from graph.driver import Graph
from graph.popularity import recount_popularity
from graph.purchase_writes import PreparedPurchases, insert_prepared_purchases, upsert_customers
from graph.release import CustomerRecord, PurchaseRecord, Release
from graph.schema import await_search_refresh
from graph.upsert import PreparedRelease, UpsertSummary, prepare_release, upsert_prepared

T = TypeVar("T")
U = TypeVar("U")

RELEASE_BATCH = 1_000
CUSTOMER_BATCH = 5_000
PURCHASE_BATCH = 2_000


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


async def read_ahead(items: Iterable[T], work: Callable[[list[T]], U], size: int) -> AsyncIterator[tuple[int, U]]:
    """(batch size, work(batch)) per batch, the next batch's work running in a thread meanwhile."""
    chunks = batched(items, size)

    def step() -> tuple[int, U] | None:
        chunk = next(chunks, None)
        return None if chunk is None else (len(chunk), work(chunk))

    pending = asyncio.create_task(asyncio.to_thread(step))
    try:
        while (done := await pending) is not None:
            pending = asyncio.create_task(asyncio.to_thread(step))
            yield done
    finally:
        pending.cancel()


def _bar(total: int | None, desc: str, unit: str, quiet: bool) -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, disable=quiet, leave=False, dynamic_ncols=True)


def _prepare_releases(chunk: list[Release]) -> list[PreparedRelease]:
    return [prepare_release(r) for r in chunk]


async def write_releases(
    graph: Graph, releases: Iterable[Release], total: int | None = None, quiet: bool = False
) -> UpsertSummary:
    """Upsert releases in batches, each batch one transaction."""
    summary = UpsertSummary()
    with _bar(total, "releases", "release", quiet) as bar:
        async for size, prepared in read_ahead(releases, _prepare_releases, RELEASE_BATCH):
            summary.add(await upsert_prepared(graph, prepared))
            bar.update(size)
    await await_search_refresh(graph)
    return summary


async def write_customers(
    graph: Graph, customers: Sequence[CustomerRecord], quiet: bool = False
) -> int:
    """Create or update customers in batches."""
    written = 0
    with _bar(len(customers), "customers", "customer", quiet) as bar:
        for chunk in batched(customers, CUSTOMER_BATCH):
            written += await upsert_customers(graph, chunk)
            bar.update(len(chunk))
    return written


async def write_purchase_history(
    graph: Graph, purchases: Iterable[PurchaseRecord], total: int | None = None, quiet: bool = False
) -> int:
    """Store past purchases in batches (ones already stored are skipped), then recount popularity.

    The recount covers every track the history sells, stored now or before, so a re-run after a
    killed import also repairs what the killed one left uncounted.
    """
    created = 0
    sold: set[str] = set()

    def prepare(chunk: list[PurchaseRecord]) -> PreparedPurchases:
        batch = PreparedPurchases.of(chunk)
        sold.update(batch.track_keys())
        return batch

    with _bar(total, "purchases", "purchase", quiet) as bar:
        async for size, prepared in read_ahead(purchases, prepare, PURCHASE_BATCH):
            created += await insert_prepared_purchases(graph, prepared, count_units=False)
            bar.update(size)
    await recount_popularity(graph, sold)
    return created
