"""A release as the write path's statement rows, prepared once, with the digest of everything it says."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph import prices, search_names
from graph.currencies import decimal_text
from graph.release import Offer, PartyRef, Release
from graph.release_fields import field_digests
from graph.slug import slugify


def _offers(offers: Sequence[Offer]) -> dict[str, list[Any]]:
    return {
        "offerFormats": [o.format for o in offers],
        "offerPrices": [decimal_text(o.price) for o in offers],
        "offerSizes": [o.size_bytes if o.size_bytes is not None else -1 for o in offers],
    }


def _credits(artists: Sequence[PartyRef], names: dict[str, str]) -> list[dict[str, Any]]:
    for artist in artists:
        names[artist.key] = artist.name
    return [{"key": a.key, "position": i} for i, a in enumerate(artists)]


class _Shared:
    """Rows for the offers and credits of one release's tracks, made once per distinct tuple.

    Tracks of a release usually share them (the same tuple objects); the rows are only read.
    """

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.offers: dict[int, dict[str, list[Any]]] = {}
        self.credits: dict[int, list[dict[str, Any]]] = {}

    def offer_rows(self, offers: Sequence[Offer]) -> dict[str, list[Any]]:
        """`_offers(offers)`, made once per tuple."""
        found = self.offers.get(id(offers))
        if found is None:
            found = self.offers[id(offers)] = _offers(offers)
        return found

    def credit_rows(self, artists: Sequence[PartyRef]) -> list[dict[str, Any]]:
        """`_credits(artists)`, made once per tuple."""
        found = self.credits.get(id(artists))
        if found is None:
            found = self.credits[id(artists)] = _credits(artists, self.names)
        return found


@dataclass(frozen=True, slots=True)
class PreparedRelease:
    """A release as statement rows, with the digest of everything it says."""

    key: str
    digest: str
    rights_end: date | None
    album: dict[str, Any]
    tracks: list[dict[str, Any]]
    artists: dict[str, str]
    genres: dict[str, str]
    fields: list[str]


def _later_fields(**values: object) -> dict[str, object]:
    """Fields added since the digest was first defined, left out at their defaults (False, None).

    A release that does not use them keeps the digest it had before they existed (else every
    stored album would look changed on its next delivery); the statements read a left-out field
    as null, which removes the property, and the API reads that as the default.
    """
    return {name: value for name, value in values.items() if value is not None and value is not False}


def prepare_release(release: Release) -> PreparedRelease:
    """The rows of one release; equal digests mean nothing changed."""
    artists: dict[str, str] = {}
    genres = {slugify(name): name for name in release.genres}
    genre_keys = {name: key for key, name in genres.items()}
    rights = release.rights
    album_offers = _offers(release.album_offers)
    album: dict[str, Any] = {
        "key": release.key, "title": release.title, "upc": release.upc, "type": release.type,
        "releaseDate": release.release_date, "currency": release.currency,
        "territories": list(rights.territories), "rightsStart": rights.start, "rightsEnd": rights.end,
        "royaltyRate": decimal_text(rights.royalty_rate), "offerFormats": album_offers["offerFormats"],
        "offerPrices": album_offers["offerPrices"], "trackCount": len(release.tracks),
        "durationMs": sum(t.duration_ms for t in release.tracks),
        "artists": _credits(release.artists, artists),
        "genres": [{"key": genre_keys[name], "position": i} for i, name in enumerate(release.genres)],
        "label": {"key": release.label.key, "name": release.label.name} if release.label else None,
    }
    album.update(_later_fields(
        explicit=release.explicit, copyright=release.copyright, phonographicCopyright=release.phonographic_copyright
    ))
    if release.price_lists or not release.price_fallback:  # absent otherwise: old digests stay valid
        album.update(priceLists=prices.encode(release.price_lists), priceFallback=release.price_fallback)
    tracks = []
    shared = _Shared(artists)
    for t in release.tracks:
        genre_key = None
        if t.genre:
            genre_key = genre_keys.get(t.genre) or slugify(t.genre)
            genres.setdefault(genre_key, t.genre)
        tracks.append({
            "key": t.key, "album": release.key, "title": t.title, "isrc": t.isrc,
            "durationMs": t.duration_ms, "discNumber": t.disc_number, "trackNumber": t.track_number,
            "composer": t.composer, **shared.offer_rows(t.offers), "genres": [genre_key] if genre_key else [],
            "artists": shared.credit_rows(t.artists), **({"explicit": True} if t.explicit else {}),
        })
    text = json.dumps([album, tracks, artists, genres], sort_keys=True, default=str, separators=(",", ":"))
    album["contentHash"] = digest = hashlib.sha256(text.encode()).hexdigest()
    album["fieldDigests"] = fields = field_digests(release)
    # Derived from the titles, so outside the digest: a release is unchanged whatever search keeps.
    album.update(search_names.fields(release.title))
    for row, track in zip(tracks, release.tracks, strict=True):
        row.update(search_names.fields(track.title))
    return PreparedRelease(release.key, digest, rights.end, album, tracks, artists, genres, fields)
