"""Rate limits: a query-cost budget per caller per minute, over a real app with a small limit."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from graphql import parse
from starlette.applications import Starlette

from api import limits
from api.ratelimit import WINDOW_SECONDS, RateLimiter, caller_key
from api.schema import build_schema
from graph.driver import Graph, queries_sent
from server import create_app
from settings import Settings
from tests.store_support import bearer, token

QUERY = "{ albums(first: 5) { edges { node { title } } } }"


def cost_of(query: str) -> int:
    return limits.measure(build_schema()._schema, parse(query), None, None).cost


@asynccontextmanager
async def app_with_limit(settings: Settings, per_minute: int) -> AsyncIterator[Starlette]:
    app = create_app(dataclasses.replace(settings, rate_limit=per_minute))
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: Starlette, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test")


def partner_token(secret: str, sub: str) -> dict[str, str]:
    return bearer(token(secret, sub))


async def ask(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post("/graphql", json={"query": QUERY}, headers=headers or {})


async def test_budget_spent_gives_rate_limited_with_retry_after(graph: Graph, settings: Settings) -> None:
    cost = cost_of(QUERY)
    async with app_with_limit(settings, 3 * cost) as app, client_for(app, "10.1.0.1") as client:
        for _ in range(3):
            ok = await ask(client)
            assert ok.status_code == 200
            assert "errors" not in ok.json(), ok.text
        before = queries_sent()
        refused = await ask(client)
        assert queries_sent() == before  # refused before Neo4j
    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    # one query's worth refills at 3*cost per minute: cost / (3*cost/60) = 20 s, give or take the test's run time
    wait = error["extensions"]["retryAfter"]
    assert isinstance(wait, int)
    assert 1 <= wait <= math.ceil(WINDOW_SECONDS / 3)
    assert refused.headers["Retry-After"] == str(wait)
    assert "Traceback" not in refused.text


async def test_each_caller_has_its_own_budget(graph: Graph, settings: Settings) -> None:
    cost = cost_of(QUERY)
    async with (
        app_with_limit(settings, cost) as app,
        client_for(app, "10.2.0.1") as first,
        client_for(app, "10.2.0.2") as second,
    ):
        assert (await ask(first)).status_code == 200
        assert (await ask(first)).status_code == 429
        assert (await ask(second)).status_code == 200  # another address
        alice = partner_token(settings.jwt_secret, "partner-alice")
        bob = partner_token(settings.jwt_secret, "partner-bob")
        # a token pays for itself, whatever address it comes from
        assert (await ask(first, alice)).status_code == 200
        assert (await ask(second, alice)).status_code == 429
        assert (await ask(second, bob)).status_code == 200


async def test_zero_turns_limiting_off(graph: Graph, settings: Settings) -> None:
    expensive = "{ artists(first: 100) { edges { node { albums(first: 20) { edges { node { title } } } } } } }"
    async with app_with_limit(settings, 0) as app, client_for(app, "10.3.0.1") as client:
        for _ in range(3):
            response = await client.post("/graphql", json={"query": expensive})
            assert response.status_code == 200
            assert "errors" not in response.json()


def fake_clock(start: float = 1000.0) -> tuple[list[float], Callable[[], float]]:
    now = [start]
    return now, lambda: now[0]


def test_bucket_refills_continuously() -> None:
    now, clock = fake_clock()
    limiter = RateLimiter(600, clock)  # 10 per second
    assert limiter.take("a", 600) == 0.0
    assert limiter.take("a", 50) == 5.0  # 50 at 10/s
    now[0] += 2.0
    assert limiter.take("a", 50) == 3.0  # 20 refilled, 30 missing
    now[0] += 3.0
    assert limiter.take("a", 50) == 0.0
    assert limiter.take("a", 1) > 0.0


def test_refused_requests_are_not_charged_and_the_bucket_caps_at_the_limit() -> None:
    now, clock = fake_clock()
    limiter = RateLimiter(60, clock)
    assert limiter.take("a", 60) == 0.0
    for _ in range(5):
        assert limiter.take("a", 30) == 30.0
    now[0] += 3600.0
    assert limiter.take("a", 60) == 0.0
    assert limiter.take("a", 1) > 0.0


def test_a_query_costlier_than_the_whole_budget_waits_a_window() -> None:
    limiter = RateLimiter(10)
    assert limiter.take("a", 11) == WINDOW_SECONDS
    assert RateLimiter(0).take("a", 10**9) == 0.0


def test_caller_keys() -> None:
    token: dict[str, Any] = {"authorization": "Bearer abc.def.ghi"}
    assert caller_key(token, "10.0.0.1") == caller_key(token, "10.0.0.2")
    assert caller_key(token, "10.0.0.1").startswith("token:")
    assert "abc.def.ghi" not in caller_key(token, "10.0.0.1")
    assert caller_key(token, "10.0.0.1", token_accepted=False) == caller_key({}, "10.0.0.1")
    assert caller_key({}, "10.0.0.1") != caller_key({}, "10.0.0.2")
