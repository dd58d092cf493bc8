"""The generated customers: countries, activity, favourite format, genres and artists, as arrays.

Records (`CustomerRecord`) are built on demand for a range of customers, so a million customers
cost a few dozen bytes each until written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.importers.synthetic_catalog import COUNTRIES, Catalog
from graph.importers.synthetic_names import FIRST_NAMES, LAST_NAMES
from graph.importers.synthetic_sampling import FloatArray, IntArray, rng_for, weighted
from graph.release import CustomerRecord
from graph.slug import slugify

CUSTOMER_STREAM = 2


@dataclass(frozen=True, slots=True)
class Customers:
    """Customer i's country, activity (purchase weight), format, favourites (-1 padded) and name draws."""

    prefix: str  # keys are prefix + the number in 7 digits
    country: IntArray  # an index into COUNTRIES
    activity: FloatArray
    format: IntArray
    fav_genres: IntArray  # (n, 3), real ones first
    fav_genre_count: IntArray
    fav_artists: IntArray  # (n, 8), real ones first
    fav_artist_count: IntArray
    name_draw: IntArray  # (n, 2)

    def __len__(self) -> int:
        return len(self.country)

    def key(self, i: int) -> str:
        """Customer i's key."""
        return f"{self.prefix}{i:07d}"

    def index(self, key: str) -> int:
        """The number of the customer with this key (ValueError for another key)."""
        if not key.startswith(self.prefix) or not 0 <= (i := int(key[len(self.prefix) :])) < len(self):
            raise ValueError(f"not a customer of this store: {key!r}")
        return i

    def country_code(self, i: int) -> str:
        """Customer i's country (ISO 3166 alpha-2)."""
        return COUNTRIES[int(self.country[i])][0]

    def records(self, start: int = 0, stop: int | None = None) -> list[CustomerRecord]:
        """Customers start..stop as records."""
        stop = len(self) if stop is None else min(stop, len(self))
        out = []
        for i, (a, b) in enumerate(self.name_draw[start:stop].tolist(), start):
            first, last = FIRST_NAMES[a % len(FIRST_NAMES)], LAST_NAMES[b % len(LAST_NAMES)]
            out.append(
                CustomerRecord(
                    key=self.key(i),
                    country=self.country_code(i),
                    name=f"{first} {last}",
                    email=f"{slugify(first)}.{slugify(last)}.{i}@example.com",
                )
            )
        return out


def build_customers(catalog: Catalog, seed: int, n: int) -> Customers:
    """`n` customers with tastes among the catalog's genres and artists, the same per seed."""
    rng = rng_for(seed, CUSTOMER_STREAM)
    parties = catalog.parties
    country = weighted(rng, np.array([w for _, w in COUNTRIES], dtype=np.float64), n)
    activity = rng.lognormal(0.0, 1.0, n)
    fmt = weighted(rng, np.array([0.55, 0.20, 0.18, 0.07]), n)
    k_genres = weighted(rng, np.array([0.4, 0.4, 0.2]), n) + 1
    # Favourite genres: 1-3, by popularity, among genres that have artists.
    by_genre = parties.artists_by_genre
    with_artists = by_genre.sizes(np.arange(len(parties.genres))) > 0
    fav = weighted(rng, parties.genre_weight * with_artists, n * 3).reshape(n, 3)
    fav[:, 1] = np.where(fav[:, 1] == fav[:, 0], -1, fav[:, 1])
    fav[:, 2] = np.where((fav[:, 2] == fav[:, 0]) | (fav[:, 2] == fav[:, 1]), -1, fav[:, 2])
    fav[np.arange(3)[None, :] >= k_genres[:, None]] = -1
    fav = np.take_along_axis(fav, np.argsort(fav < 0, axis=1, kind="stable"), axis=1)
    # Favourite artists: 2-8, drawn from the favourite genres by popularity.
    k_artists = rng.integers(2, 9, n)
    slots = np.arange(8)[None, :] < k_artists[:, None]
    which = rng.integers(0, 3, (n, 8))
    genre_pick = fav[np.arange(n)[:, None], which]
    genre_pick = np.where(genre_pick < 0, fav[:, :1], genre_pick)
    fav_artists = np.full((n, 8), -1, dtype=np.int64)
    ok = slots & (by_genre.sizes(genre_pick) > 0)
    fav_artists[ok] = by_genre.sample(genre_pick[ok], rng)
    # Drop repeats within a customer's list (keep the first).
    fav_artists.sort(axis=1)
    repeat = np.zeros_like(fav_artists, dtype=bool)
    repeat[:, 1:] = fav_artists[:, 1:] == fav_artists[:, :-1]
    fav_artists[repeat] = -1
    fav_artists = -np.sort(-fav_artists, axis=1)  # real ones first
    return Customers(
        prefix=f"syn{seed}-c",
        country=country,
        activity=activity,
        format=fmt,
        fav_genres=fav,
        fav_genre_count=(fav >= 0).sum(axis=1),
        fav_artists=fav_artists,
        fav_artist_count=(fav_artists >= 0).sum(axis=1),
        name_draw=rng.integers(0, 1 << 30, (n, 2)),
    )
