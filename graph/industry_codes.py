"""Albums by UPC and tracks by ISRC: the industry codes partners hold, each batch one index-backed read.

Codes are looked up in the form the store keeps them (graph/importers/feed_codes.py): a UPC as 13
digits (EAN-13; a 12-digit UPC-A gains a leading 0), an ISRC as 12 uppercase characters, no hyphens.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.catalog import ALBUM_MAP, TRACK_MAP, Row, rows_by_key
from graph.driver import Cypher, Graph

# A code is meant to name one release or recording; should two share one, the lowest key answers.
# Tracks are sought in a subquery of their own: with the expansion to the album in the same MATCH, the planner
# scanned the whole ISRC index once per code where few tracks carry one (seen on the test database).
ALBUMS_BY_UPCS = Cypher(
    "albums_by_upcs",
    f"""
    UNWIND $keys AS k
    MATCH (a:Album {{upc: k}})
    WITH k, a ORDER BY a.key
    RETURN k AS key, collect({ALBUM_MAP})[0] AS row
    """,
)
TRACKS_BY_ISRCS = Cypher(
    "tracks_by_isrcs",
    f"""
    UNWIND $keys AS k
    CALL (k) {{
      MATCH (t:Track {{isrc: k}})
      RETURN t ORDER BY t.key LIMIT 1
    }}
    MATCH (t)-[:ON_ALBUM]->(a:Album)
    RETURN k AS key, {TRACK_MAP} AS row
    """,
)


async def albums_by_upcs(graph: Graph, upcs: Sequence[str]) -> list[Row | None]:
    """Album rows for stored-form UPCs, in their order; None where no album has the code."""
    return await rows_by_key(graph, ALBUMS_BY_UPCS, upcs, Row)


async def tracks_by_isrcs(graph: Graph, isrcs: Sequence[str]) -> list[Row | None]:
    """Track rows for stored-form ISRCs, in their order; None where no track has the code."""
    return await rows_by_key(graph, TRACKS_BY_ISRCS, isrcs, Row)
