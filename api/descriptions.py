"""Descriptions the schema shares: common arguments, and enum values that carry their own."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Annotated, cast

import strawberry
from strawberry.types.enum import has_enum_definition

First = Annotated[
    int | None,
    strawberry.argument(
        description="How many items to return: 0 to 100, 20 when omitted. More than 100 or a negative "
        "number is a BAD_REQUEST error naming `first`, never a silent truncation."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor: an edge's `cursor` (or `pageInfo.endCursor`) from an earlier "
        "page of the same list in the same order. A string that is not such a cursor is BAD_REQUEST "
        "naming `after`. Omitted: the first page."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: the last n items (0 to 100) of the list, or of those before `before`. "
        "Not together with `first` (BAD_REQUEST naming `last`); more than 100 or a negative number is "
        "BAD_REQUEST naming `last`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="End before this cursor: an edge's `cursor` (or `pageInfo.startCursor`) from an earlier "
        "page of the same list in the same order; with `after` too, the items between the two. A string "
        "that is not such a cursor is BAD_REQUEST naming `before`."
    ),
]
BAD_TERRITORY = (
    'Anything but two letters naming an assigned country ("usa", "XX", "UK": GB is meant) is BAD_REQUEST '
    "naming the argument."
)
OfferTerritory = Annotated[
    str | None,
    strawberry.argument(
        description='The buyer\'s country, ISO 3166-1 alpha-2, any case ("GB"). With it: only what is '
        "licensed there today. Without it: what is on sale today in at least one country (the rights "
        "window covers today), whatever the country. " + BAD_TERRITORY
    ),
]
SaleTerritory = Annotated[
    str | None,
    strawberry.argument(
        description='Only what is on sale today in this country (ISO 3166-1 alpha-2, any case, e.g. "GB"). '
        "Omitted: no country restriction. " + BAD_TERRITORY
    ),
]
RequiredTerritory = Annotated[
    str,
    strawberry.argument(description='A country, ISO 3166-1 alpha-2, any case (e.g. "GB"). ' + BAD_TERRITORY),
]
ListFirst = Annotated[
    int | None,
    strawberry.argument(
        description="How many to return, best first: 0 to 100, 20 when omitted; more than 100 or a negative "
        "number is BAD_REQUEST naming `first`. Fewer may come back."
    ),
]


def enum_value(value: str, description: str) -> str:
    """An enum member's value with its schema description; typed as the str strawberry turns it back into."""
    return cast(str, strawberry.enum_value(value, description=description))


def described_enum(cls: type[Enum], name: str, description: str, values: Mapping[str, str]) -> None:
    """Expose an enum defined outside the API (in graph/) as the schema's `name`, each value described."""
    strawberry.enum(cls, name=name, description=description)
    assert has_enum_definition(cls)
    for value in cls.__strawberry_definition__.values:
        value.description = values[value.name]
