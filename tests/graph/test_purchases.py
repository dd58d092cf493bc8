"""graph.purchases: exact price splits, racing idempotency keys, and no acknowledged purchase lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.driver import RETRY_SECONDS, UNAVAILABLE_ERRORS, Cypher, Graph
from graph.purchases import MAX_ITEMS, Bought, Item, Order, Rejection, buy, check_order, split_price
from graph.schema import ensure_schema
from settings import Settings
from tests.spare_neo4j import SpareNeo4j
from tests.store_support import Fixtures

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


def problem(order: Order) -> tuple[str, str | None] | None:
    """check_order's first problem as (message, item), None for a valid order."""
    found = check_order(order)
    return None if found is None else (found.message, found.item_ref)


def test_check_order_names_the_first_problem_in_the_order_the_api_reads_them() -> None:
    track = Item("Track", "t1", "MP3_320", "a")
    artist = Item("Artist", "ar1", "MP3_320", "b")
    malformed = Item(None, "", "MP3_320", "c")
    order = Order("cust", "FR", " ", (artist, malformed, track, track), country="GB")
    assert problem(order) == ("territory must be the customer's country (GB)", None)
    order = replace(order, country="FR")
    assert problem(order) == ("a Artist is not for sale (only tracks and albums)", "b")
    order = replace(order, items=order.items[1:])
    assert problem(order) == ("not a valid ID", "c")
    order = replace(order, items=order.items[1:])
    assert problem(order) == ("idempotencyKey must not be blank", None)
    order = replace(order, idempotency_key="k")
    assert problem(order) == ("an item is listed twice", "a")
    assert problem(replace(order, items=())) == ("items must not be empty", None)
    many = tuple(Item("Track", f"t{n}", "MP3_320", str(n)) for n in range(MAX_ITEMS + 1))
    assert problem(replace(order, items=many)) == (f"at most {MAX_ITEMS} items, got {MAX_ITEMS + 1}", None)
    assert problem(replace(order, items=order.items[:1])) is None


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


@pytest.mark.slow
async def test_no_acknowledged_purchase_is_lost_when_neo4j_stops(spare: SpareNeo4j) -> None:
    graph = Graph.connect(Settings(neo4j_uri=spare.uri))
    try:
        await ensure_schema(graph)
        made = Fixtures(graph)
        # A track of its own per order: buying a track owned already is refused (ALREADY_OWNED).
        release = await made.release(tracks=600)
        customer = await made.customer("GB")
        orders = [
            Order(customer, "GB", f"burst-{i}", (Item("Track", release.tracks[i].key, "MP3_320", "x"),))
            for i in range(600)
        ]
        acknowledged: dict[str, Bought] = {}
        failed: list[Order] = []
        failures: list[Exception] = []
        enough = asyncio.Event()

        async def worker(mine: list[Order]) -> None:
            for order in mine:
                try:
                    outcome = await buy(graph, order, datetime.now(UTC))
                except Exception as failure:  # any failure means "not acknowledged": checked below
                    failed.append(order)
                    failures.append(failure)
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
        # Each failure is one the API reports as UNAVAILABLE (HTTP 503, Retry-After), never INTERNAL.
        assert all(isinstance(f, UNAVAILABLE_ERRORS) for f in failures), {type(f).__name__: str(f) for f in failures}
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
