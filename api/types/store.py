"""Root fields of the store: `viewer`, `royaltyStatement` and the `purchase` mutation."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from api.auth import PURCHASES_WRITE, require_customer
from api.context import Info
from api.errors import ApiError, Code
from api.ids import from_global
from api.royalty_reads import readable_statement
from api.types.customer import Customer, customer_of
from api.types.offer import Format
from api.types.purchase import Purchase
from api.types.royalty import RoyaltyStatement
from graph import purchases
from graph.purchases import Item, Order, RejectCode, Rejection

SOLD_TYPES = ("Track", "Album")


@strawberry.enum(description="Why a purchase was refused.")
class PurchaseRejectCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_LICENSED_IN_TERRITORY = "NOT_LICENSED_IN_TERRITORY"
    FORMAT_UNAVAILABLE = "FORMAT_UNAVAILABLE"
    INVALID_INPUT = "INVALID_INPUT"


@strawberry.type(description="A refused purchase: nothing was bought or charged.")
class PurchaseRejected:
    code: PurchaseRejectCode
    message: str
    item_id: strawberry.ID | None

    @classmethod
    def of(cls, rejection: Rejection) -> PurchaseRejected:
        """The GraphQL form of a rejection."""
        item = strawberry.ID(rejection.item_ref) if rejection.item_ref is not None else None
        return cls(code=PurchaseRejectCode(rejection.code.value), message=rejection.message, item_id=item)


PurchaseResult = Annotated[Purchase | PurchaseRejected, strawberry.union("PurchaseResult")]


@strawberry.input
class PurchaseItemInput:
    id: strawberry.ID
    format: Format


@strawberry.input
class PurchaseInput:
    items: list[PurchaseItemInput]
    territory: str
    idempotency_key: str


def _item(given: PurchaseItemInput) -> Item | Rejection:
    try:
        type_name, key = from_global(given.id)
    except ApiError:
        return Rejection(RejectCode.INVALID_INPUT, "not a valid ID", given.id)
    if type_name not in SOLD_TYPES:
        return Rejection(RejectCode.INVALID_INPUT, f"a {type_name} is not for sale (only tracks and albums)", given.id)
    return Item(type_name, key, given.format.value, given.id)


def _order(customer: Customer, given: PurchaseInput) -> Order | Rejection:
    territory = given.territory.strip().upper()
    if territory != customer.country:
        return Rejection(RejectCode.INVALID_INPUT, f"territory must be the customer's country ({customer.country})")
    items: list[Item] = []
    for each in given.items:
        item = _item(each)
        if isinstance(item, Rejection):
            return item
        items.append(item)
    return Order(customer.key, territory, given.idempotency_key, tuple(items))


@strawberry.type
class StoreQuery:
    """Reads that need a token."""

    @strawberry.field(description="The customer named by the bearer token; null without one.")
    async def viewer(self, info: Info) -> Customer | None:
        viewer = info.context.viewer
        if viewer is None or viewer.customer_key is None:
            return None
        return await customer_of(info, viewer.customer_key)

    @strawberry.field(
        description="Units, gross sales and royalties owed to a label's rights holders in a period "
        "(UTC days, both inclusive). Needs the royalties:read scope and a token whose `labels` claim "
        "names the label (or the admin scope); any other label is FORBIDDEN, whether it exists or not. "
        "`currency` picks one when the label sold in several (otherwise BAD_REQUEST)."
    )
    async def royalty_statement(
        self,
        info: Info,
        label: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        currency: str | None = None,
    ) -> RoyaltyStatement:
        found = await readable_statement(info.context.graph, info.context.viewer, label, from_, to, currency)
        return RoyaltyStatement.of(found)


@strawberry.type
class StoreMutation:
    """Buying."""

    @strawberry.mutation(
        description="The viewer buys tracks or whole albums; the same idempotencyKey never buys twice "
        "and returns the first result (even if the items differ)."
    )
    async def purchase(self, info: Info, input: PurchaseInput) -> PurchaseResult:
        customer_key = require_customer(info.context.viewer, PURCHASES_WRITE)
        customer = await customer_of(info, customer_key)
        if customer is None:
            raise ApiError(Code.UNAUTHENTICATED, "The token names a customer that does not exist.")
        order = _order(customer, input)
        if isinstance(order, Rejection):
            return PurchaseRejected.of(order)
        outcome = await purchases.buy(info.context.graph, order, info.context.now)
        if isinstance(outcome, Rejection):
            return PurchaseRejected.of(outcome)
        return Purchase.from_row(outcome.row, outcome.lines)
