"""RoyaltyStatement and its lines: by album, by track and by territory."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.offer import Money
from graph.royalties import Share, Statement

if TYPE_CHECKING:
    from api.types.album import Album
    from api.types.album_group import Label
    from api.types.track import Track

SHARED = (
    "royaltiesDue is its share of its album's rounded royalties (cumulative rounding, within a cent "
    "of the exact share), so these lines add up to the statement's total exactly."
)


@strawberry.type(
    description="One album's sales in the period; royalties rounded half-up to the currency's minor unit "
    "(the cent; the yen)."
)
class RoyaltyLine:
    units: int = strawberry.field(description="Units of this album sold in the period (purchase lines).")
    gross: Money = strawberry.field(description="What buyers paid for them.")
    royalties_due: Money = strawberry.field(
        description="What is owed to the rights holders, rounded half-up to the currency's minor unit."
    )
    album_key: strawberry.Private[str]

    @classmethod
    def of(cls, line: Share, currency: str) -> RoyaltyLine:
        """The GraphQL line of an album's royalty."""
        return cls(
            units=line.units,
            gross=Money.of(line.gross, currency),
            royalties_due=Money.of(line.royalties_due, currency),
            album_key=line.key,
        )

    @strawberry.field(description="The album sold.")
    async def album(self, info: Info) -> Annotated[Album, strawberry.lazy("api.types.album")]:
        from api.types.album import Album

        row = await info.context.loaders.album.load(self.album_key)
        assert row is not None, f"royalty line of a missing album {self.album_key}"
        return Album.from_row(row)


@strawberry.type(description="One track's sales in the period, in the statement's currency. " + SHARED)
class RoyaltyTrackLine:
    units: int = strawberry.field(description="Units of the track sold (alone or with its album).")
    gross: Money = strawberry.field(description="Gross sales of the track, exact.")
    royalties_due: Money = strawberry.field(description="The track's share of its album's royalties.")
    track_key: strawberry.Private[str]

    @strawberry.field(description="The track sold.")
    async def track(self, info: Info) -> Annotated[Track, strawberry.lazy("api.types.track")]:
        from api.types.track import Track

        row = await info.context.loaders.track.load(self.track_key)
        assert row is not None, f"royalty line of a missing track {self.track_key}"
        return Track.from_row(row)


@strawberry.type(description="Sales in one territory in the period, in the statement's currency. " + SHARED)
class RoyaltyTerritoryLine:
    territory: str = strawberry.field(description="Where the buyers were: ISO 3166-1 alpha-2, e.g. GB.")
    units: int = strawberry.field(description="Units sold in the territory.")
    gross: Money = strawberry.field(description="Gross sales in the territory, exact.")
    royalties_due: Money = strawberry.field(description="The territory's share of the royalties.")


@strawberry.type(description="A label's sales in one currency; royaltiesDue is the sum of the lines' rounded amounts.")
class RoyaltyStatement:
    units: int = strawberry.field(description="Units sold in the period, all albums (purchase lines).")
    gross: Money = strawberry.field(description="What buyers paid, all albums.")
    royalties_due: Money = strawberry.field(description="What is owed: the sum of the lines' rounded amounts.")
    lines: list[RoyaltyLine] = strawberry.field(description="One line per album that sold in the period.")
    by_track: list[RoyaltyTrackLine] = strawberry.field(
        description="The same sales per track, largest gross first; units, gross and royaltiesDue add up "
        "to the statement's."
    )
    by_territory: list[RoyaltyTerritoryLine] = strawberry.field(
        description="The same sales per territory, largest gross first; units, gross and royaltiesDue add "
        "up to the statement's."
    )
    label_key: strawberry.Private[str]

    @classmethod
    def of(cls, statement: Statement) -> RoyaltyStatement:
        """The GraphQL statement of a computed one."""
        currency = statement.currency

        def money(amount: Decimal) -> Money:
            return Money.of(amount, currency)

        return cls(
            units=statement.units,
            gross=money(statement.gross),
            royalties_due=money(statement.royalties_due),
            lines=[RoyaltyLine.of(line, currency) for line in statement.albums],
            by_track=[RoyaltyTrackLine(units=s.units, gross=money(s.gross), royalties_due=money(s.royalties_due),
                                       track_key=s.key) for s in statement.tracks],
            by_territory=[RoyaltyTerritoryLine(territory=s.key, units=s.units, gross=money(s.gross),
                                               royalties_due=money(s.royalties_due)) for s in statement.territories],
            label_key=statement.label_key,
        )

    @strawberry.field(description="The label the statement is for.")
    async def label(self, info: Info) -> Annotated[Label, strawberry.lazy("api.types.album_group")]:
        from api.types.album_group import Label

        row = await info.context.loaders.label.load(self.label_key)
        assert row is not None, f"statement of a missing label {self.label_key}"
        return Label.from_row(row)
