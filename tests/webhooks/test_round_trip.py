"""A partner's round trip: a release imported, changed, taken down and sold, seen through catalogChanges and a webhook."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import changes
from graph.driver import Graph
from graph.importers import feed
from graph.purchases import Bought, Item, Order, buy
from server import create_app
from settings import Settings
from tests.conftest import GraphQL
from tests.graph.test_changes import ChangeMaker
from tests.store_support import ask, bearer, codes, gid, token
from tests.webhooks.receiver import Receiver, serving
from webhooks.runner import Policy, Runner

REGISTER = """
mutation Register($url: String!, $events: [WebhookEvent!]!) {
  registerWebhook(url: $url, events: $events) { secret endpoint { id url events labels state } }
}
"""
FEED = """
query Feed($after: String) {
  catalogChanges(after: $after, first: 100) { edges { cursor node { kind upc fields } } }
}
"""
DELIVERIES = """
query Log($endpoint: ID!) {
  webhookEndpoints { id state }
  webhookDeliveries(endpoint: $endpoint) { ok status events firstEvent lastEvent attempt }
}
"""
REMOVE = "mutation Remove($endpoint: ID!) { removeWebhook(endpoint: $endpoint) }"


@pytest.fixture
async def partner_api(graph: Graph, settings: Settings) -> AsyncIterator[GraphQL]:
    app = create_app(dataclasses.replace(settings, webhooks_allow_loopback=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as c:
            yield GraphQL(c)


@pytest.fixture
async def maker(graph: Graph) -> AsyncIterator[ChangeMaker]:
    made = ChangeMaker()
    yield made
    await made.cleanup(graph)


def partner(settings: Settings, maker: ChangeMaker, scope: str, sub: str = "label-partner") -> dict[str, str]:
    return bearer(token(settings.jwt_secret, f"{sub}-{maker.prefix}", scope, labels=[maker.label]))


async def test_register_refuses_what_the_token_or_the_url_may_not(
    partner_api: GraphQL, settings: Settings, maker: ChangeMaker
) -> None:
    catalog_only = partner(settings, maker, "catalog:read")
    body = await ask(partner_api, REGISTER, {"url": "https://8.8.8.8/h", "events": ["SALES"]}, catalog_only)
    assert codes(body) == ["FORBIDDEN"]
    body = await ask(partner_api, REGISTER, {"url": "http://8.8.8.8/h", "events": ["RELEASE_CHANGES"]}, catalog_only)
    assert codes(body) == ["BAD_REQUEST"]
    assert body["errors"][0]["message"].startswith("url: must use https://")
    body = await ask(partner_api, REGISTER, {"url": "https://10.0.0.1/h", "events": []}, catalog_only)
    assert codes(body) == ["BAD_REQUEST"]
    assert body["errors"][0]["message"].startswith("events:")
    body = await ask(partner_api, REGISTER, {"url": "https://8.8.8.8/h", "events": ["RELEASE_CHANGES"]})
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_a_release_imported_changed_taken_down_and_sold_reaches_the_partner(
    partner_api: GraphQL, graph: Graph, settings: Settings, maker: ChangeMaker, tmp_path: Path
) -> None:
    headers = partner(settings, maker, "catalog:read royalties:read")
    receiver = Receiver()
    async with serving(receiver), httpx.AsyncClient(trust_env=False) as client:
        registered = await ask(partner_api, REGISTER, {"url": receiver.url("rt"), "events": ["RELEASE_CHANGES", "SALES"]},
                               headers)
        assert "errors" not in registered, registered
        endpoint = registered["data"]["registerWebhook"]["endpoint"]
        receiver.secrets["rt"] = registered["data"]["registerWebhook"]["secret"]
        assert endpoint["labels"] == [maker.label]
        start = changes.cursor_of((await changes.head(graph))[0])
        release = maker.release()
        renamed = dataclasses.replace(release, title="Renamed")
        ended = dataclasses.replace(renamed, rights=dataclasses.replace(renamed.rights, end=datetime.now(UTC).date()))
        for i, version in enumerate((release, renamed)):
            await feed.run(settings, maker.write([version], tmp_path, f"v{i}.jsonl"), quiet=True)
        customer = await maker.customer(graph)
        bought = await buy(graph, Order(customer, "GB", "rt", (Item("Track", release.tracks[0].key, "MP3_320", "t"),)),
                           datetime.now(UTC))
        assert isinstance(bought, Bought)
        await feed.run(settings, maker.write([ended], tmp_path, "v2.jsonl"), quiet=True)
        runner = Runner(graph, client, allow_loopback=True, policy=Policy(timeout_seconds=5))
        deadline = time.monotonic() + 60
        while len(receiver.taken.get("rt", [])) < 4:
            assert time.monotonic() < deadline
            await runner.turn()
            await asyncio.sleep(0.02)

        feed_page = (await ask(partner_api, FEED, {"after": start}, headers))["data"]["catalogChanges"]["edges"]
        log = await ask(partner_api, DELIVERIES, {"endpoint": endpoint["id"]}, headers)
        stranger = await ask(partner_api, DELIVERIES, {"endpoint": endpoint["id"]},
                             partner(settings, maker, "catalog:read", sub="someone-else"))
        removed = await ask(partner_api, REMOVE, {"endpoint": endpoint["id"]}, headers)

    events: list[dict[str, Any]] = receiver.taken["rt"]
    assert [(e["kind"], e["fields"]) for e in events] == [
        ("CREATED", []), ("UPDATED", ["title"]), ("SOLD", []), ("TAKEN_DOWN", ["rightsEnd"]),
    ]
    assert {e["album"]["id"] for e in events} == {gid("Album", release.key)}
    assert events[2]["sale"] == {"purchaseId": gid("Purchase", bought.row["key"]), "territory": "GB",
                                 "currency": "USD", "units": 1, "gross": "0.99"}
    assert [(edge["cursor"], edge["node"]["kind"]) for edge in feed_page] == [
        (e["id"], e["kind"]) for e in events if e["kind"] != "SOLD"
    ]
    assert log["data"]["webhookEndpoints"] == [{"id": endpoint["id"], "state": "ACTIVE"}]
    assert sum(d["events"] for d in log["data"]["webhookDeliveries"] if d["ok"]) == 4
    assert codes(stranger) == ["FORBIDDEN"]
    assert removed["data"] == {"removeWebhook": True}
