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
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.release import (
    WORLDWIDE,
    CustomerRecord,
    Offer,
    PartyRef,
    PurchaseLineRecord,
    PurchaseRecord,
    Release,
    Rights,
    TrackRecord,
)
from graph.slug import slugify

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.floating[Any]]

CURRENCY = "USD"
HISTORY_DAYS = 3 * 365
CATALOG_DAYS = 20 * 365
NO_END = 2**31 - 1  # "no end" as a day number
FORMAT_NAMES = ("MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96")
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
PURCHASE_KINDS = (0.62, 0.30, 0.08)  # one track, 2-5 tracks, a whole album
TASTE_SOURCES = (0.45, 0.35, 0.20)  # a favourite genre, a favourite artist, anything
HIT_SHARE = 0.4  # of single-track sales, the share of each release's hit track
DRAW_BATCH = 250_000  # purchases drawn at a time (bounds the temporaries)
ROYALTY_RATES = ("0.50", "0.55", "0.60", "0.65", "0.70", "0.75", "0.80")

ADJECTIVES = (
    "Silent", "Golden", "Electric", "Broken", "Endless", "Hidden", "Midnight", "Neon", "Velvet",
    "Crimson", "Wild", "Distant", "Paper", "Glass", "Hollow", "Northern", "Southern", "Lonely",
    "Burning", "Frozen", "Bright", "Secret", "Restless", "Sweet", "Bitter", "Gentle", "Heavy",
    "Lucky", "Faded", "Open", "Quiet", "Savage", "Holy", "Little", "Blue", "Scarlet", "Silver",
    "Emerald", "Cosmic", "Urban", "Rural", "Static", "Liquid", "Solar", "Lunar", "Tender",
    "Fragile", "Brave", "Sacred", "Vintage", "Modern", "Analog", "Digital", "Sleepy", "Wired",
    "Hazy", "Stormy", "Sunny", "Rainy", "Dusty", "Young", "Ancient", "Final", "First", "Last",
    "Lost", "Found", "Perfect", "Strange", "Magic", "Royal", "Rebel", "Dreamy", "Infinite",
    "Violet", "Amber", "Copper", "Iron", "Marble", "Ivory", "Shadow", "Crystal", "Radiant",
)  # fmt: skip
NOUNS = (
    "Heart", "Night", "River", "City", "Dream", "Fire", "Ocean", "Mountain", "Road", "Sky",
    "Garden", "Mirror", "Shadow", "Light", "Echo", "Storm", "Horizon", "Window", "Highway",
    "Summer", "Winter", "Autumn", "Spring", "Moon", "Sun", "Star", "Planet", "Signal", "Wave",
    "Desert", "Forest", "Island", "Harbor", "Bridge", "Tower", "Engine", "Machine", "Ghost",
    "Angel", "Devil", "Queen", "King", "Lover", "Stranger", "Friend", "Letter", "Song", "Dance",
    "Rhythm", "Melody", "Silence", "Thunder", "Rain", "Snow", "Wind", "Smoke", "Diamond", "Rose",
    "Tiger", "Wolf", "Raven", "Dragon", "Phoenix", "Satellite", "Paradise", "Kingdom", "Empire",
    "Circus", "Carnival", "Memory", "Promise", "Secret", "Weekend", "Morning", "Evening",
    "Daylight", "Sunset", "Sunrise", "Galaxy", "Universe", "Atlas", "Compass", "Anchor", "Arrow",
    "Crown", "Feather", "Flame", "Frontier", "Gravity", "Lantern", "Meadow", "Orbit", "Pulse",
)  # fmt: skip
VERBS = (
    "Chasing", "Dreaming", "Running", "Falling", "Dancing", "Waiting", "Burning", "Breaking",
    "Holding", "Leaving", "Finding", "Losing", "Calling", "Crossing", "Riding", "Flying",
    "Walking", "Singing", "Fighting", "Building", "Drifting", "Fading", "Shining", "Turning",
)  # fmt: skip
FIRST_NAMES = (
    "Ada", "Alex", "Amara", "André", "Ana", "Ben", "Björn", "Carla", "Chloé", "Dario", "Diego",
    "Elena", "Emil", "Eva", "Felix", "François", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jack",
    "Jana", "Joana", "José", "Julia", "Kai", "Karin", "Kenji", "Lars", "Lea", "Leo", "Lucía",
    "Luca", "Maja", "Marco", "María", "Mateo", "Mia", "Nadia", "Nina", "Noah", "Olga", "Omar",
    "Oscar", "Paula", "Pedro", "Priya", "Rafael", "Rosa", "Sam", "Sara", "Sofia", "Søren",
    "Tomás", "Uma", "Victor", "Yara", "Yusuf", "Zoë", "Ravi", "Mei", "Aiko", "Kwame", "Chiara",
    "Ingrid", "Mikko", "Zofia", "Dmitri", "Amélie", "Henrik", "Léa", "Beatriz", "Malik",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Almeida", "Andersen", "Baker", "Becker", "Bianchi", "Brown", "Castro", "Chen",
    "Costa", "Cruz", "Dubois", "Eriksson", "Fernández", "Fischer", "García", "Gómez", "Hansen",
    "Hoffmann", "Ito", "Jensen", "Johansson", "Kim", "Kowalski", "Larsen", "Lee", "López",
    "Martin", "Martínez", "Meyer", "Moreau", "Müller", "Nakamura", "Nielsen", "Novák", "Nowak",
    "Okafor", "Olsen", "Park", "Pereira", "Petit", "Rossi", "Russo", "Santos", "Schmidt",
    "Schneider", "Silva", "Smith", "Souza", "Svensson", "Tanaka", "Taylor", "Thomas", "Virtanen",
    "Wagner", "Walker", "Weber", "Williams", "Wilson", "Yamamoto", "Young", "Zielinski", "Horváth",
    "O'Brien", "Murphy", "Kelly", "Ahmed", "Khan", "Singh", "Patel", "Ivanova", "Popescu",
)  # fmt: skip
BAND_SUFFIXES = ("Band", "Collective", "Trio", "Quartet", "Orchestra", "Ensemble", "Project")
LABEL_SUFFIXES = ("Records", "Music", "Recordings", "Sounds", "Audio", "Label", "Entertainment")


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, stream])


def _weighted(rng: np.random.Generator, weights: FloatArray, size: int) -> IntArray:
    """`size` indexes drawn with probability proportional to `weights`."""
    cum = np.cumsum(weights)
    picks = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    result: IntArray = np.minimum(picks, len(weights) - 1).astype(np.int64)
    return result


@dataclass(frozen=True, slots=True)
class _Segments:
    """Items grouped by a key, each group sampled in proportion to the items' weights."""

    order: IntArray  # item indexes sorted by group
    cum: FloatArray  # cumulative weights in that order, with a leading 0
    start: IntArray  # group g is order[start[g]:start[g + 1]]

    @classmethod
    def build(cls, groups: IntArray, weights: FloatArray, n_groups: int) -> _Segments:
        order = np.argsort(groups, kind="stable").astype(np.int64)
        cum = np.concatenate(([0.0], np.cumsum(weights[order])))
        start = np.searchsorted(groups[order], np.arange(n_groups + 1)).astype(np.int64)
        return cls(order, cum, start)

    def sizes(self, group: IntArray) -> IntArray:
        return self.start[group + 1] - self.start[group]

    def sample(self, group: IntArray, rng: np.random.Generator) -> IntArray:
        """One item per entry of `group` (groups must not be empty)."""
        lo, hi = self.start[group], self.start[group + 1]
        u = self.cum[lo] + rng.random(len(group)) * (self.cum[hi] - self.cum[lo])
        pos = np.searchsorted(self.cum, u, side="right") - 1
        picked: IntArray = self.order[np.clip(pos, lo, hi - 1)]
        return picked


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


def _album_price(track_cents: int, count: int) -> int:
    """An album price in cents ending in 9, below the sum of its track prices."""
    total = track_cents * count
    target = int(total * ALBUM_DISCOUNT)
    price = target // 100 * 100 - 1  # x.99 below the target
    if price < track_cents:
        price = target // 10 * 10 - 1
    return price if 0 < price < total else total - 1


def _title(pattern: int, a: int, b: int) -> str:
    adj, noun = ADJECTIVES[a % len(ADJECTIVES)], NOUNS[b % len(NOUNS)]
    other = NOUNS[(a * 7 + b) % len(NOUNS)]
    if pattern == 0:
        return f"{adj} {noun}"
    if pattern == 1:
        return noun
    if pattern == 2:
        return f"{VERBS[a % len(VERBS)]} the {noun}"
    if pattern == 3:
        return f"{noun} of {other}" if other != noun else f"{noun} of Stars"
    if pattern == 4:
        return f"The {adj} {noun}"
    if pattern == 5:
        return f"{noun} & {other}" if other != noun else f"{noun} & {adj}"
    return f"{adj} {noun} ({VERBS[b % len(VERBS)]})"


def _person(index: int) -> tuple[str, str]:
    return FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index // len(FIRST_NAMES) % len(LAST_NAMES)]


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _unique_key(name: str, used: dict[str, int]) -> str:
    base = slugify(name) or "x"
    count = used.get(base, 0) + 1
    used[base] = count
    return base if count == 1 else f"{base}-{count}"


@dataclass(frozen=True, slots=True)
class Taste:
    """A generated customer's favourite genres (names) and artists (keys)."""

    genres: tuple[str, ...]
    artists: tuple[str, ...]


@dataclass(eq=False)
class SyntheticStore:
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
                    currency=CURRENCY,
                    lines=tuple(lines[starts[i] : starts[i + 1]]),
                )

    def write_feed(self, path: Path) -> int:
        """The catalog as a feed file; returns the number of releases."""
        from graph.importers.feed_validation import write_feed

        return write_feed(self.iter_releases(), path)

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

    @cached_property
    def _offer_cache(self) -> dict[tuple[int, int], tuple[Offer, ...]]:
        return {}

    def _offers(self, tier: int, count: int) -> tuple[Offer, ...]:
        """Track offers of a tier (count 0), or its album offers for `count` tracks."""
        cache = self._offer_cache
        found = cache.get((tier, count))
        if found is None:
            prices = TIERS[tier].tolist()
            if count == 0:
                found = tuple(Offer(FORMAT_NAMES[f], _cents(p)) for f, p in enumerate(prices) if p)
            elif count == 1:
                found = ()
            else:
                found = tuple(Offer(FORMAT_NAMES[f], _cents(_album_price(p, count))) for f, p in enumerate(prices) if p)
            cache[tier, count] = found
        return found

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
            label=self._label_refs[int(self._rel_label[r])],
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
