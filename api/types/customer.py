"""The Customer type and who may resolve a Customer by its ID."""

from __future__ import annotations

from typing import Any

import strawberry

from api.auth import forbidden_record, require_viewer
from api.context import Info
from api.errors import ApiError
from api.ids import to_global
from api.pagination import BeforeArgument, Connection, LastArgument, connection, decode_cursors, page_args
from api.types.node import Node, resolves
from api.types.purchase import Purchase
from api.types.recommendation import Recommendation
from graph.catalog import Row
from graph.purchases import PurchasePageRequest


@strawberry.type(description="A store customer; visible only to themself (and admins).")
class Customer(Node):
    id: strawberry.ID
    country: str = strawberry.field(description='ISO 3166-1 alpha-2, e.g. "GB".')
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Row) -> Customer:
        """A Customer from its graph row."""
        return cls(id=strawberry.ID(to_global("Customer", row["key"])), country=row["country"], key=row["key"])

    @strawberry.field(description="Newest first.")
    async def purchases(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Connection[Purchase]:
        viewer = require_viewer(info.context.viewer)
        if not viewer.may_read_customer(self.key):
            raise forbidden_record("Customer")
        # The customer's key is part of the order label, so a cursor of one customer's list
        # is refused on another's.
        order = f"purchasedAt:DESC:{self.key}"
        args = page_args(first, after, last, before)
        after_key, before_key = decode_cursors(args, order)
        request = PurchasePageRequest(self.key, after_key, args.size + 1, before_key, args.backward)
        page = await info.context.loaders.purchase_page.load(request)
        return connection(page, args, order, Purchase.from_row,
                          lambda: info.context.loaders.purchase_count.load(self.key))

    @strawberry.field(description="Tracks this customer may like: never owned, on sale in `territory` "
                      "(default: their country).")
    async def recommendations(
        self, info: Info, first: int | None = None, territory: str | None = None
    ) -> list[Recommendation]:
        from api.recommendations import for_customer

        picks = await for_customer(info, self.key, self.country, first, territory)
        return [Recommendation.of(p) for p in picks]


async def customer_of(info: Info, key: str) -> Customer | None:
    """The customer with this key, or None."""
    row = await info.context.loaders.customer.load(key)
    return Customer.from_row(row) if row else None


@resolves("Customer")
async def _customers(info: Info, keys: list[str]) -> list[Any]:
    """Customers by key: the viewer's own, or any for an admin; FORBIDDEN otherwise."""
    try:
        viewer = require_viewer(info.context.viewer)
    except ApiError as missing:
        return [missing] * len(keys)
    rows = await info.context.loaders.customer.load_many(keys)
    return [
        (Customer.from_row(row) if row else None) if viewer.may_read_customer(key) else forbidden_record("Customer")
        for key, row in zip(keys, rows, strict=True)
    ]
