"""`tunegraph import feed`: idempotence, updates in place, takedowns, rejected files, killed imports."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import cli
from api.ids import to_global
from graph.driver import Cypher, Graph
from graph.importers import feed
from graph.importers.feed_limits import MAX_LINE_BYTES, MAX_TITLE_CHARS
from graph.importers.feed_validation import parse_feed_file
from graph.importers.feed_writer import write_feed
from graph.importers.synthetic_codes import gtin13
from graph.purchase_writes import insert_purchases, upsert_customers
from graph.release import (
    CustomerRecord,
    Offer,
    PartyRef,
    PurchaseLineRecord,
    PurchaseRecord,
    Release,
    Rights,
    TrackRecord,
)
from graph.rights import on_sale
from settings import PROJECT_ROOT, Settings

SNAPSHOT = Cypher(
    "test_feed_snapshot",
    """
    UNWIND $keys AS k
    MATCH (a:Album {key: k})
    CALL (a) {
      MATCH (a)-[r]->(x) RETURN collect([type(r), properties(r), x.key]) AS albumLinks
    }
    CALL (a) {
      MATCH (t:Track)-[:ON_ALBUM]->(a)
      OPTIONAL MATCH (t)-[r:BY|IN_GENRE]->(x)
      WITH t, collect([type(r), properties(r), x.key]) AS links
      RETURN collect([elementId(t), properties(t), links]) AS tracks
    }
    RETURN k AS key, elementId(a) AS id, properties(a) AS album, albumLinks, tracks
    """,
)
COMPLETENESS = Cypher(
    "test_feed_completeness",
    """
    MATCH (a:Album) WHERE a.key STARTS WITH $prefix
    OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a)
    RETURN a.key AS key, a.trackCount AS declared, count(t) AS tracks
    """,
)
DELETE_TEST_DATA = Cypher(
    "test_feed_delete",
    """
    UNWIND $albums AS k
    MATCH (a:Album {key: k})
    OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a)
    DETACH DELETE t, a
    """,
)
DELETE_BY_PREFIX = Cypher(
    "test_feed_delete_prefix",
    """
    CALL () { MATCH (c:Customer) WHERE c.key STARTS WITH $prefix
              OPTIONAL MATCH (c)-[:MADE]->(p:Purchase) DETACH DELETE p, c }
    CALL () { MATCH (a:Album) WHERE a.key STARTS WITH $upcs
              OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a) DETACH DELETE t, a }
    CALL () { MATCH (x:Artist) WHERE x.key STARTS WITH $prefix DETACH DELETE x }
    CALL () { MATCH (x:Label) WHERE x.key STARTS WITH $prefix DETACH DELETE x }
    CALL () { MATCH (x:Genre) WHERE x.key STARTS WITH $prefix DETACH DELETE x }
    """,
)


class FeedMaker:
    """Releases with keys unique to one test: UPCs `0994<run>...`, ISRCs `XX<run>...`, parties `t4-<run>-`."""

    def __init__(self) -> None:
        run = uuid.uuid4().int
        self.upc_prefix = f"0994{run % 10**4:04d}"
        self.isrc_prefix = f"XX{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[run % 26]}QZ{run // 26 % 100:02d}"
        self.prefix = f"t4-{run % 16**8:08x}-"
        self.upcs = self.upc_prefix
        self.albums: list[str] = []
        self.customers = 0

    def release(self, tracks: int = 3, **changes: Any) -> Release:
        """A new worldwide album of `tracks` tracks at 0.99 each, 2.49 whole."""
        n = len(self.albums)
        upc = gtin13(f"{self.upc_prefix}{n:04d}")
        self.albums.append(upc)
        artist = PartyRef(f"{self.prefix}artist", "Feed Test Artist")
        genre = f"{self.prefix}genre"
        release = Release(
            key=upc, upc=upc, title=f"Feed Album {n}", type="ALBUM", artists=(artist,), genres=(genre,),
            rights=Rights(territories=("*",), royalty_rate=Decimal("0.70"), start=date(2020, 1, 1)),
            currency="USD", album_offers=(Offer("MP3_320", Decimal("2.49")),),
            release_date=date(2020, 1, 1), label=PartyRef(f"{self.prefix}label", "Feed Test Label"),
            tracks=tuple(
                TrackRecord(
                    key=(isrc := f"{self.isrc_prefix}{n * 10 + i:05d}"), isrc=isrc, title=f"Feed Track {n}.{i}",
                    duration_ms=200_000 + i, disc_number=1, track_number=i + 1, artists=(artist,),
                    offers=(Offer("MP3_320", Decimal("0.99")),), genre=genre,
                )
                for i in range(tracks)
            ),
        )
        return dataclasses.replace(release, **changes)

    def write(self, releases: list[Release], folder: Path, name: str = "feed.jsonl") -> Path:
        """A feed file of these releases (read back through the validator, as the importer does)."""
        path = folder / name
        write_feed(releases, path)
        assert parse_feed_file(path) == releases
        return path

    async def customer(self, graph: Graph) -> str:
        """A new customer's key."""
        key = f"{self.prefix}c{self.customers}"
        self.customers += 1
        await upsert_customers(graph, [CustomerRecord(key, "GB", "Feed Buyer", "f@example.com")])
        return key

    async def cleanup(self, graph: Graph) -> None:
        """Delete everything made under this maker's keys."""
        await graph.write(DELETE_TEST_DATA, {"albums": self.albums})
        await graph.write(DELETE_BY_PREFIX, {"prefix": self.prefix, "upcs": self.upcs})


@pytest.fixture
async def maker(graph: Graph) -> AsyncIterator[FeedMaker]:
    made = FeedMaker()
    yield made
    await made.cleanup(graph)


async def snapshot(graph: Graph, keys: list[str]) -> dict[str, Any]:
    """Every stored fact of these albums, their tracks and links, in a comparable form."""
    rows = await graph.read(SNAPSHOT, {"keys": keys})
    return {
        r["key"]: (r["id"], r["album"], sorted(map(repr, r["albumLinks"])), sorted(map(repr, r["tracks"])))
        for r in rows
    }


async def test_same_file_twice_changes_nothing(graph: Graph, settings: Settings, maker: FeedMaker, tmp_path: Path) -> None:
    releases = [maker.release(tracks=n) for n in (1, 3, 5)]
    path = maker.write(releases, tmp_path)
    first = await feed.run(settings, path, quiet=True)
    assert "3 created, 0 updated, 0 unchanged, 0 taken down" in first
    before = await snapshot(graph, maker.albums)
    assert sorted(len(v[3]) for v in before.values()) == [1, 3, 5]

    second = await feed.load(graph, parse_feed_file(path), quiet=True)

    assert (second.created, second.updated, second.unchanged, second.taken_down) == (0, 0, 3, 0)
    assert await snapshot(graph, maker.albums) == before


async def test_redelivery_updates_in_place(graph: Graph, maker: FeedMaker, tmp_path: Path) -> None:
    releases = [maker.release(), maker.release()]
    await feed.load(graph, parse_feed_file(maker.write(releases, tmp_path)), quiet=True)
    before = await snapshot(graph, maker.albums)
    changed = dataclasses.replace(
        releases[0], title="Feed Album Corrected",
        album_offers=(Offer("MP3_320", Decimal("1.99")),),
        tracks=tuple(dataclasses.replace(t, offers=(Offer("MP3_320", Decimal("1.09")),)) for t in releases[0].tracks),
    )

    summary = await feed.load(graph, parse_feed_file(maker.write([changed, releases[1]], tmp_path, "v2.jsonl")), quiet=True)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    after = await snapshot(graph, maker.albums)
    key = releases[0].key
    assert after[key][0] == before[key][0]  # the same node, updated
    assert after[key][1]["title"] == "Feed Album Corrected"
    assert after[key][1]["offerPrices"] == ["1.99"]
    assert len(after[key][3]) == len(releases[0].tracks)
    assert all("'offerPrices': ['1.09']" in t for t in after[key][3])
    assert after[releases[1].key] == before[releases[1].key]


async def test_takedown_ends_offers_but_keeps_past_purchases(graph: Graph, gql: Any, maker: FeedMaker, tmp_path: Path) -> None:
    release = maker.release()
    await feed.load(graph, parse_feed_file(maker.write([release], tmp_path)), quiet=True)
    buyer = await maker.customer(graph)
    track = release.tracks[0]
    await insert_purchases(graph, [PurchaseRecord(
        key=f"{maker.prefix}p0", customer_key=buyer, purchased_at=datetime(2024, 5, 1, tzinfo=UTC),
        territory="GB", currency="USD",
        lines=(PurchaseLineRecord(track.key, "MP3_320", Decimal("0.99"), Decimal("0.70")),),
    )])
    today = datetime.now(UTC).date()
    ended = dataclasses.replace(release, rights=dataclasses.replace(release.rights, end=today))

    summary = await feed.load(graph, parse_feed_file(maker.write([ended], tmp_path, "takedown.jsonl")), quiet=True)

    assert summary.taken_down == 1
    album = (await snapshot(graph, [release.key]))[release.key][1]
    assert not on_sale(album, None, today)
    assert on_sale(album, None, today - timedelta(days=1))
    gid = to_global("Album", release.key)
    body = await gql("query($id: ID!) { node(id: $id) { ... on Album { title offers { format } } } }", {"id": gid})
    assert body["data"]["node"] == {"title": release.title, "offers": []}, body
    lines = await graph.read(
        Cypher("test_feed_lines", "MATCH (:Customer {key: $c})-[:MADE]->(:Purchase)-[:LINE]->(t:Track)-[:ON_ALBUM]->(a:Album) "
                                  "RETURN t.key AS track, a.key AS album"),
        {"c": buyer},
    )
    assert lines == [{"track": track.key, "album": release.key}]


async def test_invalid_file_writes_nothing_and_lists_every_problem(
    graph: Graph, maker: FeedMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = maker.release()
    path = maker.write([good], tmp_path)
    bad_isrc = path.read_text().replace(f'"isrc":"{good.tracks[1].key}"', '"isrc":"NOT-AN-ISRC"')
    no_title = path.read_text().replace(f'"title":"{good.title}"', '"title":""').replace(good.key, gtin13(f"{maker.upc_prefix}9999"))
    path.write_text(path.read_text() + bad_isrc + "\n" + no_title)

    status = await asyncio.to_thread(cli.main, ["import", "feed", str(path)])

    err = capsys.readouterr().err
    assert status != 0
    assert "line 2: tracks[1].isrc: not a valid ISRC" in err
    assert "line 2: upc: duplicate UPC, also on line 1" in err
    assert "line 4: title" in err
    assert await graph.read(COMPLETENESS, {"prefix": maker.upcs}) == []


async def test_an_oversized_field_or_line_writes_nothing(
    graph: Graph, maker: FeedMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "feed.jsonl"
    write_feed([maker.release(), maker.release(title="x" * (MAX_TITLE_CHARS + 1))], path)
    oversized = '{"title": "' + "x" * MAX_LINE_BYTES + '"}\n'
    with path.open("a") as handle:
        handle.write(oversized)

    status = await asyncio.to_thread(cli.main, ["import", "feed", str(path)])

    err = capsys.readouterr().err
    assert status != 0
    assert f"line 2: title: too long: {MAX_TITLE_CHARS + 1} characters (at most {MAX_TITLE_CHARS})" in err
    assert f"line 3: too long: {len(oversized)} bytes (a line may take at most {MAX_LINE_BYTES})" in err
    assert await graph.read(COMPLETENESS, {"prefix": maker.upcs}) == []  # not even the valid line 1


async def test_killed_import_leaves_no_partial_release_and_rerun_finishes(
    graph: Graph, maker: FeedMaker, tmp_path: Path
) -> None:
    releases = [maker.release(tracks=1 + n % 9) for n in range(1_200)]
    path = maker.write(releases, tmp_path, "big.jsonl")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", "import", "feed", str(path),
        cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        while not await graph.read(COMPLETENESS, {"prefix": maker.upcs}):  # the first batch committed
            assert proc.returncode is None, "the import ended before it could be interrupted"
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        await asyncio.wait_for(proc.wait(), timeout=30)
    assert proc.returncode == -signal.SIGKILL

    partial = await graph.read(COMPLETENESS, {"prefix": maker.upcs})
    expected = {r.key: len(r.tracks) for r in releases}
    assert 0 < len(partial) < len(releases)
    assert all(row["tracks"] == row["declared"] == expected[row["key"]] for row in partial)

    summary = await feed.load(graph, parse_feed_file(path), quiet=True)

    assert (summary.created, summary.unchanged) == (len(releases) - len(partial), len(partial))
    done = await graph.read(COMPLETENESS, {"prefix": maker.upcs})
    assert {row["key"]: row["tracks"] for row in done} == expected
