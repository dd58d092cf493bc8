"""The generated purchase history: Zipf draws from customers' tastes into a purchase plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import numpy as np

from graph.importers.synthetic_catalog import AAC, FLAC, MP3, Catalog
from graph.importers.synthetic_customers import Customers
from graph.importers.synthetic_prices import TIERS, album_prices
from graph.importers.synthetic_sampling import BoolArray, IntArray, Segments, rng_for, weighted

HISTORY_DAYS = 3 * 365
PURCHASE_KINDS = (0.62, 0.30, 0.08)  # one track, 2-5 tracks, a whole album
TASTE_SOURCES = (0.45, 0.35, 0.20)  # a favourite genre, a favourite artist, anything
HIT_SHARE = 0.4  # of single-track sales, the share of each release's hit track
DRAW_BATCH = 250_000  # purchases drawn at a time (bounds the temporaries)
PURCHASE_STREAM = 3
DEDUPE_PARTS = 8  # customer ranges deduplicated one at a time (bounds the sort's temporaries)


@dataclass(frozen=True, slots=True)
class PurchasePlan:
    """Purchases sorted by time; purchase i has items item_start[i]:item_start[i + 1].

    An item is a track (`track` >= 0) or a whole album (`track` -1, one line per track).
    """

    cust: IntArray
    ts: IntArray  # seconds since 1970-01-01 UTC
    item_start: IntArray
    album: IntArray
    track: IntArray
    fmt: IntArray
    lines: int


def _draw_items(
    cat: Catalog,
    people: Customers,
    today: date,
    rng: np.random.Generator,
    n: int,
    segments: tuple[Segments, Segments],
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """`n` purchases (customer, time) and their licensed items (purchase, album, track, fmt)."""
    by_genre, by_artist = segments
    n_rel = cat.shape.releases
    epoch_day = date(1970, 1, 1).toordinal()
    now = (today.toordinal() - epoch_day) * 86_400
    activity_cum = np.cumsum(people.activity)
    cust = np.minimum(
        np.searchsorted(activity_cum, rng.random(n) * activity_cum[-1], side="right"),
        len(people) - 1,
    ).astype(np.int64)
    kind = weighted(rng, np.array(PURCHASE_KINDS), n)  # track, a few tracks, an album
    n_items = np.where(kind == 1, rng.integers(2, 6, n), 1)
    ts = now - 1 - (HISTORY_DAYS * 86_400 * (1 - np.sqrt(rng.random(n)))).astype(np.int64)
    fmt = np.where(rng.random(n) < 0.9, people.format[cust], rng.integers(0, 4, n))

    item_p = np.repeat(np.arange(n, dtype=np.int64), n_items)
    whole = kind[item_p] == 2
    day = ts[item_p] // 86_400 + epoch_day
    country = people.country[cust[item_p]].astype(np.uint64)
    album = np.full(len(item_p), -1, dtype=np.int64)
    pending = np.arange(len(item_p))
    for _ in range(10):
        if not len(pending):
            break
        pc = cust[item_p[pending]]
        src = weighted(rng, np.array(TASTE_SOURCES), len(pending))
        pick = np.full(len(pending), -1, dtype=np.int64)
        # A favourite genre, by popularity within it.
        n_fav = people.fav_genre_count[pc]
        g = people.fav_genres[pc, (rng.random(len(pending)) * n_fav).astype(np.int64)]
        use = np.flatnonzero(src == 0)
        use = use[by_genre.sizes(g[use]) > 0]
        pick[use] = by_genre.sample(g[use], rng)
        # A favourite artist, by popularity among their releases.
        count = people.fav_artist_count[pc]
        fa = people.fav_artists[pc, (rng.random(len(pending)) * np.maximum(count, 1)).astype(np.int64)]
        use = np.flatnonzero((src == 1) & (fa >= 0))
        use = use[by_artist.sizes(fa[use]) > 0]
        pick[use] = by_artist.sample(fa[use], rng)
        # Anything, by popularity (and whatever the tastes could not give).
        rest = np.flatnonzero(pick < 0)
        u = rng.random(len(rest)) * cat.popularity.cumulative[-1]
        pick[rest] = np.minimum(np.searchsorted(cat.popularity.cumulative, u, side="right") - 1, n_rel - 1)

        d = day[pending]
        ok = ((cat.availability.mask[pick] >> country[pending]) & np.uint64(1)).astype(bool)
        ok &= (cat.availability.available[pick] <= d) & (d < cat.availability.end[pick])
        ok &= ~whole[pending] | (cat.shape.counts[pick] >= 2)
        album[pending[ok]] = pick[ok]
        pending = pending[~ok]

    found = album >= 0
    item_p, album, whole = item_p[found], album[found], whole[found]
    # A track of the album: its hit, or one nearer the top more often (whole albums get -1).
    lo = cat.shape.track_start[album]
    down = (rng.random(len(album)) ** 1.5 * cat.shape.counts[album]).astype(np.int64)
    track = np.where(rng.random(len(album)) < HIT_SHARE, cat.popularity.hit[album], lo + down)
    track = np.where(whole, -1, track)
    # The customer's format, else the nearest one the release offers.
    f = fmt[item_p]
    f = np.where(TIERS[cat.credits.tier[album], f] > 0, f, np.where(f == AAC, MP3, FLAC))
    return cust, ts, item_p, album, track, f


def plan_purchases(cat: Catalog, people: Customers, seed: int, today: date, target: int) -> PurchasePlan:
    """Purchases drawn in rounds until about `target` lines (never more), repeat buys removed, oldest first."""
    rng = rng_for(seed, PURCHASE_STREAM)
    n_rel = cat.shape.releases
    empty = np.zeros(0, dtype=np.int64)
    if not target or not len(people):
        return PurchasePlan(empty, empty, np.zeros(1, dtype=np.int64), empty, empty, empty, 0)
    segments = (
        Segments.build(cat.credits.genre, cat.popularity.weight, len(cat.parties.genres)),
        Segments.build(cat.credits.artist, cat.popularity.weight, len(cat.names.artists)),
    )
    parts: list[tuple[IntArray, ...]] = []
    n_p = 0
    lines_have = 0
    keep = np.zeros(0, dtype=bool)
    per_item = empty
    for _ in range(20):
        # ~2.45 lines a purchase, less the repeats removed below: aim 20% over, cut later.
        n = int(max(target - lines_have, target // 20) / 2.45 * 1.2) + 64
        for size in [DRAW_BATCH] * (n // DRAW_BATCH) + [n % DRAW_BATCH] * (n % DRAW_BATCH > 0):
            cust, ts, item_p, album, track, fmt = _draw_items(cat, people, today, rng, size, segments)
            parts.append(
                (
                    cust.astype(np.int32),
                    ts,
                    (item_p + n_p).astype(np.int32),
                    album.astype(np.int32),
                    track.astype(np.int32),
                    fmt.astype(np.int8),
                )
            )
            n_p += size
        # A customer buys a track (or an album) once: keep the first, in drawing order.
        all_album = np.concatenate([p[3] for p in parts])
        all_track = np.concatenate([p[4] for p in parts])
        keep = _first_buys(np.concatenate([p[0] for p in parts])[np.concatenate([p[2] for p in parts])],
                           all_track, all_album, (cat.shape.tracks, n_rel), len(people))
        per_item = np.where(all_track >= 0, 1, cat.shape.counts[all_album]).astype(np.int16)
        del all_album, all_track
        lines_have = int(per_item[keep].sum())
        if lines_have >= target:
            break

    # Each part filtered on its own: no whole copy of the items before the filter.
    bounds = np.cumsum([0, *(len(p[2]) for p in parts)]).tolist()
    kept = [keep[lo:hi] for lo, hi in pairwise(bounds)]
    p_cust = np.concatenate([p[0] for p in parts])
    p_ts = np.concatenate([p[1] for p in parts])
    i_p, i_album, i_track, i_fmt = (
        np.concatenate([p[column][k] for p, k in zip(parts, kept, strict=True)]) for column in (2, 3, 4, 5)
    )
    per_item = per_item[keep]
    del parts, kept, keep

    # Purchases in drawing order (random in time) up to the line target, then oldest first.
    # (Each temporary is dropped once used: at 10M tracks each costs hundreds of MB.)
    lines_per_p = np.bincount(i_p, weights=per_item, minlength=n_p).astype(np.int32)
    chosen = np.flatnonzero((np.cumsum(lines_per_p, dtype=np.int64) <= target) & (lines_per_p > 0))
    del lines_per_p
    chosen = chosen[np.argsort(p_ts[chosen], kind="stable")]
    cust, ts = p_cust[chosen], p_ts[chosen]
    del p_cust, p_ts
    new_id = np.full(n_p, -1, dtype=np.int32)
    new_id[chosen] = np.arange(len(chosen), dtype=np.int32)
    n_chosen = len(chosen)
    del chosen
    item_new = new_id[i_p]
    del new_id, i_p
    items = np.flatnonzero(item_new >= 0)
    items = items[np.argsort(item_new[items], kind="stable")]  # items keep their order
    counts = np.bincount(item_new[items], minlength=n_chosen)
    del item_new
    return PurchasePlan(
        cust=cust,
        ts=ts,
        item_start=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        album=i_album[items],
        track=i_track[items],
        fmt=i_fmt[items],
        lines=int(per_item[items].sum(dtype=np.int64)),
    )


def _first_buys(
    owner: IntArray, track: IntArray, album: IntArray, catalog: tuple[int, int], n_customers: int
) -> BoolArray:
    """Which items are a customer's first buy of their track (or album), in drawing order.

    An item is track t (t >= 0) or else its album a; `catalog` is (tracks, releases).

    Customers are taken a range at a time, so that the sort's temporaries are a fraction of the items.
    """
    n_tracks, n_releases = catalog
    keep = np.zeros(len(track), dtype=bool)
    step = -(-n_customers // DEDUPE_PARTS)
    for lo in range(0, n_customers, step):
        mine = np.flatnonzero((owner >= lo) & (owner < lo + step))
        t, a = track[mine], album[mine]
        item = np.where(t >= 0, t, n_tracks + a.astype(np.int64))
        bought = owner[mine].astype(np.int64) * (n_tracks + n_releases) + item
        keep[mine[np.unique(bought, return_index=True)[1]]] = True
    return keep


def expand_lines(
    cat: Catalog, album: IntArray, track: IntArray, fmt: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Items -> lines (track, format, cents, album or -1) and the number of lines per item.

    A whole album becomes one line per track, its price split to the cent (first tracks get
    the odd cents) so that the lines sum to the album price.
    """
    whole = track < 0
    per_item = np.where(whole, cat.shape.counts[album], 1)
    line_item = np.repeat(np.arange(len(album)), per_item)
    within = np.arange(len(line_item)) - (np.cumsum(per_item) - per_item)[line_item]
    l_album = album[line_item]
    l_whole = whole[line_item]
    l_fmt = fmt[line_item]
    l_track = np.where(l_whole, cat.shape.track_start[l_album] + within, track[line_item])
    track_cents = TIERS[cat.credits.tier[l_album], l_fmt]
    count = cat.shape.counts[l_album]
    album_cents = album_prices(track_cents, count)
    split = album_cents // count + (within < album_cents % count)
    l_cents = np.where(l_whole, split, track_cents)
    return l_track, l_fmt, l_cents, np.where(l_whole, l_album, -1), per_item
