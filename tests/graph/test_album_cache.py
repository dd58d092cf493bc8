"""The process-wide album page copy: served without Cypher, dropped when the catalog version moves."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from api.ids import to_global
from graph import catalog_version
from graph.album_cache import AlbumCache
from graph.catalog_watch import POLL_SECONDS, CatalogWatch
from graph.driver import Graph, queries_sent
from server import create_app
from settings import Settings
from tests.api.releases import new_prefix, release, remove, write


def held(graph: Graph, capacity: int = 10) -> AlbumCache:
    """A copy following a watch of its own (refreshed by the test)."""
    return AlbumCache(graph, CatalogWatch(graph), capacity)


@pytest.fixture
async def prefix(graph: Graph) -> AsyncIterator[str]:
    p = new_prefix("cache")
    yield p
    await remove(graph, p)


async def test_held_pages_cost_no_cypher(graph: Graph) -> None:
    cache = held(graph)
    await cache.watch.refresh()
    first = await cache.album_pages(["1", "2"])
    before = queries_sent()
    again = await cache.album_pages(["2", "1", "2"])
    assert queries_sent() == before
    assert again == [first[1], first[0], first[1]]
    assert first[0] is not None
    assert [t["trackNumber"] for t in first[0].tracks] == list(range(1, 11))


async def test_missing_albums_are_none_and_not_held(graph: Graph) -> None:
    cache = held(graph)
    await cache.watch.refresh()
    assert await cache.album_pages(["no-such-album"]) == [None]
    assert "no-such-album" not in cache.pages


async def test_capacity_evicts_the_oldest(graph: Graph) -> None:
    cache = held(graph, capacity=2)
    await cache.watch.refresh()
    for key in ("1", "2", "3"):
        await cache.album_pages([key])
    assert list(cache.pages) == ["2", "3"]


async def test_nothing_is_held_before_the_version_is_known(graph: Graph) -> None:
    cache = held(graph)
    assert (await cache.album_pages(["1"]))[0] is not None
    assert cache.pages == {}


async def test_a_catalog_write_drops_the_copy_at_the_next_refresh(graph: Graph, prefix: str) -> None:
    original = release(prefix, "a")
    await write(graph, [original])
    cache = held(graph)
    await cache.watch.refresh()
    version = cache.watch.version
    before = await cache.album_pages([original.key])
    await write(graph, [replace(original, title="Retitled")])
    assert await catalog_version.current(graph) == (version or 0) + 1
    assert (await cache.album_pages([original.key]))[0] == before[0]  # held until the version is read
    await cache.watch.refresh()
    page = (await cache.album_pages([original.key]))[0]
    assert page is not None
    assert page.row["title"] == "Retitled"


async def test_an_unchanged_redelivery_keeps_the_version(graph: Graph, prefix: str) -> None:
    original = release(prefix, "b")
    await write(graph, [original])
    version = await catalog_version.current(graph)
    await write(graph, [original])
    assert await catalog_version.current(graph) == version


async def test_a_read_overtaken_by_a_version_move_is_not_held(graph: Graph) -> None:
    cache = held(graph)
    await cache.watch.refresh()
    assert cache.watch.version is not None
    read = asyncio.create_task(cache.album_pages(["1"]))
    await asyncio.sleep(0)  # the read has started and waits on Neo4j
    cache.watch.version += 1  # what a refresh does when a catalog write lands meanwhile
    assert (await read)[0] is not None
    assert cache.pages == {}


@pytest.fixture
async def cached_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(dataclasses.replace(settings, album_cache=100))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t.test") as c:
        yield c


async def test_the_api_shows_a_retitled_album_within_a_poll(
    graph: Graph, cached_client: httpx.AsyncClient, prefix: str
) -> None:
    client = cached_client
    original = release(prefix, "d")
    await write(graph, [original])
    query = "query($id: ID!) { node(id: $id) { ... on Album { title tracks { title } } } }"
    variables = {"id": to_global("Album", original.key)}

    async def title() -> str:
        body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
        return str(body["data"]["node"]["title"])

    assert await title() == original.title
    before = queries_sent()
    assert await title() == original.title
    assert queries_sent() - before <= 1  # the page came from the copy (a version poll may land meanwhile)
    await write(graph, [replace(original, title="Seen within a poll")])
    deadline = time.monotonic() + 3 * POLL_SECONDS
    while await title() != "Seen within a poll":
        assert time.monotonic() < deadline, "the album page kept the old title past the catalog version poll"
        await asyncio.sleep(0.1)


async def test_one_watch_drops_every_copy_that_follows_it(graph: Graph, prefix: str) -> None:
    watch = CatalogWatch(graph)
    first, second = AlbumCache(graph, watch, 10), AlbumCache(graph, watch, 10)
    await watch.refresh()
    await first.album_pages(["1"])
    await second.album_pages(["2"])
    assert list(first.pages) == ["1"]
    assert list(second.pages) == ["2"]
    await write(graph, [release(prefix, "e")])
    await watch.refresh()
    assert first.pages == {}
    assert second.pages == {}
