"""Bestseller charts held per process: fresh for a while, then served stale while one refresh runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from graph.catalog_watch import CatalogWatch
from graph.charts import ChartRow, bestsellers
from graph.driver import Graph

log = logging.getLogger("tunegraph")

CHART_DEPTH = 100
"""Rows held per chart: the largest page a client may ask for, so any `first` slices it."""
CAPACITY = 512
"""Charts held at most (windows are client-chosen instants): the oldest computed goes first."""
STALE_FACTOR = 2
"""A chart older than this many freshness periods is no longer served: the request waits for a new one."""

ChartKey = tuple[str | None, str | None, datetime | None, datetime | None]
"""(territory, genre, since, until) as the chart query takes them."""


@dataclass(frozen=True, slots=True)
class HeldChart:
    """A chart's top rows and when its query started (monotonic seconds)."""

    rows: list[ChartRow]
    at: float


class ChartCache:
    """Charts by key: fresh for `seconds`, then stale while one refresh runs; all dropped when the catalog moves."""

    def __init__(
        self, graph: Graph, seconds: float, versions: CatalogWatch, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.graph = graph
        self.seconds = seconds
        self.versions = versions
        self.clock = clock
        self.version: int | None = None
        self.charts: dict[ChartKey, HeldChart] = {}
        self.flights: dict[tuple[int | None, ChartKey], asyncio.Task[list[ChartRow]]] = {}

    async def chart(self, key: ChartKey) -> list[ChartRow]:
        """A chart's top rows: held, held but stale (refreshed behind), or read once for all who wait."""
        self._follow_version()
        held = self.charts.get(key)
        if held is not None:
            age = self.clock() - held.at
            if age < self.seconds:
                return held.rows
            if age < STALE_FACTOR * self.seconds:
                self._flight(key)
                return held.rows
        # Shielded: a request that goes away must not cancel the read others are waiting on.
        return await asyncio.shield(self._flight(key))

    def _follow_version(self) -> None:
        current = self.versions.version
        if current != self.version:
            self.charts.clear()
            self.version = current

    def _flight(self, key: ChartKey) -> asyncio.Task[list[ChartRow]]:
        """The read of this chart under the current version: the one running, or a new one."""
        flight_key = (self.version, key)
        task = self.flights.get(flight_key)
        if task is None:
            task = asyncio.create_task(self._read(key))
            self.flights[flight_key] = task
            task.add_done_callback(lambda done: self._landed(flight_key, done))
        return task

    def _landed(self, flight_key: tuple[int | None, ChartKey], task: asyncio.Task[list[ChartRow]]) -> None:
        if self.flights.get(flight_key) is task:
            del self.flights[flight_key]
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not read the chart %s: %s", flight_key[1], task.exception())

    async def _read(self, key: ChartKey) -> list[ChartRow]:
        version, started = self.version, self.clock()
        rows = await bestsellers(self.graph, *key, CHART_DEPTH)
        # Rows read while the version moved may predate the version now current: not held.
        if version is not None and version == self.versions.version == self.version:
            self._keep(key, HeldChart(rows, started))
        return rows

    def _keep(self, key: ChartKey, chart: HeldChart) -> None:
        self.charts.pop(key, None)
        if len(self.charts) >= CAPACITY:
            del self.charts[next(iter(self.charts))]
        self.charts[key] = chart

    async def close(self) -> None:
        """Cancel the reads still running (at shutdown)."""
        tasks = list(self.flights.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
