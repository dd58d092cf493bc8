"""Relay connections: page sizes, opaque keyset cursors, edges and page info."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

import orjson
import strawberry

from api.context import Info
from api.descriptions import enum_value
from api.errors import bad_argument
from graph.pages import Page, PageRequest

DEFAULT_FIRST = 20
MAX_FIRST = 100
MAX_CURSOR = 1024
"""Longest cursor: those made here hold one sort value and one key."""
NodeT = TypeVar("NodeT")


@strawberry.enum(description="Ascending or descending; ties are always broken by id, ascending.")
class SortDirection(Enum):
    """Ascending or descending; ties are always broken by id, ascending."""

    ASC = enum_value("ASC", description="Smallest first: A to Z, oldest first, least popular first.")
    DESC = enum_value("DESC", description="Largest first: Z to A, newest first, most popular first.")


def page_size(first: int | None, argument: str = "first") -> int:
    """`first`, defaulted and checked: 0..100, never silently truncated."""
    if first is None:
        return DEFAULT_FIRST
    if first < 0:
        raise bad_argument(argument, f"must not be negative, got {first}")
    if first > MAX_FIRST:
        raise bad_argument(argument, f"may not exceed {MAX_FIRST}, got {first}")
    return first


@dataclass(frozen=True, slots=True)
class PageArgs:
    """A page as the Relay arguments ask for it: its size, which end it is taken from, its cursors."""

    size: int
    backward: bool
    after: str | None = None
    before: str | None = None


def page_args(first: int | None, after: str | None, last: int | None = None, before: str | None = None) -> PageArgs:
    """The page `first`/`after`/`last`/`before` ask for; BAD_REQUEST naming the argument otherwise.

    As the Relay cursor connections spec has it: `after` and `before` bound the list from both
    sides, then `first` takes from the start of what is left, or `last` from its end. One page
    cannot be both, so `first` with `last` is refused.
    """
    if last is None:
        return PageArgs(page_size(first), False, after, before)
    if first is not None:
        raise bad_argument("last", "give `first` (paging forward) or `last` (paging backward), not both")
    return PageArgs(page_size(last, "last"), True, after, before)


def encode_cursor(order: str, value: Any, key: str) -> str:
    """An opaque cursor holding the sort value and key of a row, and the order it belongs to."""
    tagged = ["d", value.isoformat()] if isinstance(value, date) else ["v", value]
    return base64.urlsafe_b64encode(orjson.dumps([order, tagged, key])).decode()


def decode_cursor(cursor: str | None, order: str, argument: str = "after") -> tuple[Any, str] | None:
    """(sort value, key) of a cursor made for `order`; BAD_REQUEST otherwise."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR:
        raise bad_argument(argument, "not a cursor of this list")
    try:
        made_for, (tag, value), key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if tag == "d":
            value = date.fromisoformat(value)
        elif not isinstance(value, str | int | float | None):
            raise TypeError(value)
    except (binascii.Error, ValueError, TypeError, RecursionError):
        raise bad_argument(argument, "not a cursor of this list") from None
    if made_for != order or not isinstance(key, str):
        raise bad_argument(argument, "the cursor belongs to a list in another order")
    return value, key


@strawberry.type(description="Where a page stands in its list (Relay cursor connections).")
class PageInfo:
    """Where a page stands in its list."""

    has_next_page: bool = strawberry.field(
        description="More items follow this page: ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (true whenever `after` was given)."
    )
    start_cursor: str | None = strawberry.field(description="The cursor of the first edge; null on an empty page.")
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last edge, to pass as `after` for the next page; null on an empty page."
    )


@strawberry.type(description="An item of a page and its cursor.")
class Edge(Generic[NodeT]):
    """A node and its cursor."""

    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` to continue after this item, in the same list and order only."
    )
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of a list that can grow (a Relay cursor connection): `first` items after `after`."
)
class Connection(Generic[NodeT]):
    """A page of a list that can grow."""

    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page, in the list's order.")
    page_info: PageInfo = strawberry.field(description="Whether more pages follow, and the cursors to reach them.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds (all pages), under the same filter.")
    async def total_count(self) -> int:
        return await self.count()


def connection(
    page: Page,
    args: PageArgs,
    order: str,
    make: Callable[[dict[str, Any]], NodeT],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    """A connection from a page fetched with one row more than asked (that row says 'more').

    Backward, the page arrived last row first: it is reversed into the list's order.
    """
    rows: Sequence[dict[str, Any]] = page.rows[: args.size]
    values: Sequence[Any] = page.values[: args.size]
    if args.backward:
        rows, values = rows[::-1], values[::-1]
    edges = [
        Edge(cursor=encode_cursor(order, value, row["key"]), node=make(row))
        for row, value in zip(rows, values, strict=False)
    ]
    more = len(page.rows) > args.size
    # Relay: a cursor on one side says there are items beyond it (its own row at least).
    info = PageInfo(
        has_next_page=(more and not args.backward) or args.before is not None,
        has_previous_page=(more and args.backward) or args.after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info, count=count)


def decode_cursors(args: PageArgs, order: str) -> tuple[tuple[Any, str] | None, tuple[Any, str] | None]:
    """(after, before) of a page as (sort value, key) pairs; BAD_REQUEST naming a cursor of another list."""
    return decode_cursor(args.after, order, "after"), decode_cursor(args.before, order, "before")


class Ordering(Protocol):
    """An `orderBy` input: a sort field and a direction."""

    @property
    def field(self) -> Enum: ...

    @property
    def direction(self) -> SortDirection: ...


class Filtering(Protocol):
    """A `filter` input: its conditions as graph parameters."""

    def as_params(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class CatalogList(Generic[NodeT]):
    """One of the catalog's keyset-paged lists (albums, artists, tracks): its entity, default order and nodes."""

    entity: str
    default_order: str
    make: Callable[[dict[str, Any]], NodeT]

    async def connection(
        self, info: Info, params: dict[str, Any], order: Ordering | None, args: PageArgs
    ) -> Connection[NodeT]:
        """A page of the list under filter parameters and an order, batched per request."""
        field = order.field.value if order else self.default_order
        descending = bool(order and order.direction is SortDirection.DESC)
        label = f"{field}:{'DESC' if descending else 'ASC'}"
        after, before = decode_cursors(args, label)
        request = PageRequest(self.entity, params, field, descending, after, args.size + 1, before, args.backward)
        page = await info.context.loaders.page.load(request)
        info.context.loaders.remember(self.entity, page.rows)
        return connection(page, args, label, self.make, lambda: info.context.loaders.count.load((self.entity, params)))

    async def filtered(
        self, info: Info, filter: Filtering | None, order: Ordering | None, args: PageArgs
    ) -> Connection[NodeT]:
        """A page of the list under a root field's `filter` (none: the whole list)."""
        return await self.connection(info, filter.as_params() if filter else {}, order, args)
