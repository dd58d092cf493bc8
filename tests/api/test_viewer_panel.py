"""A signed-in customer's panel request: the response held while their inputs hold, the view's otherwise."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from strawberry import Schema

from api import viewer_panel
from graph.driver import queries_sent
from recommend import store
from server import create_app
from settings import Settings
from tests.api.recs_world import World, buy_past
from tests.api.recs_world import world as world  # the module's fixture
from tests.store_support import gid

PANEL = "query($n: Int) { viewer { recommendations(first: $n) { score track { id title album { id title } } because { id } } } }"
OWNS = "{ viewer { recommendations(first: 5) { track { id viewerOwns } } } }"
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename } }"""
BUDGET = 2000


class Client:
    """Posts to one app and tells each answer's status, headers, raw body and the Cypher it cost."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, query: str, variables: dict[str, Any], headers: dict[str, str]) -> tuple[httpx.Response, int]:
        before = queries_sent()
        response = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        return response, int(queries_sent() - before)


@asynccontextmanager
async def app_of(settings: Settings, model_dir: Path, **changes: Any) -> AsyncIterator[Client]:
    """An app answering from `model_dir` with these settings changed, and a client of it."""
    app = create_app(dataclasses.replace(settings, model_dir=model_dir, **{"rate_limit": 0, "chart_seconds": 60, **changes}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as client:
            yield Client(client)


@pytest.fixture
def model_dir(world: World, tmp_path: Path) -> Path:
    store.save(world.model, tmp_path)
    return tmp_path


async def owner(world: World) -> str:
    customer = await world.made.customer("GB")
    await buy_past(world.made.graph, customer, [world.A.tracks[0].key], "GB", 0)
    return customer


async def test_a_repeated_panel_is_its_held_response_after_one_read(
    world: World, settings: Settings, model_dir: Path
) -> None:
    customer = await owner(world)
    async with app_of(settings, model_dir) as app:
        await app.post(PANEL, {"n": 10}, world.headers(world.buyer))  # the document's first sight: the view admits it
        first, spent = await app.post(PANEL, {"n": 10}, world.headers(customer))
        assert first.status_code == 200, first.text
        assert "errors" not in first.json(), first.text
        assert spent == 2  # the panel's first read, then the rows shown: the view did not read it again
        executions = Schema.execute
        try:
            Schema.execute = None  # type: ignore[assignment,method-assign]  # the view must not run
            again, spent = await app.post(PANEL, {"n": 10}, world.headers(customer))
        finally:
            Schema.execute = executions  # type: ignore[method-assign]
        assert (again.content, spent) == (first.content, 1)
        assert again.headers["cache-control"] == first.headers["cache-control"]
        fewer, spent = await app.post(PANEL, {"n": 4}, world.headers(customer))  # other variables: made anew
        assert spent == 2
        assert len(fewer.json()["data"]["viewer"]["recommendations"]) == 4


async def test_each_customer_gets_their_own(world: World, settings: Settings, model_dir: Path) -> None:
    gb, us = await owner(world), await world.made.customer("US")
    await buy_past(world.made.graph, us, [world.C.tracks[0].key], "US", 0)
    async with app_of(settings, model_dir) as app:
        await app.post(PANEL, {"n": 10}, world.headers(world.buyer))  # the document's first sight
        mine, _ = await app.post(PANEL, {"n": 10}, world.headers(gb))
        theirs, _ = await app.post(PANEL, {"n": 10}, world.headers(us))
    async with app_of(settings, model_dir, panel_cache=0) as fresh:
        alone, _ = await fresh.post(PANEL, {"n": 10}, world.headers(us))
    assert theirs.content == alone.content != mine.content


async def test_a_purchase_shows_at_once(world: World, settings: Settings, model_dir: Path) -> None:
    customer = await owner(world)
    c0 = gid("Track", world.C.tracks[0].key)
    async with app_of(settings, model_dir) as app:
        await app.post(PANEL, {"n": 10}, world.headers(world.buyer))  # the document's first sight
        before, _ = await app.post(PANEL, {"n": 10}, world.headers(customer))
        assert (await app.post(PANEL, {"n": 10}, world.headers(customer)))[1] == 1  # held
        variables = {"input": {"items": [{"id": c0, "format": "MP3_320"}], "territory": "GB", "idempotencyKey": "vp1"}}
        bought, _ = await app.post(BUY, variables, world.headers(customer, "purchases:write"))
        assert bought.json()["data"]["purchase"]["__typename"] == "Purchase", bought.text
        after, spent = await app.post(PANEL, {"n": 10}, world.headers(customer))
    async with app_of(settings, model_dir, panel_cache=0) as fresh:
        alone, _ = await fresh.post(PANEL, {"n": 10}, world.headers(customer))
    assert spent == 2
    assert after.content != before.content
    assert after.content == alone.content
    assert c0 not in {r["track"]["id"] for r in after.json()["data"]["viewer"]["recommendations"]}


async def test_a_document_reading_what_the_viewer_owns_is_never_held(
    world: World, settings: Settings, model_dir: Path
) -> None:
    customer = await owner(world)
    async with app_of(settings, model_dir) as app:
        for _ in range(2):  # admitted, then run by the view: held, if it could be
            await app.post(OWNS, {}, world.headers(customer))
        again, spent = await app.post(OWNS, {}, world.headers(customer))
    assert again.status_code == 200, again.text
    assert "errors" not in again.json(), again.text
    assert spent >= 2  # ran whole: `viewerOwns` follows more than the panel's inputs


async def test_a_held_panel_expires_like_a_chart(
    world: World, settings: Settings, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = await owner(world)
    now, runs = [1000.0], [0]
    execute = Schema.execute

    async def counted(self: Schema, *args: Any, **kwargs: Any) -> Any:
        runs[0] += 1
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(viewer_panel, "clock", lambda: now[0])
    monkeypatch.setattr(Schema, "execute", counted)
    async with app_of(settings, model_dir, chart_seconds=60) as app:
        await app.post(PANEL, {"n": 10}, world.headers(world.buyer))
        runs[0] = 0
        await app.post(PANEL, {"n": 10}, world.headers(customer))
        now[0] += 59
        await app.post(PANEL, {"n": 10}, world.headers(customer))
        assert runs == [1]  # held: it may show bestsellers, so no longer than a chart is
        now[0] += 2
        await app.post(PANEL, {"n": 10}, world.headers(customer))
        assert runs == [2]


async def test_a_held_panel_is_charged_and_told_its_budget(world: World, settings: Settings, model_dir: Path) -> None:
    customer = await owner(world)
    async with app_of(settings, model_dir, rate_limit=BUDGET) as app:
        await app.post(PANEL, {"n": 10}, world.headers(world.buyer))
        first, _ = await app.post(PANEL, {"n": 10}, world.headers(customer))
        cost = first.json()["extensions"]["cost"]
        started = time.monotonic()
        again, spent = await app.post(PANEL, {"n": 10}, world.headers(customer))
        refilled = BUDGET * (time.monotonic() - started) / 60  # the budget refills by the minute
        assert spent == 1
        told = again.json()["extensions"]["cost"]
        assert told["requested"] == cost["requested"]
        assert told["limit"] == BUDGET
        assert told["remaining"] <= cost["remaining"] - cost["requested"] + refilled + 1
        assert again.headers["RateLimit-Remaining"] == str(told["remaining"])
        assert again.json()["data"] == first.json()["data"]
        while (last := await app.post(PANEL, {"n": 10}, world.headers(customer)))[0].status_code == 200:
            pass
        refused, spent = last
        assert refused.status_code == 429, refused.text
        assert spent == 0
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_customers_of_the_same_purchases_each_get_their_own(
    world: World, settings: Settings, model_dir: Path
) -> None:
    query = "{ viewer { id recommendations(first: 3) { track { id } } } }"
    one, two = await owner(world), await owner(world)
    async with app_of(settings, model_dir) as app:
        await app.post(query, {}, world.headers(world.buyer))  # the document's first sight
        mine, _ = await app.post(query, {}, world.headers(one))
        theirs, _ = await app.post(query, {}, world.headers(two))
    assert mine.json()["data"]["viewer"]["recommendations"] == theirs.json()["data"]["viewer"]["recommendations"]
    assert theirs.json()["data"]["viewer"]["id"] == gid("Customer", two)
