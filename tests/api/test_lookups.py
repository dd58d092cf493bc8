"""Typed root lookups: album(id:), artist(id:), track(id:), genre(id:), label(id:) beside node(id:)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from api.ids import to_global
from tests.api.test_query_counts import sent_by_name
from tests.conftest import GraphQL
from tests.store_support import ask, codes

LOOKUPS = {
    "album": ("Album", "1", "title", "For Those About To Rock We Salute You"),
    "artist": ("Artist", "1", "name", "AC/DC"),
    "track": ("Track", "1", "title", "For Those About To Rock (We Salute You)"),
    "genre": ("Genre", "rock", "name", "Rock"),
    "label": ("Label", "tunegraph-house", "name", None),
}


def one(field: str, selection: str) -> str:
    return f"query($id: ID!) {{ {field}(id: $id) {{ {selection} }} }}"


@pytest.mark.parametrize("field", sorted(LOOKUPS))
async def test_each_lookup_finds_its_type_as_node_does(gql: GraphQL, field: str) -> None:
    type_name, key, attr, expected = LOOKUPS[field]
    gid = to_global(type_name, key)
    typed = await ask(gql, one(field, f"__typename id {attr}"), {"id": gid})
    by_node = await ask(gql, f"query($id: ID!) {{ node(id: $id) {{ __typename id ... on {type_name} {{ {attr} }} }} }}",
                        {"id": gid})
    assert "errors" not in typed, typed
    assert typed["data"][field] == by_node["data"]["node"]
    assert typed["data"][field]["__typename"] == type_name
    if expected is not None:
        assert typed["data"][field][attr] == expected


@pytest.mark.parametrize("field", sorted(LOOKUPS))
async def test_absent_or_another_types_id_is_null(gql: GraphQL, field: str) -> None:
    type_name = LOOKUPS[field][0]
    other = "Artist" if type_name != "Artist" else "Album"
    for gid in (to_global(type_name, "no-such-key-0"), to_global(other, "1"), to_global("Customer", "1")):
        body = await ask(gql, one(field, "id"), {"id": gid})
        assert body == {"data": {field: None}}, (gid, body)


@pytest.mark.parametrize("field", sorted(LOOKUPS))
async def test_malformed_id_is_bad_request_naming_id(gql: GraphQL, field: str) -> None:
    body = await ask(gql, one(field, "id"), {"id": "not base64!"})
    assert codes(body) == ["BAD_REQUEST"]
    assert body["errors"][0]["extensions"]["argument"] == "id"
    assert body["errors"][0]["message"].startswith("id:")
    node = await ask(gql, "query($id: ID!) { node(id: $id) { id } }", {"id": "not base64!"})
    assert codes(node) == ["BAD_REQUEST"]


ALBUM_PAGE = """
query($id: ID!) {
  album(id: $id) {
    id title releaseDate artist { id name }
    tracks { id title durationMs trackNumber offers(territory: "US") { format price { amount currency } } }
  }
}
"""


async def test_album_page_by_typed_lookup_is_one_cypher_query(gql: GraphQL, sqlite: sqlite3.Connection) -> None:
    album_id = sqlite.execute("SELECT AlbumId FROM Album WHERE Title = 'Let There Be Rock'").fetchone()[0]
    tracks = sqlite.execute("SELECT count(*) FROM Track WHERE AlbumId = ?", (album_id,)).fetchone()[0]
    before = sent_by_name()
    body = await ask(gql, ALBUM_PAGE, {"id": to_global("Album", str(album_id))})
    after = sent_by_name()
    assert "errors" not in body, body
    assert gql.last_cypher == 1
    assert after.get("album_pages_by_keys", 0) - before.get("album_pages_by_keys", 0) == 1
    album: dict[str, Any] = body["data"]["album"]
    assert album["title"] == "Let There Be Rock"
    assert album["artist"]["name"] == "AC/DC"
    assert len(album["tracks"]) == tracks


async def test_lookups_of_one_type_in_one_request_share_a_query(gql: GraphQL) -> None:
    query = "query($a: ID!, $b: ID!) { a: artist(id: $a) { name } b: artist(id: $b) { name } }"
    body = await ask(gql, query, {"a": to_global("Artist", "1"), "b": to_global("Artist", "2")})
    assert body["data"] == {"a": {"name": "AC/DC"}, "b": {"name": "Accept"}}
    assert gql.last_cypher == 1


async def test_album_title_alone_reads_only_its_own_row(gql: GraphQL) -> None:
    before = sent_by_name()
    body = await ask(gql, one("album", "title"), {"id": to_global("Album", "1")})
    after = sent_by_name()
    assert body["data"]["album"]["title"] == LOOKUPS["album"][3]
    assert gql.last_cypher == 1
    assert after.get("albums_by_keys", 0) - before.get("albums_by_keys", 0) == 1
    assert after.get("album_pages_by_keys", 0) == before.get("album_pages_by_keys", 0)
