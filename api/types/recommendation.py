"""The Recommendation type and the `recommend(seeds:)` root field for baskets and visitors."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.recommendations import Pick, for_seeds
from api.types.track import Track


@strawberry.type(description="A recommended track, its score (higher is better) and why.")
class Recommendation:
    track: Track
    score: float
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


@strawberry.type
class RecommendQuery:
    """Recommendations for anyone: no token needed."""

    @strawberry.field(
        description="'You may also like' for a basket or a visitor without an account: "
        "recommendations from seed tracks or albums."
    )
    async def recommend(
        self, info: Info, seeds: list[strawberry.ID], first: int | None = None, territory: str | None = None
    ) -> list[Recommendation]:
        return [Recommendation.of(p) for p in await for_seeds(info, seeds, first, territory)]
