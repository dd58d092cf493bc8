"""graph.changes: one change per real change, its kind and fields, concurrent writers numbered in commit order."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from graph import changes
from graph.changes import ChangesPruned, Scope
from graph.driver import Cypher, Graph
from graph.importers import feed, pipeline
from graph.purchases import Bought, Item, Order, buy
from graph.release import Offer, Release
from graph.release_fields import RELEASE_KINDS, ChangeKind
from graph.upsert import upsert_releases
from tests.graph.test_feed_import import FeedMaker

DELETE_CHANGES = Cypher(
    "test_delete_changes", "MATCH (c:Change) WHERE c.releaseKey IN $albums OR c.labelKey = $label DELETE c"
)


class ChangeMaker(FeedMaker):
    """A FeedMaker whose cleanup also removes the changes its releases made."""

    @property
    def label(self) -> str:
        """The label key every release of this maker carries."""
        return f"{self.prefix}label"

    def scope(self, kinds: tuple[str, ...] = tuple(RELEASE_KINDS)) -> Scope:
        """Only this maker's changes."""
        return Scope(frozenset(kinds), frozenset({self.label}))

    async def cleanup(self, graph: Graph) -> None:
        await graph.write(DELETE_CHANGES, {"albums": self.albums, "label": self.label})
        await super().cleanup(graph)


@pytest.fixture
async def maker(graph: Graph) -> AsyncIterator[ChangeMaker]:
    made = ChangeMaker()
    yield made
    await made.cleanup(graph)


async def drain(graph: Graph, after: int, scope: Scope, limit: int = 50) -> list[dict[str, object]]:
    """Every change in scope after a position, page by page."""
    out: list[dict[str, object]] = []
    while True:
        page = await changes.read_changes(graph, after, limit, scope)
        out.extend(page.rows)
        if not page.more:
            return out
        after = page.through


async def test_each_real_change_recorded_once_with_its_kind_and_fields(graph: Graph, maker: ChangeMaker) -> None:
    start, _ = await changes.head(graph)
    release = maker.release()
    await upsert_releases(graph, [release])
    await upsert_releases(graph, [release])  # redelivered unchanged: nothing
    renamed = dataclasses.replace(release, title="Renamed")
    await upsert_releases(graph, [renamed])
    dearer = tuple(dataclasses.replace(t, offers=(Offer("MP3_320", Decimal("1.29")),)) for t in renamed.tracks)
    repriced = dataclasses.replace(renamed, tracks=dearer)
    await upsert_releases(graph, [repriced])
    ended = dataclasses.replace(repriced, rights=dataclasses.replace(repriced.rights, end=datetime.now(UTC).date()))
    await upsert_releases(graph, [ended])

    seen = await drain(graph, start, maker.scope())

    assert [(c["kind"], c["fields"]) for c in seen] == [
        ("CREATED", []), ("UPDATED", ["title"]), ("RIGHTS_CHANGED", ["trackOffers"]), ("TAKEN_DOWN", ["rightsEnd"]),
    ]
    assert {c["releaseKey"] for c in seen} == {release.key}
    assert all(c["labelKey"] == maker.label and c["upc"] == release.upc for c in seen)
    seqs = [int(str(c["seq"])) for c in seen]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 4


async def test_product_fields_are_named_when_they_change(graph: Graph, maker: ChangeMaker) -> None:
    start, _ = await changes.head(graph)
    release = maker.release()
    await upsert_releases(graph, [release])
    noted = dataclasses.replace(release, copyright="© 2026 A Label", phonographic_copyright="℗ 2026 A Label")
    await upsert_releases(graph, [noted])
    loud = (dataclasses.replace(noted.tracks[0], explicit=True), *noted.tracks[1:])
    await upsert_releases(graph, [dataclasses.replace(noted, tracks=loud, explicit=True)])

    seen = await drain(graph, start, maker.scope())

    assert [(c["kind"], c["fields"]) for c in seen] == [
        ("CREATED", []), ("UPDATED", ["copyright", "phonographicCopyright"]), ("UPDATED", ["explicit"]),  # a track's flag too
    ]


async def test_album_and_tracks_carry_when_they_were_last_written(graph: Graph, maker: ChangeMaker) -> None:
    release = maker.release()
    before = datetime.now(UTC) - timedelta(seconds=5)
    await upsert_releases(graph, [release])
    rows = await graph.read(
        Cypher("test_updated_at", "MATCH (t:Track)-[:ON_ALBUM]->(a:Album {key: $k}) RETURN a.updatedAt AS a, t.updatedAt AS t"),
        {"k": release.key},
    )
    assert len(rows) == 3
    assert all(r["a"] >= before and r["t"] >= before for r in rows)


def feed_of(maker: ChangeMaker, count: int, tmp: Path, name: str) -> tuple[list[Release], Path]:
    releases = [maker.release(tracks=1) for _ in range(count)]
    return releases, maker.write(releases, tmp, name)


async def test_two_imports_at_once_each_change_exactly_once_in_order(
    graph: Graph, maker: ChangeMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "RELEASE_BATCH", 3)  # many small transactions, racing each other
    first, _ = feed_of(maker, 60, tmp_path, "a.jsonl")
    second, _ = feed_of(maker, 60, tmp_path, "b.jsonl")
    start, _ = await changes.head(graph)
    scope = maker.scope()
    seen: list[dict[str, object]] = []
    done = asyncio.Event()

    async def follow() -> None:
        after = start
        while True:
            finished = done.is_set()
            page = await changes.read_changes(graph, after, 7, scope)
            seen.extend(page.rows)
            after = page.through
            if finished and not page.more:
                return
            await asyncio.sleep(0 if page.more else 0.01)

    async def imports() -> None:
        await asyncio.gather(feed.load(graph, first, quiet=True), feed.load(graph, second, quiet=True))
        done.set()

    await asyncio.gather(follow(), imports())

    keys = [c["releaseKey"] for c in seen]
    assert sorted(map(str, keys)) == sorted(r.key for r in first + second)  # every change exactly once
    seqs = [int(str(c["seq"])) for c in seen]
    assert seqs == sorted(seqs)  # in commit order
    everything = await drain(graph, start, Scope(frozenset(RELEASE_KINDS)), limit=100)
    mine = [int(str(c["seq"])) for c in everything if c.get("labelKey") == maker.label]
    assert mine == seqs


SKIP_A_NUMBER = Cypher(
    "test_skip_a_number",
    """
    MATCH (s:ChangeSequence {key: 'changes'})
    SET s.next = s.next + 2
    CREATE (:Change {seq: s.next, kind: 'CREATED', releaseKey: $key, labelKey: $label, fields: [], at: $at})
    """,
)


@pytest.mark.parametrize(("age", "stepped_over"), [(timedelta(0), False), (changes.GAP_SETTLE * 2, True)])
async def test_a_reader_stops_before_a_number_it_cannot_see_yet(
    graph: Graph, maker: ChangeMaker, age: timedelta, stepped_over: bool
) -> None:
    await upsert_releases(graph, [maker.release()])  # the counter exists
    start, _ = await changes.head(graph)
    # As a reader sees a transaction still becoming visible: the number before this one is missing.
    await graph.write(SKIP_A_NUMBER, {"key": maker.albums[0], "label": maker.label, "at": datetime.now(UTC) - age})

    page = await changes.read_changes(graph, start, 10, maker.scope())

    assert [r["seq"] for r in page.rows] == ([start + 2] if stepped_over else [])
    assert page.through == (start + 2 if stepped_over else start)
    assert page.more is not stepped_over


async def test_a_sale_is_recorded_with_its_release_and_label(graph: Graph, maker: ChangeMaker) -> None:
    release = maker.release()
    await upsert_releases(graph, [release])
    customer = await maker.customer(graph)
    start, _ = await changes.head(graph)
    items = (Item("Track", release.tracks[0].key, "MP3_320", "a"), Item("Track", release.tracks[1].key, "MP3_320", "b"))
    bought = await buy(graph, Order(customer, "GB", "sale-1", items), datetime.now(UTC))
    assert isinstance(bought, Bought)

    sold = await drain(graph, start, maker.scope(("SOLD",)))

    assert [(c["kind"], c["releaseKey"], c["units"], c["gross"], c["purchaseKey"]) for c in sold] == [
        (ChangeKind.SOLD.value, release.key, 2, "1.98", bought.row["key"])
    ]
    assert await drain(graph, start, maker.scope()) == []  # not a catalog change


async def test_pruned_changes_refuse_an_older_position(graph: Graph, maker: ChangeMaker) -> None:
    start, _ = await changes.head(graph)
    await upsert_releases(graph, [maker.release()])
    await changes.prune(graph, datetime.now(UTC) - timedelta(days=1))  # nothing that old from here on
    assert len(await drain(graph, start, maker.scope())) == 1

    await changes.prune(graph, datetime.now(UTC) + timedelta(seconds=1))

    _, pruned = await changes.head(graph)
    assert pruned > start
    with pytest.raises(ChangesPruned):
        await changes.read_changes(graph, start, 10, maker.scope())
    assert (await changes.read_changes(graph, None, 10, maker.scope())).rows == []


async def test_numbers_are_dense_with_sales_and_imports_racing(
    graph: Graph, maker: ChangeMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "RELEASE_BATCH", 2)
    on_sale = maker.release(tracks=12)
    await upsert_releases(graph, [on_sale])
    customer = await maker.customer(graph)
    start, _ = await changes.head(graph)
    orders = [  # a track each: a track already owned would be refused (ALREADY_OWNED), not sold again
        Order(customer, "GB", f"race-{i}", (Item("Track", on_sale.tracks[i].key, "MP3_320", "t"),))
        for i in range(12)
    ]

    await asyncio.gather(
        feed.load(graph, [maker.release(tracks=1) for _ in range(20)], quiet=True),
        *(buy(graph, order, datetime.now(UTC)) for order in orders),
    )

    newest, _ = await changes.head(graph)
    every = await drain(graph, start, Scope(frozenset(RELEASE_KINDS) | {"SOLD"}), limit=100)
    assert [c["seq"] for c in every] == list(range(start + 1, newest + 1))  # none skipped, none twice
    mine = [c for c in every if c.get("labelKey") == maker.label]
    assert sorted(str(c["kind"]) for c in mine) == ["CREATED"] * 20 + ["SOLD"] * 12
