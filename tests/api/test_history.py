"""A customer's purchase history: Chinook invoices as purchases, newest first, paged, batched."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

import pytest

from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import ask, bearer, codes, gid, token

PAGE = """query($first: Int, $after: String) { viewer { id country purchases(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
  edges { cursor node { id purchasedAt territory total { amount currency }
                        lines { format price { amount currency } track { id title album { title } } } } } } } }"""


def headers(settings: Settings, customer: str) -> dict[str, str]:
    return bearer(token(settings.jwt_secret, gid("Customer", customer)))


def invoices(sqlite: sqlite3.Connection, customer: int) -> list[sqlite3.Row]:
    return sqlite.execute(
        "SELECT * FROM Invoice WHERE CustomerId = ? ORDER BY InvoiceDate DESC, CAST(InvoiceId AS TEXT) DESC",
        (customer,),
    ).fetchall()


async def all_pages(gql: GraphQL, hdrs: dict[str, str], first: int) -> tuple[list[dict[str, Any]], list[float]]:
    edges: list[dict[str, Any]] = []
    costs: list[float] = []
    after = None
    while True:
        body = await ask(gql, PAGE, {"first": first, "after": after}, headers=hdrs)
        costs.append(gql.last_cypher)
        page = body["data"]["viewer"]["purchases"]
        edges += page["edges"]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return edges, costs
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("customer", [1, 2, 59])
async def test_history_is_the_chinook_invoices_newest_first(
    gql: GraphQL, settings: Settings, sqlite: sqlite3.Connection, customer: int
) -> None:
    expected = invoices(sqlite, customer)
    edges, _ = await all_pages(gql, headers(settings, str(customer)), first=3)
    assert [e["node"]["id"] for e in edges] == [gid("Purchase", str(r["InvoiceId"])) for r in expected]
    for edge, invoice in zip(edges, expected, strict=True):
        node = edge["node"]
        assert node["purchasedAt"].startswith(invoice["InvoiceDate"].replace(" ", "T"))
        assert Decimal(node["total"]["amount"]) == Decimal(str(invoice["Total"]))
        assert node["total"]["currency"] == "USD"
        lines = sqlite.execute(
            "SELECT il.TrackId, il.UnitPrice, il.Quantity, t.Name FROM InvoiceLine il JOIN Track t USING (TrackId) "
            "WHERE InvoiceId = ? ORDER BY InvoiceLineId", (invoice["InvoiceId"],)
        ).fetchall()
        assert [(x["track"]["id"], x["track"]["title"], Decimal(x["price"]["amount"])) for x in node["lines"]] == [
            (gid("Track", str(t)), name, Decimal(str(p))) for t, p, q, name in lines for _ in range(q)
        ]
        assert sum(Decimal(x["price"]["amount"]) for x in node["lines"]) == Decimal(node["total"]["amount"])


async def test_total_count_country_and_cost_independent_of_page_size(
    gql: GraphQL, settings: Settings, sqlite: sqlite3.Connection
) -> None:
    row = sqlite.execute("SELECT Country, count(*) FROM Customer JOIN Invoice USING (CustomerId) "
                         "WHERE CustomerId = 3").fetchone()
    hdrs = headers(settings, "3")
    small = await ask(gql, PAGE, {"first": 1}, headers=hdrs)
    small_cost = gql.last_cypher
    big = await ask(gql, PAGE, {"first": 100}, headers=hdrs)
    assert gql.last_cypher == small_cost
    assert small["data"]["viewer"]["purchases"]["totalCount"] == row[1]
    assert len(big["data"]["viewer"]["purchases"]["edges"]) == row[1]
    assert row[0] == "Canada"
    assert big["data"]["viewer"]["country"] == "CA"


async def test_first_over_100_is_refused(gql: GraphQL, settings: Settings) -> None:
    body = await ask(gql, PAGE, {"first": 101}, headers=headers(settings, "1"))
    assert codes(body) == ["BAD_REQUEST"]


BACK = """query($last: Int, $before: String) { viewer { purchases(last: $last, before: $before) {
  pageInfo { hasNextPage hasPreviousPage startCursor } edges { node { id } } } } }"""


@pytest.mark.parametrize(("customer", "last"), [(1, 1), (2, 3), (59, 4)])
async def test_history_backward_from_the_oldest_is_the_same_list(
    gql: GraphQL, settings: Settings, sqlite: sqlite3.Connection, customer: int, last: int
) -> None:
    hdrs = headers(settings, str(customer))
    pages: list[list[str]] = []
    before = None
    while True:
        body = await ask(gql, BACK, {"last": last, "before": before}, headers=hdrs)
        page = body["data"]["viewer"]["purchases"]
        assert page["pageInfo"]["hasNextPage"] == (before is not None)
        pages.append([e["node"]["id"] for e in page["edges"]])
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        assert len(page["edges"]) == last
        before = page["pageInfo"]["startCursor"]
    got = [node for page in reversed(pages) for node in page]
    assert got == [gid("Purchase", str(r["InvoiceId"])) for r in invoices(sqlite, customer)]


async def test_last_over_100_is_refused(gql: GraphQL, settings: Settings) -> None:
    body = await ask(gql, BACK, {"last": 101}, headers=headers(settings, "1"))
    assert codes(body) == ["BAD_REQUEST"]
    assert body["errors"][0]["extensions"]["argument"] == "last"
