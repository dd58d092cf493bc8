"""The Customer type and who may resolve a Customer by its ID."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import strawberry

from api.auth import forbidden_record, require_viewer
from api.context import Info
from api.descriptions import BAD_TERRITORY, After, Before, First, Last, ListFirst
from api.errors import ApiError
from api.ids import to_global
from api.pagination import Connection, connection, decode_cursors, page_args
from api.types.library import LibraryFilterInput, LibraryItem, library_of
from api.types.node import Node
from api.types.purchase import Purchase
from api.types.recommendation import Recommendation
from graph.purchase_history import PurchasePageRequest


@strawberry.type(
    description="A store customer. Visible only with a customer token for them (its `sub` is this "
    "customer's `id`) or a token with the `admin` scope: UNAUTHENTICATED without a token, FORBIDDEN otherwise."
)
class Customer(Node):
    id: strawberry.ID = strawberry.field(
        description='The global ID (base64 of "Customer:<key>"; Chinook: the CustomerId). A customer token\'s '
        "`sub` claim is this value."
    )
    country: str = strawberry.field(description='ISO 3166-1 alpha-2, e.g. "GB".')
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Customer:
        """A Customer from its graph row."""
        return cls(id=strawberry.ID(to_global("Customer", row["key"])), country=row["country"], key=row["key"])

    @strawberry.field(
        description="This customer's purchases, newest first. Needs a token for this customer (or `admin`): "
        "UNAUTHENTICATED without one, FORBIDDEN for anyone else."
    )
    async def purchases(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
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

    @strawberry.field(
        description="The tracks this customer owns, each with its formats, newest first (by when first "
        "bought; ties by id, descending); `last`/`before` page backward. Albums show as their tracks (see "
        "`Album.viewerOwnership`). Needs a token for this customer (or `admin`), as `purchases` does."
    )
    async def library(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            LibraryFilterInput | None, strawberry.argument(description="Only one format, or one album.")
        ] = None,
    ) -> Connection[LibraryItem]:
        viewer = require_viewer(info.context.viewer)
        if not viewer.may_read_customer(self.key):
            raise forbidden_record("Customer")
        return await library_of(info, self.key, first, after, last, before, filter)

    @strawberry.field(
        description="Tracks this customer may like, best first: never one they own, on sale in `territory` "
        "(default: their country). Without purchases: what sells best there."
    )
    async def recommendations(
        self,
        info: Info,
        first: ListFirst = None,
        territory: Annotated[
            str | None,
            strawberry.argument(
                description='Only tracks on sale today in this country (ISO 3166-1 alpha-2, any case); '
                "the customer's own country when omitted. " + BAD_TERRITORY
            ),
        ] = None,
    ) -> list[Recommendation]:
        from api.recommendations import for_customer

        picks = await for_customer(info, self.key, self.country, first, territory)
        return [Recommendation.of(p) for p in picks]


async def customer_of(info: Info, key: str) -> Customer | None:
    """The customer with this key, or None."""
    row = await info.context.loaders.customer.load(key)
    return Customer.from_row(row) if row else None


async def customer_nodes(info: Info, keys: list[str]) -> list[Any]:
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
