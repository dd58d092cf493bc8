"""Customers' purchase history: customers and purchases by key, their lines, and keyset pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.driver import Cypher, Graph
from graph.pages import Page

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


def _cursor(cursor: tuple[int, str] | None) -> dict[str, Any] | None:
    return {"v": cursor[0], "k": cursor[1]} if cursor else None


async def purchase_pages(graph: Graph, requests: Sequence[PurchasePageRequest]) -> list[Page]:
    """Many customers' purchase pages, one query per distinct page size and direction."""
    groups: dict[tuple[int, bool], list[int]] = {}
    for i, req in enumerate(requests):
        groups.setdefault((req.limit, req.backward), []).append(i)
    out = [Page([], []) for _ in requests]
    for (limit, backward), indexes in groups.items():
        params = [{"id": i, "customer": requests[i].customer, "after": _cursor(requests[i].after),
                   "before": _cursor(requests[i].before)} for i in indexes]
        query = PURCHASE_PAGE_BACKWARD if backward else PURCHASE_PAGE
        for rec in await graph.read(query, {"requests": params, "limit": limit}):
            out[rec["id"]] = Page([p["row"] for p in rec["page"]], [p["v"] for p in rec["page"]])
    return out


async def purchase_counts(graph: Graph, customer_keys: Sequence[str]) -> list[int]:
    """How many purchases each customer made."""
    found = {r["key"]: int(r["total"]) for r in await graph.read(PURCHASE_COUNTS, {"keys": list(set(customer_keys))})}
    return [found.get(k, 0) for k in customer_keys]
