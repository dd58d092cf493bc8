"""Feed writing: releases as feed lines and files (what `parse_feed` reads back as equal releases)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from graph.release import PartyRef, PriceList, Release


def _money(amount: Decimal) -> str:
    return format(amount, "f")


def _price_list(prices: PriceList) -> dict[str, Any]:
    result: dict[str, Any] = {"currency": prices.currency}
    if prices.album_offers:
        result["album"] = {o.format: _money(o.price) for o in prices.album_offers}
    if prices.track_offers:
        result["track"] = {o.format: _money(o.price) for o in prices.track_offers}
    return result


def _party(ref: PartyRef) -> dict[str, str]:
    return {"key": ref.key, "name": ref.name}


def release_to_feed_dict(release: Release) -> dict[str, Any]:
    """The feed object of a release (what `parse_feed` reads back as an equal Release).

    ValueError when the release cannot be written as a feed line: its tracks have different
    offers (a feed has one track price list per release) or a track's genre is not the
    release's first genre.
    """
    track_offers = release.tracks[0].offers if release.tracks else ()
    first_genre = release.genres[0] if release.genres else None
    tracks: list[dict[str, Any]] = []
    for track in release.tracks:
        if track.offers != track_offers:
            raise ValueError(f"release {release.key}: tracks have different offers")
        if track.genre != first_genre:
            raise ValueError(f"release {release.key}: track {track.key} has another genre")
        item: dict[str, Any] = {
            "isrc": track.isrc or track.key,
            "title": track.title,
            "durationMs": track.duration_ms,
            "discNumber": track.disc_number,
            "trackNumber": track.track_number,
        }
        if track.composer is not None:
            item["composer"] = track.composer
        if track.explicit:
            item["explicit"] = True
        if track.artists != release.artists:
            item["artists"] = [_party(a) for a in track.artists]
        tracks.append(item)
    own = PriceList(release.currency, release.album_offers, track_offers)
    prices: dict[str, Any] | list[dict[str, Any]] = _price_list(own)
    if release.price_lists or not release.price_fallback:
        prices = [_price_list(p) for p in (own, *release.price_lists)]
        prices[0]["fallback"] = release.price_fallback
    rights = release.rights
    result: dict[str, Any] = {
        "upc": release.upc or release.key,
        "title": release.title,
        "type": release.type,
        "releaseDate": release.release_date.isoformat() if release.release_date else None,
        "artists": [_party(a) for a in release.artists],
    }
    if release.label is not None:
        result["label"] = _party(release.label)
    result["genres"] = list(release.genres)
    result["explicit"] = release.explicit
    if release.copyright is not None:
        result["copyright"] = release.copyright
    if release.phonographic_copyright is not None:
        result["phonographicCopyright"] = release.phonographic_copyright
    result["rights"] = {
        "territories": list(rights.territories),
        "royaltyRate": _money(rights.royalty_rate),
        "start": rights.start.isoformat() if rights.start else None,
        "end": rights.end.isoformat() if rights.end else None,
    }
    result["prices"] = prices
    result["tracks"] = tracks
    return result


def feed_line(release: Release) -> str:
    """One feed line (compact JSON, UTF-8 text, no newline)."""
    return json.dumps(release_to_feed_dict(release), ensure_ascii=False, separators=(",", ":"))


def iter_feed_lines(releases: Iterable[Release]) -> Iterator[str]:
    """Feed lines, newline-terminated, ready to write."""
    for release in releases:
        yield feed_line(release) + "\n"


def write_feed(releases: Iterable[Release], path: Path) -> int:
    """Writes a feed file (UTF-8 JSON Lines); returns the number of releases written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in iter_feed_lines(releases):
            handle.write(line)
            count += 1
    return count
