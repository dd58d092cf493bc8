"""Budgets in a real Redis (Debian's redis-server, on a free port): one across app instances, and Redis
going away costs no request."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from api import ratelimit
from api.redis_buckets import KEY_PREFIX, TIMEOUT_SECONDS, RedisBuckets
from graph.driver import Graph
from settings import Settings
from tests.api.test_ratelimit import QUERY, app_with_limit, ask, client_for, cost_of
from tests.servers import free_port


@dataclasses.dataclass
class RedisServer:
    """A redis-server of the test's own, without persistence."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        with redis.Redis(port=self.port) as probe:
            while True:
                assert self.process.poll() is None, (self.folder / "redis.log").read_text()
                try:
                    probe.ping()
                    return
                except redis.ConnectionError:
                    assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
                    time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path, free_port())
    server.start()
    yield server
    server.stop()


async def test_the_lua_bucket_refills_expires_and_survives_a_script_flush(redis_server: RedisServer) -> None:
    buckets = RedisBuckets(redis_server.url)
    try:
        full = await buckets.take("a", 60, 60)
        assert full.granted
        assert 0.0 <= full.tokens < 1.0  # 60 per minute: one a second refills while the test runs
        refused = await buckets.take("a", 30, 60)
        assert not refused.granted
        assert 25.0 < refused.retry_after <= 30.0
        assert await buckets.client.script_exists(buckets.script.sha) == [True]  # EVALSHA from here on
        ttl = await buckets.client.pttl(KEY_PREFIX + "a")
        assert 50_000 < ttl <= 61_000  # gone once it would be full again
        await buckets.client.script_flush()
        assert not (await buckets.take("a", 30, 60)).granted  # NOSCRIPT: loaded again, same bucket
        assert (await buckets.take("b", 60, 60)).granted
    finally:
        await buckets.close()


async def test_two_app_instances_on_one_redis_share_one_budget(
    graph: Graph, settings: Settings, redis_server: RedisServer
) -> None:
    cost = cost_of(QUERY)
    shared = dataclasses.replace(settings, redis_url=redis_server.url)
    async with (
        app_with_limit(shared, 3 * cost) as one, app_with_limit(shared, 3 * cost) as other,
        client_for(one, "10.8.0.1") as first, client_for(other, "10.8.0.1") as second,
    ):
        answers = [await ask(first), await ask(second), await ask(first)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert [a.json()["extensions"]["cost"]["remaining"] for a in answers] == [2 * cost, cost, 0]
        assert [a.headers["RateLimit-Remaining"] for a in answers] == [str(2 * cost), str(cost), "0"]
        assert all(a.headers["RateLimit-Limit"] == str(3 * cost) for a in answers)
        refused = await ask(second)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert refused.json()["extensions"]["cost"] == {"requested": cost, "limit": 3 * cost, "remaining": 0,
                                                    "resetSeconds": 60}
    assert 1 <= int(refused.headers["Retry-After"]) <= 20


async def test_redis_stopped_mid_run_costs_no_request(
    graph: Graph, settings: Settings, redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit, "RETRY_SECONDS", 0.2)
    cost = cost_of(QUERY)
    limit = 4 * cost
    async with (
        app_with_limit(dataclasses.replace(settings, redis_url=redis_server.url), limit) as app,
        client_for(app, "10.9.0.1") as client,
    ):
        assert (await ask(client)).json()["extensions"]["cost"]["remaining"] == limit - cost
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
            during = [await ask(client) for _ in range(5)]
        # this host's buckets take over: a fresh budget of the same size, still enforced
        assert [r.status_code for r in during] == [200, 200, 200, 200, 429]
        assert during[0].json()["extensions"]["cost"]["remaining"] == limit - cost
        assert any("Redis failed" in r.getMessage() for r in caplog.records)
        redis_server.start()  # empty: the caller's Redis bucket starts full again
        await asyncio.sleep(0.3)  # past RETRY_SECONDS
        back = await ask(client)
    assert back.status_code == 200
    assert back.json()["extensions"]["cost"]["remaining"] == limit - cost


async def test_a_redis_that_never_answers_costs_a_request_at_most_its_timeout(
    graph: Graph, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as silent:  # the kernel accepts connections; nobody reads them
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        async with (
            app_with_limit(dataclasses.replace(settings, redis_url=url), 10 * cost_of(QUERY)) as app,
            client_for(app, "10.10.0.1") as client,
        ):
            started = time.monotonic()
            with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
                answers = [await ask(client) for _ in range(3)]
            elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert elapsed < 20 * TIMEOUT_SECONDS  # generous: one timeout, then Redis is left alone for a while
    assert len([r for r in caplog.records if "Redis failed" in r.getMessage()]) == 1
