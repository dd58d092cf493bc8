"""`tunegraph import synthetic --tracks N --seed S`: a generated store through the one write path."""

from __future__ import annotations

import time
from dataclasses import dataclass

from graph.driver import Graph
from graph.importers.pipeline import write_customers, write_purchase_history, write_releases
from graph.importers.synthetic_data import SyntheticStore, generate
from graph.schema import ensure_schema
from graph.upsert import UpsertSummary
from settings import Settings


@dataclass(frozen=True, slots=True)
class SyntheticReport:
    """What a synthetic import wrote and how long each part took."""

    releases: UpsertSummary
    tracks: int
    customers: int
    purchases: int
    lines: int
    catalog_seconds: float
    customer_seconds: float
    purchase_seconds: float

    def __str__(self) -> str:
        catalog = self.tracks / max(self.catalog_seconds, 1e-9)
        sales = self.lines / max(self.purchase_seconds, 1e-9)
        return (
            f"releases: {self.releases} ({self.tracks} tracks, {self.catalog_seconds:.1f} s, "
            f"{catalog:.0f} tracks/s); {self.customers} customers ({self.customer_seconds:.1f} s); "
            f"{self.purchases} new purchases of {self.lines} tracks ({self.purchase_seconds:.1f} s, "
            f"{sales:.0f} purchased tracks/s)"
        )


async def load(graph: Graph, store: SyntheticStore, quiet: bool = False) -> SyntheticReport:
    """Write a generated store: catalog, then customers, then purchase history."""
    await ensure_schema(graph)
    started = time.perf_counter()
    summary = await write_releases(graph, store.iter_releases(), total=store.release_count, quiet=quiet)
    catalog_done = time.perf_counter()
    customers = await write_customers(graph, store.customers, quiet=quiet)
    customers_done = time.perf_counter()
    purchases = await write_purchase_history(
        graph, store.iter_purchases(), total=store.purchase_count, quiet=quiet
    )
    return SyntheticReport(
        releases=summary,
        tracks=store.track_count,
        customers=customers,
        purchases=purchases,
        lines=store.line_count,
        catalog_seconds=catalog_done - started,
        customer_seconds=customers_done - catalog_done,
        purchase_seconds=time.perf_counter() - customers_done,
    )


async def run(settings: Settings, tracks: int, seed: int, quiet: bool = False) -> str:
    """Generate a store of `tracks` tracks from `seed` and import it; says what it wrote."""
    started = time.perf_counter()
    store = generate(tracks, seed)
    graph = Graph.connect(settings)
    try:
        report = await load(graph, store, quiet=quiet)
    finally:
        await graph.close()
    return f"synthetic store (seed {seed}) imported in {time.perf_counter() - started:.1f} s: {report}"
