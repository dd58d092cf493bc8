"""The Recommendation type and the `recommend(seeds:)` root field for baskets and visitors."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.descriptions import ListFirst, SaleTerritory
from api.recommendations import Pick, for_seeds
from api.types.track import Track


@strawberry.type(description="A recommended track, its score (higher is better) and why.")
class Recommendation:
    track: Track = strawberry.field(description="The recommended track.")
    score: float = strawberry.field(
        description="How strong the recommendation is: higher is better; comparable only within one answer."
    )
    because_keys: strawberry.Private[list[str]]

    @classmethod
    def of(cls, pick: Pick) -> Recommendation:
        """A Recommendation from a pick of api.recommendations."""
        return cls(track=Track.from_row(pick.row), score=pick.score, because_keys=pick.because)

    @strawberry.field(
        description="Why: purchased or seed tracks that led here, strongest first "
        "(may be empty for cold-start picks)."
    )
    async def because(self, info: Info) -> list[Track]:
        rows = await info.context.loaders.track.load_many(self.because_keys)
        return [Track.from_row(r) for r in rows if r is not None]


@strawberry.type(description="Recommendations for anyone: no token needed.")
class RecommendQuery:
    """Recommendations for anyone: no token needed."""

    @strawberry.field(
        description="'You may also like' for a basket or a visitor without an account: "
        "recommendations from seed tracks or albums."
    )
    async def recommend(
        self,
        info: Info,
        seeds: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description="Up to 100 Track or Album IDs (a basket, a page being viewed); more is BAD_REQUEST "
                "naming `seeds`, as is an ID of another type. Seeds are never recommended back."
            ),
        ],
        first: ListFirst = None,
        territory: SaleTerritory = None,
    ) -> list[Recommendation]:
        return [Recommendation.of(p) for p in await for_seeds(info, seeds, first, territory)]
