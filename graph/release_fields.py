"""Which fields of a release changed: one short digest per field, stored on the album beside its content hash.

A change is CREATED, UPDATED, RIGHTS_CHANGED (only rights and offers changed) or TAKEN_DOWN (rights
that end: the feed contract's takedown); the change feed (`graph.changes`) records it with the
names of the fields that changed.
"""

from __future__ import annotations

import hashlib
import json
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
)
"""Field names a change lists: `offers` are the whole-album offers, `trackOffers` the tracks'."""
RIGHTS_FIELDS = frozenset({"territories", "rightsStart", "rightsEnd", "royaltyRate", "offers", "trackOffers"})


def _parties(parties: Sequence[PartyRef]) -> list[list[str]]:
    return [[p.key, p.name] for p in parties]


def _offers(offers: Sequence[Offer]) -> list[list[Any]]:
    return [[o.format, format(o.price, "f"), o.size_bytes] for o in offers]


def _values(release: Release) -> dict[str, Any]:
    rights = release.rights
    return {
        "title": release.title, "upc": release.upc, "type": release.type, "releaseDate": release.release_date,
        "currency": release.currency, "label": _parties([release.label]) if release.label else None,
        "artists": _parties(release.artists), "genres": list(release.genres),
        "territories": list(rights.territories), "rightsStart": rights.start, "rightsEnd": rights.end,
        "royaltyRate": format(rights.royalty_rate, "f"), "offers": _offers(release.album_offers),
        "tracks": [
            [t.key, t.title, t.isrc, t.duration_ms, t.disc_number, t.track_number, t.composer, t.genre,
             _parties(t.artists)]
            for t in release.tracks
        ],
        "trackOffers": [_offers(t.offers) for t in release.tracks],
    }


def field_digests(release: Release) -> list[str]:
    """`name:digest` per field of FIELDS, as stored on the album (`fieldDigests`)."""
    out = []
    for name, value in _values(release).items():
        text = json.dumps(value, default=str, separators=(",", ":"))
        out.append(f"{name}:{hashlib.blake2b(text.encode(), digest_size=8).hexdigest()}")
    return out


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
