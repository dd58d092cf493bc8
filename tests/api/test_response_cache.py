"""The whole-response cache over HTTP: hits cost no Cypher and send the same bytes; what may never be kept is not."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.ids import to_global
from api.response_cache import ResponseCache
from bench.queries import ALBUM_PAGE, ARTIST_PAGE
from graph.driver import Graph, queries_sent
from server import create_app
from settings import Settings
from tests.api.releases import new_prefix, release, remove, write
from tests.api.test_malformed import BAD_BODIES
from tests.store_support import bearer, token

ALBUM = {"id": to_global("Album", "1")}
OFFERS = "query($id: ID!, $t: String) { node(id: $id) { ... on Album { title offers(territory: $t) { price { currency } } } } }"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    served = create_app(dataclasses.replace(settings, response_cache=100))
    async with served.router.lifespan_context(served):
        await cache_of(served).watch.refresh()
        yield served


def cache_of(app: Starlette) -> ResponseCache:
    cache = app.state.services.response_cache
    assert isinstance(cache, ResponseCache)
    return cache


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.9.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as c:
        yield c


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> tuple[httpx.Response, float]:
    """The response and the Cypher it cost."""
    before = queries_sent()
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return response, queries_sent() - before


async def test_a_repeated_album_page_is_the_same_bytes_without_cypher(graph: Graph, app: Starlette,
                                                                      client: httpx.AsyncClient) -> None:
    first, cost = await post(client, ALBUM_PAGE, ALBUM)
    again, cached_cost = await post(client, ALBUM_PAGE, ALBUM)
    assert cost >= 1
    assert cached_cost == 0
    assert first.json()["data"]["node"]["title"]
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert cache_of(app).hits == 1


async def test_get_keeps_its_etag_and_304_from_the_cache(graph: Graph, client: httpx.AsyncClient) -> None:
    params = {"query": ALBUM_PAGE, "variables": json.dumps(ALBUM)}
    first = await client.get("/graphql", params=params)
    before = queries_sent()
    again = await client.get("/graphql", params=params)
    unchanged = await client.get("/graphql", params=params, headers={"If-None-Match": first.headers["etag"]})
    assert queries_sent() == before
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == first.headers["cache-control"] == "public, max-age=60"
    assert unchanged.status_code == 304


async def test_variables_territory_and_day_are_separate_entries(graph: Graph, app: Starlette,
                                                                client: httpx.AsyncClient) -> None:
    prefix = new_prefix("rcache")
    try:
        await write(graph, [release(prefix, "gb", territories=("GB",))])
        await cache_of(app).watch.refresh()
        cache = cache_of(app)
        licensed = {"id": to_global("Album", prefix + "gb")}
        us, _ = await post(client, OFFERS, {**licensed, "t": "US"})
        gb, _ = await post(client, OFFERS, {**licensed, "t": "GB"})
        other, _ = await post(client, OFFERS, {**ALBUM, "t": "GB"})
        assert len(cache) == 3
        assert us.json()["data"]["node"]["offers"] == [] != gb.json()["data"]["node"]["offers"]
        assert other.json()["data"]["node"]["title"] != gb.json()["data"]["node"]["title"]
        again, cost = await post(client, OFFERS, {"t": "GB", **licensed})  # the same variables in another order
        assert (again.content, cost, len(cache)) == (gb.content, 0, 3)
        tomorrow = cache.today() + timedelta(days=1)
        cache.today = lambda: tomorrow
        _, cost = await post(client, OFFERS, {**licensed, "t": "GB"})
        assert cost >= 1  # another day: rights are judged again
        assert len(cache) == 1
    finally:
        await remove(graph, prefix)


async def test_a_catalog_write_is_seen_at_the_next_version_read(graph: Graph, app: Starlette,
                                                                client: httpx.AsyncClient) -> None:
    prefix = new_prefix("rcache")
    original = release(prefix, "a")
    try:
        await write(graph, [original])
        await cache_of(app).watch.refresh()
        variables = {"id": to_global("Album", original.key)}
        assert (await post(client, ALBUM_PAGE, variables))[0].json()["data"]["node"]["title"] == original.title
        await write(graph, [replace(original, title="Retitled")])
        await cache_of(app).watch.refresh()
        answer, cost = await post(client, ALBUM_PAGE, variables)
        assert answer.json()["data"]["node"]["title"] == "Retitled"
        assert cost >= 1
    finally:
        await remove(graph, prefix)


@pytest.mark.parametrize("query", [
    "{ viewer { id country } }",
    "query($id: ID!) { node(id: $id) { ... on Album { title viewerOwns } } }",
    "query($id: ID!) { node(id: $id) { ... on Album { title alsoBought(first: 3) { id } } } }",
    'query { recommend(seeds: ["VHJhY2s6MQ=="], first: 3) { track { id } } }',
    "{ __schema { queryType { name } } }",
])
async def test_customer_scoped_and_model_answers_are_never_kept(graph: Graph, app: Starlette,
                                                                client: httpx.AsyncClient, query: str) -> None:
    await post(client, query, ALBUM if "$id" in query else None)
    await post(client, query, ALBUM if "$id" in query else None)
    assert len(cache_of(app)) == 0


async def test_a_bearer_token_always_runs_the_query(graph: Graph, settings: Settings, app: Starlette,
                                                    client: httpx.AsyncClient) -> None:
    headers = bearer(token(settings.jwt_secret, to_global("Customer", "1")))
    await post(client, ALBUM_PAGE, ALBUM)  # kept for anonymous callers
    for _ in range(2):
        answer, cost = await post(client, ALBUM_PAGE, ALBUM, headers)
        assert cost >= 1
        assert answer.json()["data"]["node"]
    assert answer.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(("query", "variables"), [
    (ARTIST_PAGE, {"id": to_global("Artist", "1")}),  # topTracks follows purchases
    ('query($t: String) { bestsellers(territory: $t, first: 3) { rank units track { id title } } }', {"t": "US"}),
])
async def test_sales_ranked_answers_expire_like_a_chart(graph: Graph, app: Starlette, client: httpx.AsyncClient,
                                                        query: str, variables: dict[str, Any]) -> None:
    cache = cache_of(app)
    now = [1000.0]
    cache.clock = lambda: now[0]
    assert cache.sales_seconds == 0  # the tests' TUNEGRAPH_CHART_SECONDS: charts are not held, nor are these
    await post(client, query, variables)
    assert (await post(client, query, variables))[1] >= 1
    cache.sales_seconds = 60
    first = (await post(client, query, variables))[0].content
    again, cost = await post(client, query, variables)
    assert (cost, again.content) == (0, first)
    now[0] += cache.sales_seconds
    assert (await post(client, query, variables))[1] >= 1  # re-read once a chart would be


async def test_a_hit_is_charged_its_cost_and_refused_past_the_budget(graph: Graph, settings: Settings) -> None:
    served = create_app(dataclasses.replace(settings, response_cache=100, rate_limit=100))
    transport = httpx.ASGITransport(app=served, client=("10.9.0.2", 40000))
    async with served.router.lifespan_context(served), httpx.AsyncClient(
        transport=transport, base_url="http://tunegraph.test"
    ) as client:
        await cache_of(served).watch.refresh()
        first, _ = await post(client, ALBUM_PAGE, ALBUM)
        hit, cypher = await post(client, ALBUM_PAGE, ALBUM)
        spent = first.json()["extensions"]["cost"]
        charged = hit.json()["extensions"]["cost"]
        assert cypher == 0
        assert charged["requested"] == spent["requested"] > 0
        assert charged["remaining"] <= spent["remaining"] - spent["requested"] + 1  # refilled a token at most
        assert hit.headers["ratelimit-remaining"] == str(charged["remaining"])
        assert hit.content.split(b',"extensions":')[0] == first.content.split(b',"extensions":')[0]
        assert list(hit.json()) == list(first.json())
        assert list(hit.json()["extensions"]) == ["cost"]
        while hit.status_code == 200:
            hit, _ = await post(client, ALBUM_PAGE, ALBUM)
        assert hit.status_code == 429
        assert hit.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_turned_off_there_is_no_cache(graph: Graph, settings: Settings) -> None:
    served = create_app(dataclasses.replace(settings, response_cache=0))
    async with served.router.lifespan_context(served):
        assert served.state.services.response_cache is None
    assert Settings.from_env({"TUNEGRAPH_RESPONSE_CACHE": "0"}).response_cache == 0
    assert Settings.from_env({}).response_cache > 0




async def test_malformed_requests_are_answered_as_without_the_cache(graph: Graph, settings: Settings) -> None:
    cases = [(body, kind) for body, kind, _, _ in BAD_BODIES.values()]
    cases += [(b'{"query": "{ genres { name } }"}' + b" " * 300, "application/json")]  # over the cap: 413
    answers: list[list[tuple[int, bytes]]] = []
    for kept in (100, 0):
        served = create_app(dataclasses.replace(settings, response_cache=kept, max_body_bytes=200))
        transport = httpx.ASGITransport(app=served)
        async with served.router.lifespan_context(served), httpx.AsyncClient(
            transport=transport, base_url="http://tunegraph.test"
        ) as client:
            assert (served.state.services.response_cache is not None) == bool(kept)
            answers.append([])
            for body, kind in cases:
                response = await client.post("/graphql", content=body, headers={"content-type": kind} if kind else {})
                answers[-1].append((response.status_code, response.content))
    assert answers[0] == answers[1]
    assert {status for status, _ in answers[0]} >= {400, 413, 415}


async def test_the_same_miss_asked_at_once_runs_once(graph: Graph, app: Starlette, client: httpx.AsyncClient) -> None:
    query = "query($id: ID!) { node(id: $id) { ... on Artist { name albums(first: 2) { edges { node { title } } } } } }"
    variables = {"id": to_global("Artist", "1")}
    body = {"query": query, "variables": variables}
    before = queries_sent()
    answers = await asyncio.gather(*(client.post("/graphql", json=body) for _ in range(4)))
    spent = queries_sent() - before
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.content for a in answers}) == 1
    cache_of(app).kept.clear()
    _, once = await post(client, query, variables)
    assert once >= 1
    assert spent == once  # the three asked while the first ran waited for its answer
