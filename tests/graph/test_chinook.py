"""The Chinook import against the SQLite file it came from."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from graph.driver import Cypher, Graph
from graph.importers import chinook
from graph.slug import slugify
from tests.conftest import chinook_path

COUNT = {
    "Artist": Cypher("t_count_artists", "MATCH (n:Artist) WHERE n.key =~ '[0-9]+' RETURN count(n) AS n"),
    "Album": Cypher("t_count_albums", "MATCH (n:Album) WHERE n.key =~ '[0-9]+' RETURN count(n) AS n"),
    "Track": Cypher("t_count_tracks", "MATCH (n:Track) WHERE n.key =~ '[0-9]+' RETURN count(n) AS n"),
    "Customer": Cypher("t_count_customers", "MATCH (n:Customer) WHERE n.key =~ '[0-9]+' RETURN count(n) AS n"),
    "Invoice": Cypher("t_count_purchases", "MATCH (n:Purchase) WHERE n.key =~ '[0-9]+' RETURN count(n) AS n"),
}
LINES = Cypher(
    "t_count_lines",
    "MATCH (p:Purchase)-[l:LINE]->(:Track) WHERE p.key =~ '[0-9]+' RETURN count(l) AS n, collect(l.price) AS prices",
)
GENRE_KEYS = Cypher("t_genre_keys", "MATCH (g:Genre) RETURN collect(g.key) AS keys")
SNAPSHOT = Cypher(
    "t_snapshot",
    """
    MATCH (n) WHERE n:Artist OR n:Album OR n:Track OR n:Genre OR n:Customer OR n:Purchase
    OPTIONAL MATCH (n)-[r]->()
    RETURN count(DISTINCT n) AS nodes, count(r) AS rels
    """,
)


@pytest.mark.parametrize("label", sorted(COUNT))
async def test_counts_match_sqlite(graph: Graph, sqlite: sqlite3.Connection, label: str) -> None:
    expected = sqlite.execute(f"SELECT count(*) FROM {label}").fetchone()[0]  # noqa: S608
    rows = await graph.read(COUNT[label])
    assert rows[0]["n"] == expected


async def test_invoice_lines_and_prices(graph: Graph, sqlite: sqlite3.Connection) -> None:
    count, total = sqlite.execute("SELECT sum(Quantity), sum(UnitPrice * Quantity) FROM InvoiceLine").fetchone()
    row = (await graph.read(LINES))[0]
    assert row["n"] == count
    assert sum(Decimal(p) for p in row["prices"]) == Decimal(str(round(total, 2)))


async def test_genres_are_slugs_of_every_name(graph: Graph, sqlite: sqlite3.Connection) -> None:
    names = [r[0] for r in sqlite.execute("SELECT Name FROM Genre")]
    keys = set((await graph.read(GENRE_KEYS))[0]["keys"])
    assert {slugify(n) for n in names} <= keys
    assert "alternative-punk" in keys


async def test_import_twice_changes_nothing(graph: Graph) -> None:
    before = (await graph.read(SNAPSHOT))[0]
    report = await chinook.load(graph, chinook.read_chinook(chinook_path()), quiet=True)
    after = (await graph.read(SNAPSHOT))[0]
    assert after == before
    assert "0 created, 0 updated" in report
    assert "0 new purchases" in report


def test_album_offers_are_cheaper_than_the_tracks() -> None:
    store = chinook.read_chinook(chinook_path())
    for release in store.releases:
        for offer in release.album_offers:
            tracks_sum = sum(o.price for t in release.tracks for o in t.offers if o.format == offer.format)
            assert Decimal(0) < offer.price < tracks_sum


def test_disc_and_track_numbers_follow_track_order() -> None:
    store = chinook.read_chinook(chinook_path())
    for release in store.releases:
        assert [t.track_number for t in release.tracks] == list(range(1, len(release.tracks) + 1))
        assert [int(t.key) for t in release.tracks] == sorted(int(t.key) for t in release.tracks)
        assert {t.disc_number for t in release.tracks} <= {1}
