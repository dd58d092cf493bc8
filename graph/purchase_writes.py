"""Customer and purchase writes: customers upserted, purchases created once with their lines,
and the units they sell added to popularity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from graph import territory_sales
from graph.bulk_rows import Rows
from graph.currencies import decimal_text
from graph.driver import Cypher, Graph, Tx
from graph.release import CustomerRecord, PurchaseRecord
from graph.territory_sales import territory_units

UPSERT_CUSTOMERS = Cypher(
    "upsert_customers",
    """
    CYPHER replan=skip
    UNWIND $customers AS c
    MERGE (x:Customer {key: c.key})
    SET x.country = c.country, x.name = c.name, x.email = c.email
    RETURN count(x) AS written
    """,
)

EXISTING_PURCHASES = Cypher(
    "existing_purchases",
    """
    CYPHER replan=skip
    UNWIND $keys AS k
    MATCH (p:Purchase {key: k})
    RETURN p.key AS key
    """,
)

# Lines in the same statement as their purchase: no second index seek per line to find it again.
# The instant travels as epoch seconds and nanoseconds: the driver's own conversion of a Python
# datetime cost more client CPU than everything else in a purchase row.
CREATE_PURCHASES = Cypher(
    "create_purchases",
    """
    CYPHER replan=skip
    UNWIND $purchases AS p
    MATCH (c:Customer {key: p.customerKey})
    CREATE (c)-[:MADE]->(x:Purchase {
      key: p.key, purchasedAt: datetime({epochSeconds: p.epochSeconds, nanosecond: p.nanosecond}),
      territory: p.territory, currency: p.currency,
      total: p.total, idempotencyKey: p.idempotencyKey, customerKey: p.customerKey})
    WITH x, p
    UNWIND p.lines AS line
    MATCH (t:Track {key: line.trackKey})
    CREATE (x)-[:LINE {position: line.position, format: line.format, price: line.price,
                       royaltyRate: line.royaltyRate, albumKey: line.albumKey, kind: line.kind}]->(t)
    """,
)

ADD_POPULARITY = Cypher(
    "add_popularity",
    """
    CYPHER replan=skip
    UNWIND $counts AS c
    MATCH (t:Track {key: c.key})-[:ON_ALBUM]->(a:Album)
    SET t.popularity = coalesce(t.popularity, 0) + c.units
    WITH a, sum(c.units) AS units
    SET a.popularity = coalesce(a.popularity, 0) + units
    WITH a, units
    MATCH (a)-[:BY]->(ar:Artist)
    WITH ar, sum(units) AS units
    SET ar.popularity = coalesce(ar.popularity, 0) + units
    RETURN count(ar) AS artists
    """,
)

async def upsert_customers(graph: Graph, customers: Sequence[CustomerRecord]) -> int:
    """Create or update customers; returns how many were written."""
    params = [{"key": c.key, "country": c.country, "name": c.name, "email": c.email} for c in customers]
    rows = await graph.write(UPSERT_CUSTOMERS, {"customers": params})
    return int(rows[0]["written"]) if rows else 0


def purchase_params(purchase: PurchaseRecord) -> dict[str, Any]:
    """The Cypher parameter map of one purchase, its total summed exactly."""
    total = sum((line.price for line in purchase.lines), Decimal(0))
    return {
        "key": purchase.key,
        "customerKey": purchase.customer_key,
        "purchasedAt": purchase.purchased_at,
        "territory": purchase.territory,
        "currency": purchase.currency,
        "total": decimal_text(total),
        "idempotencyKey": purchase.idempotency_key,
        "lines": [
            {
                "position": i,
                "trackKey": line.track_key,
                "format": line.format,
                "price": decimal_text(line.price),
                "royaltyRate": decimal_text(line.royalty_rate),
                "albumKey": line.album_key,
                "kind": line.kind,
            }
            for i, line in enumerate(purchase.lines)
        ],
    }


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def statement_row(purchase: PurchaseRecord) -> dict[str, Any]:
    """The row CREATE_PURCHASES takes for one purchase (its instant as epoch seconds and nanoseconds)."""
    row = purchase_params(purchase)
    since = row.pop("purchasedAt") - EPOCH
    row["epochSeconds"] = since.days * 86_400 + since.seconds
    row["nanosecond"] = since.microseconds * 1_000
    return row


@dataclass(frozen=True, slots=True)
class PreparedPurchases:
    """A batch of purchases as statement rows (each with its lines)."""

    purchases: list[dict[str, Any]]

    @classmethod
    def of(cls, purchases: Iterable[PurchaseRecord]) -> PreparedPurchases:
        """The rows of a batch."""
        return cls(Rows(statement_row(p) for p in purchases))

    def without(self, stored: set[str]) -> PreparedPurchases:
        """The batch less the purchases already stored."""
        return PreparedPurchases(Rows(p for p in self.purchases if p["key"] not in stored)) if stored else self

    def track_keys(self) -> set[str]:
        """The tracks the batch sells."""
        return {line["trackKey"] for p in self.purchases for line in p["lines"]}

    def units(self) -> Rows:
        """Units sold per track, as ADD_POPULARITY takes them."""
        units = Counter(line["trackKey"] for p in self.purchases for line in p["lines"])
        return Rows({"key": k, "units": n} for k, n in units.items())


async def create_purchases(tx: Tx, batch: PreparedPurchases, count_units: bool = True) -> int:
    """Inside a transaction: create a batch none of which is stored yet and (unless told not to) count its units."""
    if not batch.purchases:
        return 0
    await tx.run(CREATE_PURCHASES, {"purchases": batch.purchases})
    if count_units and (units := batch.units()):
        await tx.run(ADD_POPULARITY, {"counts": units})
        await tx.run(territory_sales.ADD_UNITS, {"counts": territory_units(batch.purchases)})
    return len(batch.purchases)


async def write_prepared_purchases(tx: Tx, batch: PreparedPurchases, count_units: bool = True) -> int:
    """Inside a transaction: create the purchases not yet stored and (unless told not to) count their units."""
    rows = await tx.run(EXISTING_PURCHASES, {"keys": Rows(p["key"] for p in batch.purchases)})
    return await create_purchases(tx, batch.without({row["key"] for row in rows}), count_units)


async def insert_prepared_purchases(graph: Graph, batch: PreparedPurchases, count_units: bool = True) -> int:
    """Store one prepared batch of purchases in one transaction; ones already stored are skipped.

    Without `count_units` popularity is left alone: a history import recounts it once at the end
    (`graph.popularity`).
    """

    async def work(tx: Tx) -> int:
        return await write_prepared_purchases(tx, batch, count_units)

    return await graph.transaction(work)


async def insert_purchases(graph: Graph, purchases: Sequence[PurchaseRecord]) -> int:
    """Store one batch of purchases in one transaction; ones already stored are skipped."""
    return await insert_prepared_purchases(graph, PreparedPurchases.of(purchases))
