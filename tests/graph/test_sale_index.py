"""The in-memory sale index: the same answers as `on_sale` for every album, territory and day; rebuilt per version."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.driver import Cypher, Graph
from graph.rights import on_sale
from graph.sale_index import SaleIndexBuilder, SaleIndexes, build

DAY = date(2026, 12, 1)
CODES = ["GB", "US", "DE", "*"]
days = st.one_of(st.none(), st.integers(-3, 3).map(lambda n: DAY + timedelta(days=n)))
albums = st.fixed_dictionaries({
    "rightsStart": days,
    "rightsEnd": days,
    "territories": st.lists(st.sampled_from(CODES), max_size=3, unique=True),
    "offered": st.booleans(),
})


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(albums, min_size=1, max_size=8),
    territory=st.one_of(st.none(), st.sampled_from(["GB", "us", "De", "FR"])),
    shift=st.integers(-4, 4),
)
def test_the_index_agrees_with_on_sale(rows: list[dict[str, Any]], territory: str | None, shift: int) -> None:
    day = DAY + timedelta(days=shift)
    positions = {f"t{n}": n for n in range(len(rows) + 1)}  # t{len} is a track of no album
    builder = SaleIndexBuilder(positions)
    for n, row in enumerate(rows):
        builder.add(f"a{n}", row["rightsStart"], row["rightsEnd"], row["territories"], [f"t{n}"] if row["offered"] else [])
    index = builder.finish(version=7)
    allowed = index.allows(positions, territory, day)
    for n, row in enumerate(rows):
        assert index.album_open(f"a{n}", territory, day) == on_sale(row, territory, day)
        assert allowed(f"t{n}") == (row["offered"] and on_sale(row, territory, day))
    assert allowed(f"t{len(rows)}") is False
    assert index.album_open("unknown", territory, day) is None


SOME_TRACKS = Cypher(
    "test_some_tracks",
    """
    MATCH (t:Track)-[:ON_ALBUM]->(a:Album) WHERE size(coalesce(t.offerFormats, [])) > 0
    RETURN t.key AS key, a{.*} AS album ORDER BY t.key LIMIT 50
    """,
)


async def test_an_index_built_from_the_graph_allows_what_on_sale_allows(graph: Graph) -> None:
    rows = await graph.read(SOME_TRACKS)
    positions = {r["key"]: n for n, r in enumerate(rows)}
    index = await build(graph, {**positions, "no such track": len(positions)}, version=1)
    for territory in ("GB", "US", None):
        allowed = index.allows(positions, territory, DAY)
        assert [allowed(r["key"]) for r in rows] == [on_sale(r["album"], territory, DAY) for r in rows]
    assert index.album_of[len(positions)] == -1


async def test_a_moved_version_is_rebuilt_while_the_last_index_answers(graph: Graph) -> None:
    rows = await graph.read(SOME_TRACKS)
    positions = {r["key"]: n for n, r in enumerate(rows)}
    indexes = SaleIndexes(graph)
    first = await indexes.index(positions, 1)
    assert first.version == 1
    assert await indexes.index(positions, 1) is first
    assert await indexes.index(positions, 2) is first  # stale, while version 2 is built
    for _ in range(500):
        latest = await indexes.index(positions, 2)
        if latest.version == 2:
            break
        await asyncio.sleep(0.01)
    assert latest is not first
    assert latest.version == 2
    other = {key: n for n, key in enumerate(reversed(list(positions)))}
    fresh = await indexes.index(other, 2)  # a new item list (a new model) waits for its own
    assert fresh is not latest
    assert fresh.version == 2
    assert await indexes.index(positions, 2) is latest
