"""ALBUM_BY backfill: albums stored before it get it once, with no duplicate however often it runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph import album_credits, migrations
from graph.driver import Cypher, Graph
from graph.upsert import upsert_releases
from tests.graph.test_feed_import import FeedMaker

MARKERS = ("t-album-credits-a", "t-album-credits-b")
UNLINK = Cypher("t_unlink_album_credits", "MATCH (:Album {key: $key})-[r:ALBUM_BY]->() DELETE r")
CREDITS = Cypher(
    "t_album_credits",
    "MATCH (:Album {key: $key})-[r:ALBUM_BY]->(x:Artist) RETURN x.key AS artist ORDER BY artist",
)
DROP_MARKERS = Cypher("t_drop_markers", "MATCH (m:SchemaMigration) WHERE m.key IN $keys DELETE m")


@pytest.fixture
async def maker(graph: Graph) -> AsyncIterator[FeedMaker]:
    made = FeedMaker()
    yield made
    await made.cleanup(graph)
    await graph.write(DROP_MARKERS, {"keys": list(MARKERS)})


async def test_backfill_links_an_album_stored_before_album_credits_once(graph: Graph, maker: FeedMaker) -> None:
    release = maker.release(tracks=2)
    await upsert_releases(graph, [release])
    await graph.write(UNLINK, {"key": release.key})
    assert await graph.read(CREDITS, {"key": release.key}) == []

    assert await album_credits.backfill(graph, MARKERS[0]) > 0
    assert await migrations.done(graph, MARKERS[0])
    assert await album_credits.backfill(graph, MARKERS[0]) == 0
    await album_credits.backfill(graph, MARKERS[1])

    rows = await graph.read(CREDITS, {"key": release.key})
    assert [r["artist"] for r in rows] == sorted(a.key for a in release.artists)
