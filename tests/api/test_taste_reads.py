"""Held customers' panel reads asked at once: one query, each reader its own answer, purchases seen."""

from __future__ import annotations

import asyncio

import pytest
from neo4j.exceptions import ClientError

from api.taste_reads import TasteReads
from graph import bookmarks, panels
from graph.driver import Cypher, Graph, queries_sent
from tests.api.recs_world import World, buy_past
from tests.api.recs_world import world as world  # the module's fixture

TOUCH = Cypher("t_taste_reads_touch", "MERGE (m:SchemaMigration {key: 't-taste-reads'}) DELETE m")


async def customers(world: World, n: int) -> dict[str, int]:
    """`n` new customers with a purchase each, by key, with their purchase counts."""
    made = [await world.made.customer("GB") for _ in range(n)]
    for i, customer in enumerate(made):
        await buy_past(world.made.graph, customer, [world.A.tracks[i % len(world.A.tracks)].key], "GB", 0)
    tastes = await panels.customer_tastes(world.made.graph, made)
    return {c: t.purchases for c, t in zip(made, tastes, strict=True) if t is not None}


async def test_held_reads_asked_together_go_as_one_query_each_with_its_own_answer(world: World) -> None:
    held = await customers(world, 4)
    reads = TasteReads(world.made.graph, in_flight=1)
    before = queries_sent()

    got = await asyncio.gather(*(reads.read([c], {c: n}) for c, n in held.items()))

    assert queries_sent() - before == 1
    alone = [await panels.customer_tastes(world.made.graph, [c], {c: n}) for c, n in held.items()]
    assert got == alone
    assert [t[0].customer["key"] for t in got if t[0] is not None and t[0].customer] == list(held)


async def test_a_purchase_made_before_the_read_is_seen(world: World) -> None:
    [(customer, count)] = (await customers(world, 1)).items()
    reads = TasteReads(world.made.graph)
    await buy_past(world.made.graph, customer, [world.B.tracks[0].key], "GB", 1)

    [taste] = await reads.read([customer], {customer: count})

    assert taste is not None
    assert (taste.purchases, taste.known) == (count + 1, False)
    assert world.B.tracks[0].key in taste.inputs


async def test_a_customer_not_held_is_read_whole_and_alone(world: World) -> None:
    held = await customers(world, 3)
    first, *others = held
    reads = TasteReads(world.made.graph, in_flight=1)
    before = queries_sent()

    whole, *light = await asyncio.gather(
        reads.read([first], {}), *(reads.read([c], {c: held[c]}) for c in others)
    )

    assert queries_sent() - before == 2
    assert whole[0] is not None
    assert not whole[0].known
    assert whole[0].inputs
    assert all(t[0] is not None and t[0].known and not t[0].inputs for t in light)


async def test_readers_holding_different_counts_both_get_a_whole_read(world: World) -> None:
    [(customer, count)] = (await customers(world, 1)).items()
    reads = TasteReads(world.made.graph, in_flight=1)

    got = await asyncio.gather(reads.read([customer], {customer: count}), reads.read([customer], {customer: count - 1}))

    assert all(t[0] is not None and not t[0].known and t[0].inputs for t in got)


async def test_a_read_in_a_causal_scope_with_bookmarks_goes_alone(world: World) -> None:
    held = await customers(world, 2)
    reads = TasteReads(world.made.graph, in_flight=1)
    with bookmarks.causal() as scope:
        await world.made.graph.write(TOUCH)
        assert scope.bookmarks() is not None
        before = queries_sent()
        await asyncio.gather(*(reads.read([c], {c: n}) for c, n in held.items()))
    assert queries_sent() - before == 2


async def test_a_failed_batch_fails_each_of_its_readers(world: World) -> None:
    held = await customers(world, 2)
    missing = Graph(world.made.graph.driver, "no-such-database")
    reads = TasteReads(missing, in_flight=1)

    got = await asyncio.gather(*(reads.read([c], {c: n}) for c, n in held.items()), return_exceptions=True)

    assert len(got) == 2
    assert all(isinstance(e, ClientError) for e in got), got
    with pytest.raises(ClientError):  # and the next read is sent, not left waiting
        await reads.read(list(held)[:1], {c: n for c, n in held.items()})
