"""Batched loading of any source's records through the one write path, with progress bars.

Records are turned into statement rows (hashing, flattening) in a worker thread ahead of the
writers, and WRITERS batches are written at once, each in its own transaction: while Neo4j runs
or commits one, the client packs and sends the next, and a second Neo4j worker thread can use the
second core. Batches of one import share no release, track or purchase (feed files reject
duplicate UPCs and ISRCs), so concurrent batches only meet on artists, genres, labels and
customers, whose locks every batch takes in key order or at commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from tqdm import tqdm

from graph import territory_sales
from graph.driver import Graph
from graph.popularity import recount_popularity
from graph.purchase_writes import PreparedPurchases, insert_prepared_purchases, upsert_customers
from graph.release import CustomerRecord, PurchaseRecord, Release
from graph.release_rows import PreparedRelease, prepare_release
from graph.schema import await_search_refresh
from graph.upsert import UpsertSummary, upsert_prepared

T = TypeVar("T")
U = TypeVar("U")
R = TypeVar("R")

WRITERS = 2
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


async def write_batches(
    items: Iterable[T],
    prepare: Callable[[list[T]], U],
    write: Callable[[U], Awaitable[R]],
    done: Callable[[int, R], None],
    size: int,
) -> None:
    """Prepare batches of `size` in a thread and write them WRITERS at a time; `done(batch size, result)` each."""
    ready: asyncio.Queue[tuple[int, U] | None] = asyncio.Queue(maxsize=WRITERS)

    async def produce() -> None:
        async for batch in read_ahead(items, prepare, size):
            await ready.put(batch)
        for _ in range(WRITERS):
            await ready.put(None)

    async def consume() -> None:
        while (batch := await ready.get()) is not None:
            done(batch[0], await write(batch[1]))

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(WRITERS):
                group.create_task(consume())
    except ExceptionGroup as failed:  # the other writers were cancelled: report the failure itself
        raise failed.exceptions[0] from None


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

        def done(size: int, written: UpsertSummary) -> None:
            summary.add(written)
            bar.update(size)

        async def write(prepared: list[PreparedRelease]) -> UpsertSummary:
            return await upsert_prepared(graph, prepared)

        await write_batches(releases, _prepare_releases, write, done, RELEASE_BATCH)
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

        def done(size: int, stored: int) -> None:
            nonlocal created
            created += stored
            bar.update(size)

        async def write(prepared: PreparedPurchases) -> int:
            return await insert_prepared_purchases(graph, prepared, count_units=False)

        await write_batches(purchases, prepare, write, done, PURCHASE_BATCH)
    await recount_popularity(graph, sold)
    await territory_sales.recount(graph, sold)
    return created
