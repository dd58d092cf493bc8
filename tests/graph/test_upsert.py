"""The one write path: summary counts, relinking, dropped tracks, one transaction per batch, bounded queries."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from neo4j.exceptions import Neo4jError

from graph.driver import Cypher, Graph, queries_sent
from graph.purchase_writes import insert_purchases
from graph.release import PartyRef, PurchaseLineRecord, PurchaseRecord, Release
from graph.upsert import upsert_releases
from tests.graph.test_feed_import import COMPLETENESS, FeedMaker

LINKS = Cypher(
    "test_upsert_links",
    """
    MATCH (a:Album {key: $key})
    OPTIONAL MATCH (a)-[b:BY]->(x:Artist)
    WITH a, collect([b.position, x.key]) AS albumArtists
    WITH a, albumArtists, [(a)-[:ALBUM_BY]->(x:Artist) | [x.key]] AS albumOnly,
         [(a)-[:ALBUM_IN_GENRE]->(g:Genre) | [g.key]] AS albumGenres, [(a)-[:IN_GENRE]->(g:Genre) | [g.key]] AS genres
    OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a)
    OPTIONAL MATCH (t)-[tb:BY]->(y:Artist)
    RETURN albumArtists, albumOnly, albumGenres, genres, collect([t.key, tb.position, y.key]) AS trackArtists,
           collect(DISTINCT [t.key, t.offerFormats, t.popularity]) AS tracks,
           [(t2:Track)-[:ON_ALBUM]->(a) WHERE EXISTS { (t2)-[:ALBUM_BY]->() } | [t2.key]] AS tracksAlbumOnly
    """,
)


@pytest.fixture
async def maker(graph: Graph) -> AsyncIterator[FeedMaker]:
    made = FeedMaker()
    yield made
    await made.cleanup(graph)


async def links(graph: Graph, key: str) -> dict[str, Any]:
    """An album's artist links, its tracks' artist links and its tracks' offers and popularity."""
    row = (await graph.read(LINKS, {"key": key}))[0]
    return {k: sorted(map(tuple, v)) for k, v in row.items()}


async def test_summary_counts_each_kind_of_change(graph: Graph, maker: FeedMaker) -> None:
    kept, changed, ended = maker.release(), maker.release(), maker.release()
    await upsert_releases(graph, [kept, changed, ended])
    batch = [
        kept,
        dataclasses.replace(changed, title="Renamed"),
        dataclasses.replace(ended, rights=dataclasses.replace(ended.rights, end=datetime.now(UTC).date())),
        maker.release(),
    ]

    summary = await upsert_releases(graph, batch)

    assert (summary.created, summary.updated, summary.unchanged, summary.taken_down) == (1, 1, 1, 1)
    assert str(summary) == "1 created, 1 updated, 1 unchanged, 1 taken down"


async def test_redelivery_replaces_credits_without_duplicates(graph: Graph, maker: FeedMaker) -> None:
    release = maker.release(tracks=2)
    await upsert_releases(graph, [release])
    guest = PartyRef(f"{maker.prefix}guest", "Guest")
    main = release.artists[0]
    credited = dataclasses.replace(
        release, artists=(guest, main),
        tracks=tuple(dataclasses.replace(t, artists=(guest,)) for t in release.tracks),
    )

    await upsert_releases(graph, [credited])
    await upsert_releases(graph, [dataclasses.replace(credited, title="Again")])

    got = await links(graph, release.key)
    assert got["albumArtists"] == [(0, guest.key), (1, main.key)]
    assert got["albumOnly"] == sorted([(guest.key,), (main.key,)])
    assert got["albumGenres"] == got["genres"] != []
    assert got["trackArtists"] == sorted((t.key, 0, guest.key) for t in release.tracks)
    assert got["tracksAlbumOnly"] == []


async def test_a_redelivery_that_drops_an_artist_unlinks_its_album_credit(graph: Graph, maker: FeedMaker) -> None:
    release = maker.release(tracks=1)
    guest = PartyRef(f"{maker.prefix}guest", "Guest")
    await upsert_releases(graph, [dataclasses.replace(release, artists=(guest, *release.artists))])

    await upsert_releases(graph, [dataclasses.replace(release, title="Solo again")])

    assert (await links(graph, release.key))["albumOnly"] == [(release.artists[0].key,)]


async def test_dropped_track_stays_on_album_off_sale(graph: Graph, maker: FeedMaker) -> None:
    release = maker.release(tracks=3)
    await upsert_releases(graph, [release])
    shorter = dataclasses.replace(release, tracks=release.tracks[:2])

    await upsert_releases(graph, [shorter])

    tracks = {key: formats for key, formats, _ in (await links(graph, release.key))["tracks"]}
    assert tracks == {t.key: ["MP3_320"] for t in release.tracks[:2]} | {release.tracks[2].key: []}


async def test_a_failing_batch_writes_none_of_its_releases(graph: Graph, maker: FeedMaker) -> None:
    good = maker.release()
    broken_track = dataclasses.replace(maker.release().tracks[0], composer={"not": "a property value"})  # type: ignore[arg-type]
    broken = dataclasses.replace(maker.release(), tracks=(broken_track,))

    with pytest.raises(Neo4jError):
        await upsert_releases(graph, [good, broken])

    assert await graph.read(COMPLETENESS, {"prefix": maker.upcs}) == []


async def test_queries_per_batch_do_not_grow_with_its_size(graph: Graph, maker: FeedMaker) -> None:
    async def cost(releases: list[Release]) -> float:
        before = queries_sent()
        await upsert_releases(graph, releases)
        return queries_sent() - before

    small = await cost([maker.release(tracks=1)])
    large = await cost([maker.release(tracks=9) for _ in range(40)])

    assert small == large


async def test_purchases_are_stored_once_and_counted_once(graph: Graph, maker: FeedMaker) -> None:
    release = maker.release(tracks=2)
    await upsert_releases(graph, [release])
    buyer = await maker.customer(graph)
    line = PurchaseLineRecord(release.tracks[0].key, "MP3_320", Decimal("0.99"), Decimal("0.70"))
    purchases = [
        PurchaseRecord(f"{maker.prefix}p{i}", buyer, datetime(2024, 1, 1 + i, tzinfo=UTC), "GB", "USD", (line,) * (i + 1))
        for i in range(3)
    ]

    assert await insert_purchases(graph, purchases[:2]) == 2
    assert await insert_purchases(graph, purchases) == 1

    sold = sum(len(p.lines) for p in purchases)
    tracks = {key: popularity for key, _, popularity in (await links(graph, release.key))["tracks"]}
    assert tracks == {release.tracks[0].key: sold, release.tracks[1].key: 0}
