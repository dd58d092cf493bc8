"""Royalty statements equal their sales computed independently (Chinook SQLite, stored sale lines)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from graph.driver import Graph
from graph.importers.chinook import ROYALTY_RATE
from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import Fixtures, ask, bearer, codes, gid, key_of_gid, token

STATEMENT = """query($label: ID!, $from: Date!, $to: Date!, $currency: String) {
  royaltyStatement(label: $label, from: $from, to: $to, currency: $currency) {
    label { id name } units gross { amount currency } royaltiesDue { amount currency }
    lines { album { id title } units gross { amount currency } royaltiesDue { amount currency } } } }"""
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename ... on Purchase { id } } }"""
HOUSE = gid("Label", "tunegraph-house")
CENT = Decimal("0.01")


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


def partner(settings: Settings, scope: str = "royalties:read", *labels: str) -> dict[str, str]:
    """A label portal's token for `labels` (the house label when none are given)."""
    named = list(labels) or [key_of_gid(HOUSE)]
    return bearer(token(settings.jwt_secret, "label-portal", scope, labels=named))


def expected_from_sqlite(sqlite: sqlite3.Connection, start: str, end: str) -> dict[str, tuple[int, Decimal]]:
    rows = sqlite.execute(
        "SELECT t.AlbumId, il.UnitPrice, il.Quantity FROM InvoiceLine il JOIN Invoice i USING (InvoiceId) "
        "JOIN Track t USING (TrackId) WHERE date(i.InvoiceDate) BETWEEN ? AND ?", (start, end)
    ).fetchall()
    out: dict[str, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for album, price, quantity in rows:
        units, gross = out[str(album)]
        out[str(album)] = (units + quantity, gross + Decimal(str(price)) * quantity)
    return out


@pytest.mark.parametrize(("start", "end"), [("2021-01-01", "2021-06-30"), ("2021-01-01", "2025-12-31"),
                                            ("2021-03-04", "2021-03-04"), ("2021-03-05", "2021-04-03")])
async def test_house_statement_equals_the_chinook_sales(
    gql: GraphQL, settings: Settings, sqlite: sqlite3.Connection, start: str, end: str
) -> None:
    expected = expected_from_sqlite(sqlite, start, end)
    assert expected, "the period must hold sales"
    body = await ask(gql, STATEMENT, {"label": HOUSE, "from": start, "to": end}, headers=partner(settings))
    got = body["data"]["royaltyStatement"]
    lines = {x["album"]["id"]: x for x in got["lines"]}
    assert set(lines) == {gid("Album", a) for a in expected}
    for album, (units, gross) in expected.items():
        line = lines[gid("Album", album)]
        assert line["units"] == units
        assert Decimal(line["gross"]["amount"]) == gross
        assert Decimal(line["royaltiesDue"]["amount"]) == (gross * ROYALTY_RATE).quantize(CENT, ROUND_HALF_UP)
    assert got["units"] == sum(u for u, _ in expected.values())
    assert Decimal(got["gross"]["amount"]) == sum(g for _, g in expected.values())
    assert Decimal(got["royaltiesDue"]["amount"]) == sum(Decimal(x["royaltiesDue"]["amount"]) for x in got["lines"])
    assert got["label"]["name"] == "Chinook House Records"
    assert got["gross"]["currency"] == "USD"


async def test_statement_uses_the_rate_and_price_stored_on_each_sale(
    gql: GraphQL, settings: Settings, shop: Fixtures
) -> None:
    release = await shop.release(rate="0.55")
    items = [[{"id": gid("Album", release.key), "format": "MP3_320"}],
             [{"id": gid("Track", release.tracks[0].key), "format": "MP3_320"}]]
    for i, chosen in enumerate(items):
        # Two customers: the album's buyer owns its tracks, and buying one again is ALREADY_OWNED.
        customer = await shop.customer("GB")
        hdrs = bearer(token(settings.jwt_secret, gid("Customer", customer), "purchases:write"))
        variables = {"input": {"items": chosen, "territory": "GB", "idempotencyKey": f"r{i}"}}
        assert (await ask(gql, BUY, variables, headers=hdrs))["data"]["purchase"]["__typename"] == "Purchase"
    today = datetime.now(UTC).date().isoformat()
    label = gid("Label", f"{shop.prefix}label")
    hdrs = partner(settings, "royalties:read", f"{shop.prefix}label")
    body = await ask(gql, STATEMENT, {"label": label, "from": today, "to": today}, headers=hdrs)
    got = body["data"]["royaltyStatement"]
    gross = Decimal("2.99") + Decimal("1.29")
    assert got["units"] == len(release.tracks) + 1
    assert Decimal(got["gross"]["amount"]) == gross
    assert Decimal(got["royaltiesDue"]["amount"]) == (gross * Decimal("0.55")).quantize(CENT, ROUND_HALF_UP)
    yesterday = await ask(gql, STATEMENT, {"label": label, "from": "2020-01-01", "to": "2020-12-31"},
                          headers=hdrs)
    assert yesterday["data"]["royaltyStatement"]["units"] == 0
    assert yesterday["data"]["royaltyStatement"]["lines"] == []


async def test_several_currencies_need_a_choice(gql: GraphQL, settings: Settings, shop: Fixtures) -> None:
    usd, eur = await shop.release(currency="USD"), await shop.release(currency="EUR")
    customer = await shop.customer("GB")
    hdrs = bearer(token(settings.jwt_secret, gid("Customer", customer), "purchases:write"))
    for i, release in enumerate((usd, eur)):
        variables = {"input": {"items": [{"id": gid("Album", release.key), "format": "MP3_320"}],
                               "territory": "GB", "idempotencyKey": f"c{i}"}}
        assert (await ask(gql, BUY, variables, headers=hdrs))["data"]["purchase"]["__typename"] == "Purchase"
    today = datetime.now(UTC).date().isoformat()
    args: dict[str, Any] = {"label": gid("Label", f"{shop.prefix}label"), "from": today, "to": today}
    hdrs = partner(settings, "royalties:read", f"{shop.prefix}label")
    body = await ask(gql, STATEMENT, args, headers=hdrs)
    assert codes(body) == ["BAD_REQUEST"]
    assert "EUR" in body["errors"][0]["message"]
    body = await ask(gql, STATEMENT, {**args, "currency": "eur"}, headers=hdrs)
    got = body["data"]["royaltyStatement"]
    assert got["gross"] == {"amount": "2.99", "currency": "EUR"}
    assert [x["album"]["id"] for x in got["lines"]] == [gid("Album", eur.key)]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"label": gid("Label", "no-such-label"), "from": "2021-01-01", "to": "2021-01-02"}, "FORBIDDEN"),
        ({"label": HOUSE, "from": "2021-02-01", "to": "2021-01-01"}, "BAD_REQUEST"),
        ({"label": gid("Album", "1"), "from": "2021-01-01", "to": "2021-01-02"}, "BAD_REQUEST"),
    ],
)
async def test_bad_arguments(gql: GraphQL, settings: Settings, variables: dict[str, Any], code: str) -> None:
    assert codes(await ask(gql, STATEMENT, variables, headers=partner(settings))) == [code]


async def test_admin_without_royalties_scope_is_forbidden(gql: GraphQL, settings: Settings) -> None:
    variables = {"label": HOUSE, "from": "2021-01-01", "to": "2021-01-02"}
    assert codes(await ask(gql, STATEMENT, variables, headers=partner(settings, "admin"))) == ["FORBIDDEN"]
