"""ALBUM_BY and ALBUM_IN_GENRE backfill: albums stored before them get them once, with no duplicate however often it runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph import album_links, migrations
from graph.driver import Cypher, Graph
from graph.slug import slugify
from graph.upsert import upsert_releases
from tests.graph.test_feed_import import FeedMaker

MARKERS = ("t-album-links-a", "t-album-links-b")
UNLINK = Cypher("t_unlink_album_links", "MATCH (:Album {key: $key})-[r:ALBUM_BY|ALBUM_IN_GENRE]->() DELETE r")
LINKS = Cypher(
    "t_album_links",
    "MATCH (:Album {key: $key})-[r:ALBUM_BY|ALBUM_IN_GENRE]->(x) RETURN type(r) AS type, x.key AS key "
    "ORDER BY type, key",
)
DROP_MARKERS = Cypher("t_drop_markers", "MATCH (m:SchemaMigration) WHERE m.key IN $keys DELETE m")


@pytest.fixture
async def maker(graph: Graph) -> AsyncIterator[FeedMaker]:
    made = FeedMaker()
    yield made
    await made.cleanup(graph)
    await graph.write(DROP_MARKERS, {"keys": list(MARKERS)})


async def test_backfill_links_an_album_stored_before_album_links_once(graph: Graph, maker: FeedMaker) -> None:
    release = maker.release(tracks=2)
    await upsert_releases(graph, [release])
    await graph.write(UNLINK, {"key": release.key})
    assert await graph.read(LINKS, {"key": release.key}) == []

    assert await album_links.backfill(graph, MARKERS[0]) > 0
    assert await migrations.done(graph, MARKERS[0])
    assert await album_links.backfill(graph, MARKERS[0]) == 0
    await album_links.backfill(graph, MARKERS[1])

    rows = await graph.read(LINKS, {"key": release.key})
    assert [(r["type"], r["key"]) for r in rows] == [
        *(("ALBUM_BY", k) for k in sorted(a.key for a in release.artists)),
        *(("ALBUM_IN_GENRE", k) for k in sorted(slugify(g) for g in release.genres)),
    ]
