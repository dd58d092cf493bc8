"""Neo4j stopping under load: every failure is UNAVAILABLE (503 + Retry-After when whole), never INTERNAL."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from api.errors import RETRY_AFTER_SECONDS, failed_whole
from graph.driver import RETRY_SECONDS, Graph
from graph.schema import ensure_schema
from server import create_app
from settings import Settings
from tests.servers import free_port
from tests.spare_neo4j import SpareNeo4j
from tests.store_support import Fixtures, bearer, gid, token

SECRET = "outage-secret"
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) {
  __typename ... on Purchase { id } ... on PurchaseRejected { code message } } }"""
READ = "{ genres { name } }"


@dataclass
class Answer:
    """One HTTP answer, kept for the checks at the end."""

    status: int
    retry_after: str | None
    body: dict[str, Any]

    @property
    def codes(self) -> list[str]:
        """The `extensions.code` of each error."""
        return [e["extensions"]["code"] for e in self.body.get("errors", [])]


async def _post(client: httpx.AsyncClient, answers: list[Answer], body: dict[str, Any], **kw: Any) -> Answer:
    response = await client.post("/graphql", json=body, **kw)
    answer = Answer(response.status_code, response.headers.get("retry-after"), response.json())
    answers.append(answer)
    return answer


def _check(answer: Answer) -> None:
    """Errors are UNAVAILABLE only; a request that failed whole is 503 with Retry-After, else 200."""
    assert "INTERNAL" not in answer.codes, answer.body
    assert set(answer.codes) <= {"UNAVAILABLE"}, answer.body
    if answer.codes and answer.body.get("data") is None:
        assert answer.status == 503, answer
        assert answer.retry_after == str(RETRY_AFTER_SECONDS)
    else:
        assert answer.status == 200, answer
        assert answer.retry_after is None


@pytest.mark.slow
async def test_api_answers_unavailable_while_neo4j_stops_and_recovers(spare: SpareNeo4j, tmp_path: Path) -> None:
    settings = Settings(neo4j_uri=spare.uri, jwt_secret=SECRET, rate_limit=0, album_cache=0, chart_seconds=0,
                        response_cache=0, model_dir=tmp_path / "models", data_dir=tmp_path / "data")
    graph = Graph.connect(settings)
    app = create_app(settings)
    try:
        await ensure_schema(graph)
        made = Fixtures(graph)
        release = await made.release(tracks=3)
        customer = await made.customer("GB")
        headers = bearer(token(SECRET, gid("Customer", customer), "purchases:write"))
        purchases: list[Answer] = []
        reads: list[Answer] = []
        readiness: list[httpx.Response] = []
        enough, over = asyncio.Event(), asyncio.Event()
        async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://tunegraph.test", timeout=120
        ) as client:

            async def buyer(mine: range) -> None:
                for i in mine:
                    items = [{"id": gid("Track", release.tracks[i % 3].key), "format": "MP3_320"}]
                    variables = {"input": {"items": items, "territory": "GB", "idempotencyKey": f"burst-{i}"}}
                    answer = await _post(client, purchases, {"query": BUY, "variables": variables}, headers=headers)
                    if answer.codes:
                        await asyncio.sleep(0.1)
                    elif sum(not a.codes for a in purchases) >= 30:
                        enough.set()

            async def reader() -> None:
                while not over.is_set():
                    await _post(client, reads, {"query": READ})
                    await asyncio.sleep(0.2)

            async def outage() -> None:
                await enough.wait()
                await spare.stop()
                await asyncio.sleep(1.0)
                readiness.append(await client.get("/readyz"))
                # Down for longer than the driver retries writes, so purchases in flight must fail.
                await asyncio.sleep(RETRY_SECONDS + 1)
                await spare.start()

            async def buyers() -> None:
                await asyncio.gather(*(buyer(range(n, 400, 4)) for n in range(4)))
                over.set()

            await asyncio.gather(outage(), buyers(), reader())
            after = await _post(client, reads, {"query": READ})
            ready = await client.get("/readyz")

        for answer in purchases + reads:
            _check(answer)
        assert any(a.status == 503 for a in purchases), "the outage should have failed some purchases whole"
        assert any(a.status == 503 for a in reads), "the outage should have failed some reads whole"
        assert sum(not a.codes for a in purchases) >= 30
        assert after.status == 200
        assert after.body["data"]["genres"] is not None
        down = readiness[0]
        assert down.status_code == 503
        assert "neo4j: unavailable" in down.json()["problems"]
        assert str(spare.port) not in down.text
        assert "Error" not in down.text
        assert ready.status_code in (200, 503)
        assert "neo4j: unavailable" not in ready.text
    finally:
        with contextlib.suppress(Exception):
            await graph.close()


async def test_with_neo4j_gone_a_read_is_503_and_readyz_names_no_internals(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{port}", rate_limit=0, album_cache=0, chart_seconds=0,
                        response_cache=0, model_dir=tmp_path / "models", data_dir=tmp_path / "data")
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tunegraph.test", timeout=60
    ) as client:
        answer = await _post(client, [], {"query": READ})
        partial = await _post(client, [], {"query": "{ genres { name } node(id: \"QWxidW06MQ==\") { id } }"})
        ready = await client.get("/readyz")
    assert answer.codes == ["UNAVAILABLE"]
    assert answer.status == 503
    assert answer.retry_after == str(RETRY_AFTER_SECONDS)
    assert "retry shortly" in answer.body["errors"][0]["message"]
    assert str(port) not in str(answer.body)
    assert set(partial.codes) == {"UNAVAILABLE"}
    assert partial.status == 503  # every root field failed
    assert ready.status_code == 503
    assert "neo4j: unavailable" in ready.json()["problems"]
    assert str(port) not in ready.text
    assert "Unavailable" not in ready.text  # no exception class names


def test_a_request_fails_whole_only_when_every_error_is_unavailable_and_nothing_answered() -> None:
    down = GraphQLError("x", extensions={"code": "UNAVAILABLE"})
    bad = GraphQLError("y", extensions={"code": "BAD_REQUEST"})
    assert failed_whole(None, [down])
    assert failed_whole({"a": None, "b": None}, [down, down])
    assert not failed_whole({"a": None, "b": [1]}, [down])
    assert not failed_whole(None, [down, bad])
