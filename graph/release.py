"""Records the write paths take: releases (`graph.upsert`), customers and purchases (`graph.purchase_writes`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

WORLDWIDE = "*"
RELEASE_TYPES = ("ALBUM", "EP", "SINGLE", "COMPILATION")


@dataclass(frozen=True, slots=True)
class PartyRef:
    """An artist or a label: its own key and display name."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Offer:
    """One format on sale at one price (currency is the release's)."""

    format: str
    price: Decimal
    size_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class PriceList:
    """A release's prices in one more currency: whole album and each track alone (every track alike)."""

    currency: str
    album_offers: tuple[Offer, ...]
    track_offers: tuple[Offer, ...]


@dataclass(frozen=True, slots=True)
class Rights:
    """Where and when a release may be sold, and the label's share of each sale.

    Licensed on day d in territory t when (t in territories or "*" in territories)
    and start <= d (or no start) and d < end (or no end): `end` is the first day off sale.
    """

    territories: tuple[str, ...]
    royalty_rate: Decimal
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """A track of a release; `key` is the ISRC for feeds, the source id for Chinook."""

    key: str
    title: str
    duration_ms: int
    disc_number: int
    track_number: int
    artists: tuple[PartyRef, ...]
    offers: tuple[Offer, ...]
    isrc: str | None = None
    composer: str | None = None
    genre: str | None = None
    explicit: bool = False


@dataclass(frozen=True, slots=True)
class Release:
    """An album, EP, single or compilation with everything needed to sell it."""

    key: str
    title: str
    type: str
    artists: tuple[PartyRef, ...]
    genres: tuple[str, ...]
    rights: Rights
    currency: str
    album_offers: tuple[Offer, ...]
    tracks: tuple[TrackRecord, ...]
    upc: str | None = None
    release_date: date | None = None
    label: PartyRef | None = None
    explicit: bool = False
    copyright: str | None = None
    """The C line as printed ("© 2026 Counter Records"): who owns the release's artwork and text."""
    phonographic_copyright: str | None = None
    """The P line as printed ("℗ 2026 Counter Records"): who owns the sound recordings."""
    # Prices in further currencies (graph.prices), and whether `currency` is charged where none fits.
    price_lists: tuple[PriceList, ...] = ()
    price_fallback: bool = True


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A store customer; `country` is ISO 3166-1 alpha-2."""

    key: str
    country: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseLineRecord:
    """One track sold; `album_key` is set when it was sold as part of a whole album."""

    track_key: str
    format: str
    price: Decimal
    royalty_rate: Decimal
    album_key: str | None = None
    kind: str = "PURCHASE"
    """PURCHASE, UPGRADE (another format of a track owned) or COMPLETION (the rest of an album)."""


@dataclass(frozen=True, slots=True)
class PurchaseRecord:
    """A completed sale as stored: the prices and rates in force at that moment."""

    key: str
    customer_key: str
    purchased_at: datetime
    territory: str
    currency: str
    lines: tuple[PurchaseLineRecord, ...]
    idempotency_key: str | None = None
