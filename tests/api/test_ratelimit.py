"""Rate limits: a query-cost budget per caller per minute, over a real app with a small limit."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.applications import Starlette

from api import limits
from api.buckets import WINDOW_SECONDS
from api.ratelimit import RateLimiter, caller_key, rate_limiter
from api.schema import build_schema
from graph.driver import Graph, queries_sent
from server import create_app
from settings import Settings
from tests.servers import server_process
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


def answered(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    """(status, extensions.cost) of a response."""
    return response.status_code, response.json()["extensions"]["cost"]


def told(response: httpx.Response) -> tuple[int, int, int]:
    """The RateLimit-Limit, -Remaining and -Reset headers."""
    names = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
    limit, remaining, reset = (int(response.headers[name]) for name in names)
    return limit, remaining, reset


async def test_every_response_tells_its_cost_and_what_is_left(graph: Graph, settings: Settings) -> None:
    cost = cost_of(QUERY)
    limit = 2 * cost
    async with app_with_limit(settings, limit) as app, client_for(app, "10.4.0.1") as client:
        first, second, refused = await ask(client), await ask(client), await ask(client)
        invalid = await client.post("/graphql", json={"query": "{ albums { nope } }"})
    assert answered(first) == (200, {"requested": cost, "limit": limit, "remaining": cost, "resetSeconds": 30})
    assert told(first) == (limit, cost, 30)
    # the second leaves (almost) nothing: a few milliseconds refill a small fraction of a token
    assert answered(second) == (200, {"requested": cost, "limit": limit, "remaining": 0, "resetSeconds": 60})
    assert told(second) == (limit, 0, 60)
    assert answered(refused) == (429, {"requested": cost, "limit": limit, "remaining": 0, "resetSeconds": 60})
    assert told(refused) == (limit, 0, 60)
    # refused before it was measured: it spends nothing and still tells the budget
    status, report = answered(invalid)
    assert status == 200
    assert invalid.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert report["requested"] == 0
    assert report["limit"] == limit
    assert report["remaining"] == told(invalid)[1] == 0


async def test_an_anonymous_get_keeps_its_etag_and_tells_the_budget_in_headers_only(
    graph: Graph, settings: Settings
) -> None:
    cost = cost_of(QUERY)
    async with app_with_limit(settings, 10 * cost) as app, client_for(app, "10.5.0.1") as client:
        one = await client.get("/graphql", params={"query": QUERY})
        again = await client.get("/graphql", params={"query": QUERY}, headers={"If-None-Match": one.headers["etag"]})
    assert one.status_code == 200
    assert "extensions" not in one.json()  # the same body for everyone a shared cache may serve it to
    assert told(one) == (10 * cost, 9 * cost, 6)
    assert again.status_code == 304
    assert told(again)[1] == 8 * cost


async def test_with_limits_off_nothing_is_told(graph: Graph, settings: Settings) -> None:
    async with app_with_limit(settings, 0) as app, client_for(app, "10.6.0.1") as client:
        response = await ask(client)
    assert response.status_code == 200
    assert "extensions" not in response.json()
    assert not [name for name in response.headers if name.lower().startswith("ratelimit")]


async def test_a_token_claim_sets_the_budget_up_to_the_configured_cap(graph: Graph, settings: Settings) -> None:
    cost = cost_of(QUERY)
    capped = dataclasses.replace(settings, rate_limit_max=3 * cost)
    partner = bearer(token(settings.jwt_secret, "partner-big", rateLimit=2 * cost))
    greedy = bearer(token(settings.jwt_secret, "partner-greedy", rateLimit=1000 * cost))
    plain = partner_token(settings.jwt_secret, "partner-plain")
    async with app_with_limit(capped, cost) as app, client_for(app, "10.7.0.1") as client:
        assert [(await ask(client, partner)).status_code for _ in range(3)] == [200, 200, 429]
        assert [(await ask(client, greedy)).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert [(await ask(client, plain)).status_code for _ in range(2)] == [200, 429]
        assert told(await ask(client, greedy))[0] == 3 * cost


async def test_a_bad_rate_limit_claim_rejects_the_token(graph: Graph, settings: Settings) -> None:
    async with app_with_limit(settings, 1000) as app, client_for(app, "10.7.0.2") as client:
        for claim in (0, -5, "100", 2.5, True):
            response = await ask(client, bearer(token(settings.jwt_secret, "partner-odd", rateLimit=claim)))
            error = response.json()["errors"][0]
            assert error["extensions"]["code"] == "UNAUTHENTICATED"
            assert "rateLimit" in error["message"]


def test_settings_read_the_cap_and_the_redis_url() -> None:
    plain = Settings.from_env({"TUNEGRAPH_RATE_LIMIT": "100"})
    assert (plain.rate_limit_max, plain.redis_url) == (None, None)
    assert rate_limiter(plain).max_per_minute == 1000
    configured = Settings.from_env({"TUNEGRAPH_RATE_LIMIT_MAX": "250", "TUNEGRAPH_REDIS_URL": "redis://cache:6379/2"})
    assert (configured.rate_limit_max, configured.redis_url) == (250, "redis://cache:6379/2")


def requests_by_worker(metrics: Path) -> list[float]:
    """GraphQL requests each worker process answered (one started in place of a slow one too), from its own
    Prometheus file."""
    counts = []
    for path in sorted(metrics.glob("counter_*.db")):
        metrics_of_one = MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
        samples = [s for m in metrics_of_one for s in m.samples]
        counts.append(sum(s.value for s in samples if s.name == "tunegraph_graphql_requests_total"))
    return counts


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[str]:
    """`python server.py` with two uvicorn workers and a budget of WORKER_BUDGET queries a minute."""
    env = {"TUNEGRAPH_WORKERS": "2", "TUNEGRAPH_RATE_LIMIT": str(WORKER_BUDGET * cost_of(QUERY))}

    def both_started(base: str) -> bool:
        return len(requests_by_worker(tmp_path / "metrics")) >= 2 and _answers(base)

    with server_process(env, both_started, tmp_path) as (base, _):
        yield base


def _answers(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


WORKER_BUDGET = 8


async def test_two_workers_share_one_budget(two_workers: str, tmp_path: Path, settings: Settings) -> None:
    auth = partner_token(settings.jwt_secret, "partner-hammer")

    async def one() -> int:  # a connection of its own: a worker busy with one leaves the next to the other
        async with httpx.AsyncClient(base_url=two_workers, timeout=30) as client:
            return (await client.post("/graphql", json={"query": QUERY}, headers=auth)).status_code

    statuses: list[int] = []
    started = time.monotonic()
    # until each worker has answered a few (the kernel may hand a busy start to one of them), each of
    # which it would have granted from a budget of its own
    while len([n for n in requests_by_worker(tmp_path / "metrics") if n >= 3]) < 2 and len(statuses) < 12 * WORKER_BUDGET:
        statuses += await asyncio.gather(*(one() for _ in range(WORKER_BUDGET)))
    elapsed = time.monotonic() - started
    assert len([n for n in requests_by_worker(tmp_path / "metrics") if n >= 3]) >= 2, statuses
    assert statuses.count(429) + statuses.count(200) == len(statuses)
    assert elapsed < 30  # else what refills would blur the budget: one query's worth every 7.5 s
    assert WORKER_BUDGET <= statuses.count(200) <= WORKER_BUDGET + math.ceil(elapsed / 7.5), statuses
