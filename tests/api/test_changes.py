"""catalogChanges: who may read it, label scoping, resuming from a cursor, retention; updatedAt."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph import changes
from graph.driver import Graph
from graph.upsert import upsert_releases
from settings import Settings
from tests.conftest import GraphQL
from tests.graph.test_changes import ChangeMaker
from tests.store_support import ask, bearer, codes, gid, token

FEED = """
query Feed($after: String, $first: Int) {
  catalogChanges(after: $after, first: $first) {
    retentionDays
    pageInfo { hasNextPage endCursor }
    edges { cursor node { kind albumId upc fields at album { title updatedAt tracks { updatedAt } } } }
  }
}
"""


@pytest.fixture
async def makers(graph: Graph) -> AsyncIterator[tuple[ChangeMaker, ChangeMaker]]:
    pair = (ChangeMaker(), ChangeMaker())
    yield pair
    for made in pair:
        await made.cleanup(graph)


def partner(settings: Settings, *labels: str, scope: str = "catalog:read") -> dict[str, str]:
    claims: dict[str, Any] = {"labels": list(labels)} if labels else {}
    return bearer(token(settings.jwt_secret, "partner-1", scope, **claims))


async def follow(gql: GraphQL, after: str, headers: dict[str, str], first: int = 2) -> list[dict[str, Any]]:
    """Every change visible to the token after a cursor, page by page."""
    out: list[dict[str, Any]] = []
    while True:
        body = await ask(gql, FEED, {"after": after, "first": first}, headers)
        assert "errors" not in body, body
        page = body["data"]["catalogChanges"]
        out.extend(edge["node"] for edge in page["edges"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return out


async def test_a_partner_sees_its_labels_changes_in_order(
    gql: GraphQL, graph: Graph, settings: Settings, makers: tuple[ChangeMaker, ChangeMaker]
) -> None:
    mine, theirs = makers
    start = changes.cursor_of((await changes.head(graph))[0])
    release, other = mine.release(), theirs.release()
    before = datetime.now(UTC) - timedelta(seconds=5)
    await upsert_releases(graph, [release, other])
    await upsert_releases(graph, [dataclasses.replace(release, title="Second Title"), other])

    seen = await follow(gql, start, partner(settings, mine.label))

    assert [(c["kind"], c["fields"], c["upc"]) for c in seen] == [
        ("CREATED", [], release.upc), ("UPDATED", ["title"], release.upc),
    ]
    assert {c["albumId"] for c in seen} == {gid("Album", release.key)}
    assert seen[-1]["album"]["title"] == "Second Title"
    assert datetime.fromisoformat(seen[-1]["album"]["updatedAt"]) >= before
    assert all(datetime.fromisoformat(t["updatedAt"]) >= before for t in seen[-1]["album"]["tracks"])
    everything = await follow(gql, start, partner(settings), first=100)  # catalog:read without labels: all
    assert {c["upc"] for c in everything} >= {release.upc, other.upc}


async def test_a_stored_cursor_resumes_after_what_it_saw(
    gql: GraphQL, graph: Graph, settings: Settings, makers: tuple[ChangeMaker, ChangeMaker]
) -> None:
    mine, _ = makers
    headers = partner(settings, mine.label)
    start = changes.cursor_of((await changes.head(graph))[0])
    await upsert_releases(graph, [mine.release()])
    first = (await ask(gql, FEED, {"after": start}, headers))["data"]["catalogChanges"]
    stored = first["pageInfo"]["endCursor"]
    later = mine.release()

    await upsert_releases(graph, [later])

    resumed = await follow(gql, stored, headers)
    assert [(c["kind"], c["upc"]) for c in resumed] == [("CREATED", later.upc)]
    assert first["retentionDays"] == settings.changes_days


async def test_reading_changes_needs_the_catalog_read_scope(gql: GraphQL, settings: Settings) -> None:
    assert codes(await ask(gql, FEED)) == ["UNAUTHENTICATED"]
    customer = bearer(token(settings.jwt_secret, gid("Customer", "1"), "purchases:write"))
    assert codes(await ask(gql, FEED, headers=customer)) == ["FORBIDDEN"]
    admin = bearer(token(settings.jwt_secret, "ops", "admin"))
    assert "errors" not in await ask(gql, FEED, {"first": 1}, admin)


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({"after": "bm90LWEtY3Vyc29y"}, "is not a cursor of catalogChanges"),
        ({"after": changes.cursor_of(10**15)}, "past the newest change"),
        ({"first": 101}, "may not exceed 100"),
        ({"first": -1}, "must not be negative"),
    ],
)
async def test_bad_arguments_are_refused_by_name(
    gql: GraphQL, settings: Settings, variables: dict[str, Any], problem: str
) -> None:
    body = await ask(gql, FEED, variables, partner(settings))
    assert codes(body) == ["BAD_REQUEST"]
    assert problem in body["errors"][0]["message"]


async def test_a_cursor_older_than_the_retention_must_resync(
    gql: GraphQL, graph: Graph, settings: Settings, makers: tuple[ChangeMaker, ChangeMaker]
) -> None:
    mine, _ = makers
    start = changes.cursor_of((await changes.head(graph))[0])
    await upsert_releases(graph, [mine.release()])

    await changes.prune(graph, datetime.now(UTC) + timedelta(seconds=1))

    body = await ask(gql, FEED, {"after": start}, partner(settings))
    assert codes(body) == ["BAD_REQUEST"]
    assert "retention" in body["errors"][0]["message"]
    assert "resync" in body["errors"][0]["message"]
    fresh = await ask(gql, FEED, {}, partner(settings))
    assert fresh["data"]["catalogChanges"]["edges"] == []
