"""A panel's catalog neighbours: the strongest ten of a seed, read without walking an artist's whole back catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from graph import panels
from graph.driver import Cypher, Graph
from graph.panels import NEIGHBOURS_PER_SEED, Basket, seed_tastes
from graph.release import PartyRef, Release
from tests.api.releases import new_prefix, release, remove, write

SET_POPULARITY = Cypher(
    "test_set_popularity", "UNWIND $rows AS r MATCH (t:Track {key: r.key}) SET t.popularity = r.popularity"
)
TODAY = date.today()


@dataclass
class Store:
    releases: list[Release]
    popularity: dict[str, int]


def _releases(prefix: str) -> list[Release]:
    # Artist "big": eight albums of three tracks, two of them released the same day (their tracks
    # interleave by popularity); artist "small": one album of four tracks, so its seeds need the
    big = [release(prefix, f"big{n}", artist="big", tracks=3, released=date(2001 + n % 7, 1, 1)) for n in range(8)]
    small = [release(prefix, "small", artist="small", tracks=4, released=date(1999, 5, 5))]
    # label's recent releases ("other", 10 days old) and then the genre's ("elsewhere", on another label).
    elsewhere = release(prefix, "elsewhere", artist="else", tracks=5, released=TODAY)
    # Older recent label releases: a seed that needs seven from the label reads past the newest one,
    # and a genre's two releases of today tie on the date the cutoff falls on.
    other = [release(prefix, "other", artist="other", tracks=3, released=TODAY - timedelta(days=10)),
             release(prefix, "other2", artist="other", tracks=3, released=TODAY - timedelta(days=20)),
             release(prefix, "other3", artist="other", tracks=3, released=TODAY - timedelta(days=30)),
             replace(elsewhere, label=PartyRef(prefix + "label-2", "Another Label")),
             replace(release(prefix, "sameday", artist="else", tracks=2, released=TODAY),
                     label=PartyRef(prefix + "label-2", "Another Label"))]
    return big + small + other


@pytest.fixture(scope="module")
async def store(graph: Graph) -> AsyncIterator[Store]:
    prefix = new_prefix("panels")
    releases = _releases(prefix)
    await write(graph, releases)
    keys = [t.key for r in releases for t in r.tracks]
    popularity = {k: (i * 7919) % 23 for i, k in enumerate(keys)}
    await graph.write(SET_POPULARITY, {"rows": [{"key": k, "popularity": p} for k, p in popularity.items()]})
    yield Store(releases, popularity)
    await remove(graph, prefix)


def expected(store: Store, seed: str) -> list[tuple[str, int]]:
    """The seed's neighbours by their definition: same artist 3, recent on its label 2, recent in its genre 1."""
    album = next(r for r in store.releases if any(t.key == seed for t in r.tracks))
    recent = TODAY - timedelta(days=60)

    def tracks(where: Callable[[Release], bool]) -> list[tuple[str, date | None]]:
        return [(t.key, r.release_date) for r in store.releases if where(r) for t in r.tracks if t.key != seed]

    kin = tracks(lambda r: r.artists == album.artists)
    found = [(k, d, 3) for k, d in kin]
    if len(found) < NEIGHBOURS_PER_SEED:
        found += [(k, d, 2) for k, d in tracks(lambda r: r.label == album.label and r.key != album.key
                                                and r.release_date is not None and r.release_date >= recent)
                  if k not in {f[0] for f in found}]
    if len(found) < NEIGHBOURS_PER_SEED:
        found += [(k, d, 1) for k, d in tracks(lambda r: r.genres == album.genres and r.key != album.key
                                                and r.release_date is not None and r.release_date >= recent)
                  if k not in {f[0] for f in found}]
    found.sort(key=lambda f: (-f[2], -(f[1] or date.min).toordinal(), -store.popularity[f[0]], f[0]))
    return [(k, a) for k, _, a in found[:NEIGHBOURS_PER_SEED]]


@pytest.mark.parametrize("artist_walk", [panels.ARTIST_WALK, 0], ids=["artist-expanded", "artist-walked"])
@pytest.mark.parametrize("label_walk", [panels.LABEL_WALK, 0], ids=["label-expanded", "label-walked"])
async def test_each_seed_gets_its_strongest_neighbours(
    graph: Graph, store: Store, label_walk: int, artist_walk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(panels, "LABEL_WALK", label_walk)  # a big label's recent albums by the release-date index
    # An artist of many albums has its newest found by the release-date index: "big" has eight, of which
    # the newest four hold the ten any of its seeds keeps.
    monkeypatch.setattr(panels, "ARTIST_WALK", artist_walk)
    monkeypatch.setattr(panels, "ARTIST_ALBUMS", panels.ARTIST_ALBUMS if artist_walk else 4)
    seeds = [t.key for r in store.releases for t in r.tracks]
    tastes = await seed_tastes(graph, [Basket((s,)) for s in seeds])
    for seed, taste in zip(seeds, tastes, strict=True):
        got = [(n["key"], n["affinity"]) for n in taste.neighbours.get(seed, [])]
        assert got == expected(store, seed), (seed, got, expected(store, seed))
    affinities = {n["affinity"] for t in tastes for found in t.neighbours.values() for n in found}
    assert affinities == {1, 2, 3}
