"""The purchase mutation: prices in force, whole albums, rejections that write nothing, idempotency."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest

from graph.driver import Cypher, Graph
from graph.importers.chinook import ALBUM_DISCOUNT, MEDIA_FORMATS
from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import Fixtures, ask, bearer, codes, gid, key_of_gid, token

BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) {
  __typename
  ... on Purchase { id purchasedAt territory total { amount currency }
                    lines { format price { amount currency } track { id } album { id } } }
  ... on PurchaseRejected { code message itemId } } }"""
HISTORY = "{ viewer { purchases(first: 5) { totalCount edges { node { id total { amount } } } } } }"
LINE_RATES = Cypher(
    "test_line_rates",
    "MATCH (:Purchase {key: $key})-[l:LINE]->(t:Track) RETURN t.key AS track, l.royaltyRate AS rate, l.albumKey AS album",
)


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


class Buyer:
    """Posts purchases as one customer."""

    def __init__(self, gql: GraphQL, secret: str, customer: str, scope: str = "purchases:write") -> None:
        self.gql = gql
        self.headers = bearer(token(secret, gid("Customer", customer), scope))

    async def __call__(self, items: list[tuple[str, str]], key: str = "k1", territory: str = "GB") -> Any:
        variables = {"input": {"items": [{"id": i, "format": f} for i, f in items],
                               "territory": territory, "idempotencyKey": key}}
        body = await ask(self.gql, BUY, variables, headers=self.headers)
        assert "errors" not in body, body
        return body["data"]["purchase"]


@pytest.fixture
async def buyer(gql: GraphQL, settings: Settings, shop: Fixtures) -> Buyer:
    return Buyer(gql, settings.jwt_secret, await shop.customer("GB"))


def track_offer(sqlite: sqlite3.Connection, track: int) -> tuple[str, Decimal]:
    row = sqlite.execute(
        "SELECT m.Name, t.UnitPrice FROM Track t JOIN MediaType m USING (MediaTypeId) WHERE TrackId = ?", (track,)
    ).fetchone()
    return MEDIA_FORMATS[row[0]], Decimal(str(row[1]))


async def test_buying_a_track_charges_its_offer_price(
    buyer: Buyer, shop: Fixtures, sqlite: sqlite3.Connection, gql: GraphQL
) -> None:
    fmt, price = track_offer(sqlite, 1)
    before = await shop.popularity(["1"])
    bought = await buyer([(gid("Track", "1"), fmt)])
    assert bought["__typename"] == "Purchase"
    assert bought["total"] == {"amount": str(price), "currency": "USD"}
    assert bought["lines"] == [{"format": fmt, "price": {"amount": str(price), "currency": "USD"},
                                "track": {"id": gid("Track", "1")}, "album": None}]
    assert bought["territory"] == "GB"
    assert abs(datetime.fromisoformat(bought["purchasedAt"]) - datetime.now(UTC)) < timedelta(minutes=1)
    assert await shop.popularity(["1"]) == {"1": before["1"] + 1}
    history = (await ask(gql, HISTORY, headers=buyer.headers))["data"]["viewer"]["purchases"]
    assert history["totalCount"] == 1
    assert history["edges"][0]["node"] == {"id": bought["id"], "total": {"amount": str(price)}}


async def test_a_whole_album_costs_the_album_price_split_over_its_tracks(
    buyer: Buyer, graph: Graph, sqlite: sqlite3.Connection
) -> None:
    rows = sqlite.execute(
        "SELECT t.TrackId, t.UnitPrice, m.Name FROM Track t JOIN MediaType m USING (MediaTypeId) "
        "WHERE AlbumId = 1 ORDER BY TrackId"
    ).fetchall()
    fmt = MEDIA_FORMATS[rows[0][2]]
    assert {MEDIA_FORMATS[r[2]] for r in rows} == {fmt}
    one_by_one = sum(Decimal(str(r[1])) for r in rows)
    album_price = (one_by_one * ALBUM_DISCOUNT).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    bought = await buyer([(gid("Album", "1"), fmt)])
    prices = [Decimal(line["price"]["amount"]) for line in bought["lines"]]
    assert [line["track"]["id"] for line in bought["lines"]] == [gid("Track", str(r[0])) for r in rows]
    assert {line["album"]["id"] for line in bought["lines"]} == {gid("Album", "1")}
    assert sum(prices) == album_price == Decimal(bought["total"]["amount"]) < one_by_one
    assert max(prices) - min(prices) <= Decimal("0.01")
    stored = await graph.read(LINE_RATES, {"key": key_of_gid(bought["id"])})
    assert {(r["rate"], r["album"]) for r in stored} == {("0.70", "1")}


async def test_the_same_idempotency_key_returns_the_first_result(
    buyer: Buyer, shop: Fixtures, sqlite: sqlite3.Connection
) -> None:
    first = await buyer([(gid("Track", "1"), track_offer(sqlite, 1)[0])], key="same")
    again = await buyer([(gid("Track", "1"), track_offer(sqlite, 1)[0])], key="same")
    other_items = await buyer([(gid("Track", "2"), track_offer(sqlite, 2)[0])], key="same")
    assert first == again == other_items
    assert await shop.state(shop.customers[0]) == {"purchases": 1, "lines": 1, "claims": 1}


async def test_keys_are_per_customer(buyer: Buyer, shop: Fixtures, gql: GraphQL, settings: Settings,
                                     sqlite: sqlite3.Connection) -> None:
    other = Buyer(gql, settings.jwt_secret, await shop.customer("GB"))
    item = [(gid("Track", "1"), track_offer(sqlite, 1)[0])]
    assert (await buyer(item, key="shared"))["id"] != (await other(item, key="shared"))["id"]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("not-found-track", "NOT_FOUND"),
        ("not-found-album", "NOT_FOUND"),
        ("other-territory", "NOT_LICENSED_IN_TERRITORY"),
        ("taken-down", "NOT_LICENSED_IN_TERRITORY"),
        ("format", "FORMAT_UNAVAILABLE"),
        ("album-format", "FORMAT_UNAVAILABLE"),
        ("bad-id", "INVALID_INPUT"),
        ("artist-id", "INVALID_INPUT"),
        ("duplicate", "INVALID_INPUT"),
        ("track-and-its-album", "INVALID_INPUT"),
        ("empty", "INVALID_INPUT"),
        ("too-many", "INVALID_INPUT"),
        ("blank-key", "INVALID_INPUT"),
        ("territory-not-country", "INVALID_INPUT"),
    ],
)
async def test_rejections_write_nothing(buyer: Buyer, shop: Fixtures, case: str, code: str) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    elsewhere = await shop.release(territories=("DE",))
    gone = await shop.release(end=yesterday)
    ok = await shop.release()
    t = gid("Track", ok.tracks[0].key)
    items, key, territory, culprit = {
        "not-found-track": ([(t, "MP3_320"), (gid("Track", "no-such-track"), "MP3_320")], "k", "GB", 1),
        "not-found-album": ([(gid("Album", "no-such-album"), "MP3_320")], "k", "GB", 0),
        "other-territory": ([(t, "MP3_320"), (gid("Album", elsewhere.key), "MP3_320")], "k", "GB", 1),
        "taken-down": ([(gid("Track", gone.tracks[1].key), "MP3_320")], "k", "GB", 0),
        "format": ([(t, "FLAC_24_96")], "k", "GB", 0),
        "album-format": ([(gid("Album", ok.key), "AAC_256")], "k", "GB", 0),
        "bad-id": ([(t, "MP3_320"), ("%%%", "MP3_320")], "k", "GB", 1),
        "artist-id": ([(gid("Artist", "1"), "MP3_320")], "k", "GB", 0),
        "duplicate": ([(t, "MP3_320"), (t, "FLAC_16_44")], "k", "GB", 1),
        "track-and-its-album": ([(t, "MP3_320"), (gid("Album", ok.key), "MP3_320")], "k", "GB", 1),
        "empty": ([], "k", "GB", None),
        "too-many": ([(gid("Track", str(i)), "MP3_320") for i in range(1, 102)], "k", "GB", None),
        "blank-key": ([(t, "MP3_320")], "  ", "GB", None),
        "territory-not-country": ([(t, "MP3_320")], "k", "DE", None),
    }[case]
    tracks = [tr.key for r in (elsewhere, gone, ok) for tr in r.tracks]
    before = await shop.popularity(tracks)
    rejected = await buyer(items, key=key, territory=territory)
    assert rejected["__typename"] == "PurchaseRejected"
    assert rejected["code"] == code
    assert rejected["message"]
    assert rejected["itemId"] == (items[culprit][0] if culprit is not None else None)
    assert await shop.state(shop.customers[0]) == {"purchases": 0, "lines": 0, "claims": 0}
    assert await shop.popularity(tracks) == before


async def test_a_rejected_order_leaves_its_key_free(buyer: Buyer, shop: Fixtures) -> None:
    ok = await shop.release()
    t = gid("Track", ok.tracks[0].key)
    assert (await buyer([(t, "FLAC_24_96")], key="retry"))["code"] == "FORMAT_UNAVAILABLE"
    assert (await buyer([(t, "MP3_320")], key="retry"))["__typename"] == "Purchase"


async def test_a_token_for_a_missing_customer_cannot_buy(gql: GraphQL, settings: Settings) -> None:
    headers = bearer(token(settings.jwt_secret, gid("Customer", "t6-nobody"), "purchases:write"))
    variables = {"input": {"items": [{"id": gid("Track", "1"), "format": "MP3_320"}],
                           "territory": "GB", "idempotencyKey": "k"}}
    assert codes(await ask(gql, BUY, variables, headers=headers)) == ["UNAUTHENTICATED"]


async def test_concurrent_purchases_with_reused_keys_buy_once_per_key(
    gql: GraphQL, settings: Settings, shop: Fixtures, graph: Graph, sqlite: sqlite3.Connection
) -> None:
    buyers = [Buyer(gql, settings.jwt_secret, await shop.customer("GB")) for _ in range(4)]
    tracks = [(gid("Track", str(n)), track_offer(sqlite, n)[0]) for n in range(1, 201)]
    # Requests 0..149 use keys of their own; 150..199 reuse the key of request i - 148 (the same
    # buyer, as 148 is a multiple of 4) with other items.
    jobs = [(buyers[i % 4], tracks[i], f"key-{i if i < 150 else i - 148}") for i in range(200)]
    results = await asyncio.gather(*(b([item], key=k) for b, item, k in jobs))
    assert {r["__typename"] for r in results} == {"Purchase"}
    by_key: dict[tuple[int, str], set[str]] = {}
    for (b, _, k), r in zip(jobs, results, strict=True):
        by_key.setdefault((buyers.index(b), k), set()).add(r["id"])
    assert all(len(ids) == 1 for ids in by_key.values())
    states = [await shop.state(c) for c in shop.customers]
    assert sum(s["purchases"] for s in states) == 150
    assert sum(s["lines"] for s in states) == 150
    assert len({r["id"] for r in results}) == 150
