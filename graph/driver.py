"""The one async Neo4j driver of a process, running named queries and counting them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, AsyncSession
from neo4j.exceptions import ConnectionAcquisitionTimeoutError, ServiceUnavailable, SessionExpired, TransientError
from prometheus_client import Counter

from graph import bookmarks
from settings import Settings

T = TypeVar("T")

RETRY_SECONDS = 15.0
"""How long a write transaction is retried through transient failures (a restart, a deadlock)."""
CYPHER_QUERIES = Counter(
    "tunegraph_cypher_queries", "Cypher queries sent to Neo4j", ["query"]
)
UNAVAILABLE_ERRORS = (ServiceUnavailable, SessionExpired, TransientError, ConnectionAcquisitionTimeoutError, OSError)
"""Neo4j is away or cannot serve now (stopped, restarting, a dropped or defunct connection, a full pool):
worth retrying later. TransientError covers DatabaseUnavailable, what a database shutting down answers."""
READ_RETRY_DELAYS = (0.0, 0.2, 1.0)
"""Pauses before each retry of a read that hit an UNAVAILABLE_ERRORS: a stale pooled connection after a
restart is replaced at once; a database that is stopping gets a second and a bit before the request fails."""


@dataclass(frozen=True, slots=True)
class Cypher:
    """A named, parameterised Cypher query; the name labels its metric."""

    name: str
    text: LiteralString


def native(value: Any) -> Any:
    """Neo4j temporal values (also inside lists and maps) as Python's own."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    if isinstance(value, list):
        return [native(v) for v in value]
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    return value


def _rows(records: list[neo4j.Record]) -> list[dict[str, Any]]:
    return [{k: native(r[k]) for k in r.keys()} for r in records]  # noqa: SIM118


def queries_sent() -> float:
    """Cypher queries sent by this process so far, all names together."""
    return sum(
        sample.value
        for metric in CYPHER_QUERIES.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


class Graph:
    """Named queries over one async driver: reads routed to readers, writes retried.

    With a `neo4j://` URI the driver routes: every read runs in read access mode (a cluster
    sends it to a secondary; a write inside is refused), every write in a write transaction on
    the primary. Inside a `graph.bookmarks.causal` scope reads wait for the scope's bookmarks
    and writes add theirs (causal consistency).
    """

    def __init__(self, driver: AsyncDriver, database: str | None) -> None:
        self.driver = driver
        self.database = database

    @classmethod
    def connect(cls, settings: Settings) -> Graph:
        """A Graph for NEO4J_URI (bolt:// or neo4j://); connects lazily."""
        auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_password else None
        driver = AsyncGraphDatabase.driver(
            settings.neo4j_uri,
            auth=auth,
            max_connection_pool_size=64,
            connection_acquisition_timeout=10.0,
            connection_timeout=5.0,
            max_transaction_retry_time=RETRY_SECONDS,
            notifications_min_severity="OFF",
        )
        return cls(driver, settings.neo4j_database)

    async def read(
        self, query: Cypher, params: Mapping[str, Any] | None = None, convert: Callable[[Any], Any] = native
    ) -> list[dict[str, Any]]:
        """Rows of a read query, as plain dicts with native values; retried briefly while Neo4j is unavailable.

        `convert` turns each returned value into what callers read (a caller that knows its rows' shape
        converts them cheaper than `native`'s walk of every list).
        """
        CYPHER_QUERIES.labels(query.name).inc()
        # An auto-commit read costs a third less client CPU than execute_query's managed
        # transaction, and reads are safe to repeat, so a short retry stands in for the driver's.
        for delay in READ_RETRY_DELAYS:
            try:
                return await self._read_once(query, params, convert)
            except UNAVAILABLE_ERRORS:
                await asyncio.sleep(delay)
        return await self._read_once(query, params, convert)

    async def _read_once(
        self, query: Cypher, params: Mapping[str, Any] | None, convert: Callable[[Any], Any]
    ) -> list[dict[str, Any]]:
        async with self._reader() as s:
            result = await s.run(query.text, dict(params or {}))
            return [{k: convert(v) for k, v in zip(r.keys(), r.values(), strict=True)} async for r in result]

    def _reader(self) -> AsyncSession:
        scope = bookmarks.current()
        return self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS,
            bookmarks=scope.bookmarks() if scope else None,
        )

    async def write(self, query: Cypher, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a write query run in its own retried transaction."""
        CYPHER_QUERIES.labels(query.name).inc()

        async def unit(tx: AsyncManagedTransaction) -> list[neo4j.Record]:
            result = await tx.run(query.text, dict(params or {}))
            return [r async for r in result]

        return _rows(await self._write(unit))

    async def _write(self, unit: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Run `unit` in a retried write transaction; the causal scope (if any) then reads after it."""
        scope = bookmarks.current()
        after = scope.bookmarks() if scope else None
        async with self.driver.session(
            database=self.database, default_access_mode=neo4j.WRITE_ACCESS, bookmarks=after
        ) as session:
            outcome = await session.execute_write(unit)
            if scope:
                scope.wrote_after(after, await session.last_bookmarks())
            return outcome

    async def stream(self, query: Cypher, params: Mapping[str, Any] | None = None) -> AsyncIterator[tuple[Any, ...]]:
        """Rows of a large read as tuples, without holding them all in memory."""
        CYPHER_QUERIES.labels(query.name).inc()
        async with self._reader() as session:
            result = await session.run(query.text, dict(params or {}))
            async for record in result:
                yield tuple(native(v) for v in record.values())

    async def stream_values(self, query: Cypher, params: Mapping[str, Any] | None = None) -> AsyncIterator[list[Any]]:
        """Rows of a large read of plain values (strings, numbers, lists), left as the driver decodes them."""
        CYPHER_QUERIES.labels(query.name).inc()
        async with self._reader() as session:
            result = await session.run(query.text, dict(params or {}))
            async for record in result:
                yield record.values()

    async def transaction(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `work` in one write transaction, retried as a whole on transient errors."""

        async def unit(tx: AsyncManagedTransaction) -> T:
            return await work(Tx(tx))

        return await self._write(unit)

    async def ping(self) -> None:
        """Raise unless Neo4j answers a trivial query."""
        await self.read(Cypher("ping", "RETURN 1 AS ok"))

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.driver.close()


class Tx:
    """Named queries inside one managed transaction."""

    def __init__(self, tx: AsyncManagedTransaction) -> None:
        self._tx = tx

    async def run(self, query: Cypher, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of one query of the transaction."""
        CYPHER_QUERIES.labels(query.name).inc()
        result = await self._tx.run(query.text, dict(params or {}))
        return _rows([r async for r in result])
