"""A generated store for scale: catalog, customers and purchase history, deterministic per seed.

`generate(tracks, seed)` draws the whole plan with numpy in bulk and keeps it as compact arrays
(about 130 bytes a track; the purchase plan, drawn on first use of `purchase_count`,
`line_count` or `iter_purchases()`, about 15 bytes a line); records are built lazily, release
after release and purchase after purchase, by `iter_releases()` and `iter_purchases()`, so a
1M-track store with 5M purchased lines peaks under 1 GB.

Shape: artists with a Zipf-like number of releases (Various Artists for compilations), albums of
8-16 tracks (EPs 4-7, singles 1-3), Zipf popularity over releases (correlated with the artist)
and one hit per release; ~20-40 genres, ~2.5 sqrt(releases) labels; ~88% of releases
worldwide, the rest in 1-6 countries, ~3% taken down (rights end in the past); release dates
over 20 years, denser lately, ~2% in the last 2 weeks and ~1.5% in the next 4 months (half of
those on pre-order: rights start before the release date). Customers (tracks / 10 by default)
live in 50 countries and have 1-3 favourite genres and 2-8 favourite artists: about 3/4 of what
they buy is in their genres. Purchases (tracks * 5 lines by default) span the last 3 years
(more lately): single tracks, small carts and whole albums (lines carrying album_key, prices
split to the cent so they sum to the album price), each only where and when the release is
licensed (and released), at the release's prices and royalty rate; nobody buys the same track
(or album) twice.

The same (tracks, seed, customers, lines, today) always gives the same records; `today`
defaults to the current UTC date, so pass it to reproduce a store on another day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path

import numpy as np

from graph.importers.synthetic_catalogue import (
    COMPILATION,
    COUNTRIES,
    CURRENCY,
    EP,
    FORMAT_NAMES,
    NO_END,
    PRICE_POINTS,
    SINGLE,
    TIERS,
    TYPE_NAMES,
    _album_price,
    _CatalogueArrays,
    _cents,
    charged,
    in_currency,
    pays_in,
)
from graph.importers.synthetic_names import FIRST_NAMES, LAST_NAMES, _person, _title
from graph.importers.synthetic_purchases import _expand_lines, _plan_purchases, _PurchasePlan
from graph.importers.synthetic_sampling import _rng, _weighted
from graph.release import (
    WORLDWIDE,
    CustomerRecord,
    Offer,
    PartyRef,
    PriceList,
    PurchaseLineRecord,
    PurchaseRecord,
    Release,
    Rights,
    TrackRecord,
)
from graph.slug import slugify

EXPLICIT_EVERY = 13
"""Every 13th generated track carries a parental advisory (and so does its release)."""


@dataclass(frozen=True, slots=True)
class Taste:
    """A generated customer's favourite genres (names) and artists (keys)."""

    genres: tuple[str, ...]
    artists: tuple[str, ...]


@dataclass(eq=False)
class SyntheticStore(_CatalogueArrays):
    """A generated store: customers as a list, releases and purchases built on demand."""

    tracks: int
    seed: int
    today: date
    customer_target: int
    line_target: int
    customers: list[CustomerRecord] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._build_catalog()
        self._build_customers()

    # ------------------------------------------------------------------ public

    @property
    def release_count(self) -> int:
        return len(self._rel_type)

    @property
    def track_count(self) -> int:
        return self.tracks

    @property
    def customer_count(self) -> int:
        return len(self.customers)

    @property
    def purchase_count(self) -> int:
        return len(self._plan.cust)

    @property
    def line_count(self) -> int:
        return self._plan.lines

    @property
    def genre_names(self) -> tuple[str, ...]:
        return self._genres

    def taste(self, customer_key: str) -> Taste:
        """The favourite genres and artists a customer was generated with."""
        c = self._customer_index[customer_key]
        genres = tuple(self._genres[g] for g in self._fav_genres[c] if g >= 0)
        artists = tuple(self._artist_refs[a].key for a in self._fav_artists[c] if a >= 0)
        return Taste(genres, artists)

    def iter_releases(self) -> Iterator[Release]:
        """Every release, in catalog order."""
        for r in range(self.release_count):
            yield self._release(r)

    def iter_purchases(self, chunk: int = 20_000) -> Iterator[PurchaseRecord]:
        """Every purchase, oldest first (keys `syn<seed>-p<n>` in that order)."""
        plan = self._plan
        max_cents = int(TIERS.max()) * 16
        prices = np.array([_cents(c) for c in range(max_cents + 1)], dtype=object)
        formats = np.array(FORMAT_NAMES, dtype=object)
        album_keys = np.array([*self._upcs, None], dtype=object)  # index -1: not an album
        line_rates = np.array(self._label_rates, dtype=object)[self._rel_label]
        cust_keys = [c.key for c in self.customers]
        countries = [c.country for c in self.customers]
        currencies = [pays_in(c) for c in countries]
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        prefix = f"syn{self.seed}-p"
        for lo in range(0, len(plan.cust), chunk):
            hi = min(lo + chunk, len(plan.cust))
            i0, i1 = int(plan.item_start[lo]), int(plan.item_start[hi])
            tracks, fmts, cents, albums, per_item = _expand_lines(
                self, plan.album[i0:i1], plan.track[i0:i1], plan.fmt[i0:i1]
            )
            lines = list(
                map(
                    PurchaseLineRecord,
                    self._isrc_codes[tracks].tolist(),
                    formats[fmts].tolist(),
                    prices[cents].tolist(),
                    line_rates[self._track_album[tracks]].tolist(),
                    album_keys[albums].tolist(),
                )
            )
            item_lines = np.concatenate(([0], np.cumsum(per_item)))
            starts = item_lines[plan.item_start[lo : hi + 1] - i0].tolist()
            custs = plan.cust[lo:hi].tolist()
            times = plan.ts[lo:hi].tolist()
            for i in range(hi - lo):
                customer = custs[i]
                yield PurchaseRecord(
                    key=f"{prefix}{lo + i:09d}",
                    customer_key=cust_keys[customer],
                    purchased_at=epoch + timedelta(seconds=times[i]),
                    territory=countries[customer],
                    currency=currencies[customer],
                    lines=charged(lines[starts[i] : starts[i + 1]], currencies[customer]),
                )

    def write_feed(self, path: Path) -> int:
        """The catalog as a feed file; returns the number of releases."""
        from graph.importers.feed_writer import write_feed

        return write_feed(self.iter_releases(), path)

    # ------------------------------------------------------------------ catalog

    @cached_property
    def _offer_cache(self) -> dict[tuple[int, int, str], tuple[Offer, ...]]:
        return {}

    def _offers(self, tier: int, count: int, currency: str = CURRENCY) -> tuple[Offer, ...]:
        """Track offers of a tier (count 0), or its album offers for `count` tracks, in `currency`."""
        cache = self._offer_cache
        found = cache.get((tier, count, currency))
        if found is None:
            prices = TIERS[tier].tolist()
            if count == 0:
                found = tuple(Offer(FORMAT_NAMES[f], in_currency(p, currency)) for f, p in enumerate(prices) if p)
            elif count == 1:
                found = ()
            else:
                found = tuple(
                    Offer(FORMAT_NAMES[f], in_currency(_album_price(p, count), currency))
                    for f, p in enumerate(prices) if p
                )
            cache[tier, count, currency] = found
        return found

    def _price_lists(self, tier: int, count: int) -> tuple[PriceList, ...]:
        """The release's lists in the PRICE_POINTS currencies (USD, its own, is the fallback)."""
        return tuple(
            PriceList(c, self._offers(tier, count, c), self._offers(tier, 0, c)) for c in PRICE_POINTS
        )

    def _territories(self, mask: int) -> tuple[str, ...]:
        if mask == 2**64 - 1:
            return (WORLDWIDE,)
        return tuple(sorted(code for i, (code, _) in enumerate(COUNTRIES) if mask >> i & 1))

    def _release(self, r: int) -> Release:
        rtype = int(self._rel_type[r])
        genre1, genre2 = int(self._rel_genre[r]), int(self._rel_genre2[r])
        genres = (self._genres[genre1],) + ((self._genres[genre2],) if genre2 >= 0 else ())
        refs = self._artist_refs
        artists: tuple[PartyRef, ...] = (refs[int(self._rel_artist[r])],)
        second = int(self._rel_artist2[r])
        if second >= 0:
            artists += (refs[second],)
        tier = int(self._rel_tier[r])
        track_offers = self._offers(tier, 0)
        ts, te = int(self._track_start[r]), int(self._track_start[r + 1])
        words = self._track_words[ts:te].tolist()
        guests = self._track_guest[ts:te].tolist()
        composers = self._track_composer[ts:te].tolist()
        discs = self._track_disc[ts:te].tolist()
        numbers = self._track_number[ts:te].tolist()
        durations = self._track_duration[ts:te].tolist()
        isrcs = self._isrc_codes[ts:te].tolist()
        tracks = []
        for i in range(te - ts):
            isrc = isrcs[i]
            g = guests[i]
            if g < 0:
                track_artists = artists
            elif rtype == COMPILATION:
                track_artists = (refs[g],)
            else:
                track_artists = (*artists, refs[g])
            comp = composers[i]
            composer = None
            if comp >= 0:
                first, last = _person(comp)
                composer = f"{first[0]}. {last}"
            p, a, b = words[i]
            tracks.append(
                TrackRecord(
                    key=isrc,
                    title=_title(p % 7, a, b),
                    duration_ms=durations[i],
                    disc_number=discs[i],
                    track_number=numbers[i],
                    artists=track_artists,
                    offers=track_offers,
                    isrc=isrc,
                    composer=composer,
                    genre=genres[0],
                    explicit=(ts + i) % EXPLICIT_EVERY == 0,
                )
            )
        p, a, b = self._rel_words[r].tolist()
        day = date.fromordinal(int(self._rel_day[r]))
        if rtype == SINGLE:
            title = tracks[0].title
        elif rtype == COMPILATION:
            title = f"{genres[0]} {('Hits', 'Essentials', 'Classics', 'Anthems')[a % 4]} {day.year}"
            if b % 3 == 0:
                title += f" Vol. {b % 5 + 2}"
        else:
            title = _title(p % 7, a, b) + (" EP" if rtype == EP else "")
        end = int(self._rel_end[r])
        upc = self._upcs[r]
        label = self._label_refs[int(self._rel_label[r])]
        return Release(
            key=upc,
            title=title,
            type=TYPE_NAMES[rtype],
            artists=artists,
            genres=genres,
            rights=Rights(
                territories=self._territories(int(self._rel_mask[r])),
                royalty_rate=self._label_rates[int(self._rel_label[r])],
                start=date.fromordinal(int(self._rel_start[r])),
                end=None if end == NO_END else date.fromordinal(end),
            ),
            currency=CURRENCY,
            album_offers=self._offers(tier, te - ts),
            tracks=tuple(tracks),
            upc=upc,
            release_date=day,
            label=label,
            explicit=any(t.explicit for t in tracks),
            copyright=f"© {day.year} {label.name}",
            phonographic_copyright=f"℗ {day.year} {label.name}",
            price_lists=self._price_lists(tier, te - ts),
        )

    # ------------------------------------------------------------------ customers

    def _build_customers(self) -> None:
        rng = _rng(self.seed, 2)
        n = self.customer_target
        country_w = np.array([w for _, w in COUNTRIES], dtype=np.float64)
        self._cust_country = _weighted(rng, country_w, n)
        self._cust_activity = rng.lognormal(0.0, 1.0, n)
        self._cust_format = _weighted(rng, np.array([0.55, 0.20, 0.18, 0.07]), n)
        k_genres = _weighted(rng, np.array([0.4, 0.4, 0.2]), n) + 1
        # Favourite genres: 1-3, by popularity, among genres that have artists.
        with_artists = self._artists_by_genre.sizes(np.arange(len(self._genres))) > 0
        fav = _weighted(rng, self._genre_w * with_artists, n * 3).reshape(n, 3)
        fav[:, 1] = np.where(fav[:, 1] == fav[:, 0], -1, fav[:, 1])
        fav[:, 2] = np.where((fav[:, 2] == fav[:, 0]) | (fav[:, 2] == fav[:, 1]), -1, fav[:, 2])
        fav[np.arange(3)[None, :] >= k_genres[:, None]] = -1
        fav = np.take_along_axis(fav, np.argsort(fav < 0, axis=1, kind="stable"), axis=1)
        self._fav_genres = fav
        self._fav_genre_count = (fav >= 0).sum(axis=1)
        # Favourite artists: 2-8, drawn from the favourite genres by popularity.
        k_artists = rng.integers(2, 9, n)
        slots = np.arange(8)[None, :] < k_artists[:, None]
        which = rng.integers(0, 3, (n, 8))
        genre_pick = fav[np.arange(n)[:, None], which]
        genre_pick = np.where(genre_pick < 0, fav[:, :1], genre_pick)
        fav_artists = np.full((n, 8), -1, dtype=np.int64)
        sizes = self._artists_by_genre.sizes(genre_pick)
        ok = slots & (sizes > 0)
        fav_artists[ok] = self._artists_by_genre.sample(genre_pick[ok], rng)
        # Drop repeats within a customer's list (keep the first).
        fav_artists.sort(axis=1)
        repeat = np.zeros_like(fav_artists, dtype=bool)
        repeat[:, 1:] = fav_artists[:, 1:] == fav_artists[:, :-1]
        fav_artists[repeat] = -1
        self._fav_artists = -np.sort(-fav_artists, axis=1)  # real ones first
        self._fav_artist_count = (self._fav_artists >= 0).sum(axis=1)

        used = rng.integers(0, 1 << 30, (n, 2)).tolist()
        prefix = f"syn{self.seed}-c"
        customers = []
        for i, (a, b) in enumerate(used):
            first, last = FIRST_NAMES[a % len(FIRST_NAMES)], LAST_NAMES[b % len(LAST_NAMES)]
            email = f"{slugify(first)}.{slugify(last)}.{i}@example.com"
            customers.append(
                CustomerRecord(
                    key=f"{prefix}{i:07d}",
                    country=COUNTRIES[int(self._cust_country[i])][0],
                    name=f"{first} {last}",
                    email=email,
                )
            )
        self.customers = customers
        self._customer_index = {c.key: i for i, c in enumerate(customers)}

    # ------------------------------------------------------------------ purchases

    @cached_property
    def _plan(self) -> _PurchasePlan:
        return _plan_purchases(self)



def generate(
    tracks: int,
    seed: int = 0,
    *,
    customers: int | None = None,
    lines: int | None = None,
    today: date | None = None,
) -> SyntheticStore:
    """A store of exactly `tracks` tracks, `customers` (default tracks // 10, at least 1)
    customers and about `lines` (default tracks * 5) purchased track lines, never more."""
    if tracks <= 0:
        raise ValueError("tracks must be positive")
    return SyntheticStore(
        tracks=tracks,
        seed=seed,
        today=today or datetime.now(UTC).date(),
        customer_target=max(1, tracks // 10) if customers is None else customers,
        line_target=tracks * 5 if lines is None else lines,
    )
