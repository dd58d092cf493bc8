"""graph.purchases: exact price splits, racing idempotency keys, and no acknowledged purchase lost."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.driver import RETRY_SECONDS, Cypher, Graph
from graph.purchases import Bought, Item, Order, Rejection, buy, split_price
from graph.schema import ensure_schema
from settings import PROJECT_ROOT, Settings
from tests.store_support import Fixtures

JVM = PROJECT_ROOT / "graph" / "jvm"
SPARE_PORT = 7695
STORED = Cypher(
    "test_stored_purchases",
    """
    UNWIND $keys AS k
    MATCH (:Customer {key: $customer})-[:MADE]->(p:Purchase {key: k})-[l:LINE]->(t:Track)
    WITH p, l, t ORDER BY l.position
    RETURN p.key AS key, p.idempotencyKey AS idem, p.total AS total, collect([t.key, l.price]) AS lines
    """,
)
ALL_PURCHASES = Cypher(
    "test_all_purchases",
    """
    MATCH (:Customer {key: $customer})-[:MADE]->(p:Purchase)
    RETURN p.idempotencyKey AS idem, count{ (p)-[:LINE]->() } AS lines
    """,
)


@given(
    cents=st.integers(min_value=0, max_value=10_000_000),
    exponent=st.sampled_from([-2, -3]),
    parts=st.integers(min_value=1, max_value=60),
)
def test_split_price_sums_exactly_and_evenly(cents: int, exponent: int, parts: int) -> None:
    total = Decimal(cents).scaleb(exponent)
    shares = split_price(total, parts)
    assert len(shares) == parts
    assert sum(shares) == total
    assert max(shares) - min(shares) <= Decimal(1).scaleb(exponent)
    assert shares == sorted(shares, reverse=True)


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


async def test_racing_requests_with_one_key_buy_once(graph: Graph, shop: Fixtures) -> None:
    release = await shop.release(tracks=2)
    customer = await shop.customer("GB")
    orders = [
        Order(customer, "GB", "race", (Item("Track", release.tracks[i % 2].key, "MP3_320", f"ref{i}"),))
        for i in range(30)
    ]
    outcomes = await asyncio.gather(*(buy(graph, o, datetime.now(UTC)) for o in orders))
    bought = [o for o in outcomes if isinstance(o, Bought)]
    assert len(bought) == 30
    assert len({b.row["key"] for b in bought}) == 1
    assert sum(not b.replayed for b in bought) == 1
    assert await shop.state(customer) == {"purchases": 1, "lines": 1, "claims": 1}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class SpareNeo4j:
    """A throw-away Neo4j on SPARE_PORT over a data folder that outlives restarts."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.log = home / "launcher.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, limit: float = 180.0) -> None:
        """Start it and wait until it says it is ready."""
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                "java", "-Xmx512m", "-cp", "lib/*", "Launcher.java", str(self.home / "db"), "127.0.0.1",
                str(SPARE_PORT), "128m", cwd=JVM, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + limit
        while "ready on bolt" not in self.log.read_text(errors="replace")[offset:]:
            assert self.process.returncode is None, self.log.read_text(errors="replace")[offset:]
            assert time.monotonic() < deadline, "the spare Neo4j did not start in time"
            await asyncio.sleep(0.25)

    async def stop(self) -> None:
        """SIGTERM, and wait for it to exit."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 120)


@pytest.fixture
async def spare(tmp_path: Path) -> AsyncIterator[SpareNeo4j]:
    assert _port_free(SPARE_PORT), f"port {SPARE_PORT} is taken; the Neo4j-stop test needs it"
    server = SpareNeo4j(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.mark.slow
async def test_no_acknowledged_purchase_is_lost_when_neo4j_stops(spare: SpareNeo4j) -> None:
    graph = Graph.connect(Settings(neo4j_uri=f"bolt://127.0.0.1:{SPARE_PORT}"))
    try:
        await ensure_schema(graph)
        made = Fixtures(graph)
        release = await made.release(tracks=3)
        customer = await made.customer("GB")
        orders = [
            Order(customer, "GB", f"burst-{i}", (Item("Track", release.tracks[i % 3].key, "MP3_320", "x"),))
            for i in range(600)
        ]
        acknowledged: dict[str, Bought] = {}
        failed: list[Order] = []
        enough = asyncio.Event()

        async def worker(mine: list[Order]) -> None:
            for order in mine:
                try:
                    outcome = await buy(graph, order, datetime.now(UTC))
                except Exception:  # any failure means "not acknowledged": checked below
                    failed.append(order)
                    await asyncio.sleep(0.1)
                    continue
                assert not isinstance(outcome, Rejection), outcome
                acknowledged[order.idempotency_key] = outcome
                if len(acknowledged) >= 30:
                    enough.set()

        async def outage() -> None:
            await enough.wait()
            await spare.stop()
            # Down for longer than the driver retries, so purchases in flight must fail, not just wait.
            await asyncio.sleep(RETRY_SECONDS + 2)
            await spare.start()

        await asyncio.gather(outage(), *(worker(orders[i::4]) for i in range(4)))
        assert failed, "the outage should have interrupted some purchases"
        assert len(acknowledged) >= 30

        stored = await graph.read(STORED, {"customer": customer, "keys": [b.row["key"] for b in acknowledged.values()]})
        by_idem = {r["idem"]: r for r in stored}
        for idem, bought in acknowledged.items():
            row = by_idem[idem]
            assert row["key"] == bought.row["key"]
            assert row["total"] == bought.row["total"]
            assert [tuple(x) for x in row["lines"]] == [(x["trackKey"], x["price"]) for x in bought.lines]

        # Retrying what was not acknowledged, with the same keys, never buys anything twice.
        for order in failed:
            assert isinstance(await buy(graph, order, datetime.now(UTC)), Bought)
        everything = await graph.read(ALL_PURCHASES, {"customer": customer})
        assert sorted(r["idem"] for r in everything) == sorted(o.idempotency_key for o in orders)
        assert {r["lines"] for r in everything} == {1}
    finally:
        with contextlib.suppress(Exception):
            await graph.close()
