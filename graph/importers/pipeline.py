"""Batched loading of any source's records through the one write path, with progress bars."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from tqdm import tqdm

from graph.driver import Graph
from graph.release import CustomerRecord, PurchaseRecord, Release
from graph.upsert import UpsertSummary, insert_purchases, upsert_customers, upsert_releases

T = TypeVar("T")

RELEASE_BATCH = 200
CUSTOMER_BATCH = 5_000
PURCHASE_BATCH = 2_000


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _bar(total: int | None, desc: str, unit: str, quiet: bool) -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, disable=quiet, leave=False, dynamic_ncols=True)


async def write_releases(
    graph: Graph, releases: Iterable[Release], total: int | None = None, quiet: bool = False
) -> UpsertSummary:
    """Upsert releases in batches, each batch one transaction."""
    summary = UpsertSummary()
    with _bar(total, "releases", "release", quiet) as bar:
        for chunk in batched(releases, RELEASE_BATCH):
            summary.add(await upsert_releases(graph, chunk))
            bar.update(len(chunk))
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
    """Store past purchases in batches; ones already stored are skipped."""
    created = 0
    with _bar(total, "purchases", "purchase", quiet) as bar:
        for chunk in batched(purchases, PURCHASE_BATCH):
            created += await insert_purchases(graph, chunk)
            bar.update(len(chunk))
    return created
