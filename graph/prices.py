"""Price lists: a release's prices in each currency, and which list a territory's buyers pay.

A release's own list (`Release.currency`, its offers) is stored as before; further lists, one per
other currency, are stored on the album as the JSON text `priceLists`. A buyer in territory T pays
in T's currency (graph.currencies) from the list in that currency; where there is none, from the
release's own list when it is a fallback (`priceFallback`, true unless a feed says otherwise:
Chinook, DDEX and single-currency feeds charge their one currency everywhere they are licensed);
otherwise the release is not priced there and nothing is offered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graph.currencies import TERRITORY_CURRENCY, smallest_unit
from graph.release import PriceList


@dataclass(frozen=True, slots=True)
class Prices:
    """What a territory's buyers pay: the currency, and format -> amount for the album and for a track.

    `album` and `track` are None where the release's own stored offers apply.
    """

    currency: str
    album: Mapping[str, Decimal] | None
    track: Mapping[str, Decimal] | None

    def offers(self, row: Mapping[str, Any], kind: str) -> dict[str, Decimal]:
        """format -> price of an album row (kind "album") or a track row: the formats it offers, priced here."""
        stored = stored_offers(row)
        table = self.album if kind == "album" else self.track
        if table is None:
            return stored
        return {f: table[f] for f in stored if f in table}

    def price(self, row: Mapping[str, Any], fmt: str, kind: str) -> Decimal | None:
        """The price of `fmt` on an album or track row here; None where it is not offered."""
        return self.offers(row, kind).get(fmt)


def amount(value: Decimal, currency: str) -> Decimal:
    """The amount with the currency's minor units ("1500" for JPY, "0.99" for EUR)."""
    return value.quantize(smallest_unit(currency))


def encode(lists: Sequence[PriceList]) -> str | None:
    """The `priceLists` property: canonical JSON text, or None without further lists."""
    if not lists:
        return None
    return json.dumps([
        {"currency": p.currency,
         "album": {o.format: str(amount(o.price, p.currency)) for o in p.album_offers},
         "track": {o.format: str(amount(o.price, p.currency)) for o in p.track_offers}}
        for p in lists
    ], sort_keys=True, separators=(",", ":"))


def _other_list(album: Mapping[str, Any], currency: str) -> dict[str, Any] | None:
    text = album.get("priceLists")
    if not text:
        return None
    lists: list[dict[str, Any]] = json.loads(text)
    return next((p for p in lists if p["currency"] == currency), None)


def prices_in(album: Mapping[str, Any], territory: str | None) -> Prices | None:
    """The prices a buyer in `territory` pays (None: the release's own); None where it is not priced there."""
    own = album.get("currency") or "USD"
    if territory is None:
        return Prices(own, None, None)
    wanted = TERRITORY_CURRENCY.get(territory)
    if wanted == own:
        return Prices(own, None, None)
    found = _other_list(album, wanted) if wanted is not None else None
    if wanted is not None and found is not None:
        return Prices(wanted, _decimals(found["album"]), _decimals(found["track"]))
    return Prices(own, None, None) if album.get("priceFallback") is not False else None


def _decimals(table: Mapping[str, str]) -> dict[str, Decimal]:
    return {f: Decimal(p) for f, p in table.items()}


def stored_offers(row: Mapping[str, Any]) -> dict[str, Decimal]:
    """format -> price of the offers stored on an album or track row (parallel lists)."""
    formats, prices = row.get("offerFormats") or [], row.get("offerPrices") or []
    return {f: Decimal(p) for f, p in zip(formats, prices, strict=False)}
