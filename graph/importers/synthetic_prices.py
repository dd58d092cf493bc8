"""Prices of the generated store: tiers per format, album prices, and the currencies buyers pay in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

import numpy as np

from graph.currencies import currency_of, minor_units
from graph.importers.synthetic_sampling import IntArray
from graph.release import PurchaseLineRecord

CURRENCY = "USD"  # every release's own list, charged wherever no other list fits (the fallback)
# Further price lists: a tier's price point n (cents in USD) is n times this in the currency's minor
# unit: $0.99 -> EUR 0.99, GBP 0.99, JPY 198 (buyers there pay these; graph.prices).
PRICE_POINTS = {"EUR": 1, "GBP": 1, "JPY": 2}

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


def cents(value: int) -> Decimal:
    """A price in cents as dollars and cents."""
    return Decimal(f"{value // 100}.{value % 100:02d}")


def in_currency(price_cents: int, currency: str) -> Decimal:
    """A USD price point (in cents) as the same point in `currency` (PRICE_POINTS)."""
    if currency == CURRENCY:
        return cents(price_cents)
    return Decimal(price_cents * PRICE_POINTS[currency]).scaleb(-minor_units(currency))


def pays_in(country: str) -> str:
    """The currency a synthetic customer in `country` pays in: its own where priced in it, else USD."""
    currency = currency_of(country)
    return currency if currency in PRICE_POINTS else CURRENCY


def charged(lines: Sequence[PurchaseLineRecord], currency: str) -> tuple[PurchaseLineRecord, ...]:
    """Lines priced in USD as the same price points in `currency`."""
    if currency == CURRENCY:
        return tuple(lines)
    return tuple(replace(line, price=in_currency(int(line.price * 100), currency)) for line in lines)


def album_price(track_cents: int, count: int) -> int:
    """An album price in cents ending in 9, below the sum of its track prices."""
    total = track_cents * count
    target = int(total * ALBUM_DISCOUNT)
    price = target // 100 * 100 - 1  # x.99 below the target
    if price < track_cents:
        price = target // 10 * 10 - 1
    return price if 0 < price < total else total - 1


def album_prices(track_cents: IntArray, count: IntArray) -> IntArray:
    """`album_price` for arrays (same numbers)."""
    total = track_cents * count
    target = (total * ALBUM_DISCOUNT).astype(np.int64)
    price = target // 100 * 100 - 1
    price = np.where(price < track_cents, target // 10 * 10 - 1, price)
    result: IntArray = np.where((price > 0) & (price < total), price, total - 1)
    return result
