"""A label delivering in DDEX: an ERN album delivered, changed and purged, seen through catalogChanges and a webhook."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import changes
from graph.driver import Graph
from graph.importers import ddex
from graph.slug import slugify
from settings import Settings
from tests.conftest import GraphQL
from tests.graph.ddex_messages import purge, write
from tests.graph.test_ddex_import import CLEANUP, Maker
from tests.store_support import ask, bearer, gid, token
from tests.webhooks.receiver import Receiver, serving
from tests.webhooks.test_round_trip import FEED, REGISTER, REMOVE, partner_api
from webhooks.runner import Policy, Runner

__all__ = ["partner_api"]  # the fixture, shared with the feed's round trip


async def deliver(graph: Graph, path: Path) -> None:
    await ddex.load(graph, ddex.read_deliveries(path))


@pytest.mark.parametrize("version", ["4.3", "3.8.2"])
async def test_an_ern_album_delivered_changed_and_purged_reaches_the_partner(
    partner_api: GraphQL, graph: Graph, settings: Settings, tmp_path: Path, version: str
) -> None:
    ern = Maker(tmp_path)
    spec = ern.spec(version)
    headers = bearer(token(settings.jwt_secret, f"ern-{ern.prefix}", "catalog:read", labels=[slugify(spec.label)]))
    receiver = Receiver()
    try:
        async with serving(receiver), httpx.AsyncClient(trust_env=False) as client:
            registered = await ask(partner_api, REGISTER, {"url": receiver.url("ern"), "events": ["RELEASE_CHANGES"]},
                                   headers)
            assert "errors" not in registered, registered
            endpoint = registered["data"]["registerWebhook"]["endpoint"]
            receiver.secrets["ern"] = registered["data"]["registerWebhook"]["secret"]
            start = changes.cursor_of((await changes.head(graph))[0])
            await deliver(graph, ern.file(spec))
            await deliver(graph, ern.file(spec.but(title="Night Drive (Deluxe)")))
            await deliver(graph, ern.file(spec.but(title="Night Drive (Deluxe)")))  # redelivered: no change
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            await deliver(graph, write(ern.folder, "purge.xml", purge(version, spec.ids, now)))
            runner = Runner(graph, client, allow_loopback=True, policy=Policy(timeout_seconds=5))
            deadline = time.monotonic() + 60
            while len(receiver.taken.get("ern", [])) < 3:
                assert time.monotonic() < deadline, receiver.taken
                await runner.turn()
                await asyncio.sleep(0.02)
            feed_page = (await ask(partner_api, FEED, {"after": start}, headers))["data"]["catalogChanges"]["edges"]
            await ask(partner_api, REMOVE, {"endpoint": endpoint["id"]}, headers)
    finally:
        await graph.write(CLEANUP, {"albums": ern.albums, "prefix": ern.prefix})

    events: list[dict[str, Any]] = receiver.taken["ern"]
    assert [(e["kind"], e["fields"]) for e in events] == [
        ("CREATED", []), ("UPDATED", ["title"]), ("TAKEN_DOWN", ["rightsEnd"]),
    ]
    assert {e["album"]["id"] for e in events} == {gid("Album", spec.ids["ICPN"])}
    assert [(edge["cursor"], edge["node"]["kind"], edge["node"]["upc"]) for edge in feed_page] == [
        (e["id"], e["kind"], spec.ids["ICPN"]) for e in events
    ]
