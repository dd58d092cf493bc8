"""newReleases and bestsellers: windows, territories, genres, order and ties."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from api.ids import to_global
from graph.driver import Graph
from graph.release import WORLDWIDE, Release
from graph.slug import slugify
from graph.territories import CHINOOK_COUNTRY_CODES
from tests.api import releases
from tests.conftest import GraphQL

NEW_RELEASES = """
query($t: String, $genre: ID, $since: Date, $first: Int, $after: String) {
  newReleases(territory: $t, genre: $genre, since: $since, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id releaseDate } }
  }
}
"""
BESTSELLERS = """
query($t: String, $genre: ID, $since: DateTime, $until: DateTime, $first: Int) {
  bestsellers(territory: $t, genre: $genre, since: $since, until: $until, first: $first) {
    rank units track { id title }
  }
}
"""


def today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture(scope="module")
async def catalog(graph: Graph) -> AsyncIterator[tuple[str, list[Release]]]:
    prefix = releases.new_prefix("new")
    day = today()
    written = [
        releases.release(prefix, "old", released=day - timedelta(days=400), genre="rock"),
        releases.release(prefix, "recent", released=day - timedelta(days=3)),
        releases.release(prefix, "tie-b", released=day - timedelta(days=10)),
        releases.release(prefix, "tie-a", released=day - timedelta(days=10), genre="rock"),
        releases.release(prefix, "today", released=day, territories=("GB",)),
        releases.release(prefix, "tomorrow", released=day + timedelta(days=1)),
        releases.release(prefix, "undated"),
        releases.release(prefix, "rights-later", released=day - timedelta(days=2), start=day + timedelta(days=9)),
        releases.release(prefix, "rights-ended", released=day - timedelta(days=20), end=day),
    ]
    await releases.write(graph, written)
    yield prefix, written
    await releases.remove(graph, prefix)


def licensed_now(release: Release, territory: str) -> bool:
    rights, day = release.rights, today()
    started = rights.start is None or rights.start <= day
    running = rights.end is None or day < rights.end
    return started and running and (WORLDWIDE in rights.territories or territory in rights.territories)


async def walk_new_releases(gql: GraphQL, first: int, **variables: Any) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    after, totals = None, set()
    while True:
        body = await gql(NEW_RELEASES, {**variables, "first": first, "after": after})
        assert "errors" not in body, body
        page = body["data"]["newReleases"]  # type: ignore[index]
        totals.add(page["totalCount"])
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(totals) == 1
    return nodes, totals.pop()


@pytest.mark.parametrize(
    ("territory", "genre", "since_days"),
    [(None, None, None), ("GB", None, None), ("us", None, None), (None, "pop", None), ("FR", "rock", None),
     (None, None, 10), ("GB", "pop", 3)],
)
async def test_new_releases(
    gql: GraphQL, catalog: tuple[str, list[Release]], territory: str | None, genre: str | None,
    since_days: int | None,
) -> None:
    prefix, written = catalog
    day = today()
    since = day - timedelta(days=since_days) if since_days is not None else None
    variables = {
        "t": territory,
        "genre": to_global("Genre", releases.genre_key(prefix, genre)) if genre else None,
        "since": since.isoformat() if since else None,
    }
    nodes, total = await walk_new_releases(gql, 3, **variables)
    assert len(nodes) == total
    dates = [date.fromisoformat(n["releaseDate"]) for n in nodes]
    assert all(d <= day for d in dates)
    assert dates == sorted(dates, reverse=True)
    mine = [n["id"] for n in nodes if n["id"] in {to_global("Album", r.key) for r in written}]
    chosen = [
        r for r in written
        if r.release_date is not None and r.release_date <= day
        and (since is None or r.release_date >= since)
        and (territory is None or licensed_now(r, territory.upper()))
        and (genre is None or r.genres == (prefix + genre,))
    ]
    chosen.sort(key=lambda r: r.key)
    chosen.sort(key=lambda r: r.release_date or day, reverse=True)
    assert mine == [to_global("Album", r.key) for r in chosen]
    if genre:
        assert len(nodes) == len(chosen)


def chinook_chart(
    sqlite: sqlite3.Connection, territory: str | None, genre: str | None,
    since: datetime | None, until: datetime | None,
) -> list[tuple[int, str, str]]:
    """(units, title, track id) best first, computed from the Chinook invoices."""
    rows = sqlite.execute(
        """SELECT il.TrackId, il.Quantity, i.InvoiceDate, i.BillingCountry, t.Name, g.Name AS Genre
           FROM InvoiceLine il JOIN Invoice i USING (InvoiceId) JOIN Track t USING (TrackId)
           LEFT JOIN Genre g ON g.GenreId = t.GenreId"""
    )
    units: Counter[tuple[str, str]] = Counter()
    for r in rows:
        at = datetime.fromisoformat(r["InvoiceDate"]).replace(tzinfo=UTC)
        if since is not None and at < since:
            continue
        if until is not None and at >= until:
            continue
        if territory is not None and CHINOOK_COUNTRY_CODES[r["BillingCountry"]] != territory:
            continue
        if genre is not None and (r["Genre"] is None or slugify(r["Genre"]) != genre):
            continue
        units[(r["Name"], str(r["TrackId"]))] += r["Quantity"]
    ranked = sorted(units.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(n, title, to_global("Track", key)) for (title, key), n in ranked]


@pytest.mark.parametrize(
    ("territory", "genre", "since", "until", "first"),
    [
        (None, None, None, None, 10),
        (None, None, None, None, 100),
        ("US", None, "2023-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00", 100),
        ("ca", "rock", None, None, 30),
        (None, "jazz", "2022-06-15T12:00:00+02:00", None, 50),
        ("FR", None, None, "2023-03-01T00:00:00", 100),
        (None, "rock", None, None, 20),
        (None, "latin", None, None, 100),
        ("US", None, None, None, 25),
    ],
)
async def test_bestsellers_match_the_invoices(
    gql: GraphQL, sqlite: sqlite3.Connection, territory: str | None, genre: str | None,
    since: str | None, until: str | None, first: int,
) -> None:
    body = await gql(BESTSELLERS, {
        "t": territory, "genre": to_global("Genre", genre) if genre else None,
        "since": since, "until": until, "first": first,
    })
    assert "errors" not in body, body
    chart = body["data"]["bestsellers"]  # type: ignore[index]

    def instant(text: str | None) -> datetime | None:
        value = datetime.fromisoformat(text) if text else None
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    want = chinook_chart(sqlite, territory.upper() if territory else None, genre, instant(since), instant(until))
    assert want
    got = [(e["units"], e["track"]["title"], e["track"]["id"]) for e in chart]
    assert got == want[:first]
    assert [e["rank"] for e in chart] == list(range(1, len(got) + 1))


@pytest.mark.parametrize(
    ("variables", "argument"),
    [({"first": 101}, "first"),
     ({"since": "2023-01-01T00:00:00+00:00", "until": "2022-01-01T00:00:00+00:00"}, "until"),
     ({"genre": to_global("Artist", "1")}, "genre")],
)
async def test_bestsellers_client_mistakes(gql: GraphQL, variables: dict[str, Any], argument: str) -> None:
    body = await gql(BESTSELLERS, variables)
    error = body["errors"][0]  # type: ignore[index]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["extensions"]["argument"] == argument
