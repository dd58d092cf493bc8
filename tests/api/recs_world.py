"""A world for recommendation tests: Chinook plus planted co-buyers, a model trained on it, an app serving it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from graph.driver import Graph
from graph.interactions import purchase_triples
from graph.purchase_writes import insert_purchases
from graph.release import Offer, PartyRef, PurchaseLineRecord, PurchaseRecord, Release, Rights, TrackRecord
from graph.upsert import upsert_releases
from recommend import store
from recommend.matrix import from_triples
from recommend.train import train
from server import create_app
from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import Fixtures, ask, bearer, gid, token

FANS = 12
REC = """query($seeds: [ID!]!, $first: Int, $t: String) {
  recommend(seeds: $seeds, first: $first, territory: $t) { score track { id album { id } } because { id } } }"""
MINE = """query($first: Int, $t: String) {
  viewer { recommendations(first: $first, territory: $t) { score track { id album { id } } because { id } } } }"""
THEIRS = "query($id: ID!) { node(id: $id) { ... on Customer { recommendations(first: 5) { track { id } } } } }"
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename } }"""


def release(prefix: str, name: str, artist: str, territories: tuple[str, ...] = ("*",),
            released: date | None = None) -> Release:
    """A 3-track test release by its own artist on the test label."""
    credit = PartyRef(f"{prefix}artist-{artist}", f"Artist {artist}")
    return Release(
        key=f"{prefix}{name}", title=f"Album {name}", type="ALBUM", artists=(credit,), genres=("Rock",),
        rights=Rights(territories=territories, royalty_rate=Decimal("0.5")), currency="USD",
        album_offers=(Offer("MP3_320", Decimal("2.99")),),
        tracks=tuple(
            TrackRecord(key=f"{prefix}{name}-t{i}", title=f"{name} track {i}", duration_ms=1000, disc_number=1,
                        track_number=i + 1, artists=(credit,), offers=(Offer("MP3_320", Decimal("1.29"), 1000),))
            for i in range(3)
        ),
        label=PartyRef(f"{prefix}label", "Test Label"), release_date=released,
    )


def tracks_of(r: Release) -> list[str]:
    return [t.key for t in r.tracks]


def track_ids(r: Release) -> set[str]:
    return {gid("Track", k) for k in tracks_of(r)}


@dataclass
class World:
    """Planted co-buyers: GB fans buy A+B+G (G licensed in GB only), US fans buy C+D; N is new and unbought."""

    made: Fixtures
    releases: dict[str, Release]
    buyer: str
    model: Any
    gql: GraphQL
    secret: str

    @property
    def A(self) -> Release:  # noqa: N802
        return self.releases["A"]

    @property
    def B(self) -> Release:  # noqa: N802
        return self.releases["B"]

    @property
    def C(self) -> Release:  # noqa: N802
        return self.releases["C"]

    @property
    def D(self) -> Release:  # noqa: N802
        return self.releases["D"]

    @property
    def G(self) -> Release:  # noqa: N802
        return self.releases["G"]

    @property
    def N(self) -> Release:  # noqa: N802
        return self.releases["N"]

    def headers(self, customer: str, scope: str = "") -> dict[str, str]:
        return bearer(token(self.secret, gid("Customer", customer), scope))


async def buy_past(graph: Graph, customer: str, keys: list[str], country: str, n: int) -> None:
    """A purchase a month ago, written straight to the graph."""
    lines = tuple(PurchaseLineRecord(k, "MP3_320", Decimal("1.29"), Decimal("0.5")) for k in keys)
    when = datetime.now(UTC) - timedelta(days=30, minutes=n)
    await insert_purchases(graph, [PurchaseRecord(f"{customer}-p{n}", customer, when, country, "USD", lines)])


@asynccontextmanager
async def served(settings: Settings, model_dir: Path, poll: float) -> AsyncIterator[tuple[Starlette, GraphQL]]:
    """An app answering from `model_dir`, polling it every `poll` seconds, and a client of it."""
    app = create_app(dataclasses.replace(settings, model_dir=model_dir, rate_limit=0), model_poll_seconds=poll)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as client:
            yield app, GraphQL(client)


@pytest.fixture(scope="module")
async def world(graph: Graph, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    made = Fixtures(graph)
    p = made.prefix
    releases = {n: release(p, n, artist) for n, artist in (("A", "p"), ("B", "q"), ("C", "r"), ("D", "s"))}
    releases["G"] = release(p, "G", "q", territories=("GB",))
    releases["N"] = release(p, "N", "p", released=datetime.now(UTC).date())
    keys = {n: tracks_of(r) for n, r in releases.items()}
    try:
        await upsert_releases(graph, list(releases.values()))
        made.releases.extend(r.key for r in releases.values())
        for n in range(FANS):
            await buy_past(graph, await made.customer("GB"), keys["A"] + keys["B"] + keys["G"], "GB", n)
            await buy_past(graph, await made.customer("US"), keys["C"] + keys["D"], "US", n)
        buyer = await made.customer("GB")
        await buy_past(graph, buyer, keys["A"][:1], "GB", 0)
        model = train(from_triples([t async for t in purchase_triples(graph)]))
        model_dir = tmp_path_factory.mktemp("models")
        store.save(model, model_dir)
        async with served(settings, model_dir, poll=0.2) as (_, gql):
            yield World(made, releases, buyer, model, gql, settings.jwt_secret)
    finally:
        await made.cleanup()


async def recommend(w: World, seeds: list[str], first: int = 10, territory: str | None = None) -> list[Any]:
    body = await ask(w.gql, REC, {"seeds": seeds, "first": first, "t": territory})
    assert "errors" not in body, body
    result: list[Any] = body["data"]["recommend"]
    return result


async def mine(w: World, customer: str, first: int = 20, territory: str | None = None) -> list[Any]:
    body = await ask(w.gql, MINE, {"first": first, "t": territory}, headers=w.headers(customer))
    assert "errors" not in body, body
    result: list[Any] = body["data"]["viewer"]["recommendations"]
    return result


def ids(recs: list[Any]) -> list[str]:
    return [r["track"]["id"] for r in recs]


async def until(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")
