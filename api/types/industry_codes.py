"""Root fields that look releases and recordings up by the industry codes partners hold: UPC and ISRC."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.industry_codes import MAX_CODES, code_list, stored_isrc, stored_upc
from api.types.album import Album
from api.types.track import Track
from graph.industry_codes import albums_by_upcs, tracks_by_isrcs

UPCS = (
    f"UPCs to look up, at most {MAX_CODES}: UPC-A (12 digits) or EAN-13 (13 digits) forms of a code "
    "find the same album. A malformed code (not 12-13 digits, wrong GS1 check digit) is BAD_REQUEST "
    "naming `upcs` and its index, so a typo is never mistaken for an unknown album."
)
ISRCS = (
    f"ISRCs to look up, at most {MAX_CODES}: any case, with or without hyphens (GB-ABC-26-00001 = "
    "gbabc2600001). A malformed code is BAD_REQUEST naming `isrcs` and its index."
)


@strawberry.type
class IndustryCodeQuery:
    """Bulk lookups by UPC and ISRC."""

    @strawberry.field(
        description="Albums by UPC, in the order given; null where no album has the code. "
        "The whole batch is one indexed read."
    )
    async def albums_by_upc(
        self, info: Info, upcs: Annotated[list[str], strawberry.argument(description=UPCS)]
    ) -> list[Album | None]:
        rows = await albums_by_upcs(info.context.graph, code_list(upcs, "upcs", stored_upc))
        info.context.loaders.remember("albums", [r for r in rows if r is not None])
        return [Album.from_row(r) if r is not None else None for r in rows]

    @strawberry.field(
        description="Tracks by ISRC, in the order given; null where no track has the code. "
        "The whole batch is one indexed read."
    )
    async def tracks_by_isrc(
        self, info: Info, isrcs: Annotated[list[str], strawberry.argument(description=ISRCS)]
    ) -> list[Track | None]:
        rows = await tracks_by_isrcs(info.context.graph, code_list(isrcs, "isrcs", stored_isrc))
        info.context.loaders.remember("tracks", [r for r in rows if r is not None])
        return [Track.from_row(r) if r is not None else None for r in rows]
