"""Planned documents answered without the view: the view's own body and headers, its checks first, its errors."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from strawberry.schema.schema import Schema

from api.compiled.plans import COMPILED
from bench import queries as bench
from graph.driver import Graph, queries_sent
from server import create_app
from settings import Settings
from tests.store_support import gid

BUDGET = 1000


def _outcome(name: str) -> float:
    return next((s.value for m in COMPILED.collect() for s in m.samples
                 if s.name.endswith("_total") and s.labels["outcome"] == name), 0.0)


async def _client(settings: Settings, address: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(address, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as c:
            yield c


@pytest.fixture
async def metered(graph: Graph, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Plans on, a small budget, no response cache: every answer is a plan's or the view's."""
    async for c in _client(dataclasses.replace(settings, rate_limit=BUDGET, response_cache=0), _address()):
        yield c


@pytest.fixture
async def metered_plain(graph: Graph, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The same without plans: the view answers everything."""
    async for c in _client(dataclasses.replace(settings, rate_limit=BUDGET, response_cache=0, compiled=False),
                          _address()):
        yield c


def _address() -> str:
    """A caller of its own (budgets are shared by every app of this host)."""
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def _without_budget(response: httpx.Response) -> tuple[int, Any, set[str]]:
    body = response.json()
    cost = body.get("extensions", {}).get("cost", {})
    cost.pop("remaining", None)
    cost.pop("resetSeconds", None)
    headers = {h for h in response.headers if h.lower().startswith("ratelimit-")}
    return response.status_code, body, headers


ALBUM = {"query": bench.ALBUM_PAGE, "variables": {"id": gid("Album", "1")}}


async def test_the_second_request_is_planned_without_the_view(metered: httpx.AsyncClient) -> None:
    await metered.post("/graphql", json=ALBUM)  # the view admits the document and compiles its plan
    before, sent = _outcome("planned"), queries_sent()
    executions = Schema.execute
    try:
        Schema.execute = None  # type: ignore[assignment,method-assign]  # the view must not run
        response = await metered.post("/graphql", json={**ALBUM, "variables": {"id": gid("Album", "2")}})
    finally:
        Schema.execute = executions  # type: ignore[method-assign]
    assert response.status_code == 200
    assert response.json()["data"]["node"]["title"]
    assert _outcome("planned") == before + 1
    assert queries_sent() - sent == 1


async def test_a_planned_answer_is_the_views_own(
    metered: httpx.AsyncClient, metered_plain: httpx.AsyncClient
) -> None:
    for body in (ALBUM, {"query": bench.ARTIST_PAGE, "variables": {"id": gid("Artist", "90")}}):
        await metered.post("/graphql", json=body)
        planned, viewed = await metered.post("/graphql", json=body), await metered_plain.post("/graphql", json=body)
        assert _without_budget(planned) == _without_budget(viewed)
        assert planned.json()["extensions"]["cost"]["requested"] > 0
        assert planned.headers["content-type"] == viewed.headers["content-type"]
        assert planned.headers["ratelimit-limit"] == str(BUDGET)


async def test_a_caller_past_its_budget_is_refused_before_any_cypher(metered: httpx.AsyncClient) -> None:
    await metered.post("/graphql", json=ALBUM)
    while (await metered.post("/graphql", json=ALBUM)).status_code == 200:
        pass
    sent = queries_sent()
    refused = await metered.post("/graphql", json=ALBUM)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert queries_sent() == sent


async def test_a_bad_value_on_a_planned_document_gets_the_views_error(
    metered: httpx.AsyncClient, metered_plain: httpx.AsyncClient
) -> None:
    page = {"query": bench.GENRE_PAGE, "variables": {"id": gid("Genre", "rock"), "first": 5}}
    await metered.post("/graphql", json=page)
    for variables in ({"id": gid("Genre", "rock"), "first": -1}, {"id": "%%%", "first": 5},
                      {"id": gid("Genre", "rock"), "first": 5, "after": "bogus"}, {"id": gid("Genre", "rock")}):
        bad = {**page, "variables": variables}
        planned, viewed = await metered.post("/graphql", json=bad), await metered_plain.post("/graphql", json=bad)
        assert _without_budget(planned) == _without_budget(viewed), variables
        assert planned.json()["errors"], variables
