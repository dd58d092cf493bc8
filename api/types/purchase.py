"""The Purchase and PurchaseLine types, and who may resolve a Purchase by its ID."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.auth import forbidden_record, require_viewer
from api.context import Info
from api.descriptions import enum_value
from api.errors import ApiError
from api.ids import to_global
from api.types.node import Node
from api.types.offer import Format, Money

if TYPE_CHECKING:
    from api.types.album import Album
    from api.types.track import Track


@strawberry.enum(description="Why a line was charged what it was.")
class PurchaseLineKind(Enum):
    PURCHASE = enum_value(
        "PURCHASE", description="A track bought alone at its price, or a share of an album bought whole."
    )
    UPGRADE = enum_value(
        "UPGRADE",
        description="Another format of a track already owned: its price less all already paid for the track, "
        "never below zero.",
    )
    COMPLETION = enum_value(
        "COMPLETION",
        description="A track completing an album partly owned in that format: a share of the album price less "
        "the owned tracks' own prices (or of the remaining tracks' own prices, if lower), never below zero.",
    )


@strawberry.type(description="One track sold, at the price in force then.")
class PurchaseLine:
    format: Format = strawberry.field(description="The format bought.")
    price: Money = strawberry.field(
        description="What this track cost, at the price in force then: its own price, or its share of an album "
        "bought whole (the shares sum to the album's price)."
    )
    kind: PurchaseLineKind = strawberry.field(description="Why it cost `price`: a purchase, an upgrade, a completion.")
    track_key: strawberry.Private[str]
    album_key: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Mapping[str, Any], currency: str) -> PurchaseLine:
        """A line from its stored LINE relationship."""
        return cls(
            format=Format(row["format"]),
            price=Money.of(Decimal(row["price"]), currency),
            kind=PurchaseLineKind(row.get("kind") or "PURCHASE"),
            track_key=row["trackKey"],
            album_key=row.get("albumKey"),
        )

    @strawberry.field(description="The track bought.")
    async def track(self, info: Info) -> Annotated[Track, strawberry.lazy("api.types.track")]:
        from api.types.track import Track

        row = await info.context.loaders.track.load(self.track_key)
        assert row is not None, f"purchase line of a missing track {self.track_key}"
        return Track.from_row(row)

    @strawberry.field(description="The album this track was bought with as a whole; null when bought alone.")
    async def album(self, info: Info) -> Annotated[Album, strawberry.lazy("api.types.album")] | None:
        from api.types.album import Album

        row = await info.context.loaders.album.load(self.album_key) if self.album_key else None
        return Album.from_row(row) if row else None


@strawberry.type(
    description="A completed sale. Visible only to its customer's token (or `admin` scope); through "
    "`node(id:)` anyone else gets FORBIDDEN, even for an ID that does not exist."
)
class Purchase(Node):
    id: strawberry.ID = strawberry.field(description='The global ID (base64 of "Purchase:<key>").')
    purchased_at: datetime = strawberry.field(description="When it was bought (UTC).")
    territory: str = strawberry.field(description="The country it was sold in (ISO 3166-1 alpha-2).")
    total: Money = strawberry.field(description="What the customer paid in all: the sum of the lines.")
    key: strawberry.Private[str]
    customer_key: strawberry.Private[str]
    stored_lines: strawberry.Private[Sequence[Mapping[str, Any]] | None]

    @classmethod
    def from_row(cls, row: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] | None = None) -> Purchase:
        """A Purchase from its graph row (and its lines when already at hand)."""
        return cls(
            id=strawberry.ID(to_global("Purchase", row["key"])),
            purchased_at=row["purchasedAt"],
            territory=row["territory"],
            total=Money.of(Decimal(row["total"]), row["currency"]),
            key=row["key"],
            customer_key=row["customerKey"],
            stored_lines=lines,
        )

    @strawberry.field(description="One line per track sold (an album bought whole gives a line per track).")
    async def lines(self, info: Info) -> list[PurchaseLine]:
        rows = self.stored_lines
        if rows is None:
            rows = await info.context.loaders.purchase_lines.load(self.key)
        return [PurchaseLine.from_row(r, self.total.currency) for r in rows]


async def purchase_nodes(info: Info, keys: list[str]) -> list[Any]:
    """Purchases by key: FORBIDDEN unless the viewer's own (absent ones too) or an admin's."""
    try:
        viewer = require_viewer(info.context.viewer)
    except ApiError as missing:
        return [missing] * len(keys)
    rows = await info.context.loaders.purchase.load_many(keys)
    out: list[Any] = []
    for row in rows:
        if viewer.is_admin:
            out.append(Purchase.from_row(row) if row else None)
        elif row is None or row["customerKey"] != viewer.customer_key:
            out.append(forbidden_record("Purchase"))
        else:
            out.append(Purchase.from_row(row))
    return out
