"""Which fields of a release changed: one short digest per field, stored on the album beside its content hash.

A change is CREATED, UPDATED, RIGHTS_CHANGED (only rights and offers changed) or TAKEN_DOWN (rights
that end: the feed contract's takedown); the change feed (`graph.changes`) records it with the
names of the fields that changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from graph.release import Offer, PartyRef, Release


class ChangeKind(StrEnum):
    """What happened to a release (SOLD: one of its sales, recorded for webhooks only)."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    RIGHTS_CHANGED = "RIGHTS_CHANGED"
    TAKEN_DOWN = "TAKEN_DOWN"
    SOLD = "SOLD"


RELEASE_KINDS = (ChangeKind.CREATED, ChangeKind.UPDATED, ChangeKind.RIGHTS_CHANGED, ChangeKind.TAKEN_DOWN)
FIELDS = (
    "title", "upc", "type", "releaseDate", "currency", "label", "artists", "genres",
    "territories", "rightsStart", "rightsEnd", "royaltyRate", "offers", "tracks", "trackOffers",
    "explicit", "copyright", "phonographicCopyright", "priceLists",
)
"""Field names a change lists: `offers` are the whole-album offers, `trackOffers` the tracks'."""
RIGHTS_FIELDS = frozenset(
    {"territories", "rightsStart", "rightsEnd", "royaltyRate", "offers", "trackOffers", "priceLists"}
)


def _parties(parties: Sequence[PartyRef]) -> tuple[tuple[str, str], ...]:
    return tuple((p.key, p.name) for p in parties)


def _offers(offers: Sequence[Offer]) -> tuple[tuple[str, str, int | None], ...]:
    return tuple((o.format, format(o.price, "f"), o.size_bytes) for o in offers)


def _tracks(release: Release) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """Each track's own fields, and each track's offers; credits and offers made once per shared tuple."""
    parties: dict[int, Any] = {}
    offers: dict[int, Any] = {}
    own, sold = [], []
    for t in release.tracks:
        credits = parties.get(id(t.artists))
        if credits is None:
            credits = parties[id(t.artists)] = _parties(t.artists)
        priced = offers.get(id(t.offers))
        if priced is None:
            priced = offers[id(t.offers)] = _offers(t.offers)
        own.append((t.key, t.title, t.isrc, t.duration_ms, t.disc_number, t.track_number, t.composer, t.genre, credits))
        sold.append(priced)
    return own, sold


def _values(release: Release) -> tuple[Any, ...]:
    """The value of each field of FIELDS, in that order, as plain tuples of str, int, date and None."""
    rights = release.rights
    tracks, track_offers = _tracks(release)
    return (
        release.title, release.upc, release.type, release.release_date, release.currency,
        _parties([release.label]) if release.label else None, _parties(release.artists), release.genres,
        rights.territories, rights.start, rights.end, format(rights.royalty_rate, "f"),
        _offers(release.album_offers), tracks, track_offers,
        (release.explicit, tuple(t.key for t in release.tracks if t.explicit)),
        release.copyright, release.phonographic_copyright, (release.price_lists, release.price_fallback),
    )


def field_digests(release: Release) -> list[str]:
    """`name:digest` per field of FIELDS, as stored on the album (`fieldDigests`).

    A digest is of the value's repr: plain tuples of str, int, date and None repr the same in every
    process and version (unlike hash()), at a fraction of the cost of JSON.
    """
    return [
        f"{name}:{hashlib.blake2b(repr(value).encode(), digest_size=8).hexdigest()}"
        for name, value in zip(FIELDS, _values(release), strict=True)
    ]


def changed_fields(stored: Sequence[str] | None, new: Sequence[str]) -> list[str]:
    """The names of the fields whose digests differ; every field when none were stored (written before)."""
    if not stored:
        return list(FIELDS)
    old = set(stored)
    return [entry.partition(":")[0] for entry in new if entry not in old]


def kind_of(fields: Sequence[str], taken_down: bool) -> ChangeKind:
    """The kind of a change to a stored release."""
    if taken_down:
        return ChangeKind.TAKEN_DOWN
    return ChangeKind.RIGHTS_CHANGED if fields and set(fields) <= RIGHTS_FIELDS else ChangeKind.UPDATED
