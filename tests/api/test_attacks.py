"""Hostile documents: each refused within a bounded time, naming its limit, with no Cypher and no lasting memory.

The time ceilings are generous (a loaded machine included); before the limits were linear, the fragment bomb
held a worker at 100% CPU for good, and 900 distinct 1 MB documents kept 1.7 GB in the caches.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import parse

from api import admission, limits
from api.admission import CACHES, retained_bytes
from api.bytecache import ByteLRU
from api.census import take_census
from api.limits import MeasureCache
from api.schema import build_schema
from server import create_app
from settings import Settings
from tests.conftest import GraphQL
from tests.servers import served_in_thread

CEILING_SECONDS = 1.0
"""Generous: each of these is refused in milliseconds on an idle machine."""


def bomb(n: int, leaf: str = "genres { name }") -> str:
    """Fragment F0 spreads F1 twice, F1 spreads F2 twice ... : 2**n copies of `leaf` once expanded."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n))
    return f"{{ ...F0 }} {chain} fragment F{n} on Query {{ ...A }} fragment A on Query {{ {leaf} }}"


ATTACKS: dict[str, tuple[str, str]] = {
    "bomb-40": (bomb(40), "overlaps"),
    "bomb-90": (bomb(90), "overlaps"),
    "bomb-150": (bomb(150), "fragments"),
    "bomb-of-aliases": (bomb(40, "a: __typename"), "overlaps"),
    "same-field-390-times": ("{ " + "genres { name } " * 390 + "}", "overlaps"),
    "nested-selections-10000": ("{" + "a{" * 10_000 + "b" + "}" * 10_001, "nesting"),
    "nested-lists-10000": ('{ nodes(ids: ' + "[" * 10_000 + '"x"' + "]" * 10_000 + ") { id } }", "nesting"),
    "nested-inline-fragments": ("{ " + "... on Query { " * 150 + "__typename" + " }" * 150 + " }", "nesting"),
    "aliases-600": ("{ " + " ".join(f"a{i}: __typename" for i in range(600)) + " }", "aliases"),
    "directive-250-times": ("{ __typename" + " @skip(if: false)" * 250 + " }", "directives"),
    "variables-450": ("query(" + " ".join(f"$v{i}: Int" for i in range(450)) + ") { __typename }", "variables"),
    "list-literal-1900": ("{ nodes(ids: [" + '"x" ' * 1900 + "]) { id } }", "list"),
    "operations-390": (" ".join(f"query Q{i} {{ __typename }}" for i in range(390)), "operations"),
    "tokens-30000": ("{ " + "a " * 30_000 + "}", "tokens"),
    "comment-1MB": ("# " + "x" * (1 << 20) + "\n{ __typename }", "bytes"),
    "comments-5000": ("#\n" * 5000 + "{ __typename }", "tokens"),
}


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    errors = body.get("errors")
    assert isinstance(errors, list), body
    assert len(errors) == 1, body
    assert body.get("data") is None, body
    error: dict[str, Any] = errors[0]
    return error


@pytest.mark.parametrize(("query", "limit"), ATTACKS.values(), ids=ATTACKS.keys())
async def test_hostile_document_is_refused_quickly_naming_its_limit(gql: GraphQL, query: str, limit: str) -> None:
    started = time.monotonic()
    error = refusal(await gql(query))
    elapsed = time.monotonic() - started
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    assert error["extensions"]["limit"] == limit
    assert error["extensions"]["measured"] > error["extensions"]["maximum"]
    assert f"{limit} {error['extensions']['measured']}" in error["message"]
    assert gql.last_cypher == 0
    assert elapsed < CEILING_SECONDS, f"{limit}: {elapsed:.2f} s"


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A __typename }", "within itself"),
        ("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }", "introspection depth"),
    ],
    ids=["fragment-cycle", "introspection-depth"],
)
async def test_other_hostile_shapes_are_bad_requests(gql: GraphQL, query: str, needle: str) -> None:
    started = time.monotonic()
    body = await gql(query)
    assert time.monotonic() - started < CEILING_SECONDS
    errors: list[dict[str, Any]] = body["errors"]  # type: ignore[assignment]
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in errors} == {"BAD_REQUEST"}
    assert needle in errors[0]["message"]
    assert gql.last_cypher == 0


@pytest.mark.parametrize("n", [16, 18, 40, 1000])
def test_the_measure_is_linear_in_the_document(n: int) -> None:
    """Walked alone, without the census, the bomb stops at the first limit it passes, not after 2**n copies."""
    schema = build_schema()._schema
    page = "albums(first: 100) { edges { node { title } } }"
    for leaf, limit in [(page, "cost"), ("a: genres { name }", "aliases")]:
        document = parse(bomb(n, leaf))  # n = 1000 is over the token limit: only the walk is measured here
        started = time.monotonic()
        error = limits.judge(limits.measure(schema, document, None, None))
        assert time.monotonic() - started < CEILING_SECONDS
        assert error is not None
        assert error.extensions is not None
        assert error.extensions["limit"] == limit


def test_the_walk_survives_fragment_cycles() -> None:
    schema = build_schema()._schema
    document = parse("{ ...A genres { name } } fragment A on Query { ...B } fragment B on Query { ...A albums { totalCount } }")
    assert take_census(document).cycle is not None
    found = limits.measure(schema, document, None, None)
    genres_only = limits.measure(schema, parse("{ genres { name } }"), None, None)
    assert found == genres_only  # the fragments in a cycle are left to the census's refusal


@pytest.fixture
def served(settings: Settings, graph: object) -> Iterator[str]:
    """The app under a real uvicorn, in a thread of its own: one worker's event loop, as in production."""
    with served_in_thread(create_app(dataclasses.replace(settings, rate_limit=0))) as url:
        yield url


async def test_a_worker_serves_others_while_a_bomb_arrives(served: str) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=10) as client:

        async def post(query: str) -> dict[str, Any]:
            response = await client.post("/graphql", json={"query": query})
            body: dict[str, Any] = response.json()
            return body

        started = time.monotonic()
        bombs = [post(bomb(n)) for n in (40, 60, 80)]
        ordinary = [post("{ __typename }") for _ in range(5)]
        answers = await asyncio.gather(*bombs, *ordinary)
        assert time.monotonic() - started < 5 * CEILING_SECONDS
    for body in answers[: len(bombs)]:
        assert refusal(body)["extensions"]["limit"] == "overlaps"
    for body in answers[len(bombs):]:
        assert body == {"data": {"__typename": "Query"}}


DOCUMENTS = 210
TRACED = 39
"""The last documents, sent with tracemalloc on (it slows every allocation down)."""


def _padded(i: int, size: int) -> str:
    """A distinct valid document of about `size` bytes, nearly all comment."""
    return f"# {i:08d} " + "x" * size + f"\n{{ __typename a{i % 7}: __typename }}"


async def test_distinct_large_documents_leave_memory_flat(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # Other tests may have filled the process-wide caches past these smaller ceilings: start from empty ones.
    monkeypatch.setattr(CACHES, "documents", ByteLRU(512 << 10, CACHES.documents.largest))
    monkeypatch.setattr(CACHES, "measures", MeasureCache(max_bytes=256 << 10))

    async def send(i: int) -> None:
        size = (16 << 10) if i % 3 else (1 << 20)  # one in three is over MAX_BYTES, refused before parsing
        response = await client.post("/graphql", json={"query": _padded(i, size)})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if size < limits.MAX_BYTES:
            assert body["data"] == {"__typename": "Query", f"a{i % 7}": "Query"}, body
        else:
            assert refusal(body)["extensions"]["limit"] == "bytes"
        assert CACHES.documents.total <= CACHES.documents.capacity
        assert CACHES.measures.bytes <= CACHES.measures.max_bytes

    for i in range(DOCUMENTS - TRACED):
        await send(i)
    assert len(CACHES.documents) < (DOCUMENTS - TRACED) // 2  # the least recently used went
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(DOCUMENTS - TRACED, DOCUMENTS):
            await send(i)
        gc.collect()  # what requests leave in reference cycles is garbage, not kept
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2 << 20, f"{grown / 2**20:.1f} MiB kept after {TRACED} distinct documents of 16 KiB to 1 MiB"


@pytest.mark.parametrize(
    "query",
    [
        "{ genres { " + "name " * 1990 + "} }",
        "{ " + " ".join(f"a{i}: __typename" for i in range(600)) + " }",
        "#" + "x" * 60_000 + "\n{ __typename }",
        "# c\n" * 1990 + "{ __typename }",
        '{ node(id: "' + "\\u00e9" * 9000 + '") { id } }',
        '{ node(id: """' + "\U0001f3b5 \n" * 10_000 + '""") { id } }',
        "query(" + " ".join(f"$v{i}: Int = {i}" for i in range(300)) + ") { __typename }",
        '{ nodes(ids: [' + " ".join("{a: [1]}" for _ in range(280)) + "]) { id } }",
    ],
    ids=["names", "aliases", "one-comment", "comments", "escapes", "block-string", "defaults", "objects"],
)
def test_retained_bytes_bound_what_a_parsed_document_keeps(query: str) -> None:
    tracemalloc.start()
    try:
        document = parse(query, max_tokens=limits.MAX_TOKENS)
        kept = tracemalloc.get_traced_memory()[0] + len(query.encode())
    finally:
        tracemalloc.stop()
    assert kept <= retained_bytes(query, take_census(document)), admission.NODE_BYTES
