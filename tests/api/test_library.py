"""Ownership: refusals of what is owned, upgrades, album completion, racing orders, the library and viewerOwns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from graph.driver import Graph
from graph.release import Offer, PartyRef, Release, Rights, TrackRecord
from graph.upsert import upsert_releases
from settings import Settings
from tests.api.test_purchase import Buyer
from tests.conftest import GraphQL
from tests.store_support import Fixtures, ask, bearer, codes, gid, token

LIBRARY = """query($first: Int, $after: String, $last: Int, $before: String, $filter: LibraryFilterInput) {
  viewer { library(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { firstPurchasedAt formats { format purchasedAt } track { id } } } } } }"""
OWNS = """query($ids: [ID!]!) { nodes(ids: $ids) {
  ... on Album { viewerOwns viewerOwnership tracks { id viewerOwns viewerFormats } }
  ... on Track { viewerOwns viewerFormats } } }"""

PLAIN = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Album { tracks { id } } } }"


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


@pytest.fixture
async def buyer(gql: GraphQL, settings: Settings, shop: Fixtures) -> Buyer:
    return Buyer(gql, settings.jwt_secret, await shop.customer("GB"))


async def release(shop: Fixtures, flac_album: str = "4.99") -> Release:
    """Three tracks at 1.29 (MP3_320) and 1.99 (FLAC_16_44); the album at 2.99 and `flac_album`."""
    n = len(shop.releases)
    artist = PartyRef(f"{shop.prefix}artist", "Test Artist")
    made = Release(
        key=f"{shop.prefix}album{n}", title=f"Owned {n}", type="ALBUM", artists=(artist,), genres=("Rock",),
        rights=Rights(territories=("*",), royalty_rate=Decimal("0.55")), currency="USD",
        album_offers=(Offer("MP3_320", Decimal("2.99")), Offer("FLAC_16_44", Decimal(flac_album))),
        tracks=tuple(
            TrackRecord(key=f"{shop.prefix}album{n}-t{i}", title=f"Track {i}", duration_ms=1000, disc_number=1,
                        track_number=i + 1, artists=(artist,),
                        offers=(Offer("MP3_320", Decimal("1.29")), Offer("FLAC_16_44", Decimal("1.99"))))
            for i in range(3)
        ),
        label=PartyRef(f"{shop.prefix}label", "Test Label"),
    )
    await upsert_releases(shop.graph, [made])
    shop.releases.append(made.key)
    return made


def tracks_of(r: Release) -> list[str]:
    return [gid("Track", t.key) for t in r.tracks]


def charged(bought: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(line["track"]["id"], line["kind"], line["price"]["amount"]) for line in bought["lines"]]


BUY_KIND = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename
  ... on Purchase { id total { amount } lines { kind format price { amount } track { id } } }
  ... on PurchaseRejected { code message itemId } } }"""


class KindBuyer(Buyer):
    """A buyer whose answers carry each line's kind."""

    async def __call__(self, items: list[tuple[str, str]], key: str = "k1", territory: str = "GB") -> Any:
        variables = {"input": {"items": [{"id": i, "format": f} for i, f in items],
                               "territory": territory, "idempotencyKey": key}}
        body = await ask(self.gql, BUY_KIND, variables, headers=self.headers)
        assert "errors" not in body, body
        return body["data"]["purchase"]


@pytest.fixture
async def kb(gql: GraphQL, settings: Settings, shop: Fixtures) -> KindBuyer:
    return KindBuyer(gql, settings.jwt_secret, await shop.customer("GB"))


async def test_a_track_owned_in_that_format_is_refused_and_nothing_written(kb: KindBuyer, shop: Fixtures) -> None:
    r = await release(shop)
    t = tracks_of(r)[0]
    first = await kb([(t, "MP3_320")], key="a")
    assert charged(first) == [(t, "PURCHASE", "1.29")]
    before = await shop.popularity([r.tracks[0].key])
    again = await kb([(t, "MP3_320")], key="b")
    assert again["__typename"] == "PurchaseRejected"
    assert (again["code"], again["itemId"]) == ("ALREADY_OWNED", t)
    assert await shop.state(shop.customers[0]) == {"purchases": 1, "lines": 1, "claims": 1}
    assert await shop.popularity([r.tracks[0].key]) == before
    # The refused key stays free, and the first key still returns the first purchase.
    assert (await kb([(tracks_of(r)[1], "MP3_320")], key="b"))["__typename"] == "Purchase"
    assert await kb([(t, "MP3_320")], key="a") == first


async def test_an_album_owned_whole_is_refused_and_so_are_its_tracks(kb: KindBuyer, shop: Fixtures) -> None:
    r = await release(shop)
    album = gid("Album", r.key)
    assert (await kb([(album, "MP3_320")], key="a"))["total"] == {"amount": "2.99"}
    refused = await kb([(album, "MP3_320")], key="b")
    assert (refused["code"], refused["itemId"]) == ("ALREADY_OWNED", album)
    refused = await kb([(tracks_of(r)[2], "MP3_320")], key="c")
    assert (refused["code"], refused["itemId"]) == ("ALREADY_OWNED", tracks_of(r)[2])
    assert await shop.state(shop.customers[0]) == {"purchases": 1, "lines": 3, "claims": 1}


async def test_another_format_is_an_upgrade_at_the_difference(kb: KindBuyer, shop: Fixtures) -> None:
    r = await release(shop)
    t = tracks_of(r)[0]
    await kb([(t, "MP3_320")], key="a")
    upgraded = await kb([(t, "FLAC_16_44")], key="b")
    assert charged(upgraded) == [(t, "UPGRADE", "0.70")]
    assert upgraded["total"] == {"amount": "0.70"}
    assert (await kb([(t, "FLAC_16_44")], key="c"))["code"] == "ALREADY_OWNED"


async def test_an_upgrade_never_costs_less_than_zero(kb: KindBuyer, shop: Fixtures) -> None:
    r = await release(shop)
    await kb([(gid("Album", r.key), "FLAC_16_44")], key="a")  # 4.99 over three tracks: 1.67, 1.66, 1.66
    down = await kb([(tracks_of(r)[1], "MP3_320")], key="b")
    assert charged(down) == [(tracks_of(r)[1], "UPGRADE", "0.00")]


@pytest.mark.parametrize(
    ("flac_album", "owned", "fmt", "expected"),
    [
        # 2.99 less one track's 1.29 = 1.70, below the two others' 2.58: split 0.85 each.
        ("4.99", 1, "MP3_320", ["0.85", "0.85"]),
        # 2.99 less 2.58 = 0.41, below the last track's 1.29.
        ("4.99", 2, "MP3_320", ["0.41"]),
        # 9.99 less 1.99 = 8.00, above the two others' own prices (3.98): those are charged instead.
        ("9.99", 1, "FLAC_16_44", ["1.99", "1.99"]),
    ],
)
async def test_buying_an_album_partly_owned_completes_it(
    kb: KindBuyer, shop: Fixtures, flac_album: str, owned: int, fmt: str, expected: list[str]
) -> None:
    r = await release(shop, flac_album)
    ts = tracks_of(r)
    await kb([(t, fmt) for t in ts[:owned]], key="a")
    completed = await kb([(gid("Album", r.key), fmt)], key="b")
    assert charged(completed) == [(t, "COMPLETION", p) for t, p in zip(ts[owned:], expected, strict=True)]
    assert Decimal(completed["total"]["amount"]) == sum(Decimal(p) for p in expected)


async def test_an_album_owned_in_another_format_is_bought_in_full(kb: KindBuyer, shop: Fixtures) -> None:
    r = await release(shop)
    await kb([(tracks_of(r)[0], "MP3_320")], key="a")
    flac = await kb([(gid("Album", r.key), "FLAC_16_44")], key="b")
    assert [k for _, k, _ in charged(flac)] == ["PURCHASE"] * 3
    assert flac["total"] == {"amount": "4.99"}


async def test_racing_orders_of_one_track_charge_once(
    gql: GraphQL, settings: Settings, shop: Fixtures
) -> None:
    r = await release(shop)
    buyer = KindBuyer(gql, settings.jwt_secret, await shop.customer("GB"))
    t = tracks_of(r)[0]
    results = await asyncio.gather(*(buyer([(t, "MP3_320")], key=f"race-{i}") for i in range(8)))
    assert sorted(x["__typename"] for x in results) == ["Purchase"] + ["PurchaseRejected"] * 7
    assert {x["code"] for x in results if x["__typename"] == "PurchaseRejected"} == {"ALREADY_OWNED"}
    assert await shop.state(shop.customers[0]) == {"purchases": 1, "lines": 1, "claims": 1}


async def _library(gql: GraphQL, headers: dict[str, str], **variables: Any) -> Any:
    body = await ask(gql, LIBRARY, variables, headers=headers)
    assert "errors" not in body, body
    return body["data"]["viewer"]["library"]


async def _walk(gql: GraphQL, headers: dict[str, str], backward: bool, **variables: Any) -> list[str]:
    """Every track of the library, two at a time, in the library's order."""
    seen: list[str] = []
    cursor = None
    while True:
        if backward:
            page = await _library(gql, headers, last=2, before=cursor, **variables)
            seen[:0] = [e["node"]["track"]["id"] for e in page["edges"]]
            if not page["pageInfo"]["hasPreviousPage"]:
                return seen
            cursor = page["pageInfo"]["startCursor"]
        else:
            page = await _library(gql, headers, first=2, after=cursor, **variables)
            seen += [e["node"]["track"]["id"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return seen
            cursor = page["pageInfo"]["endCursor"]


async def test_the_library_pages_both_ways_with_formats_and_filters(
    kb: KindBuyer, shop: Fixtures, gql: GraphQL
) -> None:
    one, two = await release(shop), await release(shop)
    await kb([(tracks_of(one)[0], "MP3_320")], key="a")
    await kb([(gid("Album", two.key), "MP3_320")], key="b")
    await kb([(tracks_of(one)[0], "FLAC_16_44"), (tracks_of(one)[2], "FLAC_16_44")], key="c")
    owned = {tracks_of(one)[0], tracks_of(one)[2], *tracks_of(two)}
    forward = await _walk(gql, kb.headers, backward=False)
    assert sorted(forward) == sorted(owned)
    assert await _walk(gql, kb.headers, backward=True) == forward
    page = await _library(gql, kb.headers, first=100)
    assert page["totalCount"] == 5
    firsts = [e["node"]["firstPurchasedAt"] for e in page["edges"]]
    assert firsts == sorted(firsts, reverse=True)
    item = next(e["node"] for e in page["edges"] if e["node"]["track"]["id"] == tracks_of(one)[0])
    assert [f["format"] for f in item["formats"]] == ["FLAC_16_44", "MP3_320"]
    assert item["firstPurchasedAt"] == min(f["purchasedAt"] for f in item["formats"]) < max(
        f["purchasedAt"] for f in item["formats"])
    flac = await _library(gql, kb.headers, first=100, filter={"format": "FLAC_16_44"})
    assert sorted(e["node"]["track"]["id"] for e in flac["edges"]) == sorted([tracks_of(one)[0], tracks_of(one)[2]])
    assert flac["totalCount"] == 2
    of_two = await _walk(gql, kb.headers, backward=False, filter={"album": gid("Album", two.key)})
    assert sorted(of_two) == sorted(tracks_of(two))


async def test_library_arguments_are_checked(kb: KindBuyer, gql: GraphQL) -> None:
    artist = await ask(gql, LIBRARY, {"filter": {"album": gid("Artist", "1")}}, headers=kb.headers)
    assert codes(artist) == ["BAD_REQUEST"]
    assert "filter.album" in artist["errors"][0]["message"]
    foreign = await ask(gql, LIBRARY, {"after": "bm9wZQ=="}, headers=kb.headers)
    assert codes(foreign) == ["BAD_REQUEST"]


async def test_a_library_cursor_is_refused_under_another_filter(kb: KindBuyer, shop: Fixtures, gql: GraphQL) -> None:
    r = await release(shop)
    await kb([(gid("Album", r.key), "MP3_320")], key="a")
    cursor = (await _library(gql, kb.headers, first=1))["pageInfo"]["endCursor"]
    other = await ask(gql, LIBRARY, {"after": cursor, "filter": {"format": "MP3_320"}}, headers=kb.headers)
    assert codes(other) == ["BAD_REQUEST"]


async def test_viewer_owns_tracks_and_albums(
    kb: KindBuyer, shop: Fixtures, gql: GraphQL, settings: Settings
) -> None:
    none, part, full = await release(shop), await release(shop), await release(shop)
    await kb([(tracks_of(part)[1], "FLAC_16_44"), (gid("Album", full.key), "MP3_320")], key="a")
    ids = [gid("Album", a.key) for a in (none, part, full)] + [tracks_of(part)[1]]
    body = await ask(gql, OWNS, {"ids": ids}, headers=kb.headers)
    albums, track = body["data"]["nodes"][:3], body["data"]["nodes"][3]
    assert [(a["viewerOwnership"], a["viewerOwns"]) for a in albums] == [
        ("NONE", False), ("PARTIAL", False), ("FULL", True)]
    assert [t["viewerOwns"] for t in albums[1]["tracks"]] == [False, True, False]
    assert [t["viewerFormats"] for t in albums[2]["tracks"]] == [["MP3_320"]] * 3
    assert track == {"viewerOwns": True, "viewerFormats": ["FLAC_16_44"]}
    anonymous = (await ask(gql, OWNS, {"ids": ids}))["data"]["nodes"]
    assert {(a["viewerOwns"], a["viewerOwnership"]) for a in anonymous[:3]} == {(None, None)}
    assert anonymous[3] == {"viewerOwns": None, "viewerFormats": None}
    partner = bearer(token(settings.jwt_secret, "partner-x", "royalties:read", labels=["x"]))
    assert (await ask(gql, OWNS, {"ids": ids[3:]}, headers=partner))["data"]["nodes"][0]["viewerOwns"] is None


async def test_ownership_is_one_query_however_many_albums(kb: KindBuyer, shop: Fixtures, gql: GraphQL) -> None:
    made = [await release(shop) for _ in range(3)]
    await kb([(gid("Album", made[0].key), "MP3_320")], key="a")
    counts = []
    for n in (1, 3):
        body = await ask(gql, OWNS, {"ids": [gid("Album", a.key) for a in made[:n]]}, headers=kb.headers)
        assert "errors" not in body, body
        counts.append(gql.last_cypher)
    assert counts[0] == counts[1]
    without = await ask(gql, PLAIN, {"ids": [gid("Album", made[0].key)]}, headers=kb.headers)
    assert "errors" not in without, without
    assert counts[0] - gql.last_cypher == 1


LIBRARY_PAGE = """query($first: Int) { viewer { library(first: $first) { totalCount edges { node {
  formats { format } track { title viewerOwns viewerFormats album { title viewerOwnership } } } } } } }"""


async def test_a_library_page_costs_the_same_queries_however_long(kb: KindBuyer, shop: Fixtures, gql: GraphQL) -> None:
    one, two = await release(shop), await release(shop)
    await kb([(gid("Album", one.key), "MP3_320"), (tracks_of(two)[0], "FLAC_16_44")], key="a")
    counts = []
    for first in (1, 4):
        body = await ask(gql, LIBRARY_PAGE, {"first": first}, headers=kb.headers)
        assert "errors" not in body, body
        assert len(body["data"]["viewer"]["library"]["edges"]) == first
        counts.append(gql.last_cypher)
    assert counts[0] == counts[1]
