"""Recommendation panels: the served model's ranking, filtered in memory, in at most two Cypher round trips.

A panel first reads its inputs (`graph.panels.Taste`: the customer's purchases or the seeds, their
catalog neighbours and the catalog version), ranks in memory with the sale index of that catalog
version as the filter, then reads the rows of what it shows and drops anything those rows say is
not on sale (the index may lag a catalog write by one rebuild). Owned and seed tracks never come
back: they are the model's inputs. The blend of learned and cold-start picks, and why it is so, is
in docs/recommendations.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from api.auth import forbidden_record, require_viewer
from api.context import Info
from api.errors import ApiError, Code, bad_argument
from api.ids import from_global
from api.pagination import page_size
from api.territory import optional_territory
from graph import charts
from graph.catalog import AlbumRow, ArtistRow, Row
from graph.panels import NEIGHBOUR_SEEDS, Basket, Taste
from graph.rights import on_sale
from graph.sale_index import SaleIndex
from recommend import blend
from recommend.holder import Served
from recommend.model import Model
from recommend.ranking import Allowed
from recommend.serve import Scored, recommend_for_items, similar_groups, similar_items

SPARE = 3
"""Candidates read beyond those asked for, standing in for any the rows show to be off sale after all."""
OVERFETCH = 3
ROUNDS = 3
MAX_SEEDS = 100
TRACKS_PER_ALBUM = 3
"""Album panels rank this many tracks per album asked, then group them by album."""

Ranker = Callable[[int, Allowed], list[Scored]]


@dataclass(frozen=True, slots=True)
class Pick:
    """A recommended track as shown: its catalog row, blended score and the inputs that led to it."""

    row: Row
    score: float
    because: list[str] = field(default_factory=list)


def served(info: Info) -> Served:
    """The model version this request answers with (taken once); UNAVAILABLE before one is trained."""
    current = info.context.services.models.current
    if current is None:
        raise ApiError(Code.UNAVAILABLE, "No recommender model is loaded yet (run `tunegraph recs train`).")
    return current


async def for_customer(
    info: Info, customer_key: str, country: str, first: int | None, territory: str | None
) -> list[Pick]:
    """A customer's recommendations: never owned, on sale in `territory` (default: their country)."""
    if not require_viewer(info.context.viewer).may_read_customer(customer_key):
        raise forbidden_record("Customer")
    want, where = page_size(first), optional_territory(territory) or country
    if want == 0:
        return []
    taste = await info.context.loaders.customer_taste.load(customer_key)
    if taste is None or not taste.inputs:
        return await bestsellers(info, want, where)
    current, cache, loaders = served(info), info.context.services.panel_cache, info.context.loaders
    key = (customer_key, taste.purchases, current.version, taste.catalog, info.context.today, where, want)
    if cache is not None and (held := cache.answer(key)) is not None:
        loaders.remember_shown(held.shown)
        return list(held.picks)
    model = current.model
    picks = await _panel(info, model, taste, want, where,
                         lambda k, ok: recommend_for_items(model, taste.inputs, k, allowed=ok))
    if cache is not None:
        shown = {k: loaders.shown_rows[k] for p in picks for k in (p.row["key"], *p.because) if k in loaders.shown_rows}
        cache.keep_answer(key, picks, shown)
    return picks


async def for_seeds(info: Info, seeds: Sequence[str], first: int | None, territory: str | None) -> list[Pick]:
    """Recommendations for a basket of Track and Album IDs taken as a new user; seeds never return."""
    want, where = page_size(first), optional_territory(territory)
    basket = seed_basket(seeds)
    if want == 0:
        return []
    if not basket.tracks and not basket.albums:
        return await bestsellers(info, want, where)
    model = served(info).model
    taste = await info.context.loaders.seed_taste.load(basket)
    if not taste.inputs:
        return await bestsellers(info, want, where)
    return await _panel(info, model, taste, want, where,
                        lambda k, ok: recommend_for_items(model, taste.inputs, k, allowed=ok))


def seed_basket(seeds: Sequence[str]) -> Basket:
    """The track and album keys of seed IDs; BAD_REQUEST naming `seeds` for too many or other IDs."""
    if len(seeds) > MAX_SEEDS:
        raise bad_argument("seeds", f"at most {MAX_SEEDS} seeds, got {len(seeds)}")
    tracks: list[str] = []
    albums: list[str] = []
    for seed in seeds:
        type_name, key = from_global(seed, "seeds")
        if type_name not in ("Track", "Album"):
            raise bad_argument("seeds", f"expected Track or Album IDs, got the ID of a {type_name}")
        (tracks if type_name == "Track" else albums).append(key)
    return Basket(tuple(dict.fromkeys(tracks)), tuple(dict.fromkeys(albums)))


async def track_also_bought(info: Info, track_key: str, first: int | None, territory: str | None) -> list[Row]:
    """Tracks most like this one in what their buyers bought, on sale in `territory`."""
    want, where = page_size(first), optional_territory(territory)
    if want == 0:
        return []
    model = served(info).model
    taste = await info.context.loaders.seed_taste.load(Basket((track_key,)))
    picks = await _panel(info, model, taste, want, where, lambda k, ok: similar_items(model, track_key, k, ok))
    return [p.row for p in picks]


async def album_also_bought(info: Info, album_key: str, first: int | None, territory: str | None) -> list[AlbumRow]:
    """Albums whose tracks buyers of this album's tracks also bought, best first; never itself."""
    want, where = page_size(first), optional_territory(territory)
    if want == 0:
        return []
    model = served(info).model
    taste = await info.context.loaders.seed_taste.load(Basket((), (album_key,)))
    picks = await _panel(
        info, model, taste, TRACKS_PER_ALBUM * want, where,
        lambda k, ok: recommend_for_items(model, taste.inputs, k, allowed=ok),
    )
    chosen = [k for k in dict.fromkeys(p.row["albumKey"] for p in picks) if k != album_key][:want]
    return [row for row in await info.context.loaders.album.load_many(chosen) if row is not None]


async def related_artists(info: Info, artist_key: str, first: int | None) -> list[ArtistRow]:
    """Artists whose tracks are bought by the same people, most related first."""
    want = page_size(first)
    if want == 0:
        return []
    current = served(info)
    ranked = similar_groups(current.model, current.artists, artist_key, want)
    rows = await info.context.loaders.artist.load_many([s.item_id for s in ranked])
    return [row for row in rows if row is not None]


async def bestsellers(info: Info, want: int, territory: str | None) -> list[Pick]:
    """What sells in the territory (all time), on sale there: for someone we know nothing about."""
    limit = OVERFETCH * want + 10
    for _ in range(ROUNDS):
        chart = await charts.bestsellers(info.context.graph, territory, None, None, None, limit)
        albums = await info.context.loaders.album.load_many(list({c.row["albumKey"] for c in chart}))
        open_albums = {a["key"] for a in albums if a is not None and on_sale(a, territory, info.context.today)}
        kept = [c for c in chart if c.row.get("offerFormats") and c.row["albumKey"] in open_albums]
        if len(kept) >= want or len(chart) < limit:
            break
        limit *= 4
    top = max((c.units for c in kept), default=1)
    return [Pick(c.row, c.units / top) for c in kept[:want]]


async def _panel(info: Info, model: Model, taste: Taste, want: int, territory: str | None, rank: Ranker) -> list[Pick]:
    """The model's ranking blended with cold catalog neighbours, filtered by the sale index, then shown."""
    sale = await info.context.services.models.sales.index(model.item_index, taste.catalog)
    today = info.context.today
    learned = blend.learned(rank(want + SPARE, sale.allows(model.item_index, territory, today)))
    cold = blend.cold(_neighbours(taste, sale, territory, today), taste.inputs, model.item_index, want + SPARE)
    chosen = blend.blend(learned, cold, want)
    taken = {p.key for p in chosen}
    reserve = [p for p in sorted(learned + cold, key=lambda p: -p.score) if p.key not in taken][:SPARE]
    return await _shown(info, chosen, reserve, want, territory)


def _neighbours(taste: Taste, sale: SaleIndex, territory: str | None, today: date) -> dict[str, list[blend.Neighbour]]:
    """The neighbours of the first inputs that have an offer and whose album the index does not rule out."""
    return {
        seed: [
            blend.Neighbour(r["key"], int(r["affinity"])) for r in taste.neighbours.get(seed, [])
            if r["offers"] and sale.album_open(r["albumKey"], territory, today) is not False
        ]
        for seed in taste.inputs[:NEIGHBOUR_SEEDS]
    }


async def _shown(
    info: Info, chosen: list[blend.Pick], reserve: list[blend.Pick], want: int, territory: str | None
) -> list[Pick]:
    """Rows of the picks and of the tracks named in `because` (one read); picks not on sale by them dropped."""
    because = [k for p in chosen + reserve for k in p.because]
    keys = [p.key for p in chosen + reserve]
    rows = await info.context.loaders.shown.load_many(keys + because)
    today = info.context.today
    sellable = {
        key: shown.row for key, shown in zip(keys, rows[: len(keys)], strict=True)
        if shown is not None and shown.row.get("offerFormats") and on_sale(shown.album, territory, today)
    }
    kept = [p for p in chosen if p.key in sellable]
    kept += [p for p in reserve if p.key in sellable][: want - len(kept)]
    return [Pick(sellable[p.key], p.score, p.because) for p in sorted(kept, key=lambda p: -p.score)]
