"""Query limits and client errors: refused with a contract code before any Cypher runs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import get_introspection_query, parse

from api import limits
from api.admission import CACHES
from api.bytecache import ByteLRU
from api.census import take_census
from api.pagination import DEFAULT_FIRST, MAX_FIRST
from api.schema import build_schema
from tests.conftest import GraphQL


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    errors = body.get("errors")
    assert isinstance(errors, list), body
    assert len(errors) == 1, body
    error: dict[str, Any] = errors[0]
    assert "Traceback" not in str(error)
    return error


async def test_too_deep_is_refused_before_neo4j(gql: GraphQL) -> None:
    page = "albums(first: 1) { edges { node { %s } } }"
    query = "{ artists(first: 1) { edges { node { " + page % ("artist { " + page % "title" + " }") + " } } } }"
    depth = limits.measure(build_schema()._schema, parse(query), None, None).depth
    assert depth == 11  # artists > edges > node > albums > edges > node > artist > albums > edges > node > title
    assert depth > limits.MAX_DEPTH
    body = await gql(query)
    error = only_error(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "depth"
    assert error["extensions"]["measured"] == depth
    assert f"depth {depth}" in error["message"]
    assert str(limits.MAX_DEPTH) in error["message"]
    assert gql.last_cypher == 0


def test_depth_counts_field_levels_not_fragments() -> None:
    schema = build_schema()._schema
    plain = "{ albums { edges { node { artist { name } } } } }"
    with_fragment = "{ albums { edges { node { ...A } } } } fragment A on Album { artist { name } }"
    assert limits.measure(schema, parse(plain), None, None).depth == 5
    assert limits.measure(schema, parse(with_fragment), None, None).depth == 5


async def test_cost_multiplies_by_first(gql: GraphQL) -> None:
    query = "{ artists(first: 100) { edges { node { albums(first: 100) { edges { node { tracks { title } } } } } } } }"
    # artists page + 100 artists, 100 album pages + 100x100 albums, 30 tracks each (list estimate)
    expected = 1 + 100 + 100 + 100 * 100 + 100 * 100 * limits.LIST_ESTIMATE
    assert expected > limits.MAX_COST
    error = only_error(await gql(query))
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX", "limit": "cost", "measured": expected, "maximum": limits.MAX_COST,
    }
    assert f"cost {expected}" in error["message"]
    assert gql.last_cypher == 0


async def test_cost_reads_first_from_variables(gql: GraphQL) -> None:
    query = """query Page($n: Int) {
      artists(first: $n) { edges { node { albums(first: $n) { edges { node { tracks { title } } } } } } }
    }"""
    small = await gql(query, {"n": 2})
    assert "errors" not in small, small
    assert len(small["data"]["artists"]["edges"]) == 2  # type: ignore[index]
    big = only_error(await gql(query, {"n": 100}))
    assert big["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert gql.last_cypher == 0
    default = limits.measure(build_schema()._schema, parse(query), None, None)
    n = DEFAULT_FIRST
    assert default.cost == 1 + n + n + n * n + n * n * limits.LIST_ESTIMATE


def test_embedded_values_cost_nothing_nodes_do() -> None:
    schema = build_schema()._schema
    offers = "{ albums(first: 10) { edges { node { title offers { format price { amount } } } } } }"
    tracks = "{ albums(first: 10) { edges { node { title tracks { title } } } } }"
    assert limits.measure(schema, parse(offers), None, None).cost == 1 + 10
    assert limits.measure(schema, parse(tracks), None, None).cost == 1 + 10 + 10 * limits.LIST_ESTIMATE


async def test_too_many_aliases(gql: GraphQL) -> None:
    count = limits.MAX_ALIASES + 1
    query = "{ " + " ".join(f"g{i}: genres {{ name }}" for i in range(count)) + " }"
    error = only_error(await gql(query))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "aliases"
    assert error["extensions"]["measured"] == count
    assert gql.last_cypher == 0


async def test_too_many_tokens(gql: GraphQL) -> None:
    query = "{ genres { " + "name " * limits.MAX_TOKENS + "} }"
    error = only_error(await gql(query))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "tokens"
    assert error["extensions"]["measured"] == limits.MAX_TOKENS + 1  # the parser stops at the first token past it
    assert gql.last_cypher == 0


@pytest.mark.parametrize(("first", "problem"), [(MAX_FIRST + 1, "may not exceed"), (-1, "must not be negative")])
async def test_first_out_of_range_is_bad_request_statically(gql: GraphQL, first: int, problem: str) -> None:
    cases: list[tuple[str, dict[str, object] | None]] = [
        (f"{{ albums(first: {first}) {{ totalCount }} }}", None),
        ("query($n: Int) { artists { edges { node { albums(first: $n) { totalCount } } } } }", {"n": first}),
    ]
    for query, variables in cases:
        error = only_error(await gql(query, variables))
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert error["extensions"]["argument"] == "first"
        assert problem in error["message"]
        assert str(first) in error["message"]
        assert error["locations"]
        assert gql.last_cypher == 0


async def test_the_album_page_is_within_limits(gql: GraphQL, sqlite: Any) -> None:
    title = sqlite.execute("SELECT Title FROM Album WHERE AlbumId = 1").fetchone()[0]
    count = sqlite.execute("SELECT COUNT(*) FROM Track WHERE AlbumId = 1").fetchone()[0]
    body = await gql("""{ node(id: "QWxidW06MQ==") { ... on Album { title artist { name }
        tracks { title offers { format price { amount currency } } } } } }""")
    assert "errors" not in body, body
    assert body["data"]["node"]["title"] == title  # type: ignore[index]
    assert len(body["data"]["node"]["tracks"]) == count  # type: ignore[index]


@pytest.mark.parametrize(
    ("query", "variables", "needle"),
    [
        ("{ albums(first: 2 { totalCount } }", None, "Syntax Error"),
        ("{ albums { totalCount noSuchField } }", None, "noSuchField"),
        ("query($n: Int) { albums(first: $n) { totalCount } }", {"n": "twenty"}, "$n"),
    ],
    ids=["syntax", "unknown-field", "variable-type"],
)
async def test_invalid_graphql_is_bad_request_with_location(
    gql: GraphQL, query: str, variables: dict[str, object] | None, needle: str
) -> None:
    error = only_error(await gql(query, variables))
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert needle in error["message"]
    assert error["locations"][0]["line"] >= 1
    assert error["locations"][0]["column"] >= 1
    assert gql.last_cypher == 0


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"{not json", "JSON"), (b'{"variables": {}}', "No GraphQL query"), (b"[1, 2", "JSON")],
)
async def test_malformed_http_body_is_400_with_a_reason(client: httpx.AsyncClient, content: bytes, needle: str) -> None:
    response = await client.post("/graphql", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert needle in response.text
    assert "Traceback" not in response.text


async def test_introspection_is_within_limits(gql: GraphQL) -> None:
    body = await gql(get_introspection_query(descriptions=True))
    assert "errors" not in body, body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"  # type: ignore[index]
    assert gql.last_cypher == 0


def test_credits_and_genres_count_as_short_lists() -> None:
    schema = build_schema()._schema
    query = "{ albums(first: 10) { edges { node { genres { name } tracks { artists { name } } } } } }"
    short = limits.SHORT_LISTS[("Album", "genres")]
    credits = limits.SHORT_LISTS[("Track", "artists")]
    tracks = 10 * limits.LIST_ESTIMATE
    assert limits.measure(schema, parse(query), None, None).cost == 1 + 10 + 10 * short + tracks + tracks * credits


def test_measures_are_reused_unless_a_sizing_variable_changes() -> None:
    schema = build_schema()._schema
    query = ("query($id: ID!, $n: Int, $ids: [ID!]!) { node(id: $id) { id } nodes(ids: $ids) { id } "
             "artists(first: $n) { edges { node { name } } } }")
    document = parse(query)
    cache = limits.MeasureCache()

    def cost(variables: dict[str, Any]) -> int:
        found = cache.measure(schema, query, document, None, variables)
        assert found == limits.measure(schema, document, None, variables)
        return found.cost

    assert cost({"id": "a", "n": 5, "ids": ["x"]}) == 1 + 1 + 1 + 5
    assert cost({"id": "b", "n": 5, "ids": ["x"]}) == 1 + 1 + 1 + 5
    assert len(cache.measures) == 1  # `id` does not size anything
    assert cost({"id": "b", "n": 5, "ids": ["y"]}) == 1 + 1 + 1 + 5
    assert len(cache.measures) == 1  # only the length of `ids` sizes anything: the key keeps no ID
    assert cost({"id": "b", "n": 5, "ids": ["y", "z"]}) == 1 + 2 + 1 + 5
    assert len(cache.measures) == 2  # `ids` does: its length prices `nodes`
    assert cost({"id": "b", "n": 7, "ids": ["y"]}) == 1 + 1 + 1 + 7
    assert cost({"id": "b", "n": 7, "ids": ["y", "z"]}) == 1 + 2 + 1 + 7
    bad = cache.measure(schema, query, document, None, {"id": "b", "n": 101, "ids": []})
    assert bad.bad_first is not None
    assert cache.depends[(query, None)] == ("ids", "n")


DOCUMENT_WIDE: dict[str, tuple[str, int, Any]] = {
    "directives": ("directives", limits.MAX_DIRECTIVES, lambda n: "{ __typename" + " @include(if: true)" * n + " }"),
    "list": ("longest_list", limits.MAX_LIST_ITEMS,
             lambda n: "{ nodes(ids: [" + " ".join(f'"{i}"' for i in range(n)) + "]) { id } }"),
    "variables": ("variables", limits.MAX_VARIABLES,
                  lambda n: "query(" + " ".join(f"$v{i}: Int" for i in range(n)) + ") { __typename }"),
    "operations": ("operations", limits.MAX_OPERATIONS,
                   lambda n: " ".join(f"query Q{i} {{ __typename }}" for i in range(n))),
    "fragments": ("fragments", limits.MAX_FRAGMENTS, lambda n: "{ ...F0 } " + " ".join(
        f"fragment F{i} on Query {{ f{i}: __typename {'' if i + 1 == n else f'...F{i + 1}'} }}" for i in range(n))),
}


@pytest.mark.parametrize("limit", DOCUMENT_WIDE)
async def test_document_wide_limits_hold_at_their_maximum_and_refuse_past_it(gql: GraphQL, limit: str) -> None:
    counted, maximum, document = DOCUMENT_WIDE[limit]
    at_maximum = take_census(parse(document(maximum)))
    assert getattr(at_maximum, counted) == maximum
    assert at_maximum.refusal() is None
    error = only_error(await gql(document(maximum + 1)))
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX", "limit": limit, "measured": maximum + 1, "maximum": maximum,
    }
    assert gql.last_cypher == 0


async def test_a_refusal_before_parsing_answers_the_operation_named(client: httpx.AsyncClient) -> None:
    query = "query Named { __typename } # " + "x" * limits.MAX_BYTES
    for response in [
        await client.post("/graphql", json={"query": query, "operationName": "Named"}),
        await client.get("/graphql", params={"query": "query Named { __typename " + "a " * 3000 + "}",
                                             "operationName": "Named"}),
    ]:
        error = only_error(response.json())
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert error["extensions"]["limit"] in {"bytes", "tokens"}


async def test_only_valid_documents_are_kept_parsed(gql: GraphQL) -> None:
    schema = build_schema()._schema
    valid = "{ genres { name } } # kept"
    invalid = "{ genres { noSuchField } } # not kept"
    await gql(valid)
    await gql(invalid)
    served = {key[1] for key in CACHES.documents}
    assert valid in served
    assert invalid not in served
    assert CACHES.documents.get((schema, valid)) is None  # keyed by the schema that validated it, too


def test_the_byte_cache_drops_the_least_recently_used_and_skips_the_largest() -> None:
    cache: ByteLRU[str, int] = ByteLRU(capacity=100, largest=60)
    assert cache.put("a", 1, 40)
    assert cache.put("b", 2, 40)
    assert cache.get("a") == 1  # now the most recently used
    assert cache.put("c", 3, 40)  # 120 > 100: "b" goes
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), cache.total) == (1, 3, 80)
    assert not cache.put("d", 4, 61)
    assert cache.get("d") is None
    assert cache.total == 80
    cache.put("a", 5, 10)
    assert (cache.get("a"), cache.total) == (5, 50)


async def test_last_sizes_a_page_as_first_does(gql: GraphQL) -> None:
    backward = "{ artists(last: 100) { edges { node { albums(last: 100) { edges { node { tracks { title } } } } } } } }"
    forward = backward.replace("last", "first")
    schema = build_schema()._schema
    assert limits.measure(schema, parse(backward), None, None).cost == limits.measure(schema, parse(forward), None, None).cost
    assert only_error(await gql(backward))["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert gql.last_cypher == 0
    cases: list[tuple[str, dict[str, object] | None]] = [
        ("{ albums(last: 101) { totalCount } }", None),
        ("query($n: Int) { artists { edges { node { albums(last: $n) { totalCount } } } } }", {"n": -1}),
    ]
    for query, variables in cases:
        error = only_error(await gql(query, variables))
        assert (error["extensions"]["code"], error["extensions"]["argument"]) == ("BAD_REQUEST", "last")
        assert error["message"].startswith("last: ")
        assert gql.last_cypher == 0
