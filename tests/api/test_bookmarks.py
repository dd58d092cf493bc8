"""The Tunegraph-Bookmark header: a purchase answers with it, later reads take it back, forgeries are 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.datastructures import Headers

from api import bookmark_header
from api.bookmark_header import HEADER
from api.request_body import BadRequestError
from graph.driver import Graph
from settings import Settings
from tests.api.test_purchase import BUY
from tests.conftest import GraphQL
from tests.store_support import Fixtures, bearer, gid, token

LIBRARY = "{ viewer { library(first: 10) { totalCount edges { node { track { id } } } } } }"


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


async def post(gql: GraphQL, query: str, variables: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    return await gql.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def test_a_purchase_answers_with_a_bookmark_the_next_read_carries_back(
    gql: GraphQL, settings: Settings, shop: Fixtures
) -> None:
    customer = await shop.customer("GB")
    album = await shop.release()
    auth = bearer(token(settings.jwt_secret, gid("Customer", customer), "purchases:write"))
    track = gid("Track", album.tracks[0].key)
    variables = {"input": {"items": [{"id": track, "format": "MP3_320"}], "territory": "GB",
                           "idempotencyKey": "bookmark-1"}}
    bought = await post(gql, BUY, variables, auth)
    assert "errors" not in bought.json(), bought.json()
    issued = bought.headers[HEADER]
    assert bookmark_header.accept(Headers({HEADER: issued}), settings.jwt_secret)
    after = await post(gql, LIBRARY, headers={**auth, HEADER: issued})
    assert after.status_code == 200
    edges = after.json()["data"]["viewer"]["library"]["edges"]
    assert [e["node"]["track"]["id"] for e in edges] == [track]
    assert HEADER not in after.headers  # a read leaves the client's bookmark as it was


async def test_a_read_only_request_issues_no_bookmark(gql: GraphQL) -> None:
    answer = await post(gql, "{ genres { name } }")
    assert answer.status_code == 200
    assert HEADER not in answer.headers


@pytest.mark.parametrize("value", ["garbage", "e30.AAAA", "x" * 5000, "WyJGQjp4Il0.bm90LXNpZ25lZA"])
async def test_a_bookmark_this_api_did_not_issue_is_a_bad_request_naming_the_header(gql: GraphQL, value: str) -> None:
    answer = await post(gql, "{ genres { name } }", headers={HEADER: value})
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert HEADER in error["message"]


def test_a_signed_value_from_another_secret_is_refused() -> None:
    issued = bookmark_header.issue(["FB:abc"], "one secret")
    assert bookmark_header.accept(Headers({HEADER: issued}), "one secret") == ["FB:abc"]
    with pytest.raises(BadRequestError) as refused:
        bookmark_header.accept(Headers({HEADER: issued}), "another secret")
    assert refused.value.status == 400
