"""A generated store for scale: catalog, customers and purchase history, deterministic per seed.

`generate(tracks, seed)` draws the whole plan with numpy in bulk and keeps it as compact arrays
(the catalog, `synthetic_catalog`, about 130 bytes a track; the customers,
`synthetic_customers`, about 150 bytes each; the purchase plan, `synthetic_purchases`, drawn on
first use of `purchase_count`, `line_count` or `iter_purchases()`, about 15 bytes a line);
records are built lazily, for any range, by `iter_releases()`, `iter_customers()` and
`iter_purchases()`, so a 1M-track store with 5M purchased lines peaks under 1 GB and an import
can start again from any release, customer or purchase.

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

from graph.importers.synthetic_catalog import (
    COMPILATION,
    COUNTRIES,
    EP,
    FORMAT_NAMES,
    NO_END,
    SINGLE,
    TYPE_NAMES,
    WORLDWIDE_MASK,
    Catalog,
    build_catalog,
)
from graph.importers.synthetic_customers import Customers, build_customers
from graph.importers.synthetic_names import person, title
from graph.importers.synthetic_prices import (
    CURRENCY,
    PRICE_POINTS,
    TIERS,
    album_price,
    cents,
    charged,
    in_currency,
    pays_in,
)
from graph.importers.synthetic_purchases import PurchasePlan, expand_lines, plan_purchases
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

EXPLICIT_EVERY = 13
"""Every 13th generated track carries a parental advisory (and so does its release)."""
CUSTOMER_CHUNK = 10_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Taste:
    """A generated customer's favourite genres (names) and artists (keys)."""

    genres: tuple[str, ...]
    artists: tuple[str, ...]


@dataclass(eq=False)
class SyntheticStore:
    """A generated store: arrays drawn up front, records built on demand for any range."""

    tracks: int
    seed: int
    today: date
    customer_target: int
    line_target: int
    catalog: Catalog = field(init=False, repr=False)
    people: Customers = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.catalog = build_catalog(self.tracks, self.seed, self.today)
        self.people = build_customers(self.catalog, self.seed, self.customer_target)

    @property
    def release_count(self) -> int:
        """The number of releases."""
        return self.catalog.shape.releases

    @property
    def track_count(self) -> int:
        """The number of tracks."""
        return self.tracks

    @property
    def customer_count(self) -> int:
        """The number of customers."""
        return len(self.people)

    @property
    def purchase_count(self) -> int:
        """The number of purchases (draws the purchase plan)."""
        return len(self.plan.cust)

    @property
    def line_count(self) -> int:
        """The number of purchased track lines (draws the purchase plan)."""
        return self.plan.lines

    @property
    def genre_names(self) -> tuple[str, ...]:
        """The genres the catalog uses."""
        return self.catalog.parties.genres

    @cached_property
    def plan(self) -> PurchasePlan:
        """The purchase history as arrays, drawn on first use."""
        return plan_purchases(self.catalog, self.people, self.seed, self.today, self.line_target)

    def taste(self, customer_key: str) -> Taste:
        """The favourite genres and artists a customer was generated with."""
        c = self.people.index(customer_key)
        genres = tuple(self.genre_names[g] for g in self.people.fav_genres[c] if g >= 0)
        artists = tuple(self.catalog.names.artists[a].key for a in self.people.fav_artists[c] if a >= 0)
        return Taste(genres, artists)

    def iter_releases(self, start: int = 0, stop: int | None = None) -> Iterator[Release]:
        """Releases start..stop, in catalog order."""
        for r in range(start, self.release_count if stop is None else min(stop, self.release_count)):
            yield self._release(r)

    def iter_customers(self, start: int = 0, stop: int | None = None) -> Iterator[CustomerRecord]:
        """Customers start..stop, in key order."""
        stop = self.customer_count if stop is None else min(stop, self.customer_count)
        for lo in range(start, stop, CUSTOMER_CHUNK):
            yield from self.people.records(lo, min(lo + CUSTOMER_CHUNK, stop))

    def track_keys(self, start: int = 0, stop: int | None = None) -> list[str]:
        """The keys (ISRCs) of tracks start..stop, in catalog order."""
        return self.catalog.codes.isrc_list(slice(start, stop))

    def iter_purchases(self, start: int = 0, stop: int | None = None, chunk: int = 20_000) -> Iterator[PurchaseRecord]:
        """Purchases start..stop, oldest first (keys `syn<seed>-p<n>` in that order)."""
        stop = self.purchase_count if stop is None else min(stop, self.purchase_count)
        for lo in range(start, stop, chunk):
            yield from self._purchases(lo, min(lo + chunk, stop))

    def write_feed(self, path: Path) -> int:
        """The catalog as a feed file; returns the number of releases."""
        from graph.importers.feed_writer import write_feed

        return write_feed(self.iter_releases(), path)

    # ------------------------------------------------------------------ purchases

    @cached_property
    def _line_values(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """Lookup tables: prices by cents, format names, album keys (-1: none), line rates, currencies."""
        cat = self.catalog
        prices = np.array([cents(c) for c in range(int(TIERS.max()) * 16 + 1)], dtype=object)
        album_keys = np.array([*cat.codes.upcs, None], dtype=object)  # index -1: not an album
        rates = np.array(cat.parties.label_rates, dtype=object)[cat.credits.label]
        return prices, np.array(FORMAT_NAMES, dtype=object), album_keys, rates, [pays_in(c) for c, _ in COUNTRIES]

    def _purchases(self, lo: int, hi: int) -> Iterator[PurchaseRecord]:
        plan, cat, people = self.plan, self.catalog, self.people
        prices, formats, album_keys, rates, currencies = self._line_values
        i0, i1 = int(plan.item_start[lo]), int(plan.item_start[hi])
        tracks, fmts, cents_, albums, per_item = expand_lines(
            cat, plan.album[i0:i1], plan.track[i0:i1], plan.fmt[i0:i1]
        )
        lines = list(
            map(
                PurchaseLineRecord,
                cat.codes.isrc_list(tracks),
                formats[fmts].tolist(),
                prices[cents_].tolist(),
                rates[cat.shape.track_album[tracks]].tolist(),
                album_keys[albums].tolist(),
            )
        )
        item_lines = np.concatenate(([0], np.cumsum(per_item)))
        starts = item_lines[plan.item_start[lo : hi + 1] - i0].tolist()
        custs = plan.cust[lo:hi].tolist()
        times = plan.ts[lo:hi].tolist()
        prefix = f"syn{self.seed}-p"
        for i in range(hi - lo):
            customer = custs[i]
            country = int(people.country[customer])
            currency = currencies[country]
            yield PurchaseRecord(
                key=f"{prefix}{lo + i:09d}",
                customer_key=people.key(customer),
                purchased_at=EPOCH + timedelta(seconds=times[i]),
                territory=COUNTRIES[country][0],
                currency=currency,
                lines=charged(lines[starts[i] : starts[i + 1]], currency),
            )

    # ------------------------------------------------------------------ releases

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
                    Offer(FORMAT_NAMES[f], in_currency(album_price(p, count), currency))
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
        if mask == WORLDWIDE_MASK:
            return (WORLDWIDE,)
        return tuple(sorted(code for i, (code, _) in enumerate(COUNTRIES) if mask >> i & 1))

    def _tracks(
        self, ts: int, te: int, rtype: int, artists: tuple[PartyRef, ...], genre: str, offers: tuple[Offer, ...]
    ) -> list[TrackRecord]:
        """Tracks ts..te of a release of type `rtype` by `artists`."""
        details, refs = self.catalog.details, self.catalog.names.artists
        words = details.words[ts:te].tolist()
        guests = details.guest[ts:te].tolist()
        composers = details.composer[ts:te].tolist()
        discs = details.disc[ts:te].tolist()
        numbers = details.number[ts:te].tolist()
        durations = details.duration[ts:te].tolist()
        isrcs = self.catalog.codes.isrc_list(slice(ts, te))
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
                first, last = person(comp)
                composer = f"{first[0]}. {last}"
            p, a, b = words[i]
            tracks.append(
                TrackRecord(
                    key=isrc,
                    title=title(p % 7, a, b),
                    duration_ms=durations[i],
                    disc_number=discs[i],
                    track_number=numbers[i],
                    artists=track_artists,
                    offers=offers,
                    isrc=isrc,
                    composer=composer,
                    genre=genre,
                    explicit=(ts + i) % EXPLICIT_EVERY == 0,
                )
            )
        return tracks

    def _release(self, r: int) -> Release:
        cat = self.catalog
        credits, details, when = cat.credits, cat.details, cat.availability
        rtype = int(cat.shape.type[r])
        genre1, genre2 = int(credits.genre[r]), int(credits.genre2[r])
        genres = (self.genre_names[genre1],) + ((self.genre_names[genre2],) if genre2 >= 0 else ())
        refs = cat.names.artists
        artists: tuple[PartyRef, ...] = (refs[int(credits.artist[r])],)
        second = int(credits.artist2[r])
        if second >= 0:
            artists += (refs[second],)
        tier = int(credits.tier[r])
        ts, te = int(cat.shape.track_start[r]), int(cat.shape.track_start[r + 1])
        tracks = self._tracks(ts, te, rtype, artists, genres[0], self._offers(tier, 0))
        p, a, b = details.release_words[r].tolist()
        day = date.fromordinal(int(when.day[r]))
        if rtype == SINGLE:
            name = tracks[0].title
        elif rtype == COMPILATION:
            name = f"{genres[0]} {('Hits', 'Essentials', 'Classics', 'Anthems')[a % 4]} {day.year}"
            if b % 3 == 0:
                name += f" Vol. {b % 5 + 2}"
        else:
            name = title(p % 7, a, b) + (" EP" if rtype == EP else "")
        end = int(when.end[r])
        upc = cat.codes.upcs[r]
        label = cat.names.labels[int(credits.label[r])]
        return Release(
            key=upc,
            title=name,
            type=TYPE_NAMES[rtype],
            artists=artists,
            genres=genres,
            rights=Rights(
                territories=self._territories(int(when.mask[r])),
                royalty_rate=cat.parties.label_rates[int(credits.label[r])],
                start=date.fromordinal(int(when.start[r])),
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
