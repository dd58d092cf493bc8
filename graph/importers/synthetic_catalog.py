"""The generated catalog: genres, labels, artists, releases and tracks drawn as compact arrays.

`build_catalog(tracks, seed, today)` draws it in seven stages from one random stream, each
stage a typed result of its own: shapes (release types, track counts), parties (genres, labels,
artists), credits (who made each release, its label and price tier), popularity, availability
(dates and rights), track details, codes (UPCs, ISRCs: `synthetic_codes`) and names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from graph.formats import AUDIO_FORMATS
from graph.importers.synthetic_codes import Codes, draw_codes
from graph.importers.synthetic_names import Names, draw_names
from graph.importers.synthetic_prices import TIER_WEIGHTS
from graph.importers.synthetic_sampling import (
    BoolArray,
    FloatArray,
    IntArray,
    Segments,
    U64Array,
    rng_for,
    weighted,
)

CATALOG_DAYS = 20 * 365
NO_END = 2**31 - 1  # "no end" as a day number
FORMAT_NAMES = AUDIO_FORMATS
MP3, AAC, FLAC, HIRES = range(4)
TYPE_NAMES = ("ALBUM", "EP", "SINGLE", "COMPILATION")
ALBUM, EP, SINGLE, COMPILATION = range(4)
WORLDWIDE_MASK = 2**64 - 1
CATALOG_STREAM = 1

GENRES = (
    "Pop", "Rock", "Hip-Hop/Rap", "Electronic", "R&B/Soul", "Dance", "Alternative & Punk",
    "Country", "Latin", "Jazz", "Classical", "Metal", "Indie", "Singer/Songwriter", "Reggae",
    "Blues", "Folk", "Soundtrack", "K-Pop", "Funk", "House", "Techno", "Ambient", "World",
    "Gospel", "Easy Listening", "Drum & Bass", "Trance", "Disco", "Soul", "Afrobeats",
    "Música Mexicana", "Bossa Nova", "J-Pop", "Hardcore", "Ska", "Lo-Fi", "New Age",
    "Children's Music", "Spoken Word",
)  # fmt: skip

# Customer countries and their weights (at most 64: a release's territories are a bitmask).
COUNTRIES = (
    ("US", 28), ("GB", 9), ("DE", 8), ("FR", 5), ("JP", 5), ("CA", 4), ("BR", 4), ("AU", 3),
    ("IT", 2.5), ("ES", 2.5), ("NL", 2), ("SE", 2), ("MX", 2), ("KR", 1.5), ("PL", 1.5),
    ("IN", 1.5), ("NO", 1), ("DK", 1), ("FI", 1), ("BE", 1), ("AT", 1), ("CH", 1), ("IE", 1),
    ("PT", 1), ("AR", 1), ("CL", 0.8), ("CO", 0.8), ("CZ", 0.7), ("HU", 0.5), ("NZ", 0.7),
    ("ZA", 0.6), ("SG", 0.5), ("TR", 0.6), ("GR", 0.5), ("RO", 0.5), ("IL", 0.4), ("UA", 0.4),
    ("PH", 0.4), ("ID", 0.5), ("TH", 0.4), ("MY", 0.3), ("HK", 0.3), ("TW", 0.4), ("PE", 0.3),
    ("NG", 0.3), ("EG", 0.2), ("IS", 0.1), ("LU", 0.1), ("EE", 0.1), ("HR", 0.1),
)  # fmt: skip
ROYALTY_RATES = ("0.50", "0.55", "0.60", "0.65", "0.70", "0.75", "0.80")


@dataclass(frozen=True, slots=True)
class Shape:
    """Stage 1: each release's type and track count, cut to exactly the store's tracks."""

    type: IntArray
    counts: IntArray
    track_start: IntArray  # release r has tracks track_start[r]:track_start[r + 1]
    track_album: IntArray  # each track's release
    position: IntArray  # each track's index on its release

    @property
    def releases(self) -> int:
        """The number of releases."""
        return len(self.type)

    @property
    def tracks(self) -> int:
        """The number of tracks."""
        return len(self.track_album)

    @property
    def compilation(self) -> BoolArray:
        """Which releases are compilations (by Various Artists)."""
        result: BoolArray = self.type == COMPILATION
        return result


@dataclass(frozen=True, slots=True)
class Parties:
    """Stage 2: genres, labels and artists with their weights, homes and popularity."""

    genres: tuple[str, ...]
    genre_weight: FloatArray
    label_weight: FloatArray
    label_rates: list[Decimal]
    label_tier: IntArray
    artist_genre: IntArray
    artist_label: IntArray
    artist_pop: FloatArray
    releases_per_artist: IntArray
    artists_by_genre: Segments  # artists grouped by genre, weighted by popularity

    @property
    def artists(self) -> int:
        """The number of artists (Various Artists, number `artists`, not counted)."""
        return len(self.artist_genre)

    @property
    def labels(self) -> int:
        """The number of labels."""
        return len(self.label_weight)


@dataclass(frozen=True, slots=True)
class Credits:
    """Stage 2 per release: artists (-1 for none), genres, label and price tier."""

    artist: IntArray  # Parties.artists for Various Artists
    artist2: IntArray
    genre: IntArray
    genre2: IntArray
    label: IntArray
    tier: IntArray

    def main_artist(self, parties: Parties) -> IntArray:
        """Each release's artist, Various Artists taken as the last real one (an index into artist arrays)."""
        result: IntArray = np.minimum(self.artist, parties.artists - 1)
        return result


@dataclass(frozen=True, slots=True)
class Popularity:
    """Stage 3: each release's sales weight (Zipf by rank) and its hit track."""

    weight: FloatArray
    cumulative: FloatArray  # of weight, with a leading 0
    hit: IntArray


@dataclass(frozen=True, slots=True)
class Availability:
    """Stage 4: release dates and rights as day ordinals, and the countries as a bitmask."""

    day: IntArray
    start: IntArray
    end: IntArray  # NO_END for none
    mask: U64Array  # bit i: COUNTRIES[i]; WORLDWIDE_MASK for everywhere
    available: IntArray  # the first day it can be bought


@dataclass(frozen=True, slots=True)
class TrackDetails:
    """Stage 5: per track duration, disc and number, title words, composer and guest (-1 for none)."""

    duration: IntArray
    disc: IntArray
    number: IntArray
    words: IntArray  # (tracks, 3)
    release_words: IntArray  # (releases, 3)
    composer: IntArray
    guest: IntArray


@dataclass(frozen=True, slots=True)
class Catalog:
    """The whole catalog as arrays: the result of the seven stages."""

    shape: Shape
    parties: Parties
    credits: Credits
    popularity: Popularity
    availability: Availability
    details: TrackDetails
    codes: Codes
    names: Names


def build_catalog(tracks: int, seed: int, today: date) -> Catalog:
    """A catalog of exactly `tracks` tracks, the same for the same arguments."""
    rng = rng_for(seed, CATALOG_STREAM)
    shape = _shape(rng, tracks)
    parties = _parties(rng, shape)
    credits = _credits(rng, shape, parties)
    popularity = _popularity(rng, shape, parties, credits)
    availability = _availability(rng, shape.releases, today.toordinal())
    details = _details(rng, shape, parties, credits)
    codes = draw_codes(rng, shape.track_album, credits.label, availability.day, parties.labels)
    names = draw_names(rng, parties.artists, parties.labels)
    return Catalog(shape, parties, credits, popularity, availability, details, codes, names)


def _shape(rng: np.random.Generator, n_tracks: int) -> Shape:
    types_l: list[IntArray] = []
    counts_l: list[IntArray] = []
    total = 0
    while total < n_tracks:
        n = n_tracks // 9 + 16
        kind = weighted(rng, np.array([0.70, 0.12, 0.13, 0.05]), n)
        count = np.where(
            (kind == ALBUM) | (kind == COMPILATION),
            rng.integers(8, 17, n),
            np.where(kind == EP, rng.integers(4, 8, n), weighted(rng, np.array([5.0, 3, 2]), n) + 1),
        )
        types_l.append(kind)
        counts_l.append(count)
        total += int(count.sum())
    rel_type = np.concatenate(types_l)
    counts = np.concatenate(counts_l)
    ends = np.cumsum(counts)
    n_rel = int(np.searchsorted(ends, n_tracks)) + 1
    rel_type, counts = rel_type[:n_rel].copy(), counts[:n_rel].copy()
    counts[-1] = n_tracks - (int(ends[n_rel - 2]) if n_rel > 1 else 0)
    last = counts[-1]
    if (rel_type[-1] in (ALBUM, COMPILATION) and last < 8) or (rel_type[-1] == EP and last < 4):
        rel_type[-1] = SINGLE if last <= 3 else EP
    track_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    track_album = np.repeat(np.arange(n_rel, dtype=np.int64), counts)
    position = np.arange(n_tracks, dtype=np.int64) - track_start[track_album]
    # Per-track arrays in the narrowest type that holds them: 10M tracks keep ~50 bytes each, not ~150.
    return Shape(rel_type, counts, track_start, track_album.astype(np.int32), position.astype(np.int16))


def _parties(rng: np.random.Generator, shape: Shape) -> Parties:
    n_rel = shape.releases
    n_genres = int(min(len(GENRES), max(8, round(12 + 4 * np.log10(n_rel)))))
    genre_w = 1.0 / np.arange(1, n_genres + 1) ** 0.9
    n_labels = max(3, round(2.5 * np.sqrt(n_rel)))
    label_w = 1.0 / np.arange(1, n_labels + 1) ** 1.1
    label_rate = rng.integers(0, len(ROYALTY_RATES), n_labels)
    label_tier = weighted(rng, np.array(TIER_WEIGHTS), n_labels)
    # Releases per artist: Zipf, cut to the releases that are not compilations.
    n_own = max(int((~shape.compilation).sum()), 1)
    per_artist_l: list[IntArray] = []
    have = 0
    while have < n_own:
        draw = np.minimum(rng.zipf(2.0, max(n_own // 2, 8)), 50).astype(np.int64)
        per_artist_l.append(draw)
        have += int(draw.sum())
    per_artist = np.concatenate(per_artist_l)
    per_artist = per_artist[: int(np.searchsorted(np.cumsum(per_artist), n_own)) + 1]
    per_artist[-1] -= int(per_artist.sum()) - n_own
    n_artists = len(per_artist)
    artist_genre = weighted(rng, genre_w, n_artists)
    artist_label = weighted(rng, label_w, n_artists)
    artist_pop = 1.0 / (rng.permutation(n_artists) + 1.0) ** 0.9
    return Parties(
        genres=GENRES[:n_genres],
        genre_weight=genre_w,
        label_weight=label_w,
        label_rates=[Decimal(ROYALTY_RATES[int(r)]) for r in label_rate],
        label_tier=label_tier,
        artist_genre=artist_genre,
        artist_label=artist_label,
        artist_pop=artist_pop,
        releases_per_artist=per_artist,
        artists_by_genre=Segments.build(artist_genre, artist_pop, n_genres),
    )


def _credits(rng: np.random.Generator, shape: Shape, parties: Parties) -> Credits:
    n_rel, n_artists = shape.releases, parties.artists
    is_comp = shape.compilation
    own = ~is_comp
    rel_artist = np.full(n_rel, n_artists, dtype=np.int64)  # n_artists = Various Artists
    rel_artist[own] = rng.permutation(np.repeat(np.arange(n_artists), parties.releases_per_artist))[
        : int(own.sum())
    ]
    rel_genre = np.empty(n_rel, dtype=np.int64)
    rel_genre[own] = parties.artist_genre[rel_artist[own]]
    switch = rng.random(n_rel) < 0.1
    rel_genre[is_comp | switch] = weighted(rng, parties.genre_weight, int((is_comp | switch).sum()))
    second = weighted(rng, parties.genre_weight, n_rel)
    rel_genre2 = np.where((rng.random(n_rel) < 0.3) & (second != rel_genre), second, -1)
    rel_label = np.where(
        own & (rng.random(n_rel) < 0.85),
        parties.artist_label[np.minimum(rel_artist, n_artists - 1)],
        weighted(rng, parties.label_weight, n_rel),
    )
    coartist = rng.integers(0, n_artists, n_rel)
    rel_artist2 = np.where(own & (rng.random(n_rel) < 0.04) & (coartist != rel_artist), coartist, -1)
    rel_tier = np.where(
        rng.random(n_rel) < 0.7,
        parties.label_tier[rel_label],
        weighted(rng, np.array(TIER_WEIGHTS), n_rel),
    )
    return Credits(rel_artist, rel_artist2, rel_genre, rel_genre2, rel_label, rel_tier)


def _popularity(rng: np.random.Generator, shape: Shape, parties: Parties, credits: Credits) -> Popularity:
    # Zipf over releases, ranked by artist popularity plus noise.
    n_rel = shape.releases
    bonus = np.array([0.0, -0.5, -0.7, -0.3])[shape.type]
    artist_term = np.log(parties.artist_pop[credits.main_artist(parties)])
    artist_term[shape.compilation] = np.log(parties.artist_pop.mean())
    score = artist_term + bonus + rng.normal(0.0, 0.8, n_rel)
    rank = np.empty(n_rel, dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = np.arange(n_rel)
    weight = 1.0 / (rank + 1.0) ** 1.0
    # Each release has a hit track; the others sell less the further down they are.
    hit = shape.track_start[:-1] + (rng.random(n_rel) * shape.counts).astype(np.int64)
    return Popularity(weight, np.concatenate(([0.0], np.cumsum(weight))), hit)


def _availability(rng: np.random.Generator, n_rel: int, today: int) -> Availability:
    u = rng.random(n_rel)
    days_ago = (CATALOG_DAYS * (1 - np.sqrt(rng.random(n_rel)))).astype(np.int64)
    days_ago = np.where(u < 0.02, rng.integers(0, 15, n_rel), days_ago)
    days_ago = np.where(u > 0.985, -rng.integers(1, 121, n_rel), days_ago)
    day = today - days_ago
    preorder = (days_ago < 0) & (rng.random(n_rel) < 0.5)
    start = np.where(preorder, day - rng.integers(14, 61, n_rel), day)
    takedown = (rng.random(n_rel) < 0.03) & (days_ago > 90)
    end_span = np.maximum(days_ago - 60, 1)
    end = np.where(takedown, day + 60 + (rng.random(n_rel) * end_span).astype(np.int64), NO_END)
    end = np.where(takedown, np.minimum(end, today - 1), end)
    country_w = np.array([w for _, w in COUNTRIES], dtype=np.float64)
    restricted = rng.random(n_rel) < 0.12
    picks = weighted(rng, country_w, n_rel * 6).reshape(n_rel, 6)
    keep = np.arange(6)[None, :] < rng.integers(1, 7, n_rel)[:, None]
    bits = np.where(keep, np.left_shift(np.uint64(1), picks.astype(np.uint64)), np.uint64(0))
    mask = np.bitwise_or.reduce(bits, axis=1)
    mask[~restricted] = np.uint64(WORLDWIDE_MASK)
    return Availability(day, start, end, mask, np.maximum(day, start))


def _details(rng: np.random.Generator, shape: Shape, parties: Parties, credits: Credits) -> TrackDetails:
    n_tracks, n_rel, n_artists = len(shape.track_album), shape.releases, parties.artists
    album, pos, counts = shape.track_album, shape.position, shape.counts
    duration = np.clip(rng.lognormal(np.log(225_000), 0.35, n_tracks), 30_000, 1_200_000).astype(np.int64)
    two_discs = (shape.type == ALBUM) & (counts >= 14) & (rng.random(n_rel) < 0.2)
    half = (counts + 1) // 2
    second_disc = two_discs[album] & (pos >= half[album])
    disc = np.where(second_disc, 2, 1)
    number = np.where(second_disc, pos - half[album], pos) + 1
    words = rng.integers(0, 1 << 15, (n_tracks, 3))
    release_words = rng.integers(0, 1 << 15, (n_rel, 3))
    main_artist = credits.main_artist(parties)[album]
    composer_draw = rng.random(n_tracks)
    composer = np.where(
        composer_draw < 0.5,
        main_artist * 7 % 6000,
        np.where(composer_draw < 0.65, rng.integers(0, 6000, n_tracks), -1),
    )
    # Guests: a compilation's artists come from its genre, else anyone ("various" artists).
    by_genre = parties.artists_by_genre
    guest = rng.integers(0, n_artists, n_tracks)
    comp_track = shape.compilation[album]
    comp_genre = credits.genre[album][comp_track]
    comp_ok = by_genre.sizes(comp_genre) >= 4
    comp_artists = guest[comp_track].copy()
    comp_artists[comp_ok] = by_genre.sample(comp_genre[comp_ok], rng)
    guest[comp_track] = comp_artists
    featured = (~comp_track) & (rng.random(n_tracks) < 0.05) & (guest != main_artist)
    featured &= guest != credits.artist2[album]
    guest = np.where(featured | comp_track, guest, -1)
    return TrackDetails(
        duration.astype(np.int32), disc.astype(np.int8), number.astype(np.int16), words.astype(np.int16),
        release_words.astype(np.int16), composer.astype(np.int16), guest.astype(np.int32),
    )
