"""The first catalog queries against the real graph, compared with the Chinook SQLite file."""

from __future__ import annotations

import base64
import random
import sqlite3
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import GraphQL

ALBUM_PAGE = """
query($id: ID!) {
  node(id: $id) {
    ... on Album {
      id title trackCount durationMs
      artist { id name }
      genres { name }
      offers { format price { amount currency } }
      tracks { id title durationMs discNumber trackNumber composer
               genre { name } artists { name }
               offers(territory: "GB") { format price { amount currency } sizeBytes } }
    }
  }
}
"""

ALBUMS_WITH_TRACKS = """
query($first: Int!) {
  albums(first: $first) {
    edges { node { title artist { name } genres { name } label { name }
                   tracks { title artists { name } genre { name } album { title } } } }
  }
}
"""


def gid(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body.get("errors")
    return body["data"]


async def test_album_sample_matches_sqlite(gql: GraphQL, sqlite: sqlite3.Connection) -> None:
    album_ids = [r[0] for r in sqlite.execute("SELECT AlbumId FROM Album ORDER BY AlbumId")]
    for album_id in random.Random(7).sample(album_ids, 12):
        album = data(await gql(ALBUM_PAGE, {"id": gid("Album", album_id)}))["node"]
        title, artist = sqlite.execute(
            "SELECT al.Title, ar.Name FROM Album al JOIN Artist ar USING (ArtistId) WHERE AlbumId = ?", (album_id,)
        ).fetchone()
        tracks = sqlite.execute(
            "SELECT t.TrackId, t.Name, t.Milliseconds, t.UnitPrice, t.Bytes, g.Name FROM Track t "
            "LEFT JOIN Genre g USING (GenreId) WHERE AlbumId = ? ORDER BY TrackId",
            (album_id,),
        ).fetchall()
        assert album["title"] == title
        assert album["artist"]["name"] == artist
        assert album["trackCount"] == len(tracks)
        assert album["durationMs"] == sum(t[2] for t in tracks)
        assert {g["name"] for g in album["genres"]} == {t[5] for t in tracks}
        assert [t["id"] for t in album["tracks"]] == [gid("Track", t[0]) for t in tracks]
        assert [t["title"] for t in album["tracks"]] == [t[1] for t in tracks]
        assert [t["durationMs"] for t in album["tracks"]] == [t[2] for t in tracks]
        assert [t["trackNumber"] for t in album["tracks"]] == list(range(1, len(tracks) + 1))
        for got, row in zip(album["tracks"], tracks, strict=True):
            assert got["genre"]["name"] == row[5]
            assert got["artists"][0]["name"] == artist
            [offer] = got["offers"]
            assert Decimal(offer["price"]["amount"]) == Decimal(str(row[3]))
            assert offer["price"]["currency"] == "USD"
            assert offer["sizeBytes"] == row[4]


async def test_walking_albums_visits_each_once(gql: GraphQL, sqlite: sqlite3.Connection) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = data(await gql(
            "query($after: String) { albums(first: 50, after: $after) { totalCount "
            "pageInfo { hasNextPage endCursor } edges { node { id title } } } }",
            {"after": after},
        ))["albums"]
        seen += [e["node"]["id"] for e in page["edges"]]
        titles = [e["node"]["title"] for e in page["edges"]]
        assert titles == sorted(titles) or len(set(titles)) < len(titles)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = {gid("Album", r[0]) for r in sqlite.execute("SELECT AlbumId FROM Album")}
    assert len(seen) == len(set(seen)) == page["totalCount"]
    assert set(seen) >= expected


@pytest.mark.parametrize(("type_name", "table", "column"), [
    ("Artist", "Artist", "ArtistId"), ("Album", "Album", "AlbumId"), ("Track", "Track", "TrackId"),
])
async def test_every_id_round_trips_through_node(
    gql: GraphQL, sqlite: sqlite3.Connection, type_name: str, table: str, column: str
) -> None:
    ids = [gid(type_name, r[0]) for r in sqlite.execute(f"SELECT {column} FROM {table}")]  # noqa: S608
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        nodes = data(await gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": chunk}))["nodes"]
        assert [n["id"] for n in nodes] == chunk
    single = data(await gql("query($id: ID!) { node(id: $id) { id } }", {"id": ids[-1]}))["node"]
    assert single["id"] == ids[-1]


async def test_album_query_costs_a_fixed_number_of_cypher_queries(gql: GraphQL) -> None:
    costs = []
    for first in (1, 10, 100):
        body = await gql(ALBUMS_WITH_TRACKS, {"first": first})
        assert len(data(body)["albums"]["edges"]) == first
        costs.append(gql.last_cypher)
    assert costs[0] == costs[1] == costs[2], costs
    assert costs[0] <= 8


@pytest.mark.parametrize(("first", "needle"), [(101, "may not exceed 100"), (-1, "must not be negative")])
async def test_first_out_of_range_is_a_clear_error(gql: GraphQL, first: int, needle: str) -> None:
    body = await gql("query($n: Int) { albums(first: $n) { totalCount } }", {"n": first})
    errors: list[dict[str, Any]] = body["errors"]  # type: ignore[assignment]
    [error] = errors
    assert needle in error["message"]
    assert "first" in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert body["data"] is None


async def test_unknown_and_malformed_ids(gql: GraphQL) -> None:
    body = data(await gql('{ node(id: "QWxidW06OTk5OTk5") { id } }'))
    assert body["node"] is None
    bad = await gql('{ node(id: "not base64!") { id } }')
    assert bad["errors"][0]["extensions"]["code"] == "BAD_REQUEST"  # type: ignore[index]


async def test_genres_list_every_chinook_genre(gql: GraphQL, sqlite: sqlite3.Connection) -> None:
    names = {r[0] for r in sqlite.execute("SELECT Name FROM Genre")}
    genres = data(await gql("{ genres { id name } }"))["genres"]
    assert names <= {g["name"] for g in genres}


async def test_ops_endpoints(gql: GraphQL) -> None:
    client = gql.client
    assert (await client.get("/healthz")).status_code == 200
    await gql("{ genres { name } }")
    metrics = (await client.get("/metrics")).text
    assert "tunegraph_cypher_queries_total" in metrics
    assert "tunegraph_graphql_requests_total" in metrics
    assert "tunegraph_request_latency_seconds_bucket" in metrics
