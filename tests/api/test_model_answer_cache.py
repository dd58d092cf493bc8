"""The recommender's public answers in the whole-response cache: kept like a chart, under one model version."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from recommend import store
from settings import Settings
from tests.api.recs_world import World, served, until
from tests.api.recs_world import world as world  # the module's fixture
from tests.store_support import ask, gid

SHOWN = "id title album { id title }"


def panels(w: World) -> dict[str, tuple[str, dict[str, Any]]]:
    node = "query($id: ID!) {{ node(id: $id) {{ ... on {t} {{ id {f} }} }} }}"
    return {
        "recommend(seeds:)": ("query($s: [ID!]!) { recommend(seeds: $s, first: 5) { score track { id } because { id } } }",
                              {"s": [gid("Track", w.A.tracks[0].key)]}),
        "Track.alsoBought": (node.format(t="Track", f=f"alsoBought(first: 5) {{ {SHOWN} }}"),
                             {"id": gid("Track", w.A.tracks[0].key)}),
        "Album.alsoBought": (node.format(t="Album", f="alsoBought(first: 3) { id title }"), {"id": gid("Album", w.A.key)}),
        "Artist.related": (node.format(t="Artist", f="related(first: 5) { id name }"),
                           {"id": gid("Artist", w.A.artists[0].key)}),
    }


@pytest.mark.parametrize("panel", ["recommend(seeds:)", "Track.alsoBought", "Album.alsoBought", "Artist.related"])
async def test_a_public_panel_is_kept_until_the_model_moves(world: World, settings: Settings, tmp_path: Path,
                                                            panel: str) -> None:
    store.save(world.model, tmp_path)
    cached = dataclasses.replace(settings, response_cache=100)
    async with served(cached, tmp_path, poll=0.1) as (app, gql):
        cache = app.state.services.response_cache
        cache.sales_seconds = 60  # the tests' charts are not held (TUNEGRAPH_CHART_SECONDS=0), nor then are these
        query, variables = panels(world)[panel]
        first = await ask(gql, query, variables)
        assert "errors" not in first, first
        assert gql.last_cypher >= 1
        assert await ask(gql, query, variables) == first
        assert gql.last_cypher == 0  # kept

        mine = await ask(gql, query, variables, headers=world.headers(world.buyer))
        assert "errors" not in mine, mine
        assert gql.last_cypher >= 1  # a token always runs the query

        models = app.state.services.models
        store.save(world.model, tmp_path)  # version 2: the same factors, a new model all the same
        await until(lambda: models.version == 2)
        assert await ask(gql, query, variables) == first
        assert gql.last_cypher >= 1  # read again under the new model
        assert await ask(gql, query, variables) == first
        assert gql.last_cypher == 0


async def test_the_viewers_recommendations_are_never_kept(world: World, settings: Settings, tmp_path: Path) -> None:
    store.save(world.model, tmp_path)
    async with served(dataclasses.replace(settings, response_cache=100), tmp_path, poll=0.1) as (app, gql):
        app.state.services.response_cache.sales_seconds = 60
        query = f"{{ viewer {{ recommendations(first: 5) {{ track {{ {SHOWN} }} }} }} }}"
        for _ in range(2):
            body = await ask(gql, query, {}, headers=world.headers(world.buyer))
            assert body["data"]["viewer"]["recommendations"], body
            assert gql.last_cypher >= 1
        assert len(app.state.services.response_cache) == 0
