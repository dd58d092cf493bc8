"""Recommendations served from the loaded model, filtered by rights, blended with the catalog graph.

The model (recommend/) ranks tracks it learned from past purchases; this module turns those
ranks into sellable rows for one request. The model's `allowed` predicate is synchronous and
rights live in the graph, so candidates are over-fetched (3x what is asked), filtered through
the request's batched loaders, and fetched again, larger, when too many were rejected (at most
`ROUNDS` times).

Cold start, the blend: the model knows only tracks bought before it was trained, so today's
new releases would never be shown. Catalog neighbours of the input tracks (graph.interactions:
same album or artist = affinity 3, a recent release of the same label = 2, of the same genre =
1) that the model does not know are blended in:

    learned item: score / best learned score          (in [0, 1], the best is 1)
    cold item:    COLD_WEIGHT * affinity / 3           (COLD_WEIGHT = 0.5, so at most 0.5)

and at most `COLD_SHARE` (30%) of the slots go to cold items while learned ones remain; the best
cold items hold at least `COLD_FLOOR` (10%, one slot minimum) wherever they rank. Why: model
scores rest on co-purchase evidence, graph affinity only on metadata, so a cold track from the
same artist ranks like a learned track half as strong as the best match: above the model's weak
tail, below its confident picks; the cap keeps the list mostly evidence-based and the floor
gives new releases some exposure even when the model's scores are flat. When none of the
inputs is known to the model (a new release's own "also bought"), its known neighbours are
candidates too. A customer with no purchases gets what sells in their territory (the
bestseller chart, best first).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from api.auth import forbidden_record, require_viewer
from api.context import Info
from api.errors import ApiError, Code, bad_argument
from api.ids import from_global
from api.pagination import page_size
from api.territory import optional_territory
from graph import charts, interactions
from graph.catalog import Row
from graph.driver import Graph
from graph.rights import on_sale
from recommend.model import Model
from recommend.serve import GroupSpace, Scored, group_space, recommend_for_items, similar_groups, similar_items

COLD_WEIGHT = 0.5
COLD_SHARE = 0.3
COLD_FLOOR = 0.1
MAX_AFFINITY = 3
NEIGHBOUR_SEEDS = 5
"""Catalog neighbours are looked up for this many inputs (a customer's most recent purchases)."""
OVERFETCH = 3
ROUNDS = 3
MAX_SEEDS = 100
MAX_BECAUSE = 3
TRACKS_PER_ALBUM = 3
"""Album panels rank this many tracks per album asked, then group them by album."""

Ranker = Callable[[int], list[Scored]]


@dataclass(frozen=True, slots=True)
class Pick:
    """A recommended track: its catalog row, blended score and the inputs that led to it."""

    key: str
    score: float
    because: list[str] = field(default_factory=list)
    cold: bool = False
    row: Row = field(default_factory=dict)


class ModelDerived:
    """Data derived from one model version (artist vectors), built once when first needed."""

    def __init__(self) -> None:
        self._model: Model | None = None
        self._artists: GroupSpace | None = None
        self._lock = asyncio.Lock()

    async def artist_space(self, graph: Graph, model: Model) -> GroupSpace:
        """Unit vectors of the artists of the model's tracks (streamed from the graph once)."""
        if self._model is not model or self._artists is None:
            async with self._lock:
                if self._model is not model or self._artists is None:
                    groups = await interactions.artist_tracks(graph, set(model.item_index))
                    self._artists = await asyncio.to_thread(group_space, model, groups)
                    self._model = model
        return self._artists


def current_model(info: Info) -> Model:
    """The model this request answers with (taken once); UNAVAILABLE before one is trained."""
    model = info.context.services.models.current
    if model is None:
        raise ApiError(Code.UNAVAILABLE, "No recommender model is loaded yet (run `tunegraph recs train`).")
    return model


async def for_customer(
    info: Info, customer_key: str, country: str, first: int | None, territory: str | None
) -> list[Pick]:
    """A customer's recommendations: never owned, on sale in `territory` (default: their country)."""
    if not require_viewer(info.context.viewer).may_read_customer(customer_key):
        raise forbidden_record("Customer")
    want, where = page_size(first), optional_territory(territory) or country
    owned = await info.context.loaders.customer_tracks.load(customer_key)
    if not owned:
        return await bestsellers(info, want, where)
    model = current_model(info)
    return await pick_tracks(info, model, owned, want, where, lambda k: recommend_for_items(model, owned, k))


async def for_seeds(info: Info, seeds: Sequence[str], first: int | None, territory: str | None) -> list[Pick]:
    """Recommendations for a basket of Track and Album IDs taken as a new user; seeds never return."""
    want, where = page_size(first), optional_territory(territory)
    tracks = await seed_tracks(info, seeds)
    if not tracks:
        return await bestsellers(info, want, where)
    model = current_model(info)
    return await pick_tracks(info, model, tracks, want, where, lambda k: recommend_for_items(model, tracks, k))


async def seed_tracks(info: Info, seeds: Sequence[str]) -> list[str]:
    """The track keys of seed IDs, albums expanded to their tracks; BAD_REQUEST for other IDs."""
    if len(seeds) > MAX_SEEDS:
        raise bad_argument("seeds", f"at most {MAX_SEEDS} seeds, got {len(seeds)}")
    tracks: list[str] = []
    albums: list[str] = []
    for seed in seeds:
        type_name, key = from_global(seed, "seeds")
        if type_name not in ("Track", "Album"):
            raise bad_argument("seeds", f"expected Track or Album IDs, got the ID of a {type_name}")
        (tracks if type_name == "Track" else albums).append(key)
    for album_tracks in await info.context.loaders.album_track_keys.load_many(albums):
        tracks.extend(album_tracks)
    return list(dict.fromkeys(tracks))


async def track_also_bought(info: Info, track_key: str, first: int | None, territory: str | None) -> list[Row]:
    """Tracks most like this one in what their buyers bought, on sale in `territory`."""
    want, where = page_size(first), optional_territory(territory)
    if want == 0:
        return []
    model = current_model(info)
    picks = await pick_tracks(info, model, [track_key], want, where, lambda k: similar_items(model, track_key, k))
    return [p.row for p in picks]


async def album_also_bought(info: Info, album_key: str, first: int | None, territory: str | None) -> list[Row]:
    """Albums whose tracks buyers of this album's tracks also bought, best first; never itself."""
    want, where = page_size(first), optional_territory(territory)
    if want == 0:
        return []
    model = current_model(info)
    tracks = await info.context.loaders.album_track_keys.load(album_key)
    picks = await pick_tracks(
        info, model, tracks, TRACKS_PER_ALBUM * want, where, lambda k: recommend_for_items(model, tracks, k)
    )
    chosen = [k for k in dict.fromkeys(p.row["albumKey"] for p in picks) if k != album_key][:want]
    return [row for row in await info.context.loaders.album.load_many(chosen) if row is not None]


async def related_artists(info: Info, artist_key: str, first: int | None) -> list[Row]:
    """Artists whose tracks are bought by the same people, most related first."""
    want = page_size(first)
    if want == 0:
        return []
    model = current_model(info)
    space = await info.context.services.models.artist_space(model)
    ranked = similar_groups(model, space, artist_key, want)
    rows = await info.context.loaders.artist.load_many([s.item_id for s in ranked])
    return [row for row in rows if row is not None]


async def bestsellers(info: Info, want: int, territory: str | None) -> list[Pick]:
    """What sells in the territory (all time), on sale there: for someone we know nothing about."""
    if want == 0:
        return []
    limit = OVERFETCH * want + 10
    for _ in range(ROUNDS):
        chart = await charts.bestsellers(info.context.graph, territory, None, None, None, limit)
        sellable = await _sellable_rows(info, [c.row for c in chart if c.row.get("offerFormats")], territory)
        kept = [c for c in chart if c.row["key"] in sellable]
        if len(kept) >= want or len(chart) < limit:
            break
        limit *= 4
    top = max((c.units for c in kept), default=1)
    return [Pick(c.row["key"], c.units / top, row=c.row) for c in kept[:want]]


async def pick_tracks(
    info: Info, model: Model, inputs: Sequence[str], want: int, territory: str | None, rank: Ranker
) -> list[Pick]:
    """The model's ranking of `rank`, sellable in the territory, blended with cold catalog neighbours."""
    if want == 0:
        return []
    learned, cold = await asyncio.gather(
        _learned(info, want, territory, rank), _cold(info, model, inputs, want, territory)
    )
    return await _with_rows(info, blend(learned, cold, want))


async def _learned(info: Info, want: int, territory: str | None, rank: Ranker) -> list[Pick]:
    fetch = OVERFETCH * want + 10
    kept: list[Scored] = []
    for _ in range(ROUNDS):
        scored = rank(fetch)
        sellable = await _sellable(info, [s.item_id for s in scored], territory)
        kept = [s for s in scored if s.item_id in sellable]
        if len(kept) >= want or len(scored) < fetch:
            break
        fetch *= 4
    top = max((s.score for s in kept), default=0.0)
    return [Pick(s.item_id, _unit(s.score / top) if top > 0 else 0.0, s.because) for s in kept[:want]]


def _unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)


async def _cold(info: Info, model: Model, inputs: Sequence[str], want: int, territory: str | None) -> list[Pick]:
    """Catalog neighbours of the inputs that the model cannot score, strongest first."""
    seeds = list(inputs)[:NEIGHBOUR_SEEDS]
    lists = await info.context.loaders.neighbours.load_many(seeds)
    skip = set(inputs)
    known_too = not any(i in model.item_index for i in inputs)
    found: dict[str, tuple[int, list[str]]] = {}
    for seed, rows in zip(seeds, lists, strict=True):
        for r in rows:
            key = r["key"]
            if key in skip or (not known_too and key in model.item_index):
                continue
            affinity, because = found.get(key, (0, []))
            if len(because) < MAX_BECAUSE:
                because.append(seed)
            found[key] = (max(affinity, int(r["affinity"])), because)
    ordered = sorted(found, key=lambda k: (-found[k][0], -len(found[k][1])))[: OVERFETCH * want]
    sellable = await _sellable(info, ordered, territory)
    return [
        Pick(k, COLD_WEIGHT * found[k][0] / MAX_AFFINITY, found[k][1], cold=True)
        for k in ordered if k in sellable
    ]


def blend(learned: list[Pick], cold: list[Pick], want: int) -> list[Pick]:
    """Both lists by score; the best cold picks hold COLD_FLOOR of the slots, cold picks at most
    COLD_SHARE of them while learned ones last."""
    floor = min(len(cold), want, max(1, int(COLD_FLOOR * want)))
    cold_left = max(floor, int(COLD_SHARE * want)) - floor
    chosen, spare = cold[:floor], []
    for pick in sorted(learned + cold[floor:], key=lambda p: -p.score):
        if len(chosen) == want:
            break
        if pick.cold and cold_left == 0:
            spare.append(pick)
            continue
        cold_left -= pick.cold
        chosen.append(pick)
    chosen += spare[: want - len(chosen)]
    return sorted(chosen, key=lambda p: -p.score)


async def _sellable(info: Info, track_keys: Sequence[str], territory: str | None) -> set[str]:
    """The tracks on sale in the territory today, judged from light rows (album key, offers)."""
    rows = await info.context.loaders.track_sale.load_many(list(track_keys))
    return await _sellable_rows(info, [r for r in rows if r is not None and r["offers"]], territory)


async def _sellable_rows(info: Info, tracks: Sequence[Row], territory: str | None) -> set[str]:
    """Keys of the track rows whose album is licensed in the territory today."""
    albums = await info.context.loaders.album.load_many(list({t["albumKey"] for t in tracks}))
    today = info.context.today
    open_albums = {a["key"] for a in albums if a is not None and on_sale(a, territory, today)}
    return {t["key"] for t in tracks if t["albumKey"] in open_albums}


async def _with_rows(info: Info, picks: list[Pick]) -> list[Pick]:
    """The picks with their full track rows (one batched load for what is shown)."""
    rows = await info.context.loaders.track.load_many([p.key for p in picks])
    return [dataclasses.replace(p, row=row) for p, row in zip(picks, rows, strict=True) if row is not None]
