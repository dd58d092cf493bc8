"""Prices in the buyer's currency: offers, purchases and royalty statements per territory; territory arguments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from graph.driver import Graph
from graph.release import Offer, PriceList, Release
from graph.upsert import upsert_releases
from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import Fixtures, ask, bearer, codes, gid, token

OFFERS = """query($id: ID!, $t: String) { node(id: $id) { ... on Album {
  offers(territory: $t) { format price { amount currency } }
  tracks { offers(territory: $t) { format price { amount currency } } } } } }"""
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename
  ... on Purchase { total { amount currency } lines { price { amount currency } } }
  ... on PurchaseRejected { code } } }"""
STATEMENT = """query($label: ID!, $from: Date!, $to: Date!, $currency: String) {
  royaltyStatement(label: $label, from: $from, to: $to, currency: $currency) { units gross { amount currency } } }"""
# Own list USD (not a fallback); GBP and JPY lists; licensed in GB, JP, US and DE (no EUR list).
GBP = PriceList("GBP", (Offer("MP3_320", Decimal("2.49")),), (Offer("MP3_320", Decimal("0.99")),))
JPY = PriceList("JPY", (Offer("MP3_320", Decimal("1500")),), (Offer("MP3_320", Decimal("250")),))


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


@pytest.fixture
async def priced(shop: Fixtures, graph: Graph) -> Release:
    plain = await shop.release(territories=("DE", "GB", "JP", "US"))
    release = replace(plain, price_lists=(GBP, JPY), price_fallback=False)
    await upsert_releases(graph, [release])
    return release


@pytest.mark.parametrize(
    ("territory", "album", "track"),
    [("GB", ("2.49", "GBP"), ("0.99", "GBP")), ("jp", ("1500", "JPY"), ("250", "JPY")),
     ("US", ("2.99", "USD"), ("1.29", "USD")), (None, ("2.99", "USD"), ("1.29", "USD")), ("DE", None, None)],
)
async def test_offers_are_in_the_territory_currency(
    gql: GraphQL, priced: Release, territory: str | None, album: tuple[str, str] | None,
    track: tuple[str, str] | None,
) -> None:
    body = await ask(gql, OFFERS, {"id": gid("Album", priced.key), "t": territory})
    node = body["data"]["node"]
    want_album = [{"format": "MP3_320", "price": {"amount": album[0], "currency": album[1]}}] if album else []
    want_track = [{"format": "MP3_320", "price": {"amount": track[0], "currency": track[1]}}] if track else []
    assert node["offers"] == want_album
    assert [t["offers"] for t in node["tracks"]] == [want_track] * len(priced.tracks)


async def _buy(gql: GraphQL, settings: Settings, shop: Fixtures, country: str, item: str) -> dict[str, Any]:
    customer = await shop.customer(country)
    hdrs = bearer(token(settings.jwt_secret, gid("Customer", customer), "purchases:write"))
    variables = {"input": {"items": [{"id": item, "format": "MP3_320"}], "territory": country.lower(),
                           "idempotencyKey": "k"}}
    body = await ask(gql, BUY, variables, headers=hdrs)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["purchase"]
    return result


async def test_purchases_are_charged_in_the_buyers_currency_and_statements_keep_them_apart(
    gql: GraphQL, settings: Settings, shop: Fixtures, priced: Release
) -> None:
    album = gid("Album", priced.key)
    jp = await _buy(gql, settings, shop, "JP", album)
    assert jp["total"] == {"amount": "1500", "currency": "JPY"}
    assert [x["price"] for x in jp["lines"]] == [{"amount": "500", "currency": "JPY"}] * 3
    gb = await _buy(gql, settings, shop, "GB", gid("Track", priced.tracks[0].key))
    assert gb["total"] == {"amount": "0.99", "currency": "GBP"}
    us = await _buy(gql, settings, shop, "US", album)
    assert us["total"] == {"amount": "2.99", "currency": "USD"}
    assert sum(Decimal(x["price"]["amount"]) for x in us["lines"]) == Decimal("2.99")
    de = await _buy(gql, settings, shop, "DE", album)
    assert de == {"__typename": "PurchaseRejected", "code": "NOT_LICENSED_IN_TERRITORY"}

    today = datetime.now(UTC).date().isoformat()
    label = f"{shop.prefix}label"
    args: dict[str, Any] = {"label": gid("Label", label), "from": today, "to": today}
    hdrs = bearer(token(settings.jwt_secret, "label-portal", "royalties:read", labels=[label]))
    assert codes(await ask(gql, STATEMENT, args, headers=hdrs)) == ["BAD_REQUEST"]
    for currency, units, gross in (("JPY", 3, "1500"), ("GBP", 1, "0.99"), ("USD", 3, "2.99")):
        body = await ask(gql, STATEMENT, {**args, "currency": currency}, headers=hdrs)
        assert body["data"]["royaltyStatement"] == {"units": units, "gross": {"amount": gross, "currency": currency}}


QUERIES = {
    "availableIn": ("query($id: ID!, $t: String!) { node(id: $id) { ... on Album { availableIn(territory: $t) } } }",
                    "territory"),
    "offers": ("query($id: ID!, $t: String) { node(id: $id) { ... on Album { offers(territory: $t) { format } } } }",
               "territory"),
    "trackOffers": ("query($t: String) { tracks(first: 1) { edges { node { offers(territory: $t) { format } } } } }",
                    "territory"),
    "alsoBought": ("query($id: ID!, $t: String) { node(id: $id) { ... on Album { alsoBought(first: 0, territory: $t) "
                   "{ id } } } }", "territory"),
    "recommend": ("query($t: String) { recommend(seeds: [], first: 1, territory: $t) { score } }", "territory"),
    "newReleases": ("query($t: String) { newReleases(territory: $t) { totalCount } }", "territory"),
    "bestsellers": ("query($t: String) { bestsellers(territory: $t) { units } }", "territory"),
    "albums": ("query($t: String) { albums(filter: {territory: $t}) { totalCount } }", "filter.territory"),
    "tracks": ("query($t: String) { tracks(filter: {territory: $t}) { totalCount } }", "filter.territory"),
    "topTracks": ("query($id: ID!, $t: String) { node(id: $id) { ... on Artist { topTracks(territory: $t) "
                     "{ title } } } }", "territory"),
}


@pytest.mark.parametrize("field", sorted(QUERIES))
@pytest.mark.parametrize(("value", "hint"), [("XX", "assigned"), ("usa", "two letters"), ("UK", "GB"),
                                             ("", "two letters"), ("G1", "two letters")])
async def test_every_territory_argument_refuses_a_bad_code(gql: GraphQL, field: str, value: str, hint: str) -> None:
    query, argument = QUERIES[field]
    node = gid("Artist", "1") if field == "topTracks" else gid("Album", "1")
    body = await ask(gql, query, {"t": value, "id": node})
    assert codes(body) == ["BAD_REQUEST"], body
    message = body["errors"][0]["message"]
    assert message.startswith(f"{argument}: ")
    assert hint in message


@pytest.mark.parametrize("field", sorted(QUERIES))
async def test_a_lowercase_code_is_the_country(gql: GraphQL, field: str) -> None:
    query, _ = QUERIES[field]
    node = gid("Artist", "1") if field == "topTracks" else gid("Album", "1")
    lower = await ask(gql, query, {"t": "gb", "id": node})
    upper = await ask(gql, query, {"t": "GB", "id": node})
    assert "errors" not in lower
    assert lower == upper


@pytest.mark.parametrize("value", ["XX", "usa", "UK"])
async def test_a_purchase_with_a_bad_territory_is_bad_request(
    gql: GraphQL, settings: Settings, shop: Fixtures, value: str
) -> None:
    customer = await shop.customer("GB")
    hdrs = bearer(token(settings.jwt_secret, gid("Customer", customer), "purchases:write"))
    variables = {"input": {"items": [{"id": gid("Track", "1"), "format": "MP3_320"}], "territory": value,
                           "idempotencyKey": "k"}}
    body = await ask(gql, BUY, variables, headers=hdrs)
    assert codes(body) == ["BAD_REQUEST"]
    assert body["errors"][0]["message"].startswith("input.territory: ")
    assert await shop.state(customer) == {"purchases": 0, "lines": 0, "claims": 0}
