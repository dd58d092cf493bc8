"""The generated purchase history: Zipf draws from customers' tastes into a purchase plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from graph.importers.synthetic_catalogue import AAC, ALBUM_DISCOUNT, FLAC, MP3, TIERS
from graph.importers.synthetic_sampling import IntArray, _rng, _Segments, _weighted

if TYPE_CHECKING:
    from graph.importers.synthetic_data import SyntheticStore

HISTORY_DAYS = 3 * 365
PURCHASE_KINDS = (0.62, 0.30, 0.08)  # one track, 2-5 tracks, a whole album
TASTE_SOURCES = (0.45, 0.35, 0.20)  # a favourite genre, a favourite artist, anything
HIT_SHARE = 0.4  # of single-track sales, the share of each release's hit track
DRAW_BATCH = 250_000  # purchases drawn at a time (bounds the temporaries)


@dataclass(frozen=True, slots=True)
class _PurchasePlan:
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
    s: SyntheticStore, rng: np.random.Generator, n: int, segments: tuple[_Segments, _Segments]
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """`n` purchases (customer, time) and their licensed items (purchase, album, track, fmt)."""
    by_genre, by_artist = segments
    n_rel = s.release_count
    epoch_day = date(1970, 1, 1).toordinal()
    now = (s.today.toordinal() - epoch_day) * 86_400
    activity_cum = np.cumsum(s._cust_activity)
    cust = np.minimum(
        np.searchsorted(activity_cum, rng.random(n) * activity_cum[-1], side="right"),
        len(s.customers) - 1,
    ).astype(np.int64)
    kind = _weighted(rng, np.array(PURCHASE_KINDS), n)  # track, a few tracks, an album
    n_items = np.where(kind == 1, rng.integers(2, 6, n), 1)
    ts = now - 1 - (HISTORY_DAYS * 86_400 * (1 - np.sqrt(rng.random(n)))).astype(np.int64)
    fmt = np.where(rng.random(n) < 0.9, s._cust_format[cust], rng.integers(0, 4, n))

    item_p = np.repeat(np.arange(n, dtype=np.int64), n_items)
    whole = kind[item_p] == 2
    day = ts[item_p] // 86_400 + epoch_day
    country = s._cust_country[cust[item_p]].astype(np.uint64)
    album = np.full(len(item_p), -1, dtype=np.int64)
    pending = np.arange(len(item_p))
    for _ in range(10):
        if not len(pending):
            break
        pc = cust[item_p[pending]]
        src = _weighted(rng, np.array(TASTE_SOURCES), len(pending))
        pick = np.full(len(pending), -1, dtype=np.int64)
        # A favourite genre, by popularity within it.
        n_fav = s._fav_genre_count[pc]
        g = s._fav_genres[pc, (rng.random(len(pending)) * n_fav).astype(np.int64)]
        use = np.flatnonzero(src == 0)
        use = use[by_genre.sizes(g[use]) > 0]
        pick[use] = by_genre.sample(g[use], rng)
        # A favourite artist, by popularity among their releases.
        count = s._fav_artist_count[pc]
        fa = s._fav_artists[pc, (rng.random(len(pending)) * np.maximum(count, 1)).astype(np.int64)]
        use = np.flatnonzero((src == 1) & (fa >= 0))
        use = use[by_artist.sizes(fa[use]) > 0]
        pick[use] = by_artist.sample(fa[use], rng)
        # Anything, by popularity (and whatever the tastes could not give).
        rest = np.flatnonzero(pick < 0)
        u = rng.random(len(rest)) * s._rel_cum[-1]
        pick[rest] = np.minimum(np.searchsorted(s._rel_cum, u, side="right") - 1, n_rel - 1)

        d = day[pending]
        ok = ((s._rel_mask[pick] >> country[pending]) & np.uint64(1)).astype(bool)
        ok &= (s._rel_available[pick] <= d) & (d < s._rel_end[pick])
        ok &= ~whole[pending] | (s._counts[pick] >= 2)
        album[pending[ok]] = pick[ok]
        pending = pending[~ok]

    found = album >= 0
    item_p, album, whole = item_p[found], album[found], whole[found]
    # A track of the album: its hit, or one nearer the top more often (whole albums get -1).
    lo = s._track_start[album]
    down = (rng.random(len(album)) ** 1.5 * s._counts[album]).astype(np.int64)
    track = np.where(rng.random(len(album)) < HIT_SHARE, s._rel_hit[album], lo + down)
    track = np.where(whole, -1, track)
    # The customer's format, else the nearest one the release offers.
    f = fmt[item_p]
    f = np.where(TIERS[s._rel_tier[album], f] > 0, f, np.where(f == AAC, MP3, FLAC))
    return cust, ts, item_p, album, track, f


def _plan_purchases(s: SyntheticStore) -> _PurchasePlan:
    """Purchases drawn in rounds until `line_target` lines, repeat buys removed, oldest first."""
    rng = _rng(s.seed, 3)
    n_rel = s.release_count
    target = s.line_target
    empty = np.zeros(0, dtype=np.int64)
    if not target or not s.customers:
        return _PurchasePlan(empty, empty, np.zeros(1, dtype=np.int64), empty, empty, empty, 0)
    segments = (
        _Segments.build(s._rel_genre, s._rel_weight, len(s._genres)),
        _Segments.build(s._rel_artist, s._rel_weight, len(s._artist_refs)),
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
            cust, ts, item_p, album, track, fmt = _draw_items(s, rng, size, segments)
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
        all_p = np.concatenate([p[2] for p in parts])
        all_album = np.concatenate([p[3] for p in parts])
        all_track = np.concatenate([p[4] for p in parts])
        owner = np.concatenate([p[0] for p in parts])[all_p].astype(np.int64)
        item = np.where(all_track >= 0, all_track, s.tracks + all_album.astype(np.int64))
        _, first = np.unique(owner * (s.tracks + n_rel) + item, return_index=True)
        del owner, item
        keep = np.zeros(len(all_p), dtype=bool)
        keep[first] = True
        per_item = np.where(all_track >= 0, 1, s._counts[all_album])
        lines_have = int(per_item[keep].sum())
        if lines_have >= target:
            break

    p_cust = np.concatenate([p[0] for p in parts])
    p_ts = np.concatenate([p[1] for p in parts])
    i_p = np.concatenate([p[2] for p in parts])[keep]
    i_album = np.concatenate([p[3] for p in parts])[keep]
    i_track = np.concatenate([p[4] for p in parts])[keep]
    i_fmt = np.concatenate([p[5] for p in parts])[keep]
    per_item = per_item[keep]
    del parts

    # Purchases in drawing order (random in time) up to the line target, then oldest first.
    lines_per_p = np.bincount(i_p, weights=per_item, minlength=n_p).astype(np.int64)
    chosen = np.flatnonzero((np.cumsum(lines_per_p) <= target) & (lines_per_p > 0))
    chosen = chosen[np.argsort(p_ts[chosen], kind="stable")]
    new_id = np.full(n_p, -1, dtype=np.int64)
    new_id[chosen] = np.arange(len(chosen))
    item_new = new_id[i_p]
    items = np.flatnonzero(item_new >= 0)
    items = items[np.argsort(item_new[items], kind="stable")]  # items keep their order
    counts = np.bincount(item_new[items], minlength=len(chosen))
    return _PurchasePlan(
        cust=p_cust[chosen],
        ts=p_ts[chosen],
        item_start=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        album=i_album[items],
        track=i_track[items],
        fmt=i_fmt[items],
        lines=int(per_item[items].sum()),
    )


def _expand_lines(
    s: SyntheticStore, album: IntArray, track: IntArray, fmt: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Items -> lines (track, format, cents, album or -1) and the number of lines per item.

    A whole album becomes one line per track, its price split to the cent (first tracks get
    the odd cents) so that the lines sum to the album price.
    """
    whole = track < 0
    per_item = np.where(whole, s._counts[album], 1)
    line_item = np.repeat(np.arange(len(album)), per_item)
    within = np.arange(len(line_item)) - (np.cumsum(per_item) - per_item)[line_item]
    l_album = album[line_item]
    l_whole = whole[line_item]
    l_fmt = fmt[line_item]
    l_track = np.where(l_whole, s._track_start[l_album] + within, track[line_item])
    track_cents = TIERS[s._rel_tier[l_album], l_fmt]
    count = s._counts[l_album]
    album_cents = _album_price_array(track_cents, count)
    split = album_cents // count + (within < album_cents % count)
    l_cents = np.where(l_whole, split, track_cents)
    return l_track, l_fmt, l_cents, np.where(l_whole, l_album, -1), per_item


def _album_price_array(track_cents: IntArray, count: IntArray) -> IntArray:
    """`_album_price` for arrays (same numbers)."""
    total = track_cents * count
    target = (total * ALBUM_DISCOUNT).astype(np.int64)
    price = target // 100 * 100 - 1
    price = np.where(price < track_cents, target // 10 * 10 - 1, price)
    return np.where((price > 0) & (price < total), price, total - 1)
