"""Formats, money and offers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeAlias

import strawberry

from api.descriptions import described_enum
from graph import formats
from graph.prices import Prices, amount

Format: TypeAlias = formats.Format
described_enum(Format, "Format", "Lossy and lossless download formats, and video.", {
    "MP3_320": "MP3 at 320 kbit/s (lossy).",
    "AAC_256": "AAC at 256 kbit/s (lossy).",
    "FLAC_16_44": "FLAC, 16-bit 44.1 kHz (lossless, CD quality).",
    "FLAC_24_96": "FLAC, 24-bit 96 kHz (lossless, hi-res).",
    "MPEG4_VIDEO": "MPEG-4 video (music videos).",
})


@strawberry.type(description="An amount in a currency; the amount is a decimal string, never a float.")
class Money:
    amount: Decimal = strawberry.field(
        description='The amount in major units with the currency\'s minor-unit decimals: "0.99" for 99 cents, '
        '"1500" for 1500 yen.'
    )
    currency: str = strawberry.field(
        description='ISO 4217 currency code, e.g. "USD". Offers and purchases are in the buyer\'s territory\'s '
        "currency where the release is priced in it."
    )

    @classmethod
    def of(cls, value: Decimal, currency: str) -> Money:
        """The amount with the currency's minor units (1500.00 JPY is "1500")."""
        return cls(amount=amount(value, currency), currency=currency)


@strawberry.type(description="A format on sale at a price.")
class Offer:
    format: Format = strawberry.field(description="The format sold.")
    price: Money = strawberry.field(
        description="The price: with `territory`, in that country's currency (ISO 4217) where the release is "
        "priced in it, else in the release's own currency (Chinook and single-currency releases: everywhere); "
        "without `territory`, in the release's own currency."
    )
    size_bytes: int | None = strawberry.field(description="Download size in bytes; null where unknown.")


FORMATS = {f.value: f for f in Format}


def offers_of(row: Mapping[str, Any], prices: Prices, kind: str) -> list[Offer]:
    """The offers of an album or track row (kind "album" or "track") at the territory's `prices`."""
    formats = row.get("offerFormats") or []
    sizes = dict(zip(formats, row.get("offerSizes") or [-1] * len(formats), strict=False))
    currency = prices.currency
    return [
        Offer(
            format=FORMATS[f],
            price=Money.of(p, currency),
            size_bytes=s if (s := sizes.get(f)) is not None and s >= 0 else None,
        )
        for f, p in prices.offers(row, kind).items()
    ]
