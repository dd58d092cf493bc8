"""The Image type: a picture at one size (album covers)."""

from __future__ import annotations

import strawberry


@strawberry.type(description="An image at one size.")
class Image:
    url: str = strawberry.field(
        description="Where to fetch it (JPEG). The URL carries a content version, so it may be cached forever."
    )
    width: int = strawberry.field(description="Width in pixels.")
    height: int = strawberry.field(description="Height in pixels.")
