"""Malformed requests: a JSON 4xx naming the problem, never a 500, and the keep-alive connection lives on."""

from __future__ import annotations

import dataclasses
from base64 import urlsafe_b64encode
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from api.request_body import MAX_NESTING, BadRequestError, read_capped
from graph.driver import Graph
from server import create_app
from settings import Settings
from tests.servers import served_in_thread
from tests.store_support import bearer, gid, token

LIMIT = 64 * 1024
VALID = {"query": "{ genres { name } }"}
JSON = {"content-type": "application/json"}
DEEP = b"[" * 1000 + b"]" * 1000
HUGE_INT = b"1" + b"0" * 5000


@pytest.fixture(scope="module")
def base(graph: Graph, settings: Settings) -> Iterator[str]:
    """A real uvicorn serving the app on a free loopback port, bodies capped at LIMIT."""
    with served_in_thread(create_app(dataclasses.replace(settings, max_body_bytes=LIMIT))) as url:
        yield url


@pytest.fixture
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _local_port(response: httpx.Response) -> int:
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


def _refused(response: httpx.Response, status: int, needle: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error: dict[str, Any] = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert needle in error["message"], error["message"]
    assert "Traceback" not in response.text
    return error


BAD_BODIES: dict[str, tuple[bytes, str, int, str]] = {
    "one byte 0xff": (b"\xff", "application/json", 400, "not valid UTF-8 (byte 0)"),
    "a number": (b"5", "application/json", 400, "must be a JSON object with a `query`, got a JSON number"),
    "null": (b"null", "application/json", 400, "got a JSON null"),
    "a string": (b'"x"', "application/json", 400, "got a JSON string"),
    "a batch": (b'[{"query": "{ genres { name } }"}]', "application/json", 400, "batching is not supported"),
    "variables 1,000 deep": (
        b'{"query": "{ genres { name } }", "variables": {"v": ' + DEEP + b"}}", "application/json", 400,
        f"at most {MAX_NESTING} allowed",
    ),
    "an integer of 5,000 digits": (
        b'{"query": "query($n: Int) { artists(first: $n) { totalCount } }", "variables": {"n": ' + HUGE_INT + b"}}",
        "application/json", 400, "Unable to parse the request body as JSON",
    ),
    "latin-1": (
        '{"query": "{ search(query: \\"Beyoncé\\") { totalCount } }"}'.encode("latin-1"), "application/json", 400,
        "not valid UTF-8 (byte 35)",
    ),
    "a lone surrogate": (
        b'{"query": "query($s: String) { artists(filter: {nameContains: $s}) { totalCount } }", '
        b'"variables": {"s": "\\ud800"}}', "application/json", 400, "surrogate",
    ),
    "not JSON": (b"{not json", "application/json", 400, "Unable to parse the request body as JSON"),
    "text/plain": (b'{"query": "{ genres { name } }"}', "text/plain", 415, "Content-Type 'text/plain'"),
    "no content type": (b'{"query": "{ genres { name } }"}', "", 415, "Content-Type '(none)'"),
    "latin-1 charset": (b'{"query": "{ genres { name } }"}', "application/json; charset=latin-1", 415, "charset"),
    "query not a string": (b'{"query": 5}', "application/json", 400, "`query` must be a string"),
    "variables not an object": (
        b'{"query": "{ genres { name } }", "variables": [1]}', "application/json", 400,
        "`variables` must be an object or null, got a JSON array",
    ),
    "operationName not a string": (
        b'{"query": "{ genres { name } }", "operationName": 5}', "application/json", 400,
        "`operationName` must be a string",
    ),
    "extensions not an object": (
        b'{"query": "{ genres { name } }", "extensions": "x"}', "application/json", 400, "`extensions` must be",
    ),
    "no query": (b'{"variables": {}}', "application/json", 400, "No GraphQL query"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_body_is_a_json_4xx_and_the_connection_serves_on(http: httpx.Client, case: str) -> None:
    body, content_type, status, needle = BAD_BODIES[case]
    first = http.post("/graphql", json=VALID)
    assert first.status_code == 200
    headers = {"content-type": content_type} if content_type else {}
    _refused(http.post("/graphql", content=body, headers=headers), status, needle)
    after = http.post("/graphql", json=VALID)
    assert after.status_code == 200
    assert "errors" not in after.json()
    assert _local_port(after) == _local_port(first), "the keep-alive connection was dropped"


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"variables": "{bad"}, "Unable to parse the `variables` parameter as JSON"),
        ({"variables": "[1]"}, "`variables` must be an object"),
        ({"variables": "[" * 40 + "]" * 40}, "nests arrays and objects 40 deep"),
        ({"extensions": "nope"}, "Unable to parse the `extensions` parameter as JSON"),
    ],
)
def test_get_with_malformed_parameters_is_400(http: httpx.Client, params: dict[str, str], needle: str) -> None:
    first = http.get("/graphql", params={"query": VALID["query"]})
    _refused(http.get("/graphql", params={"query": VALID["query"], **params}), 400, needle)
    after = http.get("/graphql", params={"query": VALID["query"]})
    assert after.status_code == 200
    assert _local_port(after) == _local_port(first)


def test_declared_oversized_body_is_413_before_it_is_read(http: httpx.Client) -> None:
    oversized = b'{"query": "{ genres { name } }", "pad": "' + b"x" * LIMIT + b'"}'
    refused = http.post("/graphql", content=oversized, headers=JSON)
    _refused(refused, 413, f"larger than the limit of {LIMIT} bytes")
    assert refused.headers["connection"] == "close"
    assert http.post("/graphql", json=VALID).status_code == 200  # on a new connection


def test_streamed_oversized_body_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked
        yield b'{"query": "{ genres { name } }", "pad": "'
        yield b"x" * LIMIT
        yield b'"}'

    _refused(http.post("/graphql", content=chunks(), headers=JSON), 413, "larger than the limit")
    assert http.post("/graphql", json=VALID).status_code == 200


def test_body_at_the_limit_is_read(http: httpx.Client) -> None:
    head = b'{"query": "{ genres { name } }", "pad": "'
    exact = head + b"x" * (LIMIT - len(head) - 2) + b'"}'
    assert len(exact) == LIMIT
    answer = http.post("/graphql", content=exact, headers=JSON)
    assert answer.status_code == 200
    assert "errors" not in answer.json(), answer.text


async def test_the_cap_stops_reading_a_stream_as_soon_as_it_is_passed() -> None:
    taken: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for i in range(1_000_000):  # 64 GB, were it all read
            taken.append(i)
            yield b"x" * 65536

    with pytest.raises(BadRequestError) as refused:
        await read_capped({}, endless(), 1_048_576)
    assert refused.value.status == 413
    assert len(taken) == 1_048_576 // 65536 + 1


@pytest.mark.parametrize("declared", ["12x", "-1", "9" * 40])
async def test_a_bad_content_length_is_400(declared: str) -> None:
    async def nothing() -> AsyncIterator[bytes]:
        yield b""

    with pytest.raises(BadRequestError) as refused:
        await read_capped({"content-length": declared}, nothing(), 1024)
    assert refused.value.status == 400


# Values a client sends that the graph cannot take: BAD_REQUEST naming the argument, never INTERNAL.
BAD_ARGUMENTS: dict[str, tuple[str, dict[str, Any], str]] = {
    "search of 1,001 letters": (
        "query($q: String!) { search(query: $q) { totalCount } }", {"q": "a" * 1001}, "query: at most 200 characters"
    ),
    "search word too long to index": (
        "query($q: String!) { search(query: $q) { totalCount } }", {"q": "b" * 65}, "query: words of at most 64"
    ),
    "search word that folds long": (  # 30 ligatures "ffi" fold to 90 letters
        "query($q: String!) { search(query: $q) { totalCount } }", {"q": "\ufb03" * 30}, "query: words of at most 64"
    ),
    "surrogate escape in nameContains": (
        '{ artists(filter: {nameContains: "\\ud800"}) { totalCount } }', {}, "Invalid Unicode escape sequence"
    ),
    "surrogate escape in isrc": ('{ tracks(filter: {isrc: "\\udfff"}) { totalCount } }', {}, "Invalid Unicode escape"),
    "surrogate escape in territory": (
        '{ newReleases(territory: "\\ud800x") { totalCount } }', {}, "Invalid Unicode escape"
    ),
    "instant out of range in UTC": (
        '{ bestsellers(since: "0001-01-01T00:00:00+01:00") { rank } }', {}, "since: 0001-01-01T00:00:00+01:00 is out"
    ),
    "until out of range in UTC": (
        'query($u: DateTime) { bestsellers(until: $u) { rank } }', {"u": "9999-12-31T23:59:59-01:00"}, "until:"
    ),
    "inline first of 5,000 digits": (
        "{ artists(first: 1" + "0" * 5000 + ") { totalCount } }", {}, "first: must be an Int (at most 2147483647), got an integer of 5001 digits"
    ),
    "inline first just past Int": ("{ artists(first: 2147483648) { totalCount } }", {}, "first: must be an Int"),
    "inline last far below Int": ("{ artists(last: -99999999999) { totalCount } }", {}, "last: must be an Int"),
    "variable default past Int": (
        "query($n: Int = 99999999999) { artists(first: $n) { totalCount } }", {}, "$n: must be an Int"
    ),
    "garbage cursor": ('{ artists(after: "!!!") { totalCount } }', {}, "after: not a cursor of this list"),
    "cursor of deep JSON": (
        "query($a: String) { albums(after: $a) { totalCount } }",
        {"a": urlsafe_b64encode(b"[" * 700 + b"]" * 700).decode()}, "after: not a cursor",
    ),
    "cursor holding an object": (
        "query($a: String) { tracks(after: $a) { totalCount } }",
        {"a": urlsafe_b64encode(b'["title:ASC",["v",{"x":1}],"k"]').decode()}, "after: not a",
    ),
    "search cursor of 5,000 digits": (
        "query($a: String) { search(query: \"rock\", after: $a) { totalCount } }",
        {"a": urlsafe_b64encode(b'["SEARCH",["v",1.0],"' + b"9" * 5000 + b'"]').decode()},
        "after: not a cursor",
    ),
    "node of garbage base64": ('{ node(id: "%%%") { id } }', {}, "id: '%%%' is not a valid ID"),
    "nodes of garbage base64": ('{ nodes(ids: ["QWxidW06MQ==", "@@"]) { id } }', {}, "ids[1]"),
    "date of year 0": ('{ newReleases(since: "0000-01-01") { totalCount } }', {}, "year 0 is out of range"),
    "date filter out of range": (
        'query($d: Date) { albums(filter: {releasedAfter: $d}) { totalCount } }', {"d": "10000-01-01"}, "Date"
    ),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
async def test_bad_argument_is_bad_request_naming_it(gql: Any, case: str) -> None:
    query, variables, needle = BAD_ARGUMENTS[case]
    body = await gql(query, variables)
    errors = body["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_REQUEST"], errors
    assert needle in errors[0]["message"], errors[0]["message"]
    assert len(errors[0]["message"]) <= 300
    assert gql.last_cypher == 0


async def test_royalty_period_ending_on_the_last_day_is_bad_request(gql: Any, settings: Settings) -> None:
    query = 'query($l: ID!) { royaltyStatement(label: $l, from: "2020-01-01", to: "9999-12-31") { units } }'
    admin = bearer(token(settings.jwt_secret, "p", "royalties:read admin"))  # admin: any label, even "x"
    body = await gql(query, {"l": gid("Label", "x")}, headers=admin)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_REQUEST"]
    assert body["errors"][0]["message"].startswith("to: must be before 9999-12-31")


async def test_offsets_beyond_what_neo4j_takes_are_answered(gql: Any) -> None:
    body = await gql('{ bestsellers(since: "0001-01-01T00:00:00-23:59", first: 3) { rank units } }')
    assert "errors" not in body, body
    assert [e["rank"] for e in body["data"]["bestsellers"]] == [1, 2, 3]
