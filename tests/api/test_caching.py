"""Queries over GET, and HTTP caching of their responses."""

from __future__ import annotations

import hashlib
import sqlite3

import httpx

from settings import Settings
from tests.store_support import bearer, token

GENRES = "{ genres { name } }"


def partner(settings: Settings) -> dict[str, str]:
    return bearer(token(settings.jwt_secret, "partner-cache"))


async def test_get_query_is_public_with_a_strong_etag(client: httpx.AsyncClient, sqlite: sqlite3.Connection) -> None:
    response = await client.get("/graphql", params={"query": GENRES})
    assert response.status_code == 200
    names = {g["name"] for g in response.json()["data"]["genres"]}
    assert names == {r[0] for r in sqlite.execute("SELECT Name FROM Genre")}
    assert response.headers["cache-control"] == "public, max-age=60"
    etag = response.headers["etag"]
    assert not etag.startswith("W/")
    assert etag.strip('"') == hashlib.sha256(response.content).hexdigest()[:32]
    posted = await client.post("/graphql", json={"query": GENRES})
    assert posted.json() == response.json()


async def test_if_none_match_gets_304_without_body(client: httpx.AsyncClient) -> None:
    first = await client.get("/graphql", params={"query": GENRES})
    etag = first.headers["etag"]
    again = await client.get("/graphql", params={"query": GENRES}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    several = await client.get("/graphql", params={"query": GENRES}, headers={"If-None-Match": f'"nope", W/{etag}'})
    assert several.status_code == 304
    stale = await client.get("/graphql", params={"query": GENRES}, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.content == first.content


async def test_etag_follows_the_body(client: httpx.AsyncClient) -> None:
    one = await client.get("/graphql", params={"query": "{ albums(first: 1) { edges { node { title } } } }"})
    two = await client.get("/graphql", params={"query": "{ albums(first: 2) { edges { node { title } } } }"})
    assert one.headers["etag"] != two.headers["etag"]


async def test_authenticated_responses_are_never_stored(client: httpx.AsyncClient, settings: Settings) -> None:
    headers = partner(settings)
    got = await client.get("/graphql", params={"query": GENRES}, headers=headers)
    posted = await client.post("/graphql", json={"query": GENRES}, headers=headers)
    for response in (got, posted):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        assert "etag" not in response.headers


async def test_errors_are_not_cached(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ genres { noSuchField } }"})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


async def test_variables_over_get(client: httpx.AsyncClient, sqlite: sqlite3.Connection) -> None:
    query = "query($n: Int) { albums(first: $n) { edges { node { title } } } }"
    response = await client.get("/graphql", params={"query": query, "variables": '{"n": 3}'})
    assert response.status_code == 200
    assert len(response.json()["data"]["albums"]["edges"]) == 3


async def test_mutations_over_get_are_refused_clearly(client: httpx.AsyncClient) -> None:
    mutation = 'mutation { purchase(input: {items: [], territory: "GB", idempotencyKey: "x"}) { __typename } }'
    response = await client.get("/graphql", params={"query": mutation})
    assert response.status_code == 400
    assert "mutations are not allowed when using get" in response.text.lower()
    assert "Traceback" not in response.text
