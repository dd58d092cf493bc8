"""The generated catalogue: artists, labels, genres, releases, tracks, prices and rights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np

from graph.currencies import currency_of, minor_units
from graph.formats import AUDIO_FORMATS
from graph.importers.synthetic_names import (
    ADJECTIVES,
    BAND_SUFFIXES,
    LABEL_SUFFIXES,
    NOUNS,
    _person,
    _plural,
    _unique_key,
)
from graph.importers.synthetic_sampling import IntArray, _rng, _Segments, _weighted
from graph.release import PartyRef, PurchaseLineRecord

CURRENCY = "USD"  # every release's own list, charged wherever no other list fits (the fallback)
# Further price lists: a tier's price point n (cents in USD) is n times this in the currency's minor
# unit: $0.99 -> EUR 0.99, GBP 0.99, JPY 198 (buyers there pay these; graph.prices).
PRICE_POINTS = {"EUR": 1, "GBP": 1, "JPY": 2}
CATALOG_DAYS = 20 * 365
NO_END = 2**31 - 1  # "no end" as a day number
FORMAT_NAMES = AUDIO_FORMATS
MP3, AAC, FLAC, HIRES = range(4)
TYPE_NAMES = ("ALBUM", "EP", "SINGLE", "COMPILATION")
ALBUM, EP, SINGLE, COMPILATION = range(4)
VARIOUS_ARTISTS = PartyRef("various-artists", "Various Artists")

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
ISRC_COUNTRIES = ("US", "GB", "DE", "FR", "SE", "JP", "CA", "AU", "NL", "BR", "QM", "QZ")

# Price tiers: track price in cents per format (0 = not offered), and the tier's weight.
TIERS = np.array(
    [
        [69, 69, 99, 0],
        [99, 99, 129, 0],
        [99, 99, 129, 199],
        [129, 129, 149, 249],
        [99, 0, 129, 0],
        [129, 0, 169, 249],
    ],
    dtype=np.int64,
)
TIER_WEIGHTS = (0.15, 0.45, 0.15, 0.10, 0.10, 0.05)
ALBUM_DISCOUNT = 0.78
ROYALTY_RATES = ("0.50", "0.55", "0.60", "0.65", "0.70", "0.75", "0.80")


def gtin13(body12: str) -> str:
    """A 13-digit GTIN from its first 12 digits, with the GS1 check digit appended."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body12)))
    return body12 + str((10 - total % 10) % 10)


def _base36(value: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(width):
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out


def _cents(value: int) -> Decimal:
    return Decimal(f"{value // 100}.{value % 100:02d}")


def in_currency(cents: int, currency: str) -> Decimal:
    """A USD price point (in cents) as the same point in `currency` (PRICE_POINTS)."""
    if currency == CURRENCY:
        return _cents(cents)
    return Decimal(cents * PRICE_POINTS[currency]).scaleb(-minor_units(currency))


def pays_in(country: str) -> str:
    """The currency a synthetic customer in `country` pays in: its own where priced in it, else USD."""
    currency = currency_of(country)
    return currency if currency in PRICE_POINTS else CURRENCY


def charged(lines: Sequence[PurchaseLineRecord], currency: str) -> tuple[PurchaseLineRecord, ...]:
    """Lines priced in USD as the same price points in `currency`."""
    if currency == CURRENCY:
        return tuple(lines)
    return tuple(replace(line, price=in_currency(int(line.price * 100), currency)) for line in lines)


def _album_price(track_cents: int, count: int) -> int:
    """An album price in cents ending in 9, below the sum of its track prices."""
    total = track_cents * count
    target = int(total * ALBUM_DISCOUNT)
    price = target // 100 * 100 - 1  # x.99 below the target
    if price < track_cents:
        price = target // 10 * 10 - 1
    return price if 0 < price < total else total - 1



class _CatalogueArrays:
    """The catalogue drawn as compact arrays (the part of SyntheticStore that draws it)."""

    tracks: int
    seed: int
    today: date

    # ------------------------------------------------------------------ catalog

    def _build_catalog(self) -> None:
        rng = _rng(self.seed, 1)
        today = self.today.toordinal()
        n_tracks = self.tracks

        # Release types and track counts, cut to exactly `tracks` tracks.
        types_l: list[IntArray] = []
        counts_l: list[IntArray] = []
        total = 0
        while total < n_tracks:
            n = n_tracks // 9 + 16
            kind = _weighted(rng, np.array([0.70, 0.12, 0.13, 0.05]), n)
            count = np.where(
                (kind == ALBUM) | (kind == COMPILATION),
                rng.integers(8, 17, n),
                np.where(kind == EP, rng.integers(4, 8, n), _weighted(rng, np.array([5.0, 3, 2]), n) + 1),
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
        pos_in_album = np.arange(n_tracks, dtype=np.int64) - track_start[track_album]

        # Genres, labels, artists.
        n_genres = int(min(len(GENRES), max(8, round(12 + 4 * np.log10(n_rel)))))
        genre_w = 1.0 / np.arange(1, n_genres + 1) ** 0.9
        n_labels = max(3, round(2.5 * np.sqrt(n_rel)))
        label_w = 1.0 / np.arange(1, n_labels + 1) ** 1.1
        label_rate = rng.integers(0, len(ROYALTY_RATES), n_labels)
        label_tier = _weighted(rng, np.array(TIER_WEIGHTS), n_labels)

        is_comp = rel_type == COMPILATION
        n_own = int((~is_comp).sum())
        per_artist_l: list[IntArray] = []
        have = 0
        while have < max(n_own, 1):
            draw = np.minimum(rng.zipf(2.0, max(n_own // 2, 8)), 50).astype(np.int64)
            per_artist_l.append(draw)
            have += int(draw.sum())
        per_artist = np.concatenate(per_artist_l)
        upto = int(np.searchsorted(np.cumsum(per_artist), max(n_own, 1))) + 1
        per_artist = per_artist[:upto]
        per_artist[-1] -= int(per_artist.sum()) - max(n_own, 1)
        n_artists = len(per_artist)
        artist_genre = _weighted(rng, genre_w, n_artists)
        artist_label = _weighted(rng, label_w, n_artists)
        artist_pop = 1.0 / (rng.permutation(n_artists) + 1.0) ** 0.9

        rel_artist = np.full(n_rel, n_artists, dtype=np.int64)  # n_artists = Various Artists
        rel_artist[~is_comp] = rng.permutation(np.repeat(np.arange(n_artists), per_artist))[:n_own]
        own = ~is_comp
        rel_genre = np.empty(n_rel, dtype=np.int64)
        rel_genre[own] = artist_genre[rel_artist[own]]
        switch = rng.random(n_rel) < 0.1
        rel_genre[is_comp | switch] = _weighted(rng, genre_w, int((is_comp | switch).sum()))
        second = _weighted(rng, genre_w, n_rel)
        rel_genre2 = np.where((rng.random(n_rel) < 0.3) & (second != rel_genre), second, -1)
        rel_label = np.where(
            own & (rng.random(n_rel) < 0.85),
            artist_label[np.minimum(rel_artist, n_artists - 1)],
            _weighted(rng, label_w, n_rel),
        )
        coartist = rng.integers(0, n_artists, n_rel)
        rel_artist2 = np.where(own & (rng.random(n_rel) < 0.04) & (coartist != rel_artist), coartist, -1)
        rel_tier = np.where(
            rng.random(n_rel) < 0.7, label_tier[rel_label], _weighted(rng, np.array(TIER_WEIGHTS), n_rel)
        )

        # Popularity: Zipf over releases, ranked by artist popularity plus noise.
        bonus = np.array([0.0, -0.5, -0.7, -0.3])[rel_type]
        artist_term = np.log(artist_pop[np.minimum(rel_artist, n_artists - 1)])
        artist_term[is_comp] = np.log(artist_pop.mean())
        score = artist_term + bonus + rng.normal(0.0, 0.8, n_rel)
        rank = np.empty(n_rel, dtype=np.int64)
        rank[np.argsort(-score, kind="stable")] = np.arange(n_rel)
        rel_weight = 1.0 / (rank + 1.0) ** 1.0
        # Each release has a hit track; the others sell less the further down they are.
        hit = track_start[:-1] + (rng.random(n_rel) * counts).astype(np.int64)

        # Dates and rights (day numbers are proleptic ordinals).
        u = rng.random(n_rel)
        days_ago = (CATALOG_DAYS * (1 - np.sqrt(rng.random(n_rel)))).astype(np.int64)
        days_ago = np.where(u < 0.02, rng.integers(0, 15, n_rel), days_ago)
        days_ago = np.where(u > 0.985, -rng.integers(1, 121, n_rel), days_ago)
        rel_day = today - days_ago
        preorder = (days_ago < 0) & (rng.random(n_rel) < 0.5)
        rel_start = np.where(preorder, rel_day - rng.integers(14, 61, n_rel), rel_day)
        takedown = (rng.random(n_rel) < 0.03) & (days_ago > 90)
        end_span = np.maximum(days_ago - 60, 1)
        rel_end = np.where(takedown, rel_day + 60 + (rng.random(n_rel) * end_span).astype(np.int64), NO_END)
        rel_end = np.where(takedown, np.minimum(rel_end, today - 1), rel_end)
        country_w = np.array([w for _, w in COUNTRIES], dtype=np.float64)
        restricted = rng.random(n_rel) < 0.12
        picks = _weighted(rng, country_w, n_rel * 6).reshape(n_rel, 6)
        keep = np.arange(6)[None, :] < rng.integers(1, 7, n_rel)[:, None]
        bits = np.where(keep, np.left_shift(np.uint64(1), picks.astype(np.uint64)), np.uint64(0))
        rel_mask = np.bitwise_or.reduce(bits, axis=1)
        rel_mask[~restricted] = np.uint64(2**64 - 1)

        # Tracks: durations, discs, titles, composers, guests.
        duration = np.clip(rng.lognormal(np.log(225_000), 0.35, n_tracks), 30_000, 1_200_000)
        duration = duration.astype(np.int64)
        two_discs = (rel_type == ALBUM) & (counts >= 14) & (rng.random(n_rel) < 0.2)
        half = (counts + 1) // 2
        second_disc = two_discs[track_album] & (pos_in_album >= half[track_album])
        self._track_disc = np.where(second_disc, 2, 1)
        self._track_number = np.where(second_disc, pos_in_album - half[track_album], pos_in_album) + 1
        self._track_words = rng.integers(0, 1 << 15, (n_tracks, 3))
        self._rel_words = rng.integers(0, 1 << 15, (n_rel, 3))
        main_artist = np.minimum(rel_artist[track_album], n_artists - 1)
        composer_draw = rng.random(n_tracks)
        self._track_composer = np.where(
            composer_draw < 0.5,
            main_artist * 7 % 6000,
            np.where(composer_draw < 0.65, rng.integers(0, 6000, n_tracks), -1),
        )
        by_genre = _Segments.build(artist_genre, artist_pop, n_genres)
        guest = rng.integers(0, n_artists, n_tracks)
        comp_track = is_comp[track_album]
        genre_of_track = rel_genre[track_album]
        comp_genre = genre_of_track[comp_track]
        comp_ok = by_genre.sizes(comp_genre) >= 4  # else anyone: "various" artists
        comp_artists = guest[comp_track].copy()
        comp_artists[comp_ok] = by_genre.sample(comp_genre[comp_ok], rng)
        guest[comp_track] = comp_artists
        featured = (~comp_track) & (rng.random(n_tracks) < 0.05) & (guest != main_artist)
        featured &= guest != rel_artist2[track_album]
        self._track_guest = np.where(featured | comp_track, guest, -1)

        # Codes: UPCs (GTIN-13, unique per release) and ISRCs (unique per track).
        offset = int(rng.integers(0, 10**9))
        body = (np.arange(n_rel, dtype=np.int64) * 777_777_777 + offset) % 10**9
        self._upcs = [gtin13(f"019{b:09d}") for b in body.tolist()]
        year = (np.array([date.fromordinal(int(d)).year for d in rel_day]) % 100)[track_album]
        label_of_track = rel_label[track_album]
        group = label_of_track * 100 + year
        order = np.argsort(group, kind="stable")
        sorted_group = group[order]
        first = np.searchsorted(sorted_group, sorted_group, side="left")
        serial = np.empty(n_tracks, dtype=np.int64)
        serial[order] = np.arange(n_tracks) - first
        registrant = label_of_track + n_labels * (serial // 100_000)
        if n_tracks and int(registrant.max()) >= 36**3:
            raise ValueError("too many tracks per label and year for distinct ISRCs")
        mix = int(rng.integers(0, 36**3))
        label_cc = rng.integers(0, len(ISRC_COUNTRIES), n_labels)
        prefixes = np.array(
            [
                ISRC_COUNTRIES[int(label_cc[r % n_labels])] + _base36((r * 7919 + mix) % 36**3, 3)
                for r in range(int(registrant.max()) + 1 if n_tracks else 0)
            ],
            dtype="U5",
        )
        self._isrc_codes = np.char.add(
            np.char.add(prefixes[registrant], np.char.zfill(year.astype("U2"), 2)),
            np.char.zfill((serial % 100_000).astype("U5"), 5),
        )

        # Names.
        used: dict[str, int] = {"various-artists": 1}
        name_draw = rng.integers(0, 1 << 30, (n_artists, 3))
        artist_refs: list[PartyRef] = []
        for a, b, c in name_draw.tolist():
            name = self._artist_name(a, b, c)
            artist_refs.append(PartyRef(_unique_key(name, used), name))
        artist_refs.append(VARIOUS_ARTISTS)
        used_labels: dict[str, int] = {}
        label_refs = []
        for a, b, c in rng.integers(0, 1 << 30, (n_labels, 3)).tolist():
            suffix = LABEL_SUFFIXES[c % len(LABEL_SUFFIXES)]
            stem = NOUNS[a % len(NOUNS)]
            if b % 3 == 0:
                stem = f"{ADJECTIVES[b % len(ADJECTIVES)]} {stem}"
            name = f"{stem} {suffix}"
            label_refs.append(PartyRef(_unique_key(name, used_labels), name))

        self._genres = GENRES[:n_genres]
        self._genre_w = genre_w
        self._artist_refs = artist_refs
        self._artist_genre = artist_genre
        self._artist_pop = artist_pop
        self._artists_by_genre = by_genre
        self._label_refs = label_refs
        self._label_rates = [Decimal(ROYALTY_RATES[int(r)]) for r in label_rate]
        self._rel_type = rel_type
        self._rel_artist = rel_artist
        self._rel_artist2 = rel_artist2
        self._rel_genre = rel_genre
        self._rel_genre2 = rel_genre2
        self._rel_label = rel_label
        self._rel_tier = rel_tier
        self._rel_weight = rel_weight
        self._rel_cum = np.concatenate(([0.0], np.cumsum(rel_weight)))
        self._rel_available = np.maximum(rel_day, rel_start)
        self._rel_day = rel_day
        self._rel_start = rel_start
        self._rel_end = rel_end
        self._rel_mask = rel_mask
        self._track_start = track_start
        self._track_album = track_album
        self._rel_hit = hit
        self._track_duration = duration
        self._counts = counts

    @staticmethod
    def _artist_name(a: int, b: int, c: int) -> str:
        style = c % 10
        if style <= 3:
            first, last = _person(a)
            return f"{first} {last}"
        if style == 4:
            return _person(a)[0] + " " + ADJECTIVES[b % len(ADJECTIVES)]
        if style == 5:
            return f"The {ADJECTIVES[a % len(ADJECTIVES)]} {_plural(NOUNS[b % len(NOUNS)])}"
        if style == 6:
            return f"The {_plural(NOUNS[b % len(NOUNS)])}"
        if style == 7:
            return f"{_person(a)[1]} {BAND_SUFFIXES[b % len(BAND_SUFFIXES)]}"
        if style == 8:
            return f"DJ {NOUNS[b % len(NOUNS)]}"
        return f"{ADJECTIVES[a % len(ADJECTIVES)]} {NOUNS[b % len(NOUNS)]}"
