"""Rights: offers, availableIn, territory filters and topTracks follow territories and dates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from api.ids import to_global
from graph.driver import Graph
from graph.release import WORLDWIDE, Release
from tests.api import releases
from tests.conftest import GraphQL

TERRITORIES = ("GB", "US", "DE", "FR")

ALBUM = """
query($id: ID!, $t: String!) {
  node(id: $id) {
    ... on Album {
      availableIn(territory: $t)
      offers(territory: $t) { format price { amount currency } }
      anywhere: offers { format }
      tracks {
        availableIn(territory: $t)
        offers(territory: $t) { format sizeBytes price { amount currency } }
      }
    }
  }
}
"""
LABEL_ALBUMS = """
query($label: ID!, $t: String) {
  albums(filter: {label: $label, territory: $t}, first: 100) { totalCount edges { node { id } } }
}
"""
GENRE_TRACKS = """
query($genre: ID!, $t: String) {
  tracks(filter: {genre: $genre, territory: $t}, first: 100) { totalCount edges { node { id } } }
}
"""
TOP_TRACKS = """
query($id: ID!, $t: String) { node(id: $id) { ... on Artist { topTracks(territory: $t, first: 50) { id } } } }
"""


def today() -> date:
    return datetime.now(UTC).date()


def licensed(release: Release, territory: str | None) -> bool:
    """The rights rule, written out independently of graph.rights."""
    rights, day = release.rights, today()
    if rights.start is not None and day < rights.start:
        return False
    if rights.end is not None and day >= rights.end:
        return False
    return territory is None or WORLDWIDE in rights.territories or territory in rights.territories


@pytest.fixture(scope="module")
async def catalog(graph: Graph) -> AsyncIterator[tuple[str, list[Release]]]:
    prefix = releases.new_prefix("rights")
    day = today()
    written = [
        releases.release(prefix, "gb-only", territories=("GB",), artist="shared"),
        releases.release(prefix, "worldwide", territories=(WORLDWIDE,), artist="shared", tracks=3),
        releases.release(prefix, "us-de", territories=("US", "DE")),
        releases.release(prefix, "future", start=day + timedelta(days=30)),
        releases.release(prefix, "starts-today", territories=("GB", "FR"), start=day),
        releases.release(prefix, "ended", end=day - timedelta(days=1)),
        releases.release(prefix, "ends-today", start=day - timedelta(days=90), end=day),
        releases.release(prefix, "ends-tomorrow", territories=("FR",), end=day + timedelta(days=1)),
    ]
    await releases.write(graph, written)
    yield prefix, written
    await releases.remove(graph, prefix)


def ids(body: dict[str, Any], field: str) -> list[str]:
    assert "errors" not in body, body
    return [e["node"]["id"] for e in body["data"][field]["edges"]]


async def test_offers_and_available_in_follow_rights(gql: GraphQL, catalog: tuple[str, list[Release]]) -> None:
    _, written = catalog
    for release in written:
        for territory in (*TERRITORIES, "gb"):
            body = await gql(ALBUM, {"id": to_global("Album", release.key), "t": territory})
            album = body["data"]["node"]  # type: ignore[index]
            on_sale = licensed(release, territory.upper())
            assert album["availableIn"] is on_sale, (release.key, territory)
            assert album["offers"] == ([{"format": "FLAC_16_44", "price": {"amount": "9.99", "currency": "EUR"}}]
                                       if on_sale else [])
            assert bool(album["anywhere"]) is licensed(release, None)
            for track in album["tracks"]:
                assert track["availableIn"] is on_sale
                assert track["offers"] == ([
                    {"format": "MP3_320", "sizeBytes": 1234, "price": {"amount": "1.29", "currency": "EUR"}},
                    {"format": "FLAC_16_44", "sizeBytes": None, "price": {"amount": "1.99", "currency": "EUR"}},
                ] if on_sale else [])


async def test_territory_filters_leave_out_what_is_not_licensed(
    gql: GraphQL, catalog: tuple[str, list[Release]]
) -> None:
    prefix, written = catalog
    label = to_global("Label", prefix + "label")
    genre = to_global("Genre", releases.genre_key(prefix, "pop"))
    for territory in (*TERRITORIES, None):
        want = {to_global("Album", r.key) for r in written if territory is None or licensed(r, territory)}
        body = await gql(LABEL_ALBUMS, {"label": label, "t": territory})
        assert set(ids(body, "albums")) == want, territory
        assert body["data"]["albums"]["totalCount"] == len(want)  # type: ignore[index]
        want_tracks = {to_global("Track", t.key) for r in written
                       if territory is None or licensed(r, territory) for t in r.tracks}
        body = await gql(GENRE_TRACKS, {"genre": genre, "t": territory})
        assert set(ids(body, "tracks")) == want_tracks, territory


async def test_top_tracks_only_licensed_there(gql: GraphQL, catalog: tuple[str, list[Release]]) -> None:
    prefix, written = catalog
    artist = to_global("Artist", prefix + "artist-shared")
    shared = [r for r in written if r.artists[0].key == prefix + "artist-shared"]
    for territory in (*TERRITORIES, None):
        body = await gql(TOP_TRACKS, {"id": artist, "t": territory})
        got = [t["id"] for t in body["data"]["node"]["topTracks"]]  # type: ignore[index]
        want = {to_global("Track", t.key) for r in shared if territory is None or licensed(r, territory)
                for t in r.tracks}
        assert set(got) == want, territory
        assert len(got) == len(want)
