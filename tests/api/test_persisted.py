"""Persisted queries: Apollo's APQ handshake over POST and GET, the bounded store, registered-only mode."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cli
from api.bytecache import ByteLRU
from api.persisted import ENTRY_OVERHEAD, QueryStore, load_manifest, sha256_hex
from graph.driver import Graph
from server import create_app
from settings import Settings


def unique_query() -> str:
    """A query text no other test sends (a comment makes its hash new)."""
    return f"# {uuid.uuid4().hex}\n{{ genres {{ name }} }}"


def persisted(sha: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/graphql", json=body)


async def get(client: httpx.AsyncClient, sha: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.get("/graphql", params={"extensions": json.dumps(persisted(sha))}, headers=headers or {})


def first_error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["errors"][0]
    return error


async def test_unknown_hash_asks_for_the_text_then_the_hash_alone_runs(client: httpx.AsyncClient) -> None:
    query = unique_query()
    sha = sha256_hex(query)
    missed = await post(client, {"extensions": persisted(sha)})
    assert missed.status_code == 200
    assert first_error(missed)["message"] == "PersistedQueryNotFound"
    assert first_error(missed)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await post(client, {"query": query, "extensions": persisted(sha)})
    assert registered.status_code == 200
    genres = registered.json()["data"]["genres"]
    assert genres
    hit = await post(client, {"extensions": persisted(sha.upper())})
    assert hit.json() == {"data": {"genres": genres}}


async def test_hash_only_get_is_cached_by_etag(client: httpx.AsyncClient) -> None:
    query = unique_query()
    sha = sha256_hex(query)
    missed = await get(client, sha)
    assert first_error(missed)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert missed.headers["cache-control"] == "no-store"
    assert "etag" not in missed.headers
    registered = await client.get(
        "/graphql", params={"query": query, "extensions": json.dumps(persisted(sha))}
    )
    assert registered.status_code == 200
    hit = await get(client, sha)
    assert hit.status_code == 200
    assert hit.json() == registered.json()
    assert hit.headers["cache-control"] == "public, max-age=60"
    again = await get(client, sha, {"If-None-Match": hit.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_a_hash_that_is_not_the_texts_is_refused_and_not_kept(client: httpx.AsyncClient) -> None:
    query, other = unique_query(), unique_query()
    refused = await post(client, {"query": query, "extensions": persisted(sha256_hex(other))})
    assert refused.status_code == 400
    assert first_error(refused)["message"] == "provided sha does not match query"
    assert first_error(refused)["extensions"]["code"] == "BAD_REQUEST"
    later = await post(client, {"extensions": persisted(sha256_hex(other))})
    assert first_error(later)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_query_that_fails_validation_is_not_kept(client: httpx.AsyncClient) -> None:
    query = f"# {uuid.uuid4().hex}\n{{ genres {{ noSuchField }} }}"
    sha = sha256_hex(query)
    first = await post(client, {"query": query, "extensions": persisted(sha)})
    assert first_error(first)["extensions"]["code"] == "BAD_REQUEST"
    later = await post(client, {"extensions": persisted(sha)})
    assert first_error(later)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    ("extensions", "says"),
    [({"persistedQuery": "abc"}, "must be an object"),
     (persisted("0" * 64, version=2), "only version 1"),
     (persisted("xyz"), "64 hexadecimal digits")],
)
async def test_malformed_persisted_query_extension_is_a_bad_request(
    client: httpx.AsyncClient, extensions: dict[str, Any], says: str
) -> None:
    response = await post(client, {"extensions": extensions})
    assert response.status_code == 400
    assert first_error(response)["extensions"]["code"] == "BAD_REQUEST"
    assert says in first_error(response)["message"]


def test_the_store_is_bounded_in_bytes_least_recently_used_first() -> None:
    queries = [f"{{ genres {{ name }} }} # {i:04d}" for i in range(200)]
    cost = len(queries[0]) + ENTRY_OVERHEAD
    store = QueryStore(learned=ByteLRU(cost * 20, cost * 2))
    kept = sha256_hex(queries[0])
    for i, query in enumerate(queries):
        store.learn(sha256_hex(query), query)
        assert store.get(kept) == queries[0], i  # used all along: never the least recent
    assert store.learned.total <= store.learned.capacity
    assert len(store.learned) == 20
    assert store.get(sha256_hex(queries[1])) is None
    assert store.get(sha256_hex(queries[-1])) == queries[-1]
    huge = "{ genres { name } }" + " " * cost * 2
    store.learn(sha256_hex(huge), huge)
    assert store.get(sha256_hex(huge)) is None
    assert store.learned.total <= store.learned.capacity


ALLOWED = "query Genres { genres { name } }"


def apollo_manifest(path: Path, bodies: list[str]) -> Path:
    operations = [{"id": sha256_hex(b), "body": b, "name": "Genres", "type": "query"} for b in bodies]
    path.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}))
    return path


def test_manifests_apollo_format_or_plain_map(tmp_path: Path) -> None:
    assert load_manifest(apollo_manifest(tmp_path / "a.json", [ALLOWED])) == {sha256_hex(ALLOWED): ALLOWED}
    plain = tmp_path / "b.json"
    plain.write_text(json.dumps({sha256_hex(ALLOWED).upper(): ALLOWED}))
    assert load_manifest(plain) == {sha256_hex(ALLOWED): ALLOWED}
    wrong = tmp_path / "c.json"
    wrong.write_text(json.dumps({sha256_hex("{ x }"): ALLOWED}))
    with pytest.raises(ValueError, match="not the SHA-256 of its body"):
        load_manifest(wrong)
    broken = tmp_path / "d.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match="cannot read it as JSON"):
        load_manifest(broken)
    with pytest.raises(ValueError, match="TUNEGRAPH_PERSISTED_QUERIES"):
        QueryStore.from_files(None, only=True)


def test_settings_read_the_persisted_query_options() -> None:
    found = Settings.from_env({"TUNEGRAPH_PERSISTED_QUERIES": "m.json", "TUNEGRAPH_PERSISTED_ONLY": "1"})
    assert (found.persisted_queries, found.persisted_only) == (Path("m.json"), True)
    assert Settings.from_env({}).persisted_only is False
    with pytest.raises(ValueError, match="TUNEGRAPH_PERSISTED_ONLY"):
        Settings.from_env({"TUNEGRAPH_PERSISTED_ONLY": "maybe"})


@pytest.fixture(scope="module")
async def only_client(graph: Graph, settings: Settings, tmp_path_factory: pytest.TempPathFactory
                      ) -> AsyncIterator[httpx.AsyncClient]:
    manifest = apollo_manifest(tmp_path_factory.mktemp("pq") / "manifest.json", [ALLOWED])
    app = create_app(dataclasses.replace(settings, persisted_queries=manifest, persisted_only=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as c:
            yield c


async def test_registered_only_runs_the_manifest_and_nothing_else(only_client: httpx.AsyncClient) -> None:
    sha = sha256_hex(ALLOWED)
    by_hash = await post(only_client, {"extensions": persisted(sha)})
    assert by_hash.json()["data"]["genres"]
    by_get = await get(only_client, sha)
    assert by_get.json() == by_hash.json()
    assert "etag" in by_get.headers
    by_text = await post(only_client, {"query": ALLOWED})
    assert by_text.json() == by_hash.json()

    other = unique_query()
    refusals = [
        (await post(only_client, {"extensions": persisted(sha256_hex(other))}), "PERSISTED_QUERY_NOT_IN_LIST"),
        (await post(only_client, {"query": other}), "QUERY_NOT_IN_PERSISTED_QUERY_LIST"),
        (await post(only_client, {"query": other, "extensions": persisted(sha256_hex(other))}),
         "PERSISTED_QUERY_NOT_IN_LIST"),
    ]
    for response, reason in refusals:
        assert response.status_code == 400
        error = first_error(response)
        assert (error["extensions"]["code"], error["extensions"]["reason"]) == ("BAD_REQUEST", reason)
        assert "data" not in response.json() or response.json()["data"] is None
    # Offering the text did not register it.
    again = await post(only_client, {"extensions": persisted(sha256_hex(other))})
    assert first_error(again)["extensions"]["reason"] == "PERSISTED_QUERY_NOT_IN_LIST"


def test_cli_builds_a_manifest_from_graphql_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    (docs / "nested").mkdir(parents=True)
    (docs / "albums.graphql").write_text(
        "query Albums($n: Int) { albums(first: $n) { edges { node { ...AlbumBits } } } }\n"
        "fragment AlbumBits on Album { id title artist { ...ArtistBits } }\n"
    )
    (docs / "nested" / "artist.graphql").write_text(
        "fragment ArtistBits on Artist { id name }\nquery Genres { genres { name } }\n"
    )
    out = tmp_path / "manifest.json"
    assert cli.main(["persisted", "manifest", str(docs), "--out", str(out)]) == 0
    assert "2 operations" in capsys.readouterr().out
    manifest = load_manifest(out)
    bodies = {json.loads(out.read_text())["operations"][i]["name"]: b for i, b in enumerate(manifest.values())}
    assert bodies["Genres"] == "query Genres {\n  genres {\n    name\n  }\n}"
    assert "fragment AlbumBits on Album" in bodies["Albums"]
    assert "fragment ArtistBits on Artist" in bodies["Albums"]
    assert "ArtistBits" not in bodies["Genres"]
    (docs / "broken.graphql").write_text("query { genres { name } }")
    assert cli.main(["persisted", "manifest", str(docs), "--out", str(out)]) == 1
    assert "needs a name" in capsys.readouterr().err


async def test_a_built_manifest_serves_its_operations(
    graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "q.graphql").write_text("query Albums($n: Int) { albums(first: $n) { edges { node { title } } } }")
    out = tmp_path / "manifest.json"
    assert cli.main(["persisted", "manifest", str(tmp_path), "--out", str(out)]) == 0
    (sha, body), = load_manifest(out).items()
    app = create_app(dataclasses.replace(settings, persisted_queries=out, persisted_only=True))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t.test") as c:
        response = await c.get("/graphql", params={
            "extensions": json.dumps(persisted(sha)), "variables": '{"n": 2}', "operationName": "Albums"})
        assert len(response.json()["data"]["albums"]["edges"]) == 2
        refused = await post(c, {"query": body.replace("title", "id")})
        assert first_error(refused)["extensions"]["reason"] == "QUERY_NOT_IN_PERSISTED_QUERY_LIST"
