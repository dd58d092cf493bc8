"""What a customer already owns, applied to an order inside its write transaction.

Rules (docs: README "Library and ownership"):
- a track already owned in the format asked for is refused (ALREADY_OWNED), as is an album whose
  every track is owned in that format;
- another format of an owned track is an UPGRADE: its offer price less everything already paid for
  that track (in any format), never below zero;
- an album some of whose tracks are owned in that format is a COMPLETION: the lower of (album price
  less the owned tracks' own prices) and (the remaining tracks' own prices summed), never below zero,
  split over the remaining tracks. A track not sold alone counts at its share of the album price.

The customer node is write-locked first, so two orders of one customer (with different idempotency
keys) run one after the other and the second sees what the first bought.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from graph.catalog import Row
from graph.driver import Cypher, Tx
from graph.release import PurchaseLineRecord

PURCHASE = "PURCHASE"
UPGRADE = "UPGRADE"
COMPLETION = "COMPLETION"

# A counter that changes on every order: setting it takes the customer's write lock (an unchanged
# value might not), held until the transaction ends.
LOCK_CUSTOMER = Cypher(
    "lock_customer",
    """
    MATCH (c:Customer {key: $customer})
    SET c.orderSequence = coalesce(c.orderSequence, 0) + 1
    RETURN c.orderSequence AS sequence
    """,
)
OWNED_IN_ORDER = Cypher(
    "owned_in_order",
    """
    UNWIND $tracks AS k
    MATCH (t:Track {key: k})
    OPTIONAL MATCH (:Customer {key: $customer})-[:MADE]->(:Purchase)-[l:LINE]->(t)
    RETURN k AS key, t{.offerFormats, .offerPrices} AS offers,
           collect(l{.format, .price}) AS lines
    """,
)


@dataclass(frozen=True, slots=True)
class Holding:
    """One track as far as an order cares: formats owned, money paid for it, its own prices."""

    formats: frozenset[str]
    paid: Decimal
    prices: Mapping[str, Decimal]

    def price(self, fmt: str, fallback: Decimal) -> Decimal:
        """Its own price in `fmt`, or `fallback` where it is not sold alone in it."""
        return self.prices.get(fmt, fallback)


NOTHING = Holding(frozenset(), Decimal(0), {})
Split = Callable[[Decimal, int], list[Decimal]]
"""`graph.purchases.split_price`, passed in so that the two modules do not import each other."""


class AlreadyOwned(Exception):  # noqa: N818  (a refusal, turned into ALREADY_OWNED by the caller)
    """The item (track key, or album key when `album`) is owned in that format already."""

    def __init__(self, key: str, album: bool) -> None:
        super().__init__(key)
        self.key = key
        self.album = album


def _holding(row: Row) -> Holding:
    lines = row.get("lines") or []
    offers = row.get("offers") or {}
    formats = offers.get("offerFormats") or []
    prices = offers.get("offerPrices") or []
    return Holding(
        formats=frozenset(line["format"] for line in lines),
        paid=sum((Decimal(line["price"]) for line in lines), Decimal(0)),
        prices={f: Decimal(p) for f, p in zip(formats, prices, strict=False)},
    )


async def lock_customer(tx: Tx, customer: str) -> None:
    """Write-lock the customer until the transaction ends: first, so every order takes its locks in one order."""
    await tx.run(LOCK_CUSTOMER, {"customer": customer})


async def holdings(tx: Tx, customer: str, tracks: Sequence[str]) -> dict[str, Holding]:
    """What the customer owns of `tracks` (call `lock_customer` first in the same transaction)."""
    rows = await tx.run(OWNED_IN_ORDER, {"customer": customer, "tracks": sorted(set(tracks))})
    return {row["key"]: _holding(row) for row in rows}


def _at_least_zero(amount: Decimal) -> Decimal:
    """The amount, or a zero with its decimal places ("0.00", not "0")."""
    return max(amount, amount.copy_abs() * 0)


def _track_line(line: PurchaseLineRecord, held: Holding) -> PurchaseLineRecord:
    if line.format in held.formats:
        raise AlreadyOwned(line.track_key, album=False)
    if not held.formats:
        return line
    return replace(line, price=_at_least_zero(line.price - held.paid), kind=UPGRADE)


def _album_lines(
    lines: Sequence[PurchaseLineRecord], owned: Mapping[str, Holding], split: Split
) -> list[PurchaseLineRecord]:
    fmt, album_key = lines[0].format, lines[0].album_key
    assert album_key is not None
    have = [line for line in lines if fmt in owned.get(line.track_key, NOTHING).formats]
    if not have:
        return list(lines)
    rest = [line for line in lines if line not in have]
    if not rest:
        raise AlreadyOwned(album_key, album=True)
    album_price = sum((line.price for line in lines), Decimal(0))
    credit = sum((owned[line.track_key].price(fmt, line.price) for line in have), Decimal(0))
    singles = sum((owned.get(line.track_key, NOTHING).price(fmt, line.price) for line in rest), Decimal(0))
    price = _at_least_zero(min(album_price - credit, singles))
    return [replace(line, price=p, kind=COMPLETION) for line, p in zip(rest, split(price, len(rest)), strict=True)]


def settle(lines: Sequence[PurchaseLineRecord], owned: Mapping[str, Holding], split: Split) -> list[PurchaseLineRecord]:
    """The order's lines, in order, after what the customer owns; raises AlreadyOwned."""
    albums: dict[str, list[PurchaseLineRecord]] = {}
    for line in lines:
        if line.album_key is not None:
            albums.setdefault(line.album_key, []).append(line)
    out: list[PurchaseLineRecord] = []
    for line in lines:
        if line.album_key is None:
            out.append(_track_line(line, owned.get(line.track_key, NOTHING)))
        elif line is albums[line.album_key][0]:
            out.extend(_album_lines(albums[line.album_key], owned, split))
    return out
