"""Product data through the API: release type, parental advisory, C and P lines, popularity, territories."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api.ids import to_global
from graph.driver import Cypher, Graph
from graph.importers import feed
from graph.importers.feed_validation import parse_feed_file
from graph.importers.feed_writer import release_to_feed_dict
from graph.release import Rights
from graph.territories import ISO_3166_ALPHA2
from tests.conftest import GraphQL
from tests.graph.test_feed_import import FeedMaker

ALBUM = """
query($id: ID!) {
  node(id: $id) {
    ... on Album {
      releaseType explicit copyright phonographicCopyright popularity territories worldwide
      tracks { isrc discNumber trackNumber explicit popularity }
    }
  }
}
"""
UNITS = Cypher(
    "test_product_units",
    """
    MATCH (a:Album {key: $key})<-[:ON_ALBUM]-(t:Track)
    RETURN t.key AS key, COUNT { (t)<-[:LINE]-() } AS units ORDER BY t.discNumber, t.trackNumber
    """,
)


@pytest.fixture
async def maker(graph: Graph) -> AsyncIterator[FeedMaker]:
    made = FeedMaker()
    yield made
    await made.cleanup(graph)


async def album(gql: GraphQL, key: str) -> dict[str, Any]:
    body = await gql(ALBUM, {"id": to_global("Album", key)})
    assert "errors" not in body, body
    node: dict[str, Any] = body["data"]["node"]  # type: ignore[index]
    return node


async def test_a_chinook_album_has_its_product_data(gql: GraphQL, graph: Graph) -> None:
    found = await album(gql, "1")
    assert found["releaseType"] == "ALBUM"
    assert found["explicit"] is False
    assert found["copyright"] == "© Chinook House Records"
    assert found["phonographicCopyright"] == "℗ Chinook House Records"
    assert found["worldwide"] is True  # Chinook sells everywhere: every code is listed
    assert found["territories"] == sorted(ISO_3166_ALPHA2)
    units = [r["units"] for r in await graph.read(UNITS, {"key": "1"})]
    assert [t["popularity"] for t in found["tracks"]] == units
    assert found["popularity"] == sum(units) > 0
    assert [t["explicit"] for t in found["tracks"]] == [False] * len(units)
    assert [(t["discNumber"], t["trackNumber"]) for t in found["tracks"]] == [(1, n) for n in range(1, 11)]


async def test_fed_product_data_reaches_the_api_and_a_redelivery_clears_it(
    gql: GraphQL, graph: Graph, maker: FeedMaker, tmp_path: Path
) -> None:
    release = maker.release(
        tracks=2,
        type="EP",
        explicit=True,
        copyright="© 2026 Counter Records",
        phonographic_copyright="℗ 2025 Counter Records",
        rights=Rights(territories=("DE", "GB"), royalty_rate=Decimal("0.70")),
    )
    release = dataclasses.replace(
        release, tracks=(release.tracks[0], dataclasses.replace(release.tracks[1], explicit=True))
    )
    await feed.load(graph, parse_feed_file(maker.write([release], tmp_path)), quiet=True)

    found = await album(gql, release.key)
    assert found["releaseType"] == "EP"
    assert found["explicit"] is True
    assert found["copyright"] == "© 2026 Counter Records"
    assert found["phonographicCopyright"] == "℗ 2025 Counter Records"
    assert (found["territories"], found["worldwide"]) == (["DE", "GB"], False)
    assert [t["explicit"] for t in found["tracks"]] == [False, True]
    assert [t["isrc"] for t in found["tracks"]] == [t.isrc for t in release.tracks]
    assert [t["popularity"] for t in found["tracks"]] == [0, 0]

    # A re-delivery in the old format (none of the new fields) clears them; ended rights list no territory.
    plain = dataclasses.replace(
        release,
        explicit=False, copyright=None, phonographic_copyright=None,
        tracks=tuple(dataclasses.replace(t, explicit=False) for t in release.tracks),
        rights=dataclasses.replace(release.rights, start=date(2020, 1, 1), end=date(2021, 1, 1)),
    )
    old = release_to_feed_dict(plain)
    assert old.pop("explicit") is False
    assert not {"copyright", "phonographicCopyright"} & old.keys()
    assert not any("explicit" in t for t in old["tracks"])
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(old) + "\n", encoding="utf-8")
    summary = await feed.load(graph, parse_feed_file(path), quiet=True)
    assert summary.taken_down == 1
    again = await album(gql, release.key)
    assert (again["explicit"], again["copyright"], again["phonographicCopyright"]) == (False, None, None)
    assert [t["explicit"] for t in again["tracks"]] == [False, False]
    assert (again["territories"], again["worldwide"]) == ([], False)
