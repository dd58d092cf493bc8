"""Formats, money and offers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry


@strawberry.enum(description="Lossy and lossless download formats, and video.")
class Format(Enum):
    MP3_320 = "MP3_320"
    AAC_256 = "AAC_256"
    FLAC_16_44 = "FLAC_16_44"
    FLAC_24_96 = "FLAC_24_96"
    MPEG4_VIDEO = "MPEG4_VIDEO"


@strawberry.type(description="An amount in a currency; the amount is a decimal string, never a float.")
class Money:
    amount: Decimal
    currency: str


@strawberry.type(description="A format on sale at a price.")
class Offer:
    format: Format
    price: Money
    size_bytes: int | None


FORMATS = {f.value: f for f in Format}


def offers_of(row: Mapping[str, Any], currency: str) -> list[Offer]:
    """The offers stored on an album or track row (parallel lists)."""
    formats = row.get("offerFormats") or []
    prices = row.get("offerPrices") or []
    sizes = row.get("offerSizes") or [-1] * len(formats)
    return [
        Offer(
            format=FORMATS[f],
            price=Money(amount=Decimal(p), currency=currency),
            size_bytes=s if s is not None and s >= 0 else None,
        )
        for f, p, s in zip(formats, prices, sizes, strict=False)
    ]
