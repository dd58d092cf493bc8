"""Root fields of the store: `viewer`, `royaltyStatement` and the `purchase` mutation."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from api.auth import PURCHASES_WRITE, require_customer, unknown_customer
from api.context import Info
from api.descriptions import enum_value
from api.errors import ApiError
from api.ids import from_global
from api.lookahead import asked_fields
from api.royalty_reads import readable_statement
from api.territory import territory_argument
from api.types.customer import Customer, customer_of
from api.types.offer import Format
from api.types.purchase import Purchase
from api.types.royalty import RoyaltyStatement
from graph import purchases
from graph.purchases import Item, Order, RejectCode, Rejection

SOLD_TYPES = ("Track", "Album")


@strawberry.enum(description="Why a purchase was refused.")
class PurchaseRejectCode(Enum):
    NOT_FOUND = enum_value("NOT_FOUND", description="An item's ID names no track or album.")
    NOT_LICENSED_IN_TERRITORY = enum_value(
        "NOT_LICENSED_IN_TERRITORY", description="An item is not on sale in the territory today."
    )
    FORMAT_UNAVAILABLE = enum_value(
        "FORMAT_UNAVAILABLE", description="An item is not offered in the format asked for."
    )
    ALREADY_OWNED = enum_value(
        "ALREADY_OWNED",
        description="The customer already owns an item in the format asked for (a track, or every track of an "
        "album). Another format of an owned track is an upgrade, not this; see PurchaseLine.kind.",
    )
    INVALID_INPUT = enum_value(
        "INVALID_INPUT",
        description="The input is wrong: no items or over 100, an item twice, a blank idempotencyKey, a "
        "malformed ID or one of something not for sale, or a territory other than the customer's country.",
    )


@strawberry.type(description="A refused purchase: nothing was bought or charged.")
class PurchaseRejected:
    code: PurchaseRejectCode = strawberry.field(description="Why, as a code to act on.")
    message: str = strawberry.field(description="Why, in words for a developer (not localised).")
    item_id: strawberry.ID | None = strawberry.field(
        description="The item at fault, as sent in `items[].id`; null when the whole order is at fault."
    )

    @classmethod
    def of(cls, rejection: Rejection) -> PurchaseRejected:
        """The GraphQL form of a rejection."""
        item = strawberry.ID(rejection.item_ref) if rejection.item_ref is not None else None
        return cls(code=PurchaseRejectCode(rejection.code.value), message=rejection.message, item_id=item)


PurchaseResult = Annotated[
    Purchase | PurchaseRejected,
    strawberry.union(
        "PurchaseResult", description="The purchase made, or why nothing was bought (a business refusal, not an error)."
    ),
]


@strawberry.input(description="One thing to buy: a track alone, or an album whole.")
class PurchaseItemInput:
    id: strawberry.ID = strawberry.field(description="A Track or Album ID.")
    format: Format = strawberry.field(description="The format to buy; one of the item's `offers`.")


@strawberry.input(description="An order: what to buy, where, and a key that makes retrying safe.")
class PurchaseInput:
    items: list[PurchaseItemInput] = strawberry.field(
        description="What to buy: 1 to 100 items, each once (otherwise INVALID_INPUT)."
    )
    territory: str = strawberry.field(
        description="The customer's own country (ISO 3166-1 alpha-2, any case); another country is INVALID_INPUT, "
        "a malformed or unassigned code BAD_REQUEST naming input.territory."
    )
    idempotency_key: str = strawberry.field(
        description="A key unique to this order, chosen by the client (a UUID, say). Sending the same key "
        "again never buys twice: it returns the first result."
    )


def _item(given: PurchaseItemInput) -> Item | Rejection:
    try:
        type_name, key = from_global(given.id)
    except ApiError:
        return Rejection(RejectCode.INVALID_INPUT, "not a valid ID", given.id)
    if type_name not in SOLD_TYPES:
        return Rejection(RejectCode.INVALID_INPUT, f"a {type_name} is not for sale (only tracks and albums)", given.id)
    return Item(type_name, key, given.format.value, given.id)


def _order(customer: Customer, given: PurchaseInput) -> Order | Rejection:
    territory = territory_argument(given.territory, "input.territory")
    if territory != customer.country:
        return Rejection(RejectCode.INVALID_INPUT, f"territory must be the customer's country ({customer.country})")
    items: list[Item] = []
    for each in given.items:
        item = _item(each)
        if isinstance(item, Rejection):
            return item
        items.append(item)
    return Order(customer.key, territory, given.idempotency_key, tuple(items))


@strawberry.type(description="Reads that need a token.")
class StoreQuery:
    """Reads that need a token."""

    @strawberry.field(
        description="The customer named by the bearer token; null without one. A token whose `sub` is not a "
        "Customer ID (a partner token) gets FORBIDDEN; a Customer ID of no customer, UNAUTHENTICATED."
    )
    async def viewer(self, info: Info) -> Customer | None:
        if info.context.viewer is None:
            return None
        customer_key = require_customer(info.context.viewer)
        if "recommendations" in asked_fields(info, "Customer"):
            # the panel's first read brings the customer row too: one round trip, not two
            await info.context.loaders.customer_taste.load(customer_key)
        customer = await customer_of(info, customer_key)
        if customer is None:
            raise unknown_customer()
        return customer

    @strawberry.field(
        description="Units, gross sales and royalties owed to a label's rights holders in a period "
        "(UTC days, both inclusive). Needs the royalties:read scope (UNAUTHENTICATED without a token, "
        "FORBIDDEN without the scope) and a token whose `labels` claim names the label (or the admin "
        "scope): any other label is FORBIDDEN, whether it exists or not. `currency` picks one when the "
        "label sold in several (otherwise BAD_REQUEST); an unknown label is NOT_FOUND."
    )
    async def royalty_statement(
        self,
        info: Info,
        label: Annotated[strawberry.ID, strawberry.argument(description="A Label ID.")],
        from_: Annotated[
            date, strawberry.argument(name="from", description="The first day of the period (UTC), inclusive.")
        ],
        to: Annotated[
            date,
            strawberry.argument(
                description="The last day of the period (UTC), inclusive; before `from` is BAD_REQUEST."
            ),
        ],
        currency: Annotated[
            str | None,
            strawberry.argument(
                description='ISO 4217 code (any case, e.g. "EUR"): which currency\'s sales, when the label sold '
                "in several; may be omitted when it sold in one."
            ),
        ] = None,
    ) -> RoyaltyStatement:
        found = await readable_statement(info.context.graph, info.context.viewer, label, from_, to, currency)
        return RoyaltyStatement.of(found)


@strawberry.type(description="Buying.")
class StoreMutation:
    """Buying."""

    @strawberry.mutation(
        description="The viewer buys tracks or whole albums; the same idempotencyKey never buys twice "
        "and returns the first result (even if the items differ). Needs a customer token with the "
        "purchases:write scope (UNAUTHENTICATED without a token, FORBIDDEN otherwise). `territory` must be the "
        "customer's country (else INVALID_INPUT); a release not licensed there is NOT_LICENSED_IN_TERRITORY. "
        "What the customer owns counts: the same format again is ALREADY_OWNED, another format an UPGRADE at the "
        "difference, an album partly owned a COMPLETION charging only the rest (see `PurchaseLine.kind`)."
    )
    async def purchase(
        self, info: Info, input: Annotated[PurchaseInput, strawberry.argument(description="The order.")]
    ) -> PurchaseResult:
        customer_key = require_customer(info.context.viewer, PURCHASES_WRITE)
        customer = await customer_of(info, customer_key)
        if customer is None:
            raise unknown_customer()
        order = _order(customer, input)
        if isinstance(order, Rejection):
            return PurchaseRejected.of(order)
        async with info.context.services.purchase_gate:
            outcome = await purchases.buy(info.context.graph, order, info.context.now)
        if isinstance(outcome, Rejection):
            return PurchaseRejected.of(outcome)
        return Purchase.from_row(outcome.row, outcome.lines)
