"""Who may see what: tokens, scopes, and one customer never reaching another's data."""

from __future__ import annotations

import sqlite3
from typing import Any

import jwt
import pytest

from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import ask, bearer, codes, gid, token

VIEWER = "{ viewer { id country } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Customer { country purchases(first: 1) { totalCount } } ... on Purchase { total { amount } } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
PURCHASES = "query($after: String) { viewer { purchases(first: 2, after: $after) { edges { cursor node { id } } } } }"
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) {
  __typename ... on PurchaseRejected { code } } }"""
HOUSE = gid("Label", "tunegraph-house")
ROYALTIES = 'query { royaltyStatement(label: "' + HOUSE + '", from: "2021-01-01", to: "2021-01-31") { units } }'
CATALOG = "{ genres { name } }"


def invoice_of(sqlite: sqlite3.Connection, customer: int) -> str:
    row = sqlite.execute("SELECT min(InvoiceId) FROM Invoice WHERE CustomerId = ?", (customer,)).fetchone()
    return str(row[0])


@pytest.fixture(scope="module")
def secret(settings: Settings) -> str:
    return settings.jwt_secret


def customer_token(secret: str, key: str, scope: str = "") -> dict[str, str]:
    return bearer(token(secret, gid("Customer", key), scope))


async def test_no_token_viewer_is_null_and_catalog_works(gql: GraphQL) -> None:
    assert (await ask(gql, VIEWER)) == {"data": {"viewer": None}}
    body = await ask(gql, CATALOG)
    assert "errors" not in body
    assert body["data"]["genres"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (BUY, {"input": {"items": [], "territory": "GB", "idempotencyKey": "k"}}),
        (ROYALTIES, None),
        (NODE, {"id": gid("Customer", "1")}),
        (NODE, {"id": gid("Purchase", "1")}),
    ],
)
async def test_missing_token_where_one_is_needed_is_unauthenticated(
    gql: GraphQL, query: str, variables: dict[str, Any] | None
) -> None:
    assert codes(await ask(gql, query, variables)) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda s: token(s, gid("Customer", "1"), ttl=-60), "expired"),
        (lambda s: token(s + "-not", gid("Customer", "1")), "signature"),
        (lambda s: "not.a.jwt", "malformed"),
        (lambda s: jwt.encode({"sub": gid("Customer", "1")}, key=None, algorithm="none"), "HS256"),
        (lambda s: token(s, "", "admin"), "sub"),
    ],
    ids=["expired", "forged", "malformed", "alg-none", "no-sub"],
)
async def test_bad_tokens_fail_even_catalog_queries(gql: GraphQL, secret: str, make: Any, says: str) -> None:
    body = await ask(gql, CATALOG, headers=bearer(make(secret)))
    assert codes(body) == ["UNAUTHENTICATED"]
    assert says in body["errors"][0]["message"]
    assert body["data"] is None


async def test_wrong_authorization_scheme_is_unauthenticated(gql: GraphQL, secret: str) -> None:
    body = await ask(gql, CATALOG, headers={"Authorization": "Basic " + token(secret, "x")})
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_token_without_exp_is_accepted(gql: GraphQL, secret: str) -> None:
    body = await ask(gql, VIEWER, headers=bearer(token(secret, gid("Customer", "2"), ttl=None)))
    assert body == {"data": {"viewer": {"id": gid("Customer", "2"), "country": "DE"}}}


@pytest.mark.parametrize("sub", ["partner-acme", gid("Artist", "1"), "Q3VzdG9tZXI6"], ids=["partner", "artist-id", "empty-key"])
async def test_viewer_of_a_token_whose_subject_is_not_a_customer_is_forbidden(gql: GraphQL, secret: str, sub: str) -> None:
    body = await ask(gql, VIEWER, headers=bearer(token(secret, sub, "royalties:read admin")))
    assert codes(body) == ["FORBIDDEN"]
    assert body["data"] == {"viewer": None}
    assert f"subject {sub!r} is not a customer" in body["errors"][0]["message"]
    assert body["errors"][0]["path"] == ["viewer"]


async def test_viewer_of_a_customer_that_does_not_exist_is_unauthenticated(gql: GraphQL, secret: str) -> None:
    body = await ask(gql, VIEWER, headers=customer_token(secret, "999999"))
    assert codes(body) == ["UNAUTHENTICATED"]
    assert "does not exist" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("sub", "scope", "query"),
    [
        (gid("Customer", "1"), "", BUY),
        (gid("Customer", "1"), "royalties:read", BUY),
        ("partner-acme", "purchases:write", BUY),
        (gid("Customer", "1"), "purchases:write", ROYALTIES),
        ("partner-acme", "", ROYALTIES),
    ],
)
async def test_wrong_scope_or_token_kind_is_forbidden(
    gql: GraphQL, secret: str, sub: str, scope: str, query: str
) -> None:
    variables = {"input": {"items": [], "territory": "BR", "idempotencyKey": "k"}} if query is BUY else None
    assert codes(await ask(gql, query, variables, headers=bearer(token(secret, sub, scope)))) == ["FORBIDDEN"]


async def test_viewer_is_the_token_customer(gql: GraphQL, secret: str, sqlite: sqlite3.Connection) -> None:
    country = sqlite.execute("SELECT Country FROM Customer WHERE CustomerId = 1").fetchone()[0]
    body = await ask(gql, VIEWER, headers=customer_token(secret, "1"))
    assert body["data"] == {"viewer": {"id": gid("Customer", "1"), "country": "BR"}}
    assert country == "Brazil"


async def test_node_of_another_customer_is_forbidden(gql: GraphQL, secret: str) -> None:
    headers = customer_token(secret, "1", "purchases:write")
    for key in ("2", "no-such-customer"):
        body = await ask(gql, NODE, {"id": gid("Customer", key)}, headers=headers)
        assert codes(body) == ["FORBIDDEN"]
        assert body["data"] == {"node": None}


async def test_node_of_another_customers_purchase_is_forbidden(
    gql: GraphQL, secret: str, sqlite: sqlite3.Connection
) -> None:
    headers = customer_token(secret, "1")
    for key in (invoice_of(sqlite, 2), "no-such-purchase"):
        body = await ask(gql, NODE, {"id": gid("Purchase", key)}, headers=headers)
        assert codes(body) == ["FORBIDDEN"], key


async def test_own_records_through_node(gql: GraphQL, secret: str, sqlite: sqlite3.Connection) -> None:
    headers = customer_token(secret, "1")
    own = gid("Purchase", invoice_of(sqlite, 1))
    assert (await ask(gql, NODE, {"id": own}, headers=headers))["data"]["node"]["id"] == own
    body = await ask(gql, NODE, {"id": gid("Customer", "1")}, headers=headers)
    count = sqlite.execute("SELECT count(*) FROM Invoice WHERE CustomerId = 1").fetchone()[0]
    assert body["data"]["node"]["purchases"]["totalCount"] == count


async def test_nodes_hides_only_the_foreign_records(gql: GraphQL, secret: str, sqlite: sqlite3.Connection) -> None:
    ids = [gid("Customer", "2"), gid("Purchase", invoice_of(sqlite, 2)), gid("Purchase", invoice_of(sqlite, 1)),
           gid("Album", "1")]
    body = await ask(gql, NODES, {"ids": ids}, headers=customer_token(secret, "1"))
    assert body["data"]["nodes"] == [None, None, {"id": ids[2]}, {"id": ids[3]}]
    assert sorted((e["path"][-1], e["extensions"]["code"]) for e in body["errors"]) == [
        (0, "FORBIDDEN"), (1, "FORBIDDEN")
    ]


async def test_another_customers_cursor_is_refused(gql: GraphQL, secret: str) -> None:
    theirs = await ask(gql, PURCHASES, headers=customer_token(secret, "2"))
    cursor = theirs["data"]["viewer"]["purchases"]["edges"][0]["cursor"]
    body = await ask(gql, PURCHASES, {"after": cursor}, headers=customer_token(secret, "1"))
    assert codes(body) == ["BAD_REQUEST"]
    assert body["errors"][0]["extensions"]["argument"] == "after"


async def test_admin_reads_any_customer_and_purchase(gql: GraphQL, secret: str, sqlite: sqlite3.Connection) -> None:
    headers = bearer(token(secret, "ops-console", "admin"))
    body = await ask(gql, NODE, {"id": gid("Customer", "2")}, headers=headers)
    count = sqlite.execute("SELECT count(*) FROM Invoice WHERE CustomerId = 2").fetchone()[0]
    assert body["data"]["node"]["purchases"]["totalCount"] == count
    body = await ask(gql, NODE, {"id": gid("Purchase", invoice_of(sqlite, 2))}, headers=headers)
    assert "errors" not in body
    assert body["data"]["node"]["total"]
    assert (await ask(gql, NODE, {"id": gid("Purchase", "no-such")}, headers=headers)) == {"data": {"node": None}}
