"""Fuzzing the served schema: whatever a client sends, never HTTP 5xx and never INTERNAL; bad input writes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

from api.schema import build_schema
from graph.driver import Graph
from settings import Settings
from tests.store_support import Fixtures, bearer, gid, token

FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)
CLIENT_CODES = {"BAD_REQUEST", "QUERY_TOO_COMPLEX", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"}
NO_MODEL = "No recommender model is loaded"
"""The one UNAVAILABLE a fuzzed query may meet: recommendations before any model is trained."""
KNOWN_IDS = [
    gid("Artist", "1"), gid("Album", "1"), gid("Track", "1"), gid("Genre", "1"), gid("Customer", "1"),
    gid("Track", "no-such"), gid("Nope", "1"), "QWxidW06", "%%%", "",
]


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


# The built-in Int and ID are renamed in the fuzzed copy of the schema so that they get strategies of
# their own: small sizes (as `first` takes) and IDs that exist, besides garbage.
SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "FuzzInt": st.one_of(st.integers(-2, 120), st.integers(-(2**31), 2**31 - 1)).map(
        lambda n: graphql.IntValueNode(value=str(n))
    ),
    "FuzzID": st.one_of(st.sampled_from(KNOWN_IDS), st.text(max_size=12)).map(_string),
    "Date": st.one_of(st.dates(), st.just(date.max), st.just(date.min)).map(lambda d: _string(d.isoformat())),
    "DateTime": st.builds(
        lambda moment, offset: moment.replace(tzinfo=timezone(offset)).isoformat(),
        st.datetimes(),  # the first and last days, with an offset, are out of range in UTC
        st.one_of(  # Neo4j takes offsets up to 18 hours; Python up to a minute short of 24
            st.sampled_from([timedelta(minutes=m) for m in (0, 1080, 1081, 1439, -1080, -1081, -1439)]),
            st.integers(-1439, 1439).map(lambda m: timedelta(minutes=m)),
        ),
    ).map(_string),
    "Decimal": st.sampled_from(["0.99", "NaN", "Infinity", "-1", "1e999", "x"]).map(_string),
}


def _fuzzable_sdl() -> str:
    sdl = build_schema().as_str()
    sdl = re.sub(r"\bInt\b", "FuzzInt", re.sub(r"\bID\b", "FuzzID", sdl))
    return sdl + "\nscalar FuzzInt\nscalar FuzzID\n"


SDL = _fuzzable_sdl()


def _well_answered(response: httpx.Response) -> dict[str, Any]:
    """A JSON answer whose errors (if any) all carry a client code: nothing INTERNAL, no 5xx but the 503
    of a request that only asked for recommendations while no model is loaded."""
    body: dict[str, Any] = response.json()
    errors = body.get("errors", [])
    for error in errors:
        no_model = error["extensions"]["code"] == "UNAVAILABLE" and error["message"].startswith(NO_MODEL)
        assert no_model or error["extensions"]["code"] in CLIENT_CODES, body
    if response.status_code == 503:
        assert errors, body
        assert all(e["message"].startswith(NO_MODEL) for e in errors), body
    else:
        assert response.status_code < 500, response.text
    return body


@settings(FUZZ, max_examples=60)
@given(query=queries(SDL, custom_scalars=SCALARS))
async def test_valid_queries_never_fail_on_the_server(client: httpx.AsyncClient, query: str) -> None:
    _well_answered(await client.post("/graphql", json={"query": query}))


@settings(FUZZ, max_examples=60)
@given(query=queries(SDL, custom_scalars=SCALARS, allow_null=False))
async def test_valid_queries_with_every_argument_given(client: httpx.AsyncClient, query: str) -> None:
    _well_answered(await client.post("/graphql", json={"query": query}))


@settings(FUZZ, max_examples=50)
@given(query=queries(SDL, custom_scalars=SCALARS, mode=Mode.NEGATIVE))
async def test_invalid_queries_are_client_errors(client: httpx.AsyncClient, query: str) -> None:
    body = _well_answered(await client.post("/graphql", json={"query": query}))
    assert body["errors"], body


@settings(FUZZ, max_examples=60)
@given(text=st.text(max_size=200))
async def test_garbage_documents_are_client_errors(client: httpx.AsyncClient, text: str) -> None:
    body = _well_answered(await client.post("/graphql", json={"query": text}))
    if not text.strip() or text.lstrip().startswith(("#", "{", "query", "mutation", "subscription", "fragment")):
        return  # a blank or comment-only document or a real selection set may be valid; the rest is not
    assert body["errors"], body


@settings(FUZZ, max_examples=80)
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace"))))
async def test_garbage_bodies_are_4xx_with_errors(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/graphql", content=raw, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) {
  __typename ... on Purchase { id } ... on PurchaseRejected { code message } } }"""
ITEM_IDS = [gid("Track", "1"), gid("Album", "1"), gid("Artist", "1"), gid("Track", "no-such"), "%%%", "\x00"]
FORMATS = ["MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96", "MPEG4_VIDEO", "WAV", "", 5]


@pytest.fixture(scope="module")
async def buyer(graph: Graph, settings: Settings) -> AsyncIterator[tuple[Fixtures, str, dict[str, str]]]:
    shop = Fixtures(graph)
    customer = await shop.customer("GB")
    yield shop, customer, bearer(token(settings.jwt_secret, gid("Customer", customer), "purchases:write"))
    await shop.cleanup()


@settings(FUZZ, max_examples=50)
@given(
    items=st.lists(
        st.fixed_dictionaries({"id": st.one_of(st.sampled_from(ITEM_IDS), st.text(max_size=8)),
                               "format": st.sampled_from(FORMATS)}),
        max_size=3,
    ),
    territory=st.one_of(st.sampled_from(["US", "", "G", "\u0130"]), st.text(max_size=5)).filter(
        lambda t: t.strip().upper() != "GB"  # the customer's own country: the rest must be refused
    ),
    key=st.text(max_size=20),
)
async def test_purchases_with_bad_input_write_nothing(
    client: httpx.AsyncClient, buyer: tuple[Fixtures, str, dict[str, str]],
    items: list[dict[str, Any]], territory: str, key: str,
) -> None:
    shop, customer, headers = buyer
    before = await shop.state(customer)
    variables = {"input": {"items": items, "territory": territory, "idempotencyKey": key}}
    body = _well_answered(await client.post("/graphql", json={"query": BUY, "variables": variables}, headers=headers))
    assert body.get("errors") or body["data"]["purchase"]["__typename"] == "PurchaseRejected", body
    assert await shop.state(customer) == before


async def test_a_good_purchase_still_goes_through(
    client: httpx.AsyncClient, buyer: tuple[Fixtures, str, dict[str, str]],
) -> None:
    shop, customer, headers = buyer
    before = await shop.state(customer)
    key = f"fuzz-control-{datetime.now(UTC).timestamp()}"
    variables = {"input": {"items": [{"id": gid("Track", "1"), "format": "MP3_320"}], "territory": "GB",
                           "idempotencyKey": key}}
    body = _well_answered(await client.post("/graphql", json={"query": BUY, "variables": variables}, headers=headers))
    assert body["data"]["purchase"]["__typename"] == "Purchase", body
    assert (await shop.state(customer))["purchases"] == before["purchases"] + 1
