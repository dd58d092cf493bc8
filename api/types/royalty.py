"""RoyaltyStatement and RoyaltyLine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.offer import Money
from graph.royalties import AlbumRoyalty, Statement

if TYPE_CHECKING:
    from api.types.album import Album
    from api.types.label import Label


@strawberry.type(description="One album's sales in the period; royalties rounded half-up to the cent.")
class RoyaltyLine:
    units: int = strawberry.field(description="Units of this album sold in the period (purchase lines).")
    gross: Money = strawberry.field(description="What buyers paid for them.")
    royalties_due: Money = strawberry.field(
        description="What is owed to the rights holders, rounded half-up to the cent."
    )
    album_key: strawberry.Private[str]

    @classmethod
    def of(cls, line: AlbumRoyalty, currency: str) -> RoyaltyLine:
        """The GraphQL line of an album's royalty."""
        return cls(
            units=line.units,
            gross=Money(amount=line.gross, currency=currency),
            royalties_due=Money(amount=line.royalties_due, currency=currency),
            album_key=line.album_key,
        )

    @strawberry.field(description="The album sold.")
    async def album(self, info: Info) -> Annotated[Album, strawberry.lazy("api.types.album")]:
        from api.types.album import Album

        row = await info.context.loaders.album.load(self.album_key)
        assert row is not None, f"royalty line of a missing album {self.album_key}"
        return Album.from_row(row)


@strawberry.type(description="A label's sales in one currency; royaltiesDue is the sum of the lines' rounded amounts.")
class RoyaltyStatement:
    units: int = strawberry.field(description="Units sold in the period, all albums (purchase lines).")
    gross: Money = strawberry.field(description="What buyers paid, all albums.")
    royalties_due: Money = strawberry.field(description="What is owed: the sum of the lines' rounded amounts.")
    lines: list[RoyaltyLine] = strawberry.field(description="One line per album that sold in the period.")
    label_key: strawberry.Private[str]

    @classmethod
    def of(cls, statement: Statement) -> RoyaltyStatement:
        """The GraphQL statement of a computed one."""
        currency = statement.currency
        return cls(
            units=statement.units,
            gross=Money(amount=statement.gross, currency=currency),
            royalties_due=Money(amount=statement.royalties_due, currency=currency),
            lines=[RoyaltyLine.of(line, currency) for line in statement.lines],
            label_key=statement.label_key,
        )

    @strawberry.field(description="The label the statement is for.")
    async def label(self, info: Info) -> Annotated[Label, strawberry.lazy("api.types.label")]:
        from api.types.label import Label

        row = await info.context.loaders.label.load(self.label_key)
        assert row is not None, f"statement of a missing label {self.label_key}"
        return Label.from_row(row)
