"""The process-wide chart copy: fresh, then stale while one refresh runs, one read per cold chart, dropped on writes."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from api.ids import to_global
from graph.catalog_watch import CatalogWatch
from graph.chart_cache import CHART_DEPTH, ChartCache, ChartKey
from graph.charts import ChartRow, bestsellers
from graph.driver import CYPHER_QUERIES, Cypher, Graph
from graph.purchase_writes import insert_purchases, upsert_customers
from graph.release import CustomerRecord, PurchaseLineRecord, PurchaseRecord, Release, Rights
from server import create_app
from settings import Settings
from tests.api.releases import new_prefix, release, remove, write

SECONDS = 60.0
TERRITORY = "BV"  # Bouvet Island: an assigned code no other test sells in
"""A territory only these tests sell in: its chart is theirs alone."""
DELETE_SALES = Cypher(
    "test_delete_prefixed_sales",
    "MATCH (n) WHERE (n:Purchase OR n:Customer) AND n.key STARTS WITH $prefix DETACH DELETE n",
)
_serial = itertools.count()


class Clock:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reads() -> float:
    """Chart queries this process has sent."""
    return float(CYPHER_QUERIES.labels("bestsellers")._value.get())


@dataclasses.dataclass
class Shop:
    """A release of three tracks and a customer buying them in TERRITORY."""

    graph: Graph
    prefix: str
    album: Release

    def track(self, n: int) -> str:
        return self.album.tracks[n].key

    async def buy(self, n: int, units: int = 1) -> None:
        line = PurchaseLineRecord(self.track(n), "MP3_320", Decimal("1.29"), Decimal("0.5"))
        at = datetime.now(UTC) - timedelta(minutes=1)
        sales = [PurchaseRecord(f"{self.prefix}p{next(_serial)}", self.prefix + "buyer", at, TERRITORY, "NOK", (line,))
                 for _ in range(units)]
        await insert_purchases(self.graph, sales)


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Shop]:
    prefix = new_prefix("charts")
    album = release(prefix, "a", tracks=3)
    await write(graph, [album])
    await upsert_customers(graph, [CustomerRecord(prefix + "buyer", TERRITORY)])
    yield Shop(graph, prefix, album)
    await graph.write(DELETE_SALES, {"prefix": prefix})
    await remove(graph, prefix)


KEY: ChartKey = (TERRITORY, None, None, None)


async def watched(graph: Graph, clock: Clock) -> ChartCache:
    watch = CatalogWatch(graph)
    await watch.refresh()
    return ChartCache(graph, SECONDS, watch, clock)


def units(rows: list[ChartRow]) -> list[tuple[str, int]]:
    return [(r.row["key"], r.units) for r in rows]


async def test_a_held_chart_is_the_query_and_costs_nothing_while_fresh(graph: Graph, shop: Shop) -> None:
    await shop.buy(0, 2)
    await shop.buy(1)
    cache = await watched(graph, Clock())
    first = await cache.chart(KEY)
    assert units(first) == [(shop.track(0), 2), (shop.track(1), 1)]
    assert first == await bestsellers(graph, *KEY, CHART_DEPTH)
    before = reads()
    cache.clock.now += SECONDS - 1  # type: ignore[attr-defined]
    await shop.buy(2, 5)
    assert await cache.chart(KEY) == first
    assert cache.flights == {}
    assert reads() == before


async def test_a_stale_chart_is_served_while_one_refresh_runs(graph: Graph, shop: Shop) -> None:
    await shop.buy(0)
    clock = Clock()
    cache = await watched(graph, clock)
    old = await cache.chart(KEY)
    await shop.buy(1, 3)
    clock.now += SECONDS
    before = reads()
    stale = [await cache.chart(KEY) for _ in range(3)]
    assert stale == [old] * 3
    assert len(cache.flights) == 1
    await asyncio.gather(*cache.flights.values())
    assert reads() == before + 1
    assert units(await cache.chart(KEY)) == [(shop.track(1), 3), (shop.track(0), 1)]
    assert reads() == before + 1


async def test_no_chart_is_served_older_than_twice_its_freshness(graph: Graph, shop: Shop) -> None:
    await shop.buy(0)
    clock = Clock()
    cache = await watched(graph, clock)
    old = await cache.chart(KEY)
    await shop.buy(2, 4)
    clock.now += 2 * SECONDS - 0.5
    assert await cache.chart(KEY) == old
    await cache.flights[(cache.version, KEY)]
    await shop.buy(2, 1)
    clock.now += 2 * SECONDS
    assert units(await cache.chart(KEY)) == [(shop.track(2), 5), (shop.track(0), 1)]
    assert cache.flights == {}


async def test_concurrent_requests_for_a_cold_chart_share_one_read(graph: Graph, shop: Shop) -> None:
    await shop.buy(1, 2)
    cache = await watched(graph, Clock())
    before = reads()
    charts = await asyncio.gather(*(cache.chart(KEY) for _ in range(8)))
    assert reads() == before + 1
    assert all(c == charts[0] for c in charts)
    assert units(charts[0]) == [(shop.track(1), 2)]


async def test_a_waiter_that_goes_away_leaves_the_read_to_the_others(graph: Graph, shop: Shop) -> None:
    await shop.buy(0)
    cache = await watched(graph, Clock())
    leaving = asyncio.create_task(cache.chart(KEY))
    staying = asyncio.create_task(cache.chart(KEY))
    await asyncio.sleep(0)
    leaving.cancel()
    assert units(await staying) == [(shop.track(0), 1)]
    assert KEY in cache.charts


async def test_a_catalog_write_drops_every_chart(graph: Graph, shop: Shop) -> None:
    await shop.buy(0)
    cache = await watched(graph, Clock())
    held = await cache.chart(KEY)
    assert held[0].row["title"] == shop.album.tracks[0].title
    other = (None, None, None, None)
    await cache.chart(other)
    retitled = replace(shop.album, tracks=(replace(shop.album.tracks[0], title="Retitled"), *shop.album.tracks[1:]))
    await write(graph, [retitled])
    assert await cache.chart(KEY) == held  # held until the version is read
    await cache.versions.refresh()
    before = reads()
    assert (await cache.chart(KEY))[0].row["title"] == "Retitled"
    assert reads() == before + 1
    assert other not in cache.charts


async def test_a_read_overtaken_by_a_version_move_is_not_held(graph: Graph, shop: Shop) -> None:
    await shop.buy(0)
    cache = await watched(graph, Clock())
    assert cache.versions.version is not None
    read = asyncio.create_task(cache.chart(KEY))
    await asyncio.sleep(0)  # the read has started and waits on Neo4j
    cache.versions.version += 1  # what a refresh does when a catalog write lands meanwhile
    assert units(await read) == [(shop.track(0), 1)]
    assert cache.charts == {}


async def test_nothing_is_held_before_the_version_is_known(graph: Graph, shop: Shop) -> None:
    await shop.buy(0)
    cache = ChartCache(graph, SECONDS, CatalogWatch(graph), Clock())
    assert units(await cache.chart(KEY)) == [(shop.track(0), 1)]
    assert cache.charts == {}


async def test_close_cancels_the_reads_in_flight(graph: Graph) -> None:
    cache = await watched(graph, Clock())
    flight = cache._flight(KEY)
    await cache.close()
    assert flight.cancelled()


@pytest.fixture
async def cached_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(dataclasses.replace(settings, chart_seconds=int(SECONDS)))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t.test") as c:
        yield c


CHART = """query($t: String!, $first: Int) { bestsellers(territory: $t, first: $first) {
  rank units track { id title offers(territory: $t) { format } } } }"""


async def test_the_api_slices_one_held_chart_and_a_takedown_shows_at_once(
    graph: Graph, cached_client: httpx.AsyncClient, shop: Shop
) -> None:
    for n, bought in enumerate((3, 2, 1)):
        await shop.buy(n, bought)

    async def chart(first: int) -> list[dict[str, object]]:
        body = (await cached_client.post("/graphql", json={"query": CHART, "variables": {"t": TERRITORY, "first": first}})).json()
        assert "errors" not in body, body
        rows: list[dict[str, object]] = body["data"]["bestsellers"]
        return rows

    before = reads()
    whole = await chart(100)
    assert [(r["units"], r["track"]["id"]) for r in whole] == [  # type: ignore[index]
        (3 - n, to_global("Track", shop.track(n))) for n in range(3)]
    assert [await chart(first) for first in (0, 1, 2)] == [whole[:0], whole[:1], whole[:2]]
    assert reads() == before + 1
    taken_down = replace(shop.album, rights=Rights(("*",), Decimal("0.5"), end=date.today()))
    await write(graph, [taken_down])
    deadline = asyncio.get_running_loop().time() + 3
    while (await chart(3))[0]["track"]["offers"]:  # type: ignore[index]
        assert asyncio.get_running_loop().time() < deadline, "a taken-down track kept its offers"
        await asyncio.sleep(0.1)
