"""Customers' purchase history: customers and purchases by key, their lines, and keyset pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict

from graph.driver import Cypher, Graph
from graph.pages import Page, customer_pages


class CustomerRow(TypedDict):
    """A customer as CUSTOMERS_BY_KEYS reads it."""

    key: str
    country: str


# Functional syntax: the keys are the graph's camelCase property names.
class PurchaseRow(TypedDict, total=False):
    key: Required[str]
    purchasedAt: Any
    territory: str
    currency: str
    total: str
    idempotencyKey: str
    customerKey: str
class PurchaseLineRow(TypedDict, total=False):
    position: Required[int]
    format: Required[str]
    price: Required[str]
    royaltyRate: Required[str]
    trackKey: Required[str]
    albumKey: str
    kind: str
    downloads: int
    lastDownloadAt: Any

CUSTOMERS_BY_KEYS = Cypher(
    "customers_by_keys",
    "UNWIND $keys AS k MATCH (n:Customer {key: k}) RETURN k AS key, n{.key, .country} AS row",
)

PURCHASES_BY_KEYS = Cypher(
    "purchases_by_keys", "UNWIND $keys AS k MATCH (p:Purchase {key: k}) RETURN k AS key, p{.*} AS row"
)

PURCHASE_LINES = Cypher(
    "purchase_lines",
    """
    UNWIND $keys AS k
    MATCH (:Purchase {key: k})-[l:LINE]->(t:Track)
    WITH k, l, t ORDER BY l.position
    RETURN k AS key, collect(l{.*, trackKey: t.key}) AS rows
    """,
)

# Newest first, ties by key descending; backward (`last`), oldest first from the end or `before`.
_PURCHASE_PAGE = """
    UNWIND $requests AS req
    CALL (req) {
      MATCH (:Customer {key: req.customer})-[:MADE]->(p:Purchase)
      WITH p, p.purchasedAt.epochMillis AS v
      WHERE (req.after IS NULL OR v < req.after.v OR (v = req.after.v AND p.key < req.after.k))
        AND (req.before IS NULL OR v > req.before.v OR (v = req.before.v AND p.key > req.before.k))
      WITH p, v ORDER BY v {direction}, p.key {direction}
      LIMIT $limit
      RETURN collect({row: p{.*}, v: v}) AS page
    }
    RETURN req.id AS id, page
"""

PURCHASE_PAGE = Cypher("purchase_page", _PURCHASE_PAGE.replace("{direction}", "DESC"))

PURCHASE_PAGE_BACKWARD = Cypher("purchase_page", _PURCHASE_PAGE.replace("{direction}", "ASC"))

PURCHASE_COUNTS = Cypher(
    "purchase_counts",
    "UNWIND $keys AS k MATCH (:Customer {key: k})-[:MADE]->(p:Purchase) RETURN k AS key, count(p) AS total",
)


@dataclass(frozen=True, slots=True)
class PurchasePageRequest:
    """One page of one customer's purchases, newest first (backward: nearest `before` or the end, oldest first)."""

    customer: str
    after: tuple[int, str] | None
    limit: int
    before: tuple[int, str] | None = None
    backward: bool = False


async def purchase_pages(graph: Graph, requests: Sequence[PurchasePageRequest]) -> list[Page]:
    """Many customers' purchase pages, one query per distinct page size and direction."""
    return await customer_pages(graph, requests, (PURCHASE_PAGE, PURCHASE_PAGE_BACKWARD), lambda _: {})


async def purchase_counts(graph: Graph, customer_keys: Sequence[str]) -> list[int]:
    """How many purchases each customer made."""
    found = {r["key"]: int(r["total"]) for r in await graph.read(PURCHASE_COUNTS, {"keys": list(set(customer_keys))})}
    return [found.get(k, 0) for k in customer_keys]
