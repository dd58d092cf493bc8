"""Held customers' panel reads asked at once in one process, sent to Neo4j as one query.

At 16 clients a storefront keeps several signed-in panel requests waiting in each API process, and
each of them reads one thing first: the customer, their count of purchases and the catalog version
(`graph.panels.customer_tastes` with their inputs held). Those asked while such a read is on its way
go together as the next one, so each read still starts after it was asked (a purchase committed
before is seen) and a process sends one query where it sent several: the driver's and Neo4j's work
per query is shared. Only reads whose inputs are all held wait here: a whole read (a customer's
history and catalog neighbours) goes alone rather than hold light ones up, and so does a read in a
causal scope with bookmarks to wait for.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graph import bookmarks, panels
from graph.driver import Graph
from graph.panels import Taste

IN_FLIGHT = 2
"""Batches one process keeps on their way at once (Neo4j answers two while a third gathers)."""


@dataclass(frozen=True, slots=True)
class _Asked:
    customers: tuple[str, ...]
    known: Mapping[str, int]
    answer: asyncio.Future[dict[str, Taste | None]]


class TasteReads:
    """One process's panel reads of held customers, gathered while earlier ones are on their way."""

    def __init__(self, graph: Graph, in_flight: int = IN_FLIGHT) -> None:
        self.graph = graph
        self.in_flight = in_flight
        self._waiting: list[_Asked] = []
        self._running: set[asyncio.Task[None]] = set()

    async def read(self, customers: Sequence[str], known: Mapping[str, int]) -> list[Taste | None]:
        """`customer_tastes(customers, known)`, sent with the reads asked meanwhile when all are held."""
        scope = bookmarks.current()
        if any(c not in known for c in customers) or (scope is not None and scope.bookmarks() is not None):
            return await panels.customer_tastes(self.graph, customers, known)
        asked = _Asked(tuple(customers), dict(known), asyncio.get_running_loop().create_future())
        self._waiting.append(asked)
        if len(self._running) < self.in_flight:
            # Outside the asking request's context: the batch is no one request's unit of work.
            task = asyncio.create_task(self._drain(), context=contextvars.Context())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        found = await asked.answer
        return [found.get(c) for c in customers]

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                found = await self._send(batch)
            except Exception as exc:  # every reader of the batch gets its failure
                for asked in batch:
                    if not asked.answer.done():
                        asked.answer.set_exception(exc)
                continue
            except BaseException:  # cancelled (the process stops): no reader waits on
                for asked in (*batch, *self._waiting):
                    asked.answer.cancel()
                raise
            for asked in batch:
                if not asked.answer.done():
                    asked.answer.set_result(found)

    async def _send(self, batch: list[_Asked]) -> dict[str, Taste | None]:
        customers = list(dict.fromkeys(c for asked in batch for c in asked.customers))
        known = _agreed(batch)
        return dict(zip(customers, await panels.customer_tastes(self.graph, customers, known), strict=True))


def _agreed(batch: list[_Asked]) -> dict[str, int]:
    """Each customer's held purchase count where every reader asking for them holds the same one."""
    counts: dict[str, set[int]] = {}
    for asked in batch:
        for customer in asked.customers:
            counts.setdefault(customer, set()).add(asked.known[customer])
    return {c: next(iter(n)) for c, n in counts.items() if len(n) == 1}
