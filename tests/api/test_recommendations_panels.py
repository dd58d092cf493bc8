"""Recommendation panels: at most two Cypher round trips each, and no catalog write slips past the sale index."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from graph.release import Rights
from graph.upsert import upsert_releases
from tests.api.recs_world import World, ids, mine, recommend, track_ids
from tests.api.recs_world import world as world  # the module's fixture
from tests.store_support import ask, gid

SHOWN = "id title album { id title }"
RECOMMENDATION = f"score track {{ {SHOWN} }} because {{ id title }}"
Panel = tuple[str, dict[str, Any], dict[str, str], str | None]
"""The query, its variables and headers, and the same query without the panel (None: the panel is all of it)."""


def viewer_panel(w: World) -> Panel:
    return f"{{ viewer {{ recommendations(first: 10) {{ {RECOMMENDATION} }} }} }}", {}, w.headers(w.buyer), None


def seeds_panel(w: World) -> Panel:
    query = f"query($s: [ID!]!) {{ recommend(seeds: $s, first: 10) {{ {RECOMMENDATION} }} }}"
    return query, {"s": [gid("Track", w.A.tracks[0].key), gid("Album", w.C.key)]}, {}, None


def node_panel(type_name: str, field: str, shown: str) -> Callable[[World], Panel]:
    def panel(w: World) -> Panel:
        key = {"Track": w.A.tracks[0].key, "Album": w.A.key, "Artist": w.A.artists[0].key}[type_name]
        query = f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ id {field} {{ {shown} }} }} }} }}"
        bare = f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ id }} }} }}"
        return query, {"id": gid(type_name, key)}, {}, bare

    return panel


PANELS = {
    "viewer.recommendations": viewer_panel,
    "recommend(seeds:)": seeds_panel,
    "Track.alsoBought": node_panel("Track", "alsoBought(first: 10)", SHOWN),
    "Album.alsoBought": node_panel("Album", "alsoBought(first: 5)", "id title"),
    "Artist.related": node_panel("Artist", "related(first: 10)", "id name"),
}


async def cypher_cost(w: World, query: str, variables: dict[str, Any], headers: dict[str, str]) -> float:
    body = await ask(w.gql, query, variables, headers=headers)
    assert "errors" not in body, body
    assert _panel_of(body), body
    return w.gql.last_cypher


def _panel_of(body: dict[str, Any]) -> list[Any]:
    data = body["data"]
    if "viewer" in data:
        return list(data["viewer"]["recommendations"])
    if "recommend" in data:
        return list(data["recommend"])
    node = data["node"]
    return list(next(v for k, v in node.items() if k != "id"))


@pytest.mark.parametrize("name", list(PANELS))
async def test_each_panel_costs_at_most_two_cypher_round_trips(world: World, name: str) -> None:
    query, variables, headers, bare = PANELS[name](world)
    await ask(world.gql, query, variables, headers=headers)  # the sale index of this catalog version is built
    spent = await cypher_cost(world, query, variables, headers)
    if bare is not None:
        await ask(world.gql, bare, variables, headers=headers)
        spent -= world.gql.last_cypher
    assert spent <= 2, f"{name} sent {spent} Cypher queries"


async def until_listed(w: World, seeds: list[str], territory: str, wanted: set[str]) -> None:
    for _ in range(300):
        if set(ids(await recommend(w, seeds, first=50, territory=territory))) & wanted:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"none of {sorted(wanted)} listed in {territory}")


async def test_a_takedown_is_honoured_before_the_index_has_caught_up(world: World) -> None:
    seeds = [gid("Track", world.A.tracks[0].key)]
    assert set(ids(await recommend(world, seeds, first=50, territory="GB"))) & track_ids(world.G)
    assert set(ids(await mine(world, world.buyer, first=50))) & track_ids(world.G)
    moved = dataclasses.replace(world.G, rights=Rights(territories=("US",), royalty_rate=Decimal("0.5")))
    await upsert_releases(world.made.graph, [moved])
    try:
        # the first request after the write still ranks with the old index; the rows it reads decide
        assert not set(ids(await recommend(world, seeds, first=50, territory="GB"))) & track_ids(world.G)
        assert not set(ids(await mine(world, world.buyer, first=50))) & track_ids(world.G)
        await until_listed(world, seeds, "US", track_ids(world.G))  # newly licensed: once the index has caught up
    finally:
        await upsert_releases(world.made.graph, [world.G])
