"""Compiled plans answer exactly as Strawberry's executor: data, nulls, order, errors, status; in one Cypher read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type, is_abstract_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from api.compiled.plans import COMPILED
from api.schema import build_schema
from bench import queries as bench
from graph.driver import queries_sent
from tests.store_support import gid

DIFF = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                database=None)
SCHEMA = build_schema()._schema
IDS = [gid("Album", "1"), gid("Album", "2"), gid("Album", "73"), gid("Artist", "1"), gid("Artist", "90"),
       gid("Artist", "22"), gid("Genre", "rock"), gid("Genre", "jazz"), gid("Genre", "classical"),
       gid("Track", "1"), gid("Album", "no-such"), gid("Nope", "1"), "%%%"]
ARGUMENTS: dict[str, list[str]] = {
    "territory": ['"US"', '"GB"', '"JP"', '"de"', '"XX"'],
    "first": ["0", "1", "3", "20", "101", "-1"],
    "last": ["2"],
    "after": ['"bogus"', "null"],
    "before": ['"bogus"'],
    "orderBy": ["{field: TITLE, direction: DESC}"],
}
LEFT_OUT = ("alsoBought", "related", "artwork", "previewUrl")
"""Fields whose answers depend on a trained model or the request's host: not what plans differ on."""


def _outcomes() -> dict[str, float]:
    return {s.labels["outcome"]: s.value for m in COMPILED.collect() for s in m.samples if s.name.endswith("_total")}


@pytest.fixture(scope="module")
def plain(plain_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The executor's side of each comparison."""
    return plain_client


async def _both(client: httpx.AsyncClient, plain: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """The compiled side's answer, asserted identical to the executor's (status and JSON)."""
    fast, slow = await client.post("/graphql", json=body), await plain.post("/graphql", json=body)
    assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), body
    answer: dict[str, Any] = fast.json()
    return answer


async def _samples(plain: httpx.AsyncClient) -> dict[str, list[dict[str, Any]]]:
    order = "{field: POPULARITY, direction: DESC}"
    out: dict[str, list[dict[str, Any]]] = {}
    for root in ("albums", "artists"):
        found = (await plain.post("/graphql", json={"query": f"{{ {root}(first: 25, orderBy: {order}) "
                                                           "{ edges { node { id } } } }"})).json()
        out[root] = [{"id": e["node"]["id"]} for e in found["data"][root]["edges"]]
    pages = []
    for genre in ("rock", "jazz", "classical", "latin"):
        after = None
        for _ in range(3):
            variables = {"id": gid("Genre", genre), "first": bench.GENRE_PAGE_SIZE, "after": after}
            pages.append(variables)
            page = (await plain.post("/graphql", json={"query": bench.GENRE_PAGE, "variables": variables})).json()
            after = page["data"]["node"]["albums"]["pageInfo"]["endCursor"]
    out["genres"] = pages
    return out


async def test_the_three_pages_answer_alike_in_one_read_each(
    client: httpx.AsyncClient, plain: httpx.AsyncClient
) -> None:
    samples = await _samples(plain)
    for query, sample in ((bench.ALBUM_PAGE, "albums"), (bench.ARTIST_PAGE, "artists"), (bench.GENRE_PAGE, "genres")):
        for variables in samples[sample]:
            planned = _outcomes().get("planned", 0.0)
            before = queries_sent()
            answer = await client.post("/graphql", json={"query": query, "variables": variables})
            assert queries_sent() - before == 1, (query, variables)
            assert _outcomes()["planned"] == planned + 1
            slow = await plain.post("/graphql", json={"query": query, "variables": variables})
            assert answer.json() == slow.json(), variables
            assert answer.json()["data"]["node"] is not None


async def test_every_bench_query_answers_alike(client: httpx.AsyncClient, plain: httpx.AsyncClient) -> None:
    samples = await _samples(plain)
    cases = [
        (bench.SEARCH, {"q": "lov"}), (bench.BESTSELLERS, {"territory": "US"}),
        (bench.RECOMMEND, {"seeds": [gid("Track", "1")]}),
        *((bench.ALBUM_PAGE, v) for v in samples["albums"][:5]),
        *((bench.ARTIST_PAGE, v) for v in samples["artists"][:5]),
        *((bench.GENRE_PAGE, v) for v in samples["genres"]),
    ]
    for query, variables in cases:
        await _both(client, plain, {"query": query, "variables": variables})


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (bench.ALBUM_PAGE, {"id": "%%%"}),
        (bench.ALBUM_PAGE, {"id": gid("Album", "no-such")}),
        (bench.ALBUM_PAGE, {"id": gid("Track", "1")}),
        (bench.ALBUM_PAGE, {"id": gid("Artist", "1")}),
        (bench.ALBUM_PAGE, {"id": 5}),
        (bench.ALBUM_PAGE, {}),
        (bench.GENRE_PAGE, {"id": gid("Genre", "rock"), "first": 500}),
        (bench.GENRE_PAGE, {"id": gid("Genre", "rock"), "first": -1}),
        (bench.GENRE_PAGE, {"id": gid("Genre", "rock"), "first": 2, "after": "bogus"}),
        (bench.GENRE_PAGE, {"id": gid("Genre", "rock"), "first": "two"}),
        (bench.GENRE_PAGE, {"id": gid("Genre", "no-such"), "first": 2}),
        ('{ node(id: "QWxidW06MQ==") { ... on Album { tracks { offers(territory: "XX") { format } } } } }', {}),
        ('{ node(id: "QWxidW06MQ==") { ... on Album { artist { id } } } node2: node(id: "x") { id } }', {}),
        ('query($s: Boolean!) { node(id: "QWxidW06MQ==") { ... on Album { title @skip(if: $s) } } }', {"s": True}),
    ],
)
async def test_errors_and_nulls_answer_alike(
    client: httpx.AsyncClient, plain: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> None:
    await _both(client, plain, {"query": query, "variables": variables})


def _selection(type_name: str, depth: int) -> st.SearchStrategy[str]:
    """A random selection set on an object type: some of its fields, aliased or not, with arguments."""
    gql_type = SCHEMA.get_type(type_name)
    assert isinstance(gql_type, GraphQLObjectType)
    names = sorted(n for n in gql_type.fields if n not in LEFT_OUT and not n.startswith("viewer"))
    return st.lists(st.sampled_from(names), min_size=1, max_size=6, unique=True).flatmap(
        lambda chosen: st.tuples(*(_field(gql_type, name, depth) for name in chosen)).map(" ".join)
    )


def _field(parent: GraphQLObjectType, name: str, depth: int) -> st.SearchStrategy[str]:
    definition = parent.fields[name]
    named = get_named_type(definition.type)
    arguments = st.tuples(*(
        _argument(arg) if isinstance(spec.type, GraphQLNonNull) else st.one_of(st.none(), _argument(arg))
        for arg, spec in definition.args.items()
    )).map(lambda given: f"({', '.join(a for a in given if a)})" if any(given) else "")
    alias = st.sampled_from(["", f"{name}A: "])
    if isinstance(named, GraphQLObjectType):
        below = _selection(named.name, depth + 1) if depth < 4 else st.just("__typename")
        return st.tuples(alias, arguments, below).map(lambda t: f"{t[0]}{name}{t[1]} {{ {t[2]} }}")
    if is_abstract_type(named):
        return st.tuples(alias, arguments).map(lambda t: f"{t[0]}{name}{t[1]} {{ __typename }}")
    return st.tuples(alias, arguments).map(lambda t: f"{t[0]}{name}{t[1]}")


def _argument(name: str) -> st.SearchStrategy[str]:
    """`name: value`, the value from the pool for arguments of that name."""
    return st.sampled_from(ARGUMENTS.get(name, ['"x"'])).map(lambda value: f"{name}: {value}")


def _fragment(type_name: str) -> st.SearchStrategy[str]:
    """An inline fragment on a type with a random selection."""
    return _selection(type_name, 0).map(lambda selection: f"... on {type_name} {{ {selection} }}")


NODE_DOCUMENTS = st.tuples(
    st.sampled_from(IDS),
    st.lists(st.sampled_from(["Album", "Artist", "Genre", "Track"]), min_size=1, max_size=3, unique=True).flatmap(
        lambda types: st.tuples(*(_fragment(t) for t in types))
    ),
    st.booleans(),
)


@settings(DIFF)
@given(document=NODE_DOCUMENTS)
async def test_generated_catalog_queries_answer_alike(
    client: httpx.AsyncClient, plain: httpx.AsyncClient, document: tuple[str, tuple[str, ...], bool]
) -> None:
    node_id, fragments, typename = document
    selection = ("__typename " if typename else "") + " ".join(fragments)
    query = f"query Page($id: ID!) {{ node(id: $id) {{ {selection} }} }}"
    await _both(client, plain, {"query": query, "variables": {"id": node_id}})


NODE_SDL = build_schema().as_str()


@settings(DIFF, max_examples=80)
@given(query=queries(NODE_SDL, fields=["node"]))
async def test_schema_generated_node_queries_answer_alike(
    client: httpx.AsyncClient, plain: httpx.AsyncClient, query: str
) -> None:
    await _both(client, plain, {"query": query})


async def test_a_generated_page_is_planned(client: httpx.AsyncClient) -> None:
    before = _outcomes().get("planned", 0.0)
    query = ('{ node(id: "QWxidW06MQ==") { ... on Album { __typename title releaseType popularity '
             'tracks { discNumber trackNumber offers(territory: "GB") { format sizeBytes price { amount currency } } } '
             'artists { name } offers { format } territories worldwide } } }')
    body = (await client.post("/graphql", json={"query": query})).json()
    assert _outcomes()["planned"] == before + 1
    assert body["data"]["node"]["tracks"]
