"""Buying: each order one idempotent write transaction (the history reads are `graph.purchase_history`).

A purchase is priced inside its own transaction from the offers, rights and royalty rate in
force at that moment, and stored through `graph.purchase_writes.write_purchases` (which also counts the
units into popularity); its sales go to the change feed's outbox (`graph.changes`) in the same
transaction, for partners' webhooks. The customer is write-locked first, so their orders run one at a time and
each sees what the one before bought (`graph.ownership`); then the idempotency key is claimed, by
MERGE on a uniquely constrained `(:IdempotencyKey {key})` node: a racing duplicate blocks on that node until the first
transaction ends, then finds it and returns the first purchase instead of buying again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from graph import changes
from graph.catalog import Row
from graph.currencies import smallest_unit
from graph.driver import Cypher, Graph, Tx
from graph.ownership import AlreadyOwned, holdings, lock_customer, settle
from graph.prices import prices_in
from graph.purchase_writes import purchase_params, write_purchases
from graph.release import PurchaseLineRecord, PurchaseRecord
from graph.rights import on_sale

MAX_ITEMS = 100
KEY_SEPARATOR = "\u0000"

CLAIM_IDEMPOTENCY_KEY = Cypher(
    "claim_idempotency_key",
    """
    MERGE (k:IdempotencyKey {key: $key})
    ON CREATE SET k.purchaseKey = $purchaseKey, k.createdAt = $now
    RETURN k.purchaseKey AS purchaseKey
    """,
)
PURCHASE_WITH_LINES = Cypher(
    "purchase_with_lines",
    """
    MATCH (p:Purchase {key: $key})
    CALL (p) {
      OPTIONAL MATCH (p)-[l:LINE]->(t:Track)
      WITH l, t ORDER BY l.position
      RETURN collect(l{.*, trackKey: t.key}) AS lines
    }
    RETURN p{.*} AS row, lines
    """,
)
ITEMS_FOR_SALE = Cypher(
    "items_for_sale",
    """
    UNWIND $tracks AS k
    OPTIONAL MATCH (t:Track {key: k})-[:ON_ALBUM]->(a:Album)
    RETURN 'Track' AS kind, k AS key, t{.key, .offerFormats, .offerPrices} AS track,
           a{.key, .currency, .territories, .rightsStart, .rightsEnd, .royaltyRate,
             .offerFormats, .offerPrices, .priceLists, .priceFallback} AS album, [] AS tracks
    UNION ALL
    UNWIND $albums AS k
    OPTIONAL MATCH (a:Album {key: k})
    CALL (a) {
      OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a)
      WHERE size(coalesce(t.offerFormats, [])) > 0
      WITH t ORDER BY t.discNumber, t.trackNumber, t.key
      RETURN collect(t.key) AS tracks
    }
    RETURN 'Album' AS kind, k AS key, null AS track,
           a{.key, .currency, .territories, .rightsStart, .rightsEnd, .royaltyRate,
             .offerFormats, .offerPrices, .priceLists, .priceFallback} AS album, tracks
    """,
)


class RejectCode(StrEnum):
    """Why a purchase was refused (the contract's PurchaseRejectCode)."""

    NOT_FOUND = "NOT_FOUND"
    NOT_LICENSED_IN_TERRITORY = "NOT_LICENSED_IN_TERRITORY"
    FORMAT_UNAVAILABLE = "FORMAT_UNAVAILABLE"
    INVALID_INPUT = "INVALID_INPUT"
    ALREADY_OWNED = "ALREADY_OWNED"


@dataclass(frozen=True, slots=True)
class Item:
    """One thing asked for: a Track or a whole Album, in a format; `ref` is the client's ID."""

    kind: str
    key: str
    format: str
    ref: str


@dataclass(frozen=True, slots=True)
class Order:
    """A customer's purchase request."""

    customer_key: str
    territory: str
    idempotency_key: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused purchase: nothing was written."""

    code: RejectCode
    message: str
    item_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Bought:
    """A stored purchase (`replayed` when its idempotency key had bought it before)."""

    row: Row
    lines: list[Row]
    replayed: bool = False


class _Refused(Exception):  # noqa: N818  (a control-flow signal, not an error)
    """Raised inside the transaction so that it rolls back, claimed key and all."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.message)
        self.rejection = rejection


def idempotency_node_key(customer_key: str, idempotency_key: str) -> str:
    """The key of the node that makes (customer, idempotency key) buy at most once."""
    return f"{customer_key}{KEY_SEPARATOR}{idempotency_key}"


def check_order(order: Order) -> Rejection | None:
    """INVALID_INPUT problems visible without the graph (empty, too many, duplicates, blank key)."""
    if not order.idempotency_key.strip():
        return Rejection(RejectCode.INVALID_INPUT, "idempotencyKey must not be blank")
    if not order.items:
        return Rejection(RejectCode.INVALID_INPUT, "items must not be empty")
    if len(order.items) > MAX_ITEMS:
        return Rejection(RejectCode.INVALID_INPUT, f"at most {MAX_ITEMS} items, got {len(order.items)}")
    seen: set[tuple[str, str]] = set()
    for item in order.items:
        if (item.kind, item.key) in seen:
            return Rejection(RejectCode.INVALID_INPUT, "an item is listed twice", item.ref)
        seen.add((item.kind, item.key))
    return None


def split_price(total: Decimal, parts: int, unit: Decimal | None = None) -> list[Decimal]:
    """`total` in `parts` shares of whole `unit`s (default: cents, or finer) that sum exactly to it."""
    unit = unit or Decimal(1).scaleb(min(-2, int(total.as_tuple().exponent)))
    units = int(total / unit)
    base, extra = divmod(units, parts)
    return [(base + (1 if i < extra else 0)) * unit for i in range(parts)]


def _item_lines(item: Item, found: Row, territory: str, today: date) -> list[PurchaseLineRecord]:
    album = found.get("album")
    sold = found.get("track") if item.kind == "Track" else album
    if album is None or sold is None:
        raise _Refused(Rejection(RejectCode.NOT_FOUND, f"no {item.kind} with this ID", item.ref))
    chosen = prices_in(album, territory)
    if chosen is None or not on_sale(album, territory, today):
        raise _Refused(Rejection(
            RejectCode.NOT_LICENSED_IN_TERRITORY, f"this {item.kind} is not on sale in {territory}", item.ref
        ))
    price = chosen.price(sold, item.format, "album" if item.kind == "Album" else "track")
    tracks = [sold["key"]] if item.kind == "Track" else found.get("tracks") or []
    if price is None or not tracks:
        raise _Refused(Rejection(
            RejectCode.FORMAT_UNAVAILABLE, f"this {item.kind} is not offered in {item.format}", item.ref
        ))
    rate = Decimal(album.get("royaltyRate") or "0")
    album_key = album["key"] if item.kind == "Album" else None
    return [
        PurchaseLineRecord(track_key=t, format=item.format, price=p, royalty_rate=rate, album_key=album_key)
        for t, p in zip(tracks, split_price(price, len(tracks), smallest_unit(chosen.currency)), strict=True)
    ]


def price_order(order: Order, rows: Sequence[Row], today: date) -> tuple[list[PurchaseLineRecord], str]:
    """The lines and currency of an order at today's offers; raises _Refused."""
    found = {(r["kind"], r["key"]): r for r in rows}
    lines: list[PurchaseLineRecord] = []
    currencies: set[str] = set()
    seen_tracks: set[str] = set()
    for item in order.items:
        row = found.get((item.kind, item.key), {})
        item_lines = _item_lines(item, row, order.territory, today)
        if seen_tracks & {line.track_key for line in item_lines}:
            raise _Refused(Rejection(
                RejectCode.INVALID_INPUT, "a track is bought twice (alone and in its album)", item.ref
            ))
        seen_tracks.update(line.track_key for line in item_lines)
        currencies.add(_charged_in(row["album"], order.territory))
        lines.extend(item_lines)
    if len(currencies) > 1:
        raise _Refused(Rejection(RejectCode.INVALID_INPUT, f"items priced in several currencies: {sorted(currencies)}"))
    return lines, currencies.pop()


async def _after_ownership(tx: Tx, order: Order, lines: list[PurchaseLineRecord]) -> list[PurchaseLineRecord]:
    owned = await holdings(tx, order.customer_key, [line.track_key for line in lines])
    try:
        return settle(lines, owned, split_price)
    except AlreadyOwned as taken:
        kind = "Album" if taken.album else "Track"
        ref = next((i.ref for i in order.items if (i.kind, i.key) == (kind, taken.key)), None)
        message = f"this {kind} is already owned in that format; nothing was charged"
        raise _Refused(Rejection(RejectCode.ALREADY_OWNED, message, ref)) from None


def _charged_in(album: Mapping[str, Any], territory: str) -> str:
    """The currency the album's buyers in `territory` pay (its items were priced by _item_lines)."""
    chosen = prices_in(album, territory)
    return chosen.currency if chosen is not None else album.get("currency") or "USD"


async def _stored(tx: Tx, purchase_key: str) -> Bought:
    rows = await tx.run(PURCHASE_WITH_LINES, {"key": purchase_key})
    return Bought(rows[0]["row"], rows[0]["lines"], replayed=True)


async def _buy_in(tx: Tx, order: Order, now: datetime) -> Bought:
    new_key = str(uuid.uuid4())
    await lock_customer(tx, order.customer_key)
    claim = {"key": idempotency_node_key(order.customer_key, order.idempotency_key),
             "purchaseKey": new_key, "now": now}
    claimed = (await tx.run(CLAIM_IDEMPOTENCY_KEY, claim))[0]["purchaseKey"]
    if claimed != new_key:
        return await _stored(tx, claimed)
    tracks = [i.key for i in order.items if i.kind == "Track"]
    albums = [i.key for i in order.items if i.kind == "Album"]
    rows = await tx.run(ITEMS_FOR_SALE, {"tracks": tracks, "albums": albums})
    lines, currency = price_order(order, rows, now.date())
    lines = await _after_ownership(tx, order, lines)
    record = PurchaseRecord(
        key=new_key, customer_key=order.customer_key, purchased_at=now, territory=order.territory,
        currency=currency, lines=tuple(lines), idempotency_key=order.idempotency_key,
    )
    await write_purchases(tx, [record])
    await changes.record_sale(tx, record)
    params = purchase_params(record)
    row = {k: params[k] for k in ("key", "customerKey", "purchasedAt", "territory", "currency", "total",
                                  "idempotencyKey")}
    return Bought(row, [{k: v for k, v in line.items() if v is not None} for line in params["lines"]])


async def buy(graph: Graph, order: Order, now: datetime) -> Bought | Rejection:
    """Price and store an order in one write transaction (retried on transient errors).

    The same (customer, idempotency key) returns the purchase it made first, whatever the items;
    a rejected order writes nothing, so its key stays free.
    """
    if (problem := check_order(order)) is not None:
        return problem

    async def work(tx: Tx) -> Bought:
        return await _buy_in(tx, order, now)

    try:
        return await graph.transaction(work)
    except _Refused as refused:
        return refused.rejection


