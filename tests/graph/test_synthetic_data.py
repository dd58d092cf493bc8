"""The synthetic store: valid records, deterministic per seed, shaped like a real store."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from graph.currencies import currency_of
from graph.importers.feed_validation import parse_feed, parse_feed_file
from graph.importers.feed_writer import feed_line
from graph.importers.synthetic_data import SyntheticStore, generate
from graph.release import CustomerRecord, PurchaseRecord, Release
from graph.territories import ISO_3166_ALPHA2

TODAY = date(2026, 11, 28)
TRACKS = 3000


@dataclass(frozen=True)
class Generated:
    store: SyntheticStore
    releases: list[Release]
    customers: list[CustomerRecord]
    purchases: list[PurchaseRecord]


@pytest.fixture(scope="module")
def gen() -> Generated:
    store = generate(TRACKS, seed=11, today=TODAY)
    customers = list(store.iter_customers())
    return Generated(store, list(store.iter_releases()), customers, list(store.iter_purchases()))


def digest(store: SyntheticStore) -> str:
    h = hashlib.sha256()
    for record in (*store.iter_releases(), *store.iter_customers(), *store.iter_purchases()):
        h.update(repr(record).encode())
    return h.hexdigest()


def gs1_ok(code: str) -> bool:
    weights = [3 if i % 2 == 0 else 1 for i in range(len(code) - 1)]
    total = sum(int(d) * w for d, w in zip(reversed(code[:-1]), weights, strict=True))
    return -total % 10 == int(code[-1])


# --------------------------------------------------------------------------- determinism and size


def test_the_same_seed_gives_the_same_store() -> None:
    first = digest(generate(600, seed=5, today=TODAY))
    assert digest(generate(600, seed=5, today=TODAY)) == first
    assert digest(generate(600, seed=6, today=TODAY)) != first
    assert digest(generate(600, seed=5, today=TODAY + timedelta(days=1))) != first


def test_iterating_twice_gives_the_same_records() -> None:
    store = generate(400, seed=3, today=TODAY)
    assert list(store.iter_releases()) == list(store.iter_releases())
    assert list(store.iter_purchases(chunk=7)) == list(store.iter_purchases())


def test_any_range_gives_the_records_of_the_whole_run() -> None:
    store = generate(400, seed=3, today=TODAY)
    releases, customers = list(store.iter_releases()), list(store.iter_customers())
    purchases = list(store.iter_purchases())
    assert len(purchases) > 20
    assert [*store.iter_releases(0, 9), *store.iter_releases(9)] == releases
    assert [*store.iter_customers(0, 17), *store.iter_customers(17)] == customers
    assert [*store.iter_purchases(0, 20, chunk=3), *store.iter_purchases(20)] == purchases
    assert store.track_keys(5, 9) == [t.key for r in releases for t in r.tracks][5:9]


def test_sizes(gen: Generated) -> None:
    assert sum(len(r.tracks) for r in gen.releases) == TRACKS == gen.store.track_count
    assert len(gen.releases) == gen.store.release_count
    assert len(gen.customers) == TRACKS // 10 == gen.store.customer_count
    lines = sum(len(p.lines) for p in gen.purchases)
    assert lines == gen.store.line_count
    assert 0.98 * TRACKS * 5 <= lines <= TRACKS * 5
    assert len(gen.purchases) == gen.store.purchase_count


@pytest.mark.parametrize("tracks", [1, 2, 7, 13, 50])
def test_tiny_stores_are_valid(tracks: int) -> None:
    store = generate(tracks, seed=1, today=TODAY)
    releases = list(store.iter_releases())
    assert sum(len(r.tracks) for r in releases) == tracks
    assert parse_feed(feed_line(r) for r in releases) == releases
    assert store.customer_count == len(list(store.iter_customers())) == max(1, tracks // 10)
    assert sum(len(p.lines) for p in store.iter_purchases()) <= tracks * 5


def test_customers_and_lines_can_be_chosen() -> None:
    store = generate(200, seed=2, customers=3, lines=0, today=TODAY)
    assert store.customer_count == len(list(store.iter_customers())) == 3
    assert list(store.iter_purchases()) == []
    assert store.purchase_count == store.line_count == 0
    with pytest.raises(ValueError, match="positive"):
        generate(0, seed=1)


# --------------------------------------------------------------------------- the catalog


def test_generated_releases_pass_the_feed_validation(gen: Generated, tmp_path: Path) -> None:
    assert parse_feed(feed_line(r) for r in gen.releases) == gen.releases
    path = tmp_path / "synthetic.jsonl"
    assert gen.store.write_feed(path) == len(gen.releases)
    assert parse_feed_file(path) == gen.releases


def test_codes_are_valid_and_unique(gen: Generated) -> None:
    upcs = [r.key for r in gen.releases]
    assert all(len(u) == 13 and u.isdigit() and gs1_ok(u) for u in upcs)
    assert all(r.upc == r.key for r in gen.releases)
    assert len(set(upcs)) == len(upcs)
    isrcs = [t.key for r in gen.releases for t in r.tracks]
    assert all(re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}", i) for i in isrcs)
    assert len(set(isrcs)) == len(isrcs)
    # The year of an ISRC is the year of its release.
    assert all(
        t.key[5:7] == f"{r.release_date.year % 100:02d}" for r in gen.releases if r.release_date for t in r.tracks
    )


def test_track_counts_by_type(gen: Generated) -> None:
    ranges = {"ALBUM": (8, 16), "COMPILATION": (8, 16), "EP": (4, 7), "SINGLE": (1, 3)}
    for release in gen.releases:
        low, high = ranges[release.type]
        assert low <= len(release.tracks) <= high, release
        numbers = [(t.disc_number, t.track_number) for t in release.tracks]
        assert numbers == sorted(numbers)
        assert len(set(numbers)) == len(numbers)
    types = Counter(r.type for r in gen.releases)
    assert types["ALBUM"] > 0.55 * len(gen.releases)
    assert min(types["EP"], types["SINGLE"], types["COMPILATION"]) > 0
    assert any(t.disc_number == 2 for r in gen.releases for t in r.tracks)


def test_artists_have_several_releases_zipf_like(gen: Generated) -> None:
    per_artist = Counter(r.artists[0].key for r in gen.releases if r.type != "COMPILATION")
    counts = sorted(per_artist.values(), reverse=True)
    assert counts[0] >= 8  # a prolific artist
    assert counts.count(1) > len(counts) * 0.3  # and many with one release
    assert 1.8 <= sum(counts) / len(counts) <= 6
    various = [r for r in gen.releases if r.type == "COMPILATION"]
    assert all(r.artists[0].key == "various-artists" for r in various)
    assert all(len({t.artists[0].key for t in r.tracks}) > 1 for r in various if len(r.tracks) > 8)


def test_names_keys_and_labels(gen: Generated) -> None:
    names: dict[str, str] = {}
    for release in gen.releases:
        for ref in (*release.artists, *(a for t in release.tracks for a in t.artists)):
            assert names.setdefault(ref.key, ref.name) == ref.name  # one name per key
    labels = {r.label for r in gen.releases if r.label}
    assert len({label.key for label in labels}) == len(labels) >= 20
    assert all(r.label is not None for r in gen.releases)
    genres = {g for r in gen.releases for g in r.genres}
    assert 15 <= len(genres) <= 40
    assert all(t.genre == r.genres[0] for r in gen.releases for t in r.tracks)


def test_product_data_is_filled(gen: Generated) -> None:
    tracks = [t for r in gen.releases for t in r.tracks]
    explicit = sum(t.explicit for t in tracks)
    assert 0.05 < explicit / len(tracks) < 0.10  # about one in 13
    assert all(r.explicit == any(t.explicit for t in r.tracks) for r in gen.releases)
    assert any(r.explicit for r in gen.releases)
    for r in gen.releases:
        assert r.label is not None
        assert r.release_date is not None
        assert r.copyright == f"© {r.release_date.year} {r.label.name}"
        assert r.phonographic_copyright == f"℗ {r.release_date.year} {r.label.name}"


def test_territories_rights_and_dates(gen: Generated) -> None:
    n = len(gen.releases)
    worldwide = [r for r in gen.releases if r.rights.territories == ("*",)]
    assert 0.75 * n <= len(worldwide) <= 0.95 * n
    for release in gen.releases:
        if release.rights.territories != ("*",):
            assert 1 <= len(release.rights.territories) <= 6
            assert set(release.rights.territories) <= ISO_3166_ALPHA2
        assert Decimal(0) < release.rights.royalty_rate < Decimal(1)
    taken_down = [r for r in gen.releases if r.rights.end is not None]
    assert taken_down
    assert all(r.rights.end is not None and r.rights.end <= TODAY for r in taken_down)
    dates = [r.release_date for r in gen.releases if r.release_date]
    assert len(dates) == n
    assert min(dates) >= TODAY - timedelta(days=20 * 366)
    assert any(d > TODAY for d in dates)  # pre-orders and announcements
    assert any(TODAY - timedelta(days=14) <= d <= TODAY for d in dates)  # new releases
    assert sum(d.year >= TODAY.year - 5 for d in dates) > sum(d.year < TODAY.year - 15 for d in dates)


def test_prices(gen: Generated) -> None:
    for release in gen.releases:
        track_offers = release.tracks[0].offers
        assert all(t.offers == track_offers for t in release.tracks)
        formats = [o.format for o in track_offers]
        assert "MP3_320" in formats
        assert "FLAC_16_44" in formats
        assert release.currency == "USD"
        if len(release.tracks) == 1:
            assert release.album_offers == ()
            continue
        assert [o.format for o in release.album_offers] == formats
        by_format = {o.format: o.price for o in track_offers}
        for offer in release.album_offers:
            assert Decimal(0) < offer.price < by_format[offer.format] * len(release.tracks)
            assert offer.price == offer.price.quantize(Decimal("0.01"))
        for other in release.price_lists:
            assert [o.format for o in other.track_offers] == formats
            assert [o.format for o in other.album_offers] == [o.format for o in release.album_offers]
            digits = 0 if other.currency == "JPY" else 2
            assert all(o.price == o.price.quantize(Decimal(1).scaleb(-digits)) for o in other.track_offers)
        assert {p.currency for p in release.price_lists} == {"EUR", "GBP", "JPY"}
        assert release.price_fallback
    hires = sum(any(o.format == "FLAC_24_96" for o in r.tracks[0].offers) for r in gen.releases)
    assert 0.05 * len(gen.releases) < hires < 0.6 * len(gen.releases)


# --------------------------------------------------------------------------- customers and purchases


def test_customers(gen: Generated) -> None:
    assert len({c.key for c in gen.customers}) == len(gen.customers)
    assert all(c.country in ISO_3166_ALPHA2 for c in gen.customers)
    assert len({c.country for c in gen.customers}) >= 20
    assert Counter(c.country for c in gen.customers).most_common(1)[0][0] == "US"
    assert all(c.name and c.email and c.email.isascii() and "@" in c.email for c in gen.customers)
    assert len({c.email for c in gen.customers}) == len(gen.customers)


def test_purchases_are_licensed_priced_and_dated(gen: Generated) -> None:
    releases = {r.key: r for r in gen.releases}
    track_release = {t.key: r for r in gen.releases for t in r.tracks}
    countries = {c.key: c.country for c in gen.customers}
    start = datetime(TODAY.year - 3, TODAY.month, TODAY.day, tzinfo=UTC)
    end = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
    times = [p.purchased_at for p in gen.purchases]
    assert times == sorted(times)
    assert len({p.key for p in gen.purchases}) == len(gen.purchases)
    for purchase in gen.purchases:
        assert start <= purchase.purchased_at < end
        assert purchase.territory == countries[purchase.customer_key]
        own = currency_of(purchase.territory)
        assert purchase.currency == (own if own in {"EUR", "GBP", "JPY"} else "USD")
        assert purchase.lines
        day = purchase.purchased_at.date()
        whole: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for line in purchase.lines:
            release = track_release[line.track_key]
            rights = release.rights
            assert rights.territories == ("*",) or purchase.territory in rights.territories
            assert rights.start is None or rights.start <= day
            assert rights.end is None or day < rights.end
            assert release.release_date is not None
            assert release.release_date <= day
            assert line.royalty_rate == rights.royalty_rate
            if line.album_key is None:
                assert line.price == _list(release, purchase.currency)[1][line.format]
            else:
                assert line.album_key == release.key
                whole[line.album_key, line.format].append(line.price)
        for (album_key, fmt), prices in whole.items():
            album = releases[album_key]
            assert len(prices) == len(album.tracks)  # every track once
            assert sum(prices) == _list(album, purchase.currency)[0][fmt]
            assert max(prices) - min(prices) <= (Decimal(2) if purchase.currency == "JPY" else Decimal("0.01"))
    assert {p.currency for p in gen.purchases} == {"USD", "EUR", "GBP", "JPY"}


def _list(release: Release, currency: str) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """format -> price of the release's album and track offers in `currency`."""
    if currency == release.currency:
        album, track = release.album_offers, release.tracks[0].offers
    else:
        chosen = next(p for p in release.price_lists if p.currency == currency)
        album, track = chosen.album_offers, chosen.track_offers
    return {o.format: o.price for o in album}, {o.format: o.price for o in track}


def test_nobody_buys_the_same_thing_twice(gen: Generated) -> None:
    owned: set[tuple[str, str]] = set()
    for purchase in gen.purchases:
        items = {line.album_key or line.track_key for line in purchase.lines}
        for item in items:
            assert (purchase.customer_key, item) not in owned
            owned.add((purchase.customer_key, item))


def test_a_mix_of_tracks_carts_and_whole_albums(gen: Generated) -> None:
    lines = [line for p in gen.purchases for line in p.lines]
    album_lines = sum(line.album_key is not None for line in lines)
    assert 0.15 < album_lines / len(lines) < 0.65
    singles = sum(len(p.lines) == 1 for p in gen.purchases)
    assert singles > 0.4 * len(gen.purchases)
    formats = Counter(line.format for line in lines)
    assert formats.most_common(1)[0][0] == "MP3_320"
    assert set(formats) == {"MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96"}
    by_month = Counter((p.purchased_at.year, p.purchased_at.month) for p in gen.purchases)
    assert len(by_month) >= 30  # spread over the 3 years
    buyers = Counter(p.customer_key for p in gen.purchases)
    assert len(buyers) > 0.9 * len(gen.customers)
    assert max(buyers.values()) > 4 * (len(gen.purchases) / len(gen.customers))  # heavy buyers


def test_popularity_is_long_tailed(gen: Generated) -> None:
    sales = Counter(line.track_key for p in gen.purchases for line in p.lines if line.album_key is None)
    total = sum(sales.values())
    top = sum(count for _, count in sales.most_common(TRACKS // 100))
    assert top / total > 0.10  # the top 1% of tracks sell over 10x their even share
    assert len(sales) < 0.9 * TRACKS  # and some tracks never sell on their own


def test_tastes_cluster(gen: Generated) -> None:
    genre_of = {t.key: r.genres[0] for r in gen.releases for t in r.tracks}
    artists_of = {t.key: {a.key for a in t.artists} for r in gen.releases for t in r.tracks}
    overall = Counter(genre_of[line.track_key] for p in gen.purchases for line in p.lines)
    total = sum(overall.values())
    bought: dict[str, list[str]] = defaultdict(list)
    for purchase in gen.purchases:
        bought[purchase.customer_key] += [line.track_key for line in purchase.lines]
    share, expected, artist_share = [], [], []
    for customer, tracks in bought.items():
        taste = gen.store.taste(customer)
        assert 1 <= len(taste.genres) <= 3
        assert len(taste.artists) >= 1
        share.append(sum(genre_of[t] in taste.genres for t in tracks) / len(tracks))
        expected.append(sum(overall[g] for g in taste.genres) / total)
        artist_share.append(sum(bool(artists_of[t] & set(taste.artists)) for t in tracks) / len(tracks))
    mean = sum(share) / len(share)
    assert mean > 0.6  # most of what a customer buys is in their favourite genres
    assert mean > 2.5 * sum(expected) / len(expected)  # far more than chance
    assert sum(artist_share) / len(artist_share) > 0.25
