"""artists / albums / tracks: every filter and order, and keyset paging, against the Chinook file."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.ids import to_global
from graph.slug import slugify
from tests.conftest import GraphQL

LIST = """
query($filter: {kind}Filter, $order: {kind}Order, $first: Int, $after: String) {
  list: {field}(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""


@dataclass
class Item:
    """What the Chinook file says about one artist, album or track."""

    key: str
    text: str
    popularity: int = 0
    duration: int = 0
    artist: str = ""
    album: str = ""
    genres: set[str] = field(default_factory=set)


@dataclass
class Chinook:
    artists: dict[str, Item]
    albums: dict[str, Item]
    tracks: dict[str, Item]


@pytest.fixture(scope="module")
def chinook(sqlite: sqlite3.Connection) -> Chinook:
    units = Counter(str(r[0]) for r in sqlite.execute("SELECT TrackId FROM InvoiceLine"))
    artists = {str(r["ArtistId"]): Item(str(r["ArtistId"]), r["Name"])
               for r in sqlite.execute("SELECT * FROM Artist")}
    albums = {str(r["AlbumId"]): Item(str(r["AlbumId"]), r["Title"], artist=str(r["ArtistId"]))
              for r in sqlite.execute("SELECT * FROM Album")}
    tracks: dict[str, Item] = {}
    for r in sqlite.execute("SELECT t.*, g.Name AS GenreName FROM Track t LEFT JOIN Genre g USING (GenreId)"):
        key, album = str(r["TrackId"]), albums[str(r["AlbumId"])]
        genre = {slugify(r["GenreName"])} if r["GenreName"] else set()
        tracks[key] = Item(key, r["Name"], units[key], r["Milliseconds"], album.artist, album.key, genre)
        album.popularity += units[key]
        album.genres |= genre
    for album in albums.values():
        artists[album.artist].popularity += album.popularity
    return Chinook(artists, albums, tracks)


# Each filter: its GraphQL value and the Python predicate it means.
Filter = tuple[dict[str, Any], Callable[[Item], bool]]


def artist_filters(c: Chinook) -> list[Filter]:
    return [
        ({}, lambda i: True),
        ({"name": "Iron Maiden"}, lambda i: i.text == "Iron Maiden"),
        ({"nameContains": "THE"}, lambda i: "the" in i.text.lower()),
        ({"nameContains": "orchestra"}, lambda i: "orchestra" in i.text.lower()),
        ({"name": "Nobody At All"}, lambda i: False),
    ]


def album_filters(c: Chinook) -> list[Filter]:
    return [
        ({}, lambda i: True),
        ({"title": "Greatest Hits"}, lambda i: i.text == "Greatest Hits"),
        ({"titleContains": "live"}, lambda i: "live" in i.text.lower()),
        ({"artist": to_global("Artist", "90")}, lambda i: i.artist == "90"),
        ({"genre": to_global("Genre", "jazz")}, lambda i: "jazz" in i.genres),
        ({"genre": to_global("Genre", "metal"), "titleContains": "a"},
         lambda i: "metal" in i.genres and "a" in i.text.lower()),
        ({"label": to_global("Label", "tunegraph-house"), "titleContains": "hits"},
         lambda i: "hits" in i.text.lower()),
        ({"territory": "gb", "artist": to_global("Artist", "22")}, lambda i: i.artist == "22"),
        ({"releasedAfter": "2000-01-01"}, lambda i: False),
    ]


def track_filters(c: Chinook) -> list[Filter]:
    return [
        ({}, lambda i: True),
        ({"title": "Iron Maiden"}, lambda i: i.text == "Iron Maiden"),
        ({"titleContains": "love", "maxDurationMs": 240000},
         lambda i: "love" in i.text.lower() and i.duration <= 240000),
        ({"artist": to_global("Artist", "50")}, lambda i: i.artist == "50"),
        ({"album": to_global("Album", "1")}, lambda i: i.album == "1"),
        ({"genre": to_global("Genre", "blues"), "minDurationMs": 300000},
         lambda i: "blues" in i.genres and i.duration >= 300000),
        ({"genre": to_global("Genre", "comedy")}, lambda i: "comedy" in i.genres),
        ({"minDurationMs": 200000, "maxDurationMs": 200999}, lambda i: 200000 <= i.duration <= 200999),
        ({"territory": "US", "artist": to_global("Artist", "1")}, lambda i: i.artist == "1"),
        ({"isrc": "XX-000-00-00000"}, lambda i: False),
    ]


SORTS: dict[str, dict[str, Callable[[Item], Any]]] = {
    "Artist": {"NAME": lambda i: i.text, "POPULARITY": lambda i: i.popularity},
    "Album": {"TITLE": lambda i: i.text, "RELEASE_DATE": lambda i: 0, "POPULARITY": lambda i: i.popularity},
    "Track": {"TITLE": lambda i: i.text, "DURATION": lambda i: i.duration, "POPULARITY": lambda i: i.popularity},
}
FIELDS = {"Artist": "artists", "Album": "albums", "Track": "tracks"}
FILTERS = {"Artist": artist_filters, "Album": album_filters, "Track": track_filters}


def items_of(c: Chinook, kind: str) -> dict[str, Item]:
    return {"Artist": c.artists, "Album": c.albums, "Track": c.tracks}[kind]


def expected(c: Chinook, kind: str, pred: Callable[[Item], bool], sort: str, desc: bool) -> list[str]:
    """The filtered list in order: the sort value, then key ascending on ties."""
    chosen = [i for i in items_of(c, kind).values() if pred(i)]
    by_value: dict[Any, list[Item]] = defaultdict(list)
    for item in chosen:
        by_value[SORTS[kind][sort](item)].append(item)
    ordered: list[Item] = []
    for value in sorted(by_value, reverse=desc):
        ordered += sorted(by_value[value], key=lambda i: i.key)
    return [to_global(kind, i.key) for i in ordered]


async def walk(
    gql: GraphQL, kind: str, f: dict[str, Any], sort: str, desc: bool, sizes: list[int]
) -> tuple[list[str], int]:
    """Every id of a list, page by page with the given page sizes (the last one repeats)."""
    query = LIST.replace("{kind}", kind).replace("{field}", FIELDS[kind])
    order = {"field": sort, "direction": "DESC" if desc else "ASC"}
    seen: list[str] = []
    after: str | None = None
    totals = set()
    for step in range(10_000):
        first = sizes[min(step, len(sizes) - 1)]
        body = await gql(query, {"filter": f, "order": order, "first": first, "after": after})
        assert "errors" not in body, body
        page = body["data"]["list"]  # type: ignore[index]
        totals.add(page["totalCount"])
        edges = page["edges"]
        assert len(edges) <= first
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [e["node"]["id"] for e in edges]
        if edges:
            assert page["pageInfo"]["endCursor"] == edges[-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert len(edges) == first
        after = page["pageInfo"]["endCursor"]
    assert len(totals) == 1
    return seen, totals.pop()


@pytest.mark.parametrize("kind", ["Artist", "Album", "Track"])
async def test_every_filter_matches_chinook(gql: GraphQL, chinook: Chinook, kind: str) -> None:
    for f, pred in FILTERS[kind](chinook):
        want = expected(chinook, kind, pred, next(iter(SORTS[kind])), False)
        if len(want) > 200:
            body = await gql(LIST.replace("{kind}", kind).replace("{field}", FIELDS[kind]), {"filter": f})
            assert body["data"]["list"]["totalCount"] == len(want), f  # type: ignore[index]
            continue
        seen, total = await walk(gql, kind, f, next(iter(SORTS[kind])), False, [100])
        assert seen == want, f
        assert total == len(want), f


@pytest.mark.parametrize(
    ("kind", "f"),
    [("Artist", {"nameContains": "the"}), ("Album", {"genre": to_global("Genre", "jazz")}),
     ("Track", {"genre": to_global("Genre", "pop")})],
)
async def test_every_order_both_directions(gql: GraphQL, chinook: Chinook, kind: str, f: dict[str, Any]) -> None:
    predicate = _predicate(kind, f)
    for sort in SORTS[kind]:
        for desc in (False, True):
            seen, total = await walk(gql, kind, f, sort, desc, [7, 40])
            assert seen == expected(chinook, kind, predicate, sort, desc), (sort, desc)
            assert total == len(seen)


def _predicate(kind: str, f: dict[str, Any]) -> Callable[[Item], bool]:
    if kind == "Artist":
        return lambda i: f["nameContains"] in i.text.lower()
    genre = f["genre"]
    slug = {to_global("Genre", g): g for g in ("pop", "jazz")}[genre]
    return lambda i: slug in i.genres


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_paging_visits_the_filtered_set_once_in_order(gql: GraphQL, chinook: Chinook, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["Artist", "Album", "Track"]))
    filters = [(f, p) for f, p in FILTERS[kind](chinook) if f]
    f, pred = data.draw(st.sampled_from(filters))
    sort = data.draw(st.sampled_from(list(SORTS[kind])))
    desc = data.draw(st.booleans())
    sizes = data.draw(st.lists(st.integers(1, 40), min_size=1, max_size=4))
    seen, total = await walk(gql, kind, f, sort, desc, sizes)
    want = expected(chinook, kind, pred, sort, desc)
    assert seen == want
    assert total == len(want)


@pytest.mark.parametrize(
    ("variables", "argument"),
    [({"first": 101}, "first"), ({"first": -1}, "first"), ({"after": "bm9wZQ=="}, "after"),
     ({"filter": {"artist": to_global("Album", "1")}}, "filter.artist"),
     ({"filter": {"genre": "not an id"}}, "filter.genre")],
)
async def test_client_mistakes_name_the_argument(gql: GraphQL, variables: dict[str, Any], argument: str) -> None:
    body = await gql(LIST.replace("{kind}", "Album").replace("{field}", "albums"), variables)
    errors: list[dict[str, Any]] = body["errors"]  # type: ignore[assignment]
    assert errors[0]["extensions"]["code"] == "BAD_REQUEST"
    assert errors[0]["extensions"]["argument"] == argument


async def test_a_cursor_of_another_order_is_refused(gql: GraphQL) -> None:
    query = LIST.replace("{kind}", "Album").replace("{field}", "albums")
    body = await gql(query, {"first": 1})
    cursor = body["data"]["list"]["pageInfo"]["endCursor"]  # type: ignore[index]
    body = await gql(query, {"after": cursor, "order": {"field": "POPULARITY", "direction": "DESC"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"  # type: ignore[index]


BACK = """
query($filter: {kind}Filter, $order: {kind}Order, $last: Int, $before: String, $first: Int, $after: String) {
  list: {field}(filter: $filter, orderBy: $order, last: $last, before: $before, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""


def back_query(kind: str) -> str:
    return BACK.replace("{kind}", kind).replace("{field}", FIELDS[kind])


async def walk_back(
    gql: GraphQL, kind: str, f: dict[str, Any], sort: str, desc: bool, sizes: list[int]
) -> list[str]:
    """Every id of a list, page by page backward from its end (`last`, `before`), in the list's order."""
    order = {"field": sort, "direction": "DESC" if desc else "ASC"}
    pages: list[list[str]] = []
    before: str | None = None
    for step in range(10_000):
        last = sizes[min(step, len(sizes) - 1)]
        body = await gql(back_query(kind), {"filter": f, "order": order, "last": last, "before": before})
        assert "errors" not in body, body
        page = body["data"]["list"]  # type: ignore[index]
        edges, info = page["edges"], page["pageInfo"]
        assert len(edges) <= last
        assert info["hasNextPage"] is (before is not None)
        if edges:
            assert (info["startCursor"], info["endCursor"]) == (edges[0]["cursor"], edges[-1]["cursor"])
        pages.append([e["node"]["id"] for e in edges])
        if not info["hasPreviousPage"]:
            break
        assert len(edges) == last
        before = info["startCursor"]
    return [node for page in reversed(pages) for node in page]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_paging_backward_from_the_end_is_the_forward_walk_reversed(
    gql: GraphQL, chinook: Chinook, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(["Artist", "Album", "Track"]))
    f, pred = data.draw(st.sampled_from([(f, p) for f, p in FILTERS[kind](chinook) if f]))
    sort = data.draw(st.sampled_from(list(SORTS[kind])))
    desc = data.draw(st.booleans())
    sizes = data.draw(st.lists(st.integers(1, 40), min_size=1, max_size=4))
    forward, _ = await walk(gql, kind, f, sort, desc, [data.draw(st.integers(1, 40))])
    assert await walk_back(gql, kind, f, sort, desc, sizes) == forward
    assert forward == expected(chinook, kind, pred, sort, desc)


@pytest.mark.parametrize("sort", ["TITLE", "RELEASE_DATE", "POPULARITY"])
@pytest.mark.parametrize("desc", [False, True])
async def test_whole_album_list_backward_ties_included(gql: GraphQL, chinook: Chinook, sort: str, desc: bool) -> None:
    # Every album's release date ties, and most popularities: the key breaks them, backward too.
    want = expected(chinook, "Album", lambda i: True, sort, desc)
    assert await walk_back(gql, "Album", {}, sort, desc, [37, 100]) == want


async def test_both_cursors_bound_the_page_from_either_end(gql: GraphQL, chinook: Chinook) -> None:
    kind, f, order = "Track", {"genre": to_global("Genre", "blues")}, {"field": "DURATION", "direction": "DESC"}
    body = await gql(back_query(kind), {"filter": f, "order": order, "first": 100})
    edges = body["data"]["list"]["edges"]  # type: ignore[index]
    ids, cursors = [e["node"]["id"] for e in edges], [e["cursor"] for e in edges]
    assert len(ids) > 60
    between = {"filter": f, "order": order, "after": cursors[10], "before": cursors[50]}
    for size, arg in ((5, "first"), (5, "last"), (100, "first"), (100, "last")):
        page = (await gql(back_query(kind), {**between, arg: size}))["data"]["list"]  # type: ignore[index]
        got = [e["node"]["id"] for e in page["edges"]]
        want = ids[11:50][:size] if arg == "first" else ids[11:50][-size:]
        assert got == want, (size, arg)
        # Relay: a cursor on a side means items beyond it; otherwise, whether the page stopped short.
        assert page["pageInfo"]["hasPreviousPage"] is True
        assert page["pageInfo"]["hasNextPage"] is True
    empty = (await gql(back_query(kind), {**between, "after": cursors[50], "before": cursors[10], "last": 5}))
    assert empty["data"]["list"]["edges"] == []  # type: ignore[index]


async def test_last_alone_is_the_end_of_the_list(gql: GraphQL, chinook: Chinook) -> None:
    want = expected(chinook, "Artist", lambda i: True, "NAME", False)
    page = (await gql(back_query("Artist"), {"last": 3}))["data"]["list"]  # type: ignore[index]
    assert [e["node"]["id"] for e in page["edges"]] == want[-3:]
    assert (page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["hasNextPage"]) == (True, False)
    assert page["totalCount"] == len(want)
    nothing = (await gql(back_query("Artist"), {"last": 0}))["data"]["list"]  # type: ignore[index]
    assert nothing["edges"] == []
    assert nothing["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.parametrize(
    ("variables", "argument"),
    [({"last": 101}, "last"), ({"last": -1}, "last"), ({"first": 2, "last": 2}, "last"),
     ({"last": 2, "before": "bm9wZQ=="}, "before")],
)
async def test_backward_mistakes_name_the_argument(gql: GraphQL, variables: dict[str, Any], argument: str) -> None:
    body = await gql(back_query("Album"), variables)
    errors: list[dict[str, Any]] = body["errors"]  # type: ignore[assignment]
    assert errors[0]["extensions"]["code"] == "BAD_REQUEST"
    assert errors[0]["extensions"]["argument"] == argument
    assert body.get("data") is None


async def test_a_before_cursor_of_another_order_is_refused(gql: GraphQL) -> None:
    body = await gql(back_query("Album"), {"first": 1})
    cursor = body["data"]["list"]["pageInfo"]["endCursor"]  # type: ignore[index]
    order = {"field": "POPULARITY", "direction": "DESC"}
    body = await gql(back_query("Album"), {"last": 2, "before": cursor, "order": order})
    assert body["errors"][0]["extensions"]["argument"] == "before"  # type: ignore[index]
