"""A signed-in customer's panel held per process: one light read when nothing they own changed, a new one when it did."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from api.panel_cache import PanelCache
from graph.panels import Taste
from graph.purchase_history import CustomerRow
from graph.upsert import upsert_releases
from recommend import store
from settings import Settings
from tests.api.recs_world import World, buy_past, served, track_ids
from tests.api.recs_world import world as world  # the module's fixture
from tests.store_support import ask, gid

PANEL = "query($n: Int) { viewer { recommendations(first: $n) { score track { id title album { id title } } because { id } } } }"
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename } }"""


async def panel(w: World, gql: Any, customer: str, n: int = 10) -> tuple[list[Any], float]:
    body = await ask(gql, PANEL, {"n": n}, headers=w.headers(customer))
    assert "errors" not in body, body
    return body["data"]["viewer"]["recommendations"], gql.last_cypher


async def fresh(w: World, settings: Settings, tmp_path: Path, customer: str, n: int = 10) -> list[Any]:
    """The panel as a process that holds nothing makes it."""
    store.save(w.model, tmp_path)
    async with served(settings, tmp_path, poll=60) as (_, gql):
        return (await panel(w, gql, customer, n))[0]


async def test_a_repeated_panel_reads_only_what_the_customer_owns(world: World, settings: Settings,
                                                                  tmp_path: Path) -> None:
    await panel(world, world.gql, world.buyer)  # the sale index of this catalog version is built
    customer = await world.made.customer("GB")
    await buy_past(world.made.graph, customer, [world.A.tracks[0].key], "GB", 0)
    first, spent = await panel(world, world.gql, customer)
    assert spent == 2  # the customer with neighbours, then the rows shown
    again, spent = await panel(world, world.gql, customer)
    assert (again, spent) == (first, 1)  # what they own, no neighbours: the panel held is still theirs
    fewer, spent = await panel(world, world.gql, customer, n=4)
    assert spent == 2  # another size: ranked again with the neighbours held, its rows read
    assert fewer == await fresh(world, settings, tmp_path, customer, n=4)


async def test_a_purchase_makes_a_new_panel_at_once(world: World) -> None:
    customer = await world.made.customer("GB")
    await buy_past(world.made.graph, customer, [world.A.tracks[0].key], "GB", 0)
    before, _ = await panel(world, world.gql, customer)
    c0 = gid("Track", world.C.tracks[0].key)
    variables = {"input": {"items": [{"id": c0, "format": "MP3_320"}], "territory": "GB", "idempotencyKey": "pc1"}}
    bought = await ask(world.gql, BUY, variables, headers=world.headers(customer, "purchases:write"))
    assert bought["data"]["purchase"]["__typename"] == "Purchase", bought
    after, spent = await panel(world, world.gql, customer)
    assert spent == 2
    assert after != before
    assert c0 not in {r["track"]["id"] for r in after}
    assert {r["track"]["id"] for r in after} & track_ids(world.D)


async def test_a_catalog_write_reads_the_neighbours_again(world: World, settings: Settings, tmp_path: Path) -> None:
    customer = await world.made.customer("GB")
    await buy_past(world.made.graph, customer, [world.A.tracks[0].key, world.C.tracks[1].key], "GB", 0)
    await panel(world, world.gql, customer)
    await upsert_releases(world.made.graph, [replace(world.N, title="Retitled")])  # the catalog version moves
    try:
        await panel(world, world.gql, world.buyer)  # the sale index of the new version is built
        after, spent = await panel(world, world.gql, customer)
        assert spent == 3  # told the neighbours were held, found them of the old version, read them whole
        assert after == await fresh(world, settings, tmp_path, customer)
    finally:
        await upsert_releases(world.made.graph, [world.N])


async def test_turned_off_every_panel_is_made_anew(world: World, settings: Settings, tmp_path: Path) -> None:
    store.save(world.model, tmp_path)
    async with served(dataclasses.replace(settings, panel_cache=0), tmp_path, poll=60) as (app, gql):
        assert app.state.services.panel_cache is None
        first, _ = await panel(world, gql, world.buyer)
        again, spent = await panel(world, gql, world.buyer)
        assert (again, spent) == (first, 2)


def test_the_least_recently_used_customers_go_first() -> None:
    cache = PanelCache(2)
    today = date(2026, 12, 1)
    for n, customer in enumerate(("a", "b", "c"), start=1):
        cache.keep(customer, Taste(None, [f"{customer}1"], {}, catalog=7, purchases=n), today)
        if customer == "b":
            assert cache.known(["a"], today) == {"a": 1}  # a used: b goes when c comes
    assert cache.known(["a", "b", "c"], today) == {"a": 1, "c": 3}
    assert cache.known(["a"], today + timedelta(days=1)) == {}  # another day: read again
    assert cache.complete("a", Taste(None, [], {}, catalog=8, known=True, purchases=1), today) is None  # catalog moved
    assert cache.complete("a", Taste(None, [], {}, catalog=7, known=True, purchases=2), today) is None  # one more
    row = CustomerRow(key="a", country="GB")
    held = cache.complete("a", Taste(row, [], {}, catalog=7, known=True, purchases=1), today)
    assert held == Taste(row, ["a1"], {}, catalog=7, purchases=1)  # the inputs held, put back


def test_a_customer_of_a_long_history_weighs_what_they_own() -> None:
    cache = PanelCache(2)
    today = date(2026, 12, 1)
    heavy = [f"t{i}" for i in range(10_000)]  # far past what two customers' share may hold
    cache.keep("light", Taste(None, ["x"], {}, catalog=7, purchases=1), today)
    cache.keep("heavy", Taste(None, heavy, {}, catalog=7, purchases=9), today)
    assert cache.known(["light", "heavy"], today) == {"light": 1}
